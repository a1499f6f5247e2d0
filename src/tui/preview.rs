//! The preview's state: the sample contacts, their scores under the current model and under
//! the baseline, the what-if comparison, and the rows the table shows (filtered and sorted).
//!
//! Every number comes from the engine: a `Scorer` per loaded table (its cached columns make a
//! weight edit cost only the sums), `whatif::compare`, `insight`. A small table is scored on
//! the input thread; a large one (`WORKER_MIN_ROWS` rows or more) by a worker thread that owns
//! the `Scorer` and answers (generation, model) requests, latest wins, so typing never waits.
//! Invariant: `result` is the answer to the newest request it could be, and `pending` says
//! whether a newer one is still being computed. Views only read what is here.

use crate::contacts::Table;
use crate::engine::explain::{Explanation, explain};
use crate::engine::insight::{Cell, Move, Outcome, histogram, matrix, moves_on, outcome};
use crate::engine::metrics::{RankBuffers, Ranking};
use crate::engine::whatif::{
    Comparison, compare_counts, compare_on, main_journey, ranking, ranking_against,
};
use crate::engine::{Scored, Scorer};
use crate::export::backtest::{
    CalibrationBand, CapacityProposal, DateSpans, calibration, tier_capacities,
};
use crate::model::Model;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::sync::{Arc, Mutex};

/// Contact sets at least this large are scored off the input thread.
pub const WORKER_MIN_ROWS: usize = 20_000;

/// From this many contacts on, the current scores are ranked on a second thread while the
/// first counts the rest of the what-if (below, a thread costs more than it saves).
const PARALLEL_RANK_ROWS: usize = 50_000;

/// Contacts files at least this large are read on a thread of their own.
pub const ASYNC_LOAD_BYTES: u64 = 8 << 20;

/// A contacts file being read on a thread of their own.
pub struct Loading {
    pub path: PathBuf,
    /// Opened from inside the designer (else named on the command line or by the model).
    pub opened: bool,
    rx: Receiver<Result<Table, String>>,
}

impl Loading {
    pub fn start(path: PathBuf, opened: bool) -> Loading {
        let (tx, rx) = channel();
        let p = path.clone();
        std::thread::spawn(move || {
            let _ = tx.send(crate::contacts::read_contacts(&p).map_err(|e| e.to_string()));
        });
        Loading { path, opened, rx }
    }

    /// The table, or why it could not be read, once the thread is done.
    pub fn poll(&self) -> Option<Result<Table, String>> {
        match self.rx.try_recv() {
            Ok(r) => Some(r),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Err(format!(
                "{}: reading stopped unexpectedly",
                self.path.display()
            ))),
        }
    }
}

/// Bins of the score distribution (0-10, ..., 90-100).
pub const BINS: usize = 10;

/// The model the deltas are measured from, with its scores once known.
#[derive(Debug)]
pub struct Baseline {
    pub model: Model,
    pub scored: Option<Arc<Scored>>,
    /// The scores' ranking on each journey (by id) a comparison needed: every later edit is
    /// compared with the same baseline, so each journey is ranked once, not per edit, also
    /// when the room switches the preview to another journey and back.
    ranking: Mutex<Vec<(String, Arc<Ranking>)>>,
    /// The scores' distribution (`BINS` bins) on each journey (by id) the preview showed, for
    /// the same reason: the baseline's side of the distribution does not change per edit.
    histogram: Mutex<Vec<(String, Vec<usize>)>>,
    /// The model's accounts file, read once when the contacts were opened (the account fields
    /// of every edit's accounts are read from it, as `score` reads them).
    pub accounts_file: Option<Arc<crate::engine::accounts::AccountsFile>>,
    /// The baseline's accounts, scored once: every edit's accounts are compared with the same
    /// ones (`tui::accounts::step`), as the ranking is kept for the same reason.
    accounts: Mutex<Option<Arc<crate::engine::accounts::ScoredAccounts>>>,
}

impl Clone for Baseline {
    fn clone(&self) -> Baseline {
        let kept = self.ranking.lock().map(|k| k.clone()).unwrap_or_default();
        let hist = self.histogram.lock().map(|k| k.clone()).unwrap_or_default();
        Baseline {
            model: self.model.clone(),
            scored: self.scored.clone(),
            ranking: Mutex::new(kept),
            histogram: Mutex::new(hist),
            accounts_file: self.accounts_file.clone(),
            accounts: Mutex::new(self.accounts.lock().ok().and_then(|a| a.clone())),
        }
    }
}

impl Baseline {
    pub fn new(model: Model, scored: Option<Arc<Scored>>) -> Baseline {
        Baseline {
            model,
            scored,
            ranking: Mutex::new(Vec::new()),
            histogram: Mutex::new(Vec::new()),
            accounts_file: None,
            accounts: Mutex::new(None),
        }
    }

    /// The baseline's accounts: `make`'s the first time, kept for every later edit.
    pub fn accounts(
        &self,
        make: impl FnOnce() -> Option<crate::engine::accounts::ScoredAccounts>,
    ) -> Option<Arc<crate::engine::accounts::ScoredAccounts>> {
        if let Some(kept) = self.accounts.lock().ok().and_then(|a| a.clone()) {
            return Some(kept);
        }
        let made = Arc::new(make()?);
        if let Ok(mut kept) = self.accounts.lock() {
            *kept = Some(made.clone());
        }
        Some(made)
    }

    /// The same baseline, its accounts read with this accounts file.
    pub fn with_accounts_file(
        mut self,
        file: Option<Arc<crate::engine::accounts::AccountsFile>>,
    ) -> Baseline {
        self.accounts_file = file;
        self
    }

    /// The distribution of `scored` (the baseline's scores) on the journey with this id (the
    /// main journey when the baseline lacks it), kept for the next edit.
    fn histogram(&self, scored: &Scored, journey: Option<&str>) -> Vec<usize> {
        let j = journey
            .and_then(|id| self.model.journeys.iter().position(|j| j.id == id))
            .or_else(|| main_journey(&self.model));
        let Some((id, col)) =
            j.and_then(|j| Some((&self.model.journeys[j].id, scored.scores.get(j)?)))
        else {
            return vec![0; BINS];
        };
        // A poisoned lock only means a thread panicked: count afresh, keep nothing.
        let Ok(mut kept) = self.histogram.lock() else {
            return histogram(col, BINS);
        };
        if let Some((_, h)) = kept.iter().find(|(k, _)| k == id) {
            return h.clone();
        }
        let h = histogram(col, BINS);
        kept.push((id.clone(), h.clone()));
        h
    }

    /// The ranking of `scored` (the baseline's scores) on `journey`, kept for the next edit.
    fn ranking(&self, scored: &Scored, journey: &str) -> Arc<Ranking> {
        let fresh = || Arc::new(ranking(&self.model, scored, journey));
        // A poisoned lock only means a ranking thread panicked: rank afresh, keep nothing.
        let Ok(mut kept) = self.ranking.lock() else {
            return fresh();
        };
        if let Some((_, r)) = kept.iter().find(|(j, _)| j == journey) {
            return r.clone();
        }
        let r = fresh();
        kept.push((journey.to_string(), r.clone()));
        r
    }
}

/// One scoring request: the model to score and the baseline to compare it with.
pub struct Job {
    pub generation: u64,
    pub model: Model,
    pub baseline: Arc<Baseline>,
    /// The id of the journey the what-if is about; `None`: the main journey.
    pub journey: Option<String>,
}

/// The answer to a `Job`: the scores and everything the preview derives from them.
#[derive(Clone, Debug)]
pub struct Computed {
    pub generation: u64,
    pub model: Model,
    pub scored: Arc<Scored>,
    /// The baseline, now with its scores.
    pub baseline: Arc<Baseline>,
    pub comparison: Comparison,
    /// Scores on the main journey in `BINS` bins, baseline and current.
    pub hist_before: Vec<usize>,
    pub hist_after: Vec<usize>,
    /// The Fit x Activity matrix of the current scores (empty without a matrix).
    pub matrix: Vec<Vec<Cell>>,
    /// The other journeys (not the comparison's): id, contacts whose score changed, and the
    /// mean change.
    pub other_journeys: Vec<(String, usize, f64)>,
    /// With an outcome: the what-if journey's current scores in bands of ten with how many
    /// of each band converted (what "leads scoring like this converted 64%" is read from).
    pub calibration: Vec<CalibrationBand>,
    /// Each tier with a `capacity:` (by index), and the threshold that fits it on the current
    /// scores, or why its periods cannot be counted.
    pub capacity: Vec<(usize, Result<CapacityProposal, String>)>,
    /// The accounts, for a model with an `accounts:` block (`tui::accounts::step`).
    pub accounts: Option<Arc<super::accounts::AccountsComputed>>,
}

/// Memory the preview's step reuses from one edit to the next, beside the scorer's own: at a
/// million contacts an edit's ranks, centred ranks, bucket scatter and deltas are 36 MB, and
/// fresh memory costs a page fault per 4 KiB. Results no longer shown give theirs back
/// (`keep`); memory something still holds (the baseline's ranks) is never taken.
#[derive(Debug, Default)]
pub struct StepBuffers {
    /// The date spans of the scorer's table, read once per load.
    pub spans: DateSpans,
    ranks: RankBuffers,
    delta: Vec<f64>,
}

impl StepBuffers {
    /// Takes back the columns of a comparison no longer shown.
    pub fn keep(&mut self, c: Comparison) {
        self.ranks.keep_ranks(c.rank_after);
        if c.delta.capacity() > self.delta.capacity() {
            self.delta = c.delta;
        }
    }
}

/// Scores a job: the baseline first when its scores are not known yet, then the model.
/// `buffers` holds the date spans of the scorer's table and the memory of earlier steps.
pub fn compute(
    scorer: &mut Scorer,
    buffers: &mut StepBuffers,
    job: Job,
    outcome: Option<&Outcome>,
) -> Computed {
    let Job {
        generation,
        model,
        baseline,
        journey,
    } = job;
    let baseline = match &baseline.scored {
        Some(_) => baseline,
        None => Arc::new(
            Baseline::new(
                baseline.model.clone(),
                Some(Arc::new(super::accounts::score_contacts(
                    scorer,
                    baseline.accounts_file.as_ref(),
                    &baseline.model,
                ))),
            )
            .with_accounts_file(baseline.accounts_file.clone()),
        ),
    };
    let before = baseline.scored.clone().unwrap_or_default();
    let scored = if model == baseline.model {
        before.clone()
    } else {
        Arc::new(super::accounts::score_contacts(
            scorer,
            baseline.accounts_file.as_ref(),
            &model,
        ))
    };
    // Ranks are what a comparison costs most at a million contacts: the baseline's are kept
    // from edit to edit (the model as opened shares them), and the current scores' are ranked
    // on a thread of their own while this one counts the distributions and the matrix.
    // The journey the what-if is about: the one asked for while the model has it, else the
    // main one.
    let journey = journey
        .filter(|id| model.journeys.iter().any(|j| &j.id == id))
        .or_else(|| main_journey(&model).map(|j| model.journeys[j].id.clone()));
    let same = Arc::ptr_eq(&before, &scored);
    let delta = std::mem::take(&mut buffers.delta);
    // The baseline's ranking first (kept from edit to edit): the current scores are ranked
    // against it, Spearman's sum taken on the way.
    let before_ranking = journey.as_deref().map(|j| baseline.ranking(&before, j));
    let (journey_ref, model_ref, scored_ref) = (journey.as_deref(), &model, &*scored);
    let base_ref = before_ranking.as_deref();
    let rank_now = |b: &mut RankBuffers| {
        let (j, base) = (journey_ref?, base_ref?);
        Some(Arc::new(ranking_against(model_ref, scored_ref, j, b, base)))
    };
    let (comparison, after_ranking, hist_before, hist_after, matrix, other_journeys) =
        std::thread::scope(|threads| {
            let ranks = &mut buffers.ranks;
            let (mut here, ranked) = if same || scored.rows < PARALLEL_RANK_ROWS {
                (Some(ranks), None)
            } else {
                (None, Some(threads.spawn(move || rank_now(ranks))))
            };
            let hist_before = baseline.histogram(&before, journey.as_deref());
            let hist_after = match journey
                .as_ref()
                .and_then(|id| model.journeys.iter().position(|j| &j.id == id))
                .or_else(|| main_journey(&model))
                .and_then(|j| scored.scores.get(j))
            {
                Some(col) => histogram(col, BINS),
                None => vec![0; BINS],
            };
            let matrix = matrix(&model, &scored, outcome);
            let other_journeys = model
                .journeys
                .iter()
                .enumerate()
                .filter(|(_, j)| Some(&j.id) != journey.as_ref())
                .filter_map(|(ja, j)| {
                    let jb = baseline.model.journeys.iter().position(|b| b.id == j.id)?;
                    let (a, b) = (scored.scores.get(ja)?, before.scores.get(jb)?);
                    // Changed and the summed change in one pass, summed in row order.
                    let (mut changed, mut sum) = (0usize, 0.0);
                    for (x, y) in a.iter().zip(b) {
                        let d = x - y;
                        changed += usize::from(d.abs() > 1e-9);
                        sum += d;
                    }
                    Some((j.id.clone(), changed, sum / a.len().max(1) as f64))
                })
                .collect::<Vec<_>>();
            let (comparison, after_ranking) = match (&journey, &before_ranking) {
                (Some(j), Some(before_ranking)) => {
                    // What does not read ranks is counted while the other thread ranks.
                    let counts =
                        compare_counts(&baseline.model, &before, &model, &scored, Some(j), delta);
                    let after_ranking = match ranked {
                        // A ranking thread that failed is ranked again here.
                        Some(thread) => thread.join().ok().flatten(),
                        None if same => Some(before_ranking.clone()),
                        None => here.take().and_then(rank_now),
                    }
                    .unwrap_or_else(|| Arc::new(ranking(&model, &scored, j)));
                    let c = match counts {
                        Some(c) => c.with_ranks(before_ranking, &after_ranking),
                        // (The model has the journey: `journey` was chosen from it.)
                        None => Comparison {
                            rows: before.rows.min(scored.rows),
                            ..Comparison::default()
                        },
                    };
                    (c, Some(after_ranking))
                }
                _ => (
                    compare_on(&baseline.model, &before, &model, &scored, None),
                    None,
                ),
            };
            (
                comparison,
                after_ranking,
                hist_before,
                hist_after,
                matrix,
                other_journeys,
            )
        });
    // The current ranking's centred ranks are the step's alone: kept for the next one.
    if let Some(r) = after_ranking.and_then(|r| Arc::try_unwrap(r).ok()) {
        buffers.ranks.keep(r);
    }
    let calibration = match (
        outcome,
        model
            .journeys
            .iter()
            .position(|j| j.id == comparison.journey),
    ) {
        (Some(o), Some(j)) => calibration(&scored.scores[j], &o.values),
        _ => Vec::new(),
    };
    let values = outcome.map_or(&[][..], |o| &o.values[..]);
    let capacity = tier_capacities(&model, &scored, scorer.table(), &mut buffers.spans, values);
    let accounts = super::accounts::step(scorer, &baseline, &model).map(Arc::new);
    Computed {
        generation,
        model,
        scored,
        baseline,
        comparison,
        hist_before,
        hist_after,
        matrix,
        other_journeys,
        calibration,
        capacity,
        accounts,
    }
}

/// What the input thread hands back to the worker once a result is no longer shown: the
/// scores (for the scorer's columns) and the comparison (for the step's buffers).
struct Returned {
    /// `None` when the scores are still shown (as the baseline).
    scored: Option<Arc<Scored>>,
    comparison: Option<Comparison>,
}

/// A thread that owns a `Scorer` and answers the newest request it has been sent.
struct Worker {
    jobs: Sender<Job>,
    results: Receiver<Computed>,
    /// Results no longer shown, handed back so the scorer writes the next one into them.
    returns: Sender<Returned>,
}

impl Worker {
    fn spawn(table: Arc<Table>, outcome: Option<Arc<Outcome>>) -> Worker {
        let (jobs, job_rx) = channel::<Job>();
        let (result_tx, results) = channel();
        let (returns, return_rx) = channel::<Returned>();
        std::thread::spawn(move || {
            let mut scorer = Scorer::new(table).coded();
            let mut buffers = StepBuffers::default();
            let mut first = true;
            while let Ok(mut job) = job_rx.recv() {
                // Latest wins: requests that queued up while scoring are superseded.
                while let Ok(newer) = job_rx.try_recv() {
                    job = newer;
                }
                while let Ok(old) = return_rx.try_recv() {
                    if let Some(scored) = old.scored.and_then(|s| Arc::try_unwrap(s).ok()) {
                        scorer.recycle(scored);
                    }
                    if let Some(c) = old.comparison {
                        buffers.keep(c);
                    }
                }
                let out = compute(&mut scorer, &mut buffers, job, outcome.as_deref());
                if result_tx.send(out).is_err() {
                    break;
                }
                // The numbers are on their way: now code the columns this edit computed.
                scorer.compact();
                if first {
                    // The first scoring coded every attainment column it computed dense.
                    give_back_freed_memory();
                    first = false;
                }
            }
        });
        Worker {
            jobs,
            results,
            returns,
        }
    }
}

enum Engine {
    /// The scorer, with the step's buffers (and the date spans of its table).
    Inline(Box<Scorer>, Box<StepBuffers>),
    Worker(Worker),
}

/// A column of the contacts table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Col {
    Id,
    /// One of the model's `show` columns.
    Show(usize),
    /// A journey's score.
    Score(usize),
    /// The change of the main journey's score against the baseline.
    Delta,
    /// Places moved up the ranking (negative: down).
    Rank,
    Grade(usize),
    Rating,
    Tier,
    Segment,
    Action,
}

/// What the table is narrowed to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    /// Part of the id, a shown column, the tier, segment, rating or action (any case).
    pub text: String,
    pub tier: Option<String>,
    pub segment: Option<String>,
    pub rating: Option<String>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }

    /// The filter in a few words: `text 'abc', tier hot`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.text.is_empty() {
            parts.push(format!("text '{}'", self.text));
        }
        for (what, v) in [
            ("tier", &self.tier),
            ("segment", &self.segment),
            ("rating", &self.rating),
        ] {
            if let Some(v) = v {
                parts.push(format!("{what} {v}"));
            }
        }
        parts.join(", ")
    }
}

/// The selected contact's explanation and the changes that would move it.
#[derive(Clone, Debug)]
pub struct Detail {
    pub row: usize,
    pub explanation: Explanation,
    pub moves: Vec<Move>,
}

/// The loaded contacts and what the preview shows of them.
pub struct Preview {
    /// Where the contacts came from (a file, or the model's samples).
    pub source: String,
    pub table: Arc<Table>,
    engine: Engine,
    pub outcome: Option<Arc<Outcome>>,
    /// Why the outcome column is not used for conversion rates.
    pub outcome_problem: Option<String>,
    pub id_column: String,
    pub show: Vec<String>,
    pub baseline: Arc<Baseline>,
    /// The baseline was pinned by the user (else it is the model as opened).
    pub pinned: bool,
    /// The newest request sent, and its model.
    pub generation: u64,
    requested: Option<Model>,
    /// The id of the journey the what-if is about, as the room picked it (or as it was last
    /// edited); `None`: the main journey.
    pub journey: Option<String>,
    /// The table takes the side panel's room too.
    pub wide: bool,
    /// Columns scrolled out to the left, past the ones that are always shown (the contact,
    /// the what-if journey's score, Δ, rank, tier and segment).
    pub col_offset: usize,
    pub result: Option<Computed>,
    /// A newer request than `result` is being computed.
    pub pending: bool,
    /// The column the rows are sorted by; `None`: as in the file.
    pub sort: Option<Col>,
    pub descending: bool,
    pub filter: Filter,
    /// The table's rows, filtered and sorted: indices into the contacts.
    pub order: Vec<usize>,
    /// The cursor in `order`, and the first row shown.
    pub cursor: usize,
    pub offset: usize,
    pub detail: Option<Detail>,
    /// A what-if shown instead of the baseline's (the suggested weights of tuning).
    pub overlay: Option<Arc<Comparison>>,
    /// The accounts table instead of the contacts (`a`, for a model with accounts).
    pub accounts_table: Option<super::accounts::AccountsTable>,
}

impl Preview {
    /// A preview of `table` against `baseline`. Tables of `worker_min_rows` rows or more are
    /// scored on a worker thread.
    pub fn new(
        source: String,
        table: Table,
        model: &Model,
        baseline: Model,
        worker_min_rows: usize,
    ) -> Preview {
        let table = Arc::new(table);
        let (outcome, outcome_problem) = match model.outcome_column() {
            None => (None, None),
            Some(col) => match outcome(&table, col) {
                None => (
                    None,
                    Some(format!("outcome column '{col}' is not in {source}")),
                ),
                Some(o) => match o.problem() {
                    Some(p) => (None, Some(format!("{p}: ignored for outcome rates"))),
                    None => (Some(Arc::new(o)), None),
                },
            },
        };
        // The table is read: what reading it freed (the parsing threads' blocks, in their
        // own arenas) goes back before the first scoring asks for more.
        give_back_freed_memory();
        let engine = if table.rows() >= worker_min_rows {
            Engine::Worker(Worker::spawn(table.clone(), outcome.clone()))
        } else {
            Engine::Inline(Box::new(Scorer::new(table.clone()).coded()), Box::default())
        };
        let id_column = crate::engine::output::id_column(model, &table.headers);
        // The table has its own id, score, grade, tier and segment columns: a `show` column of
        // the same name (a file scored before) or named twice would appear twice.
        let own = crate::engine::output::output_columns(model);
        let mut show: Vec<String> = Vec::new();
        for c in &model.show {
            if table.column_index(c).is_some()
                && *c != id_column
                && !own.contains(c)
                && !show.contains(c)
            {
                show.push(c.clone());
            }
        }
        Preview {
            source,
            table,
            engine,
            outcome,
            outcome_problem,
            id_column,
            show,
            baseline: Arc::new(Baseline::new(baseline, None)),
            pinned: false,
            generation: 0,
            requested: None,
            journey: None,
            wide: false,
            col_offset: 0,
            result: None,
            pending: false,
            sort: None,
            descending: false,
            filter: Filter::default(),
            order: Vec::new(),
            cursor: 0,
            offset: 0,
            detail: None,
            overlay: None,
            accounts_table: None,
        }
    }

    /// Reads the accounts with this accounts file from now on (the model's `accounts.file`,
    /// read when the contacts are opened).
    pub fn set_accounts_file(&mut self, file: Option<Arc<crate::engine::accounts::AccountsFile>>) {
        self.baseline = Arc::new((*self.baseline).clone().with_accounts_file(file));
    }

    /// Whether scoring runs on a worker thread.
    pub fn threaded(&self) -> bool {
        matches!(self.engine, Engine::Worker(_))
    }

    /// Asks for the model's scores, unless they were the last thing asked for. Small tables
    /// are scored here and now; large ones by the worker (see `poll`).
    pub fn request(&mut self, model: &Model) {
        if self.requested.as_ref() == Some(model) {
            return;
        }
        self.requested = Some(model.clone());
        self.send(model.clone());
    }

    /// Makes the what-if about another journey (by id; `None`: the main journey), and scores
    /// again when that changes what is shown.
    pub fn follow(&mut self, journey: Option<String>, model: &Model) {
        if self.journey == journey {
            return;
        }
        self.journey = journey;
        self.requested = Some(model.clone());
        self.send(model.clone());
    }

    /// Makes the current model the baseline: deltas from here on are measured from it.
    pub fn pin(&mut self, model: &Model) {
        let scored = self
            .result
            .as_ref()
            .filter(|r| &r.model == model)
            .map(|r| r.scored.clone());
        self.baseline = Arc::new(
            Baseline::new(model.clone(), scored)
                .with_accounts_file(self.baseline.accounts_file.clone()),
        );
        self.pinned = true;
        self.requested = Some(model.clone());
        self.send(model.clone());
    }

    fn send(&mut self, model: Model) {
        self.generation += 1;
        let job = Job {
            generation: self.generation,
            model,
            baseline: self.baseline.clone(),
            journey: self.journey.clone(),
        };
        match &mut self.engine {
            Engine::Inline(scorer, buffers) => {
                let out = compute(scorer, buffers, job, self.outcome.as_deref());
                scorer.compact();
                self.accept(out);
            }
            Engine::Worker(w) => {
                self.pending = true;
                if w.jobs.send(job).is_err() {
                    self.pending = false;
                }
            }
        }
    }

    /// Takes the worker's answers, if any; true when the preview changed.
    pub fn poll(&mut self) -> bool {
        let mut newest = None;
        if let Engine::Worker(w) = &self.engine {
            loop {
                match w.results.try_recv() {
                    Ok(out) => newest = Some(out),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        self.pending = false;
                        break;
                    }
                }
            }
        }
        match newest {
            Some(out) => {
                self.accept(out);
                true
            }
            None => false,
        }
    }

    fn accept(&mut self, out: Computed) {
        self.pending = out.generation < self.generation;
        // The baseline's scores are kept, so that later requests need not score it again.
        if out.baseline.model == self.baseline.model && self.baseline.scored.is_none() {
            self.baseline = out.baseline.clone();
        }
        if let Some(old) = self.result.replace(out) {
            self.hand_back(old.scored, Some(old.comparison));
        }
        self.reorder();
    }

    /// Gives scores no longer shown back to the scorer, whose next result reuses their
    /// columns (at a million contacts, fresh columns cost more than the scoring). The
    /// baseline's scores stay: they are still on screen.
    /// Its comparison's columns go back to the step's buffers the same way.
    fn hand_back(&mut self, scored: Arc<Scored>, comparison: Option<Comparison>) {
        let shown = |other: Option<&Arc<Scored>>| other.is_some_and(|o| Arc::ptr_eq(o, &scored));
        let scored = if shown(self.baseline.scored.as_ref())
            || shown(self.result.as_ref().map(|r| &r.scored))
        {
            None
        } else {
            Some(scored)
        };
        match &mut self.engine {
            Engine::Inline(scorer, buffers) => {
                if let Some(old) = scored.and_then(|s| Arc::try_unwrap(s).ok()) {
                    scorer.recycle(old);
                }
                if let Some(c) = comparison {
                    buffers.keep(c);
                }
            }
            Engine::Worker(w) => {
                let _ = w.returns.send(Returned { scored, comparison });
            }
        }
    }

    /// The what-if on screen: the overlay's when there is one, else the baseline's.
    pub fn comparison(&self) -> Option<&Comparison> {
        self.overlay
            .as_deref()
            .or(self.result.as_ref().map(|r| &r.comparison))
    }

    /// Shows another what-if in the Δ and rank columns and the summary (or, with `None`,
    /// the baseline's again).
    pub fn set_overlay(&mut self, overlay: Option<Arc<Comparison>>) {
        let same = match (&self.overlay, &overlay) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        if !same {
            self.overlay = overlay;
            self.reorder();
        }
    }

    /// The contact row under the cursor.
    pub fn selected_row(&self) -> Option<usize> {
        self.order.get(self.cursor).copied()
    }

    /// The columns of the table, in order.
    pub fn columns(&self) -> Vec<Col> {
        let Some(r) = &self.result else {
            return vec![Col::Id];
        };
        let m = &r.model;
        // What a workshop reads first comes first and is never scrolled away: who, the score
        // of the journey the what-if is about and what it changed, tier and segment; the rest
        // as room allows, scrolled sideways with `col_offset`.
        let chosen = m.journeys.iter().position(|j| j.id == r.comparison.journey);
        let mut cols = vec![Col::Id];
        cols.extend(chosen.map(Col::Score));
        cols.push(Col::Delta);
        cols.push(Col::Rank);
        if m.tiers.is_some() {
            cols.push(Col::Tier);
        }
        if !m.segments.is_empty() {
            cols.push(Col::Segment);
        }
        cols.extend(self.more_columns().into_iter().skip(self.col_offset));
        cols
    }

    /// The columns after the ones always shown, before any scrolling.
    pub fn more_columns(&self) -> Vec<Col> {
        let Some(r) = &self.result else {
            return Vec::new();
        };
        let m = &r.model;
        let mut cols: Vec<Col> = (0..self.show.len().min(1)).map(Col::Show).collect();
        if m.matrix.is_some() {
            cols.push(Col::Rating);
        }
        cols.extend(
            (0..m.journeys.len())
                .filter(|j| m.journeys[*j].id != r.comparison.journey)
                .map(Col::Score),
        );
        cols.extend((1..self.show.len()).map(Col::Show));
        cols.extend((0..m.grades.len()).map(Col::Grade));
        if !m.segments.is_empty() {
            cols.push(Col::Action);
        }
        cols
    }

    /// A column's heading.
    pub fn heading(&self, col: Col) -> String {
        let m = self.result.as_ref().map(|r| &r.model);
        match col {
            Col::Id => self.id_column.clone(),
            Col::Show(i) => self.show.get(i).cloned().unwrap_or_default(),
            Col::Score(j) => m
                .and_then(|m| m.journeys.get(j))
                .map(|j| j.id.clone())
                .unwrap_or_default(),
            Col::Delta => "Δ".into(),
            Col::Rank => "rank".into(),
            Col::Grade(g) => m
                .and_then(|m| m.grades.get(g))
                .map(|g| g.id.clone())
                .unwrap_or_default(),
            Col::Rating => "rating".into(),
            Col::Tier => "tier".into(),
            Col::Segment => "segment".into(),
            Col::Action => "action".into(),
        }
    }

    /// A cell's text, as the table shows it.
    pub fn cell(&self, row: usize, col: Col) -> String {
        let Some(r) = &self.result else {
            return String::new();
        };
        let (m, s) = (&r.model, &r.scored);
        let c = self.comparison().unwrap_or(&r.comparison);
        match col {
            Col::Id => {
                crate::engine::output::id_cell(&self.table, row, &self.id_column).into_owned()
            }
            Col::Show(i) => self
                .show
                .get(i)
                .map(|h| self.table.cell(row, h).to_string())
                .unwrap_or_default(),
            Col::Score(j) => s
                .scores
                .get(j)
                .and_then(|col| col.get(row))
                .map(|v| format!("{v:.1}"))
                .unwrap_or_default(),
            Col::Delta => match c.delta.get(row) {
                Some(d) if d.abs() > 0.05 => format!("{d:+.1}"),
                Some(_) => "·".into(),
                None => String::new(),
            },
            Col::Rank => match rank_move(c, row) {
                0 => "·".into(),
                n if n > 0 => format!("↑{n}"),
                n => format!("↓{}", -n),
            },
            Col::Grade(g) => s.grade(m, g, row).unwrap_or("-").to_string(),
            Col::Rating => s.rating(m, row).unwrap_or_else(|| "-".into()),
            Col::Tier => s
                .tier(m, row)
                .map(|t| t.name.clone())
                .unwrap_or_else(|| "-".into()),
            Col::Segment => s
                .segment(m, row)
                .map(|x| x.name.clone())
                .unwrap_or_else(|| "-".into()),
            Col::Action => s
                .segment(m, row)
                .map(|x| x.action.clone())
                .unwrap_or_default(),
        }
    }

    fn number(&self, row: usize, col: Col) -> Option<f64> {
        let r = self.result.as_ref()?;
        match col {
            Col::Score(j) => r.scored.scores.get(j)?.get(row).copied(),
            Col::Delta => self.comparison()?.delta.get(row).copied(),
            Col::Rank => Some(rank_move(self.comparison()?, row) as f64),
            _ => None,
        }
    }

    fn matches(&self, row: usize) -> bool {
        let f = &self.filter;
        let Some(r) = &self.result else {
            return true;
        };
        let (m, s) = (&r.model, &r.scored);
        if let Some(t) = &f.tier
            && s.tier(m, row).map(|x| &x.name) != Some(t)
        {
            return false;
        }
        if let Some(seg) = &f.segment
            && s.segment(m, row).map(|x| &x.name) != Some(seg)
        {
            return false;
        }
        if let Some(rating) = &f.rating
            && s.rating(m, row).as_ref() != Some(rating)
        {
            return false;
        }
        if f.text.is_empty() {
            return true;
        }
        let needle = f.text.to_lowercase();
        let mut cols = vec![Col::Id];
        cols.extend((0..self.show.len()).map(Col::Show));
        cols.extend([Col::Tier, Col::Segment, Col::Rating, Col::Action]);
        cols.iter()
            .any(|c| self.cell(row, *c).to_lowercase().contains(&needle))
    }

    /// Filters and sorts the rows again, keeping the selected contact under the cursor.
    pub fn reorder(&mut self) {
        let keep = self.selected_row();
        // The rows' memory is kept from one edit to the next (8 MB at a million contacts);
        // without a filter every row matches, and asking each one costs more than the rest
        // of this step.
        let mut order = std::mem::take(&mut self.order);
        order.clear();
        if self.filter.is_empty() {
            order.extend(0..self.table.rows());
        } else {
            order.extend((0..self.table.rows()).filter(|&i| self.matches(i)));
        }
        let numeric = matches!(self.sort, Some(Col::Score(_) | Col::Delta | Col::Rank));
        if let Some(col) = self.sort
            && numeric
        {
            let keys: Vec<f64> = (0..self.table.rows())
                .map(|i| self.number(i, col).unwrap_or(0.0))
                .collect();
            // Largest changes first for Δ, as that is what one looks for after an edit.
            match col {
                Col::Delta => order.sort_by(|&a, &b| keys[b].abs().total_cmp(&keys[a].abs())),
                _ => order.sort_by(|&a, &b| keys[b].total_cmp(&keys[a])),
            }
        } else if let Some(col) = self.sort {
            let keys: Vec<String> = (0..self.table.rows())
                .map(|i| self.cell(i, col).to_lowercase())
                .collect();
            order.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
        }
        if self.descending {
            order.reverse();
        }
        self.order = order;
        self.cursor = keep
            .and_then(|row| self.order.iter().position(|&r| r == row))
            .unwrap_or(self.cursor)
            .min(self.order.len().saturating_sub(1));
        self.explain_selected();
    }

    /// The sort column's arrow, with one meaning on every column: ▲ the largest (or Z) on
    /// top, ▼ the smallest (or A) on top. Numbers sort largest first, text A to Z, until `S`
    /// reverses them.
    pub fn sort_arrow(&self) -> &'static str {
        let numeric = matches!(self.sort, Some(Col::Score(_) | Col::Delta | Col::Rank));
        if numeric != self.descending {
            "▲"
        } else {
            "▼"
        }
    }

    /// Moves the cursor by `by` rows, keeping it within `height` rows of the view.
    pub fn step(&mut self, by: i64, height: usize) {
        let last = self.order.len().saturating_sub(1) as i64;
        self.cursor = (self.cursor as i64 + by).clamp(0, last.max(0)) as usize;
        self.keep_visible(height);
        self.explain_selected();
    }

    pub fn keep_visible(&mut self, height: usize) {
        let h = height.max(1);
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + h {
            self.offset = self.cursor + 1 - h;
        }
        self.offset = self.offset.min(self.order.len().saturating_sub(h));
    }

    /// Builds the explanation of the contact under the cursor.
    pub fn explain_selected(&mut self) {
        self.detail = match (self.selected_row(), &self.result) {
            (Some(row), Some(r)) if row < r.scored.rows => Some(Detail {
                row,
                explanation: explain(&r.model, &r.scored, row),
                moves: r
                    .model
                    .journeys
                    .iter()
                    .position(|j| j.id == r.comparison.journey)
                    .map(|ji| moves_on(&r.model, &r.scored, row, 5, ji))
                    .unwrap_or_default(),
            }),
            _ => None,
        };
    }

    /// The calibration band the contact's score on the what-if journey falls in, when the
    /// outcome is known.
    pub fn band_of(&self, row: usize) -> Option<&CalibrationBand> {
        let r = self.result.as_ref()?;
        let j = r
            .model
            .journeys
            .iter()
            .position(|j| j.id == r.comparison.journey)?;
        let s = *r.scored.scores.get(j)?.get(row)?;
        r.calibration
            .iter()
            .find(|b| s >= b.from && (s < b.to || b.to >= 100.0))
    }

    /// The model's fields whose column the contacts lack, as `field (column)`.
    pub fn missing_columns(&self) -> Vec<String> {
        let Some(r) = &self.result else {
            return Vec::new();
        };
        r.scored
            .quality
            .iter()
            .filter(|q| q.absent)
            .map(|q| q.column.clone())
            .collect()
    }
}

/// Hands the memory the allocator holds free back to the system. glibc keeps what a thread
/// freed in that thread's arena, and above its mmap threshold (which rises after the first
/// large free) keeps large blocks too: after loading a million contacts the designer held
/// 139 MB resident for 45 MB of cells, and each attainment column's dense 8 MB before it was
/// coded. Called where a large amount was just freed (after loading, after the first scoring);
/// it costs a walk of the free lists, a few ms, and frees nothing still in use.
fn give_back_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only returns free pages of glibc's own heaps to the system; it
    // takes the arenas' locks and touches no memory in use.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Places a row moved up the ranking of the main journey (negative: down).
pub fn rank_move(c: &Comparison, row: usize) -> i64 {
    match (c.rank_before.get(row), c.rank_after.get(row)) {
        (Some(&b), Some(&a)) => b as i64 - a as i64,
        _ => 0,
    }
}

/// What the preview's side panel shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Panel {
    /// The selected contact's explanation and what would move it.
    #[default]
    Explain,
    /// The score distribution, baseline and current, with the tier thresholds.
    Distribution,
    /// The Fit x Activity matrix.
    Matrix,
    /// Each journey's weight by pillar.
    Pillars,
    /// The model's personas, passing or failing.
    Personas,
    /// Suggested weights from tuning.
    Tuning,
    /// Suggested signals: the columns the model does not use, ranked.
    Signals,
}

impl Panel {
    pub const ALL: [Panel; 7] = [
        Panel::Explain,
        Panel::Distribution,
        Panel::Matrix,
        Panel::Pillars,
        Panel::Personas,
        Panel::Tuning,
        Panel::Signals,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Panel::Explain => "Why this score",
            Panel::Distribution => "Distribution",
            Panel::Matrix => "Matrix",
            Panel::Pillars => "Pillars",
            Panel::Personas => "Personas",
            Panel::Tuning => "Suggested weights",
            Panel::Signals => "Suggested signals",
        }
    }

    /// The panel `by` steps along, wrapping around.
    pub fn step(self, by: i64) -> Panel {
        let n = Panel::ALL.len() as i64;
        let i = Panel::ALL.iter().position(|p| *p == self).unwrap_or(0) as i64;
        Panel::ALL[(i + by).rem_euclid(n) as usize]
    }
}
