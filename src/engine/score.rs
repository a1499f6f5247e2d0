//! Scoring a model over a table: typed columns, attainment columns, weighted sums, then
//! adjustments, grades, tier and segment.
//!
//! `Scorer` owns the table and caches, keyed by what each column depends on (`engine::key`,
//! structural values): a field's typed column by (kind, column, missing placeholders); a
//! signal's attainment column by (field, rule, missing attainment, decay, and the reference
//! date where a date is read); a field-only condition's mask by its tests and fields.
//! Re-scoring after an edit reuses every column whose key did not change, so a weight edit
//! costs only the sums.

use super::attain;
use super::attainments::Attainments;
use super::condition::{self, Ctx, NONE};
use super::key::{
    AttainKey, ConditionKey, F64Key, FieldKey, FieldKeys, GradeKey, JourneyKey, TermKey,
};
use crate::contacts::{FieldQuality, Table, Typed};
use crate::model::{Date, Field, Model, Segment, Tier, Touchpoint};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// One signal's place in the model and its attainment column.
#[derive(Clone, Debug)]
pub struct SignalColumn {
    pub journey: usize,
    /// Touchpoint indices from the journey down to the touchpoint that holds the signal.
    pub touchpoints: Vec<usize>,
    pub signal: usize,
    pub field: String,
    /// The signal's share of the journey: the product of the weight fractions on its path.
    pub share: f64,
    /// Coded when it has few distinct values (`engine::attainments`); `a[row]` reads a row.
    pub attainment: Arc<Attainments>,
}

/// The scores of every contact of a table.
#[derive(Clone, Debug, Default)]
pub struct Scored {
    pub rows: usize,
    /// The reference date used for recency and decay.
    pub today: Date,
    /// Per journey: the final score, 0 to 100.
    pub scores: Vec<Vec<f64>>,
    /// Per grade: the index of the band reached, `NONE` when none.
    pub grades: Vec<Vec<u8>>,
    /// The tier level reached, `NONE` when none.
    pub tiers: Vec<u8>,
    /// The segment taken, `u16::MAX` when none.
    pub segments: Vec<u16>,
    /// Per journey, per adjustment: which rows it fired for.
    pub adjustments: Vec<Vec<Arc<Vec<bool>>>>,
    pub signals: Vec<SignalColumn>,
    /// Per journey: a composite's parts as (journey index, weight fraction); empty for a
    /// journey of touchpoints.
    pub parts: Vec<Vec<(usize, f64)>>,
    /// Typed columns by field id.
    pub fields: HashMap<String, Arc<Typed>>,
    /// How each field's column read, in model order.
    pub quality: Vec<FieldQuality>,
    /// Per journey: what its score column was computed from, so that `recycle` can hand it
    /// to a later `score` that would compute the same.
    journey_keys: Vec<Arc<JourneyKey>>,
    /// Per grade: what its column was computed from (the journey's key and the thresholds).
    grade_keys: Vec<GradeKey>,
}

pub const NO_SEGMENT: u16 = u16::MAX;

impl Scored {
    /// 100 x the weighted sum of a journey for one row, before adjustments and the clamp:
    /// the same terms added in the same order as the scoring pass, so the same number.
    pub fn raw(&self, journey: usize, row: usize) -> f64 {
        let mut acc = 0.0;
        for &(pi, w) in self.parts.get(journey).map_or(&[][..], |p| p.as_slice()) {
            acc += w * self.part_score(pi, row);
        }
        for s in self.signals.iter().filter(|s| s.journey == journey) {
            acc += 100.0 * s.share * s.attainment.get(row).copied().unwrap_or(0.0);
        }
        acc
    }

    /// A part's score for one row, as its composite reads it (0 where there is none).
    pub fn part_score(&self, journey: usize, row: usize) -> f64 {
        self.scores
            .get(journey)
            .and_then(|c| c.get(row))
            .copied()
            .unwrap_or(0.0)
    }

    pub fn grade<'m>(&self, model: &'m Model, grade: usize, row: usize) -> Option<&'m str> {
        let b = *self.grades.get(grade)?.get(row)?;
        if b == NONE {
            return None;
        }
        model
            .grades
            .get(grade)?
            .bands
            .get_index(b as usize)
            .map(|(k, _)| k.as_str())
    }

    /// The matrix rating (`A4`) when the model has a matrix and both grades are known.
    pub fn rating(&self, model: &Model, row: usize) -> Option<String> {
        let m = model.matrix.as_ref()?;
        let gi = |id: &str| model.grades.iter().position(|g| g.id == id);
        let r = self.grade(model, gi(&m.rows)?, row)?;
        let c = self.grade(model, gi(&m.columns)?, row)?;
        Some(format!("{r}{c}"))
    }

    pub fn tier<'m>(&self, model: &'m Model, row: usize) -> Option<&'m Tier> {
        let t = *self.tiers.get(row)?;
        if t == NONE {
            return None;
        }
        model.tiers.as_ref()?.levels.get(t as usize)
    }

    pub fn segment<'m>(&self, model: &'m Model, row: usize) -> Option<&'m Segment> {
        let s = *self.segments.get(row)?;
        if s == NO_SEGMENT {
            return None;
        }
        model.segments.get(s as usize)
    }
}

/// Scores a model over a table, with no caching: for one-off runs and chunks of a stream.
pub fn score_table(model: &Model, table: &Table) -> Scored {
    Scorer::new(Arc::new(table.clone())).score(model)
}

/// Scores models over one table, keeping the columns that later edits can reuse.
pub struct Scorer {
    table: Arc<Table>,
    typed: HashMap<Arc<FieldKey>, (Arc<Typed>, FieldQuality)>,
    attain: HashMap<Arc<AttainKey>, Arc<Attainments>>,
    /// Whether attainment columns are held coded (`coded`): the designer's preview, which keeps
    /// them for the session; a scorer of a chunk or a one-off run leaves them dense.
    coding: bool,
    /// Whether this `score` codes the columns it computes: the first `score` of a coding
    /// scorer, whose result stays on screen until the first edit.
    code_now: bool,
    /// Columns an edit left dense, for `compact` to code.
    pending: Vec<Arc<AttainKey>>,
    /// Masks of conditions that read fields only (adjustments, and parts of segments).
    masks: HashMap<ConditionKey, Arc<Vec<bool>>>,
    /// Output columns handed back by `recycle`, written over by the next `score`.
    pool: Pool,
    /// Per journey (by index): the sum of its first terms, saved where the last edit started,
    /// so that the next edit there (a weight dragged step by step) starts from it.
    prefixes: Vec<Option<Prefix>>,
    /// Per journey: the keys of its terms when it was last summed.
    last_terms: Vec<Vec<TermKey>>,
}

/// The sum of a journey's first `terms` terms for every row; `key` says what those terms were
/// (attainment columns and weights, exactly).
struct Prefix {
    terms: usize,
    key: Vec<TermKey>,
    sums: Vec<f64>,
}

/// Spare output columns. A column of a million scores is 8 MB; a fresh one costs a page fault
/// per 4 KiB on first write, which is more than the arithmetic of a weight edit.
#[derive(Default)]
struct Pool {
    /// A journey's score column, with the key of what it holds.
    journeys: Vec<(Arc<JourneyKey>, Vec<f64>)>,
    /// A grade's column, with the key of what it holds.
    grades: Vec<(GradeKey, Vec<u8>)>,
    f64s: Vec<Vec<f64>>,
    u8s: Vec<Vec<u8>>,
    u16s: Vec<Vec<u16>>,
}

/// How many spare columns of each type are kept at most.
const POOL_MAX: usize = 16;

/// Rows below which scoring stays on the calling thread.
const PARALLEL_MIN_ROWS: usize = 1 << 16;

/// A column of `n` values, from the pool when one is there. Its contents are garbage: every
/// value is written by the fused pass.
fn take<T: Copy>(pool: &mut Vec<Vec<T>>, n: usize, fill: T) -> Vec<T> {
    match pool.iter().position(|v| v.len() == n) {
        Some(i) => pool.swap_remove(i),
        None => vec![fill; n],
    }
}

/// Keeps columns of `n` values with the keys of what they hold, for `claim`; without keys (a
/// result made some other way) they are only spare memory.
fn keep_keyed<K, T>(
    kept: &mut Vec<(K, Vec<T>)>,
    spare: &mut Vec<Vec<T>>,
    keys: Vec<K>,
    cols: Vec<Vec<T>>,
    n: usize,
) {
    if keys.len() == cols.len() {
        kept.extend(keys.into_iter().zip(cols).filter(|(_, c)| c.len() == n));
        let extra = kept.len().saturating_sub(POOL_MAX / 2);
        kept.drain(..extra);
    } else {
        spare.extend(cols.into_iter().filter(|c| c.len() == n));
    }
}

/// Takes the kept column whose key is each of `keys`, where there is one; what no key takes
/// is only memory to write over, and goes to `spare`.
fn claim<K: PartialEq, T>(
    kept: &mut Vec<(K, Vec<T>)>,
    spare: &mut Vec<Vec<T>>,
    keys: &[K],
    n: usize,
) -> Vec<Option<Vec<T>>> {
    let claimed = keys
        .iter()
        .map(|key| {
            let i = kept.iter().position(|(k, c)| k == key && c.len() == n)?;
            Some(kept.swap_remove(i).1)
        })
        .collect();
    spare.extend(kept.drain(..).map(|(_, c)| c));
    spare.truncate(POOL_MAX);
    claimed
}

fn field_key(f: &Field) -> Arc<FieldKey> {
    Arc::new(FieldKey::source(f.kind, f.column(), &f.missing))
}

/// One journey of the fused pass: its weighted attainment columns and its adjustments.
struct JourneyPlan<'a> {
    /// The score column already holds this journey's values (from `recycle`).
    ready: bool,
    /// A saved sum of the first so many terms to start from.
    start: Option<(usize, &'a [f64])>,
    /// Save the sum of the first so many terms (into `Out::saves`).
    save_at: Option<usize>,
    terms: Vec<(f64, &'a Attainments)>,
    /// A composite's parts: (weight fraction, the part's journey index), added before the
    /// terms (a composite has none) in the order the model lists them.
    parts: Vec<(f64, usize)>,
    adjustments: Vec<(f64, &'a [bool])>,
}

/// Everything the fused pass reads; shared by the threads.
struct Plan<'a> {
    journeys: Vec<JourneyPlan<'a>>,
    /// The order the journeys are summed in: every composite after its parts.
    order: Vec<usize>,
    /// Per grade: the journey it reads (None: every row has no grade) and its thresholds;
    /// None when the column already holds the grade (from `recycle`).
    grades: Vec<Option<(Option<usize>, Vec<f64>)>>,
    tier: Option<(usize, Vec<f64>)>,
    /// Per segment: its condition, None for a catch-all.
    segments: Vec<Option<condition::Compiled>>,
}

/// One thread's rows of every output column.
#[derive(Default)]
struct Out<'a> {
    /// Per journey: where to save its partial sum, if it saves one.
    saves: Vec<Option<&'a mut [f64]>>,
    scores: Vec<&'a mut [f64]>,
    grades: Vec<&'a mut [u8]>,
    tiers: &'a mut [u8],
    segments: &'a mut [u16],
}

/// Splits a column into consecutive parts of the given lengths.
fn split<'a, T>(mut v: &'a mut [T], lens: &[usize]) -> Vec<&'a mut [T]> {
    let mut out = Vec::with_capacity(lens.len());
    for &l in lens {
        let (a, rest) = std::mem::take(&mut v).split_at_mut(l);
        out.push(a);
        v = rest;
    }
    out
}

/// The fused pass over rows `start..start + out.tiers.len()`, a block at a time: the weighted
/// sums, the adjustments and the clamp, grades, tier, segment. Each value is computed with
/// the same operations in the same order as a column-at-a-time pass would, so the results do
/// not depend on the block size or the number of threads.
fn run(plan: &Plan, start: usize, out: Out) {
    let Out {
        mut saves,
        mut scores,
        mut grades,
        tiers,
        segments,
    } = out;
    let len = tiers.len();
    let mut acc = [0.0f64; condition::BLOCK];
    let mut hit = [false; condition::BLOCK];
    let mut b0 = 0;
    while b0 < len {
        let m = condition::BLOCK.min(len - b0);
        let abs = start + b0;
        let acc = &mut acc[..m];
        for &ji in &plan.order {
            let jp = &plan.journeys[ji];
            if jp.ready {
                continue;
            }
            let first = match jp.start {
                Some((j, sums)) => {
                    acc.copy_from_slice(&sums[abs..abs + m]);
                    j
                }
                None => {
                    acc.fill(0.0);
                    0
                }
            };
            for &(w, pi) in &jp.parts {
                // The part comes earlier in `order`, so this block of its column is final.
                for (r, x) in acc.iter_mut().zip(&scores[pi][b0..b0 + m]) {
                    *r += w * x;
                }
            }
            for (ti, &(w, a)) in jp.terms.iter().enumerate().skip(first) {
                if jp.save_at == Some(ti)
                    && let Some(Some(save)) = saves.get_mut(ji)
                {
                    save[b0..b0 + m].copy_from_slice(acc);
                }
                a.add_weighted(w, abs, acc);
            }
            for &(points, mask) in &jp.adjustments {
                // Adding 0 leaves every sum as it is (a sum that starts at +0 is never -0), and
                // without a branch the loop runs on vectors.
                for (s, &h) in acc.iter_mut().zip(&mask[abs..abs + m]) {
                    *s += if h { points } else { 0.0 };
                }
            }
            for (o, s) in scores[ji][b0..b0 + m].iter_mut().zip(acc.iter()) {
                *o = s.clamp(0.0, 100.0);
            }
        }
        for (g, col) in plan.grades.iter().zip(grades.iter_mut()) {
            let col = &mut col[b0..b0 + m];
            match g {
                None => {}
                Some((Some(ji), thresholds)) => {
                    bands_into(col, &scores[*ji][b0..b0 + m], thresholds)
                }
                Some((None, _)) => col.fill(NONE),
            }
        }
        let tier = &mut tiers[b0..b0 + m];
        match &plan.tier {
            Some((ji, levels)) => bands_into(tier, &scores[*ji][b0..b0 + m], levels),
            None => tier.fill(NONE),
        }
        let seg = &mut segments[b0..b0 + m];
        seg.fill(NO_SEGMENT);
        if !plan.segments.is_empty() {
            let view = condition::View {
                scores: scores.iter().map(|c| &c[..]).collect(),
                grades: grades.iter().map(|c| &c[..]).collect(),
                tiers: &tiers[..],
            };
            for (si, c) in plan.segments.iter().enumerate() {
                let hit = &mut hit[..m];
                match c {
                    None => hit.fill(true),
                    Some(c) => c.eval(&view, abs, b0, hit),
                }
                let si = si as u16;
                for (s, &h) in seg.iter_mut().zip(hit.iter()) {
                    *s = if h && *s == NO_SEGMENT { si } else { *s };
                }
                if !seg.contains(&NO_SEGMENT) {
                    break;
                }
            }
        }
        b0 += m;
    }
}

/// The index of the first threshold each score reaches, `NONE` when none: what
/// `thresholds.iter().position(|&t| s >= t)` gives for each score.
///
/// When the thresholds go down (as the checks require), the thresholds a score does not reach
/// are the first ones, so the index is how many it is below: a count that runs on vectors,
/// where a search per row is a mispredicted branch per threshold.
fn bands_into(out: &mut [u8], scores: &[f64], thresholds: &[f64]) {
    let descending = thresholds.windows(2).all(|w| w[0] >= w[1]);
    if !descending || thresholds.len() >= NONE as usize || out.len() > condition::BLOCK {
        for (o, &s) in out.iter_mut().zip(scores) {
            *o = thresholds
                .iter()
                .position(|&t| s >= t)
                .map_or(NONE, |i| i as u8);
        }
        return;
    }
    let mut below = [0.0f64; condition::BLOCK];
    let below = &mut below[..out.len()];
    for &t in thresholds {
        for (b, &s) in below.iter_mut().zip(scores) {
            *b += if s < t { 1.0 } else { 0.0 };
        }
    }
    let all = thresholds.len() as f64;
    for ((o, &b), &s) in out.iter_mut().zip(below.iter()).zip(scores) {
        // A NaN score is below nothing and reaches nothing.
        *o = if b == all || s.is_nan() {
            NONE
        } else {
            b as u8
        };
    }
}

impl Scorer {
    pub fn new(table: Arc<Table>) -> Scorer {
        Scorer {
            table,
            typed: HashMap::new(),
            attain: HashMap::new(),
            coding: false,
            code_now: false,
            pending: Vec::new(),
            masks: HashMap::new(),
            pool: Pool::default(),
            prefixes: Vec::new(),
            last_terms: Vec::new(),
        }
    }

    pub fn table(&self) -> &Arc<Table> {
        &self.table
    }

    /// A scorer that holds its attainment columns coded, a byte or two a row into a table of
    /// their values (`Attainments::compact`): a 1M-contact preview's columns in about a sixth
    /// of the memory. Its first `score` codes them as it computes them; later ones leave an
    /// edit's new columns dense, so that the edit's numbers are not held up by coding them (a
    /// rule edit at 1M contacts took half as long again), and `compact` codes them once the
    /// numbers are on their way.
    pub fn coded(mut self) -> Scorer {
        self.coding = true;
        self
    }

    /// Codes the columns the edits since the last call left dense. Keys and values are
    /// unchanged, so the next `score` reads the coded column and adds bit for bit the same
    /// terms. A result still on screen keeps its dense column until it is handed back.
    pub fn compact(&mut self) {
        for k in std::mem::take(&mut self.pending) {
            let Some(a) = self.attain.get_mut(&k) else {
                continue;
            };
            if let Attainments::Dense(v) = &**a
                && let Some(coded) = Attainments::code(v)
            {
                *a = Arc::new(coded);
            }
        }
    }

    /// Hands back a result that is no longer shown, so that the next `score` writes into its
    /// columns instead of fresh memory, and takes a journey's columns as they are when the
    /// journey comes out the same (a weight edit in another journey). Optional: it only saves
    /// time. Hand back only results as `score` returned them: changed columns would be taken
    /// for what they were.
    pub fn recycle(&mut self, old: Scored) {
        let n = self.table.rows();
        keep_keyed(
            &mut self.pool.journeys,
            &mut self.pool.f64s,
            old.journey_keys,
            old.scores,
            n,
        );
        keep_keyed(
            &mut self.pool.grades,
            &mut self.pool.u8s,
            old.grade_keys,
            old.grades,
            n,
        );
        if old.tiers.len() == n {
            self.pool.u8s.push(old.tiers);
        }
        if old.segments.len() == n {
            self.pool.u16s.push(old.segments);
        }
        self.pool.f64s.truncate(POOL_MAX);
        self.pool.u8s.truncate(POOL_MAX);
        self.pool.u16s.truncate(POOL_MAX);
    }

    fn typed(&mut self, f: &Field, key: Arc<FieldKey>) -> (Arc<Typed>, FieldQuality) {
        let table = &self.table;
        let (col, q) = self.typed.entry(key).or_insert_with(|| {
            let (t, q) = crate::contacts::typed::typed(table, f);
            (Arc::new(t), q)
        });
        let mut q = q.clone();
        q.field.clone_from(&f.id);
        (col.clone(), q)
    }

    /// Evaluates the derived fields, each after the fields it reads, into `fields` under
    /// their ids, keyed in `fkeys` by their tree and the keys of what they read: a column is
    /// evaluated again only when one of those changed. A field in a cycle, or whose expression
    /// does not parse, is all missing (the checks report both). Returns their quality, in
    /// model order.
    fn derived(
        &mut self,
        model: &Model,
        fields: &mut HashMap<String, Arc<Typed>>,
        fkeys: &mut FieldKeys,
    ) -> Vec<FieldQuality> {
        let derived: Vec<&Field> = model.fields.iter().filter(|f| f.expr.is_some()).collect();
        if derived.is_empty() {
            return Vec::new();
        }
        let n = self.table.rows();
        let index = |id: &str| derived.iter().position(|f| f.id == id);
        let reads = |i: usize| -> Vec<usize> {
            derived[i]
                .derived()
                .map(|e| e.fields().into_iter().filter_map(index).collect())
                .unwrap_or_default()
        };
        let (order, cycles) = crate::model::expr::order(derived.len(), &reads);
        let in_cycle: HashSet<usize> = cycles.into_iter().flatten().collect();
        let mut quality = vec![FieldQuality::default(); derived.len()];
        for i in order {
            let f = derived[i];
            let expr = f.derived().filter(|_| !in_cycle.contains(&i));
            let key = Arc::new(FieldKey::Derived {
                kind: f.kind,
                expr: expr.cloned(),
                inputs: expr.map_or_else(Vec::new, |e| {
                    e.fields()
                        .into_iter()
                        .map(|id| fkeys.get(id).cloned())
                        .collect()
                }),
            });
            let known = &*fields;
            let (col, q) = self.typed.entry(key.clone()).or_insert_with(|| {
                let t = match expr {
                    Some(e) => super::derive::evaluate(e, f.kind, known, n),
                    None => super::derive::missing(f.kind, n),
                };
                let q = FieldQuality {
                    field: f.id.clone(),
                    column: f.id.clone(),
                    rows: n,
                    missing: (0..n).filter(|&r| t.is_missing(r)).count(),
                    ..FieldQuality::default()
                };
                (Arc::new(t), q)
            });
            let mut q = q.clone();
            q.field.clone_from(&f.id);
            q.column.clone_from(&f.id);
            quality[i] = q;
            fields.insert(f.id.clone(), col.clone());
            fkeys.insert(f.id.clone(), key);
        }
        quality
    }

    /// Scores the model over the table.
    pub fn score(&mut self, model: &Model) -> Scored {
        let n = self.table.rows();
        let today = model.as_of.unwrap_or_else(Date::today);
        self.code_now = self.coding && self.attain.is_empty();
        let mut fields = HashMap::new();
        let mut quality = Vec::new();
        let mut fkeys = FieldKeys::new();
        for f in model.fields.iter().filter(|f| f.expr.is_none()) {
            let key = field_key(f);
            let (col, q) = self.typed(f, key.clone());
            fields.insert(f.id.clone(), col);
            fkeys.insert(f.id.clone(), key);
            quality.push(q);
        }
        // Derived fields read the typed columns, so they come after; their quality takes its
        // place in model order.
        let derived = self.derived(model, &mut fields, &mut fkeys);
        if !derived.is_empty() {
            let mut source = quality.into_iter();
            let mut derived = derived.into_iter();
            quality = model
                .fields
                .iter()
                .filter_map(|f| {
                    if f.expr.is_some() {
                        derived.next()
                    } else {
                        source.next()
                    }
                })
                .collect();
        }
        // Drop cached columns no field uses any more, so memory follows the model.
        let live: HashSet<&Arc<FieldKey>> = fkeys.values().collect();
        self.typed.retain(|k, _| live.contains(k));

        let mut signals = Vec::new();
        let mut signal_keys = Vec::new();
        for (ji, j) in model.journeys.iter().enumerate() {
            for (ti, t) in j.touchpoints.iter().enumerate() {
                self.collect(
                    model,
                    &fields,
                    &fkeys,
                    today,
                    ji,
                    vec![ti],
                    t,
                    t.weight.fraction(),
                    &mut signals,
                    &mut signal_keys,
                );
            }
        }
        let used_keys: HashSet<&Arc<AttainKey>> = signal_keys.iter().collect();
        self.attain.retain(|k, _| used_keys.contains(k));

        // What conditions are evaluated against before there are scores.
        let fields_ctx = Ctx {
            model,
            rows: n,
            today: today.0,
            fields: &fields,
            scores: None,
            grades: None,
            tiers: None,
        };
        let mut used_masks = HashSet::new();
        // Masks of what reads fields only: adjustments, and the field tests of segments.
        let mut field_mask = |masks: &mut HashMap<ConditionKey, Arc<Vec<bool>>>,
                              c: &crate::model::Condition| {
            let key = ConditionKey::new(c, &fkeys, today);
            used_masks.insert(key.clone());
            masks
                .entry(key)
                .or_insert_with(|| Arc::new(condition::mask_of_fields(c, &fields_ctx)))
                .clone()
        };
        let adjustments: Vec<Vec<Arc<Vec<bool>>>> = model
            .journeys
            .iter()
            .map(|j| {
                j.adjustments
                    .iter()
                    .map(|a| {
                        if condition::reads_fields_only(&a.when) {
                            field_mask(&mut self.masks, &a.when)
                        } else {
                            // Adjustments see no scores: whatever else they test never holds.
                            Arc::new(condition::mask(&a.when, &fields_ctx))
                        }
                    })
                    .collect()
            })
            .collect();
        // Segments are compiled against contexts that have scores, grades and tiers; the
        // columns themselves are read block by block in the fused pass.
        let none_f: [Vec<f64>; 0] = [];
        let none_u: [Vec<u8>; 0] = [];
        let seg_ctx = Ctx {
            model,
            rows: n,
            today: today.0,
            fields: &fields,
            scores: Some(&none_f),
            grades: Some(&none_u),
            tiers: Some(&[]),
        };
        let segments_plan: Vec<Option<condition::Compiled>> = model
            .segments
            .iter()
            .map(|seg| {
                seg.when.as_ref().map(|c| {
                    condition::compile(c, &seg_ctx, &mut |leaf| field_mask(&mut self.masks, leaf))
                })
            })
            .collect();
        self.masks.retain(|k, _| used_masks.contains(k));

        // What each journey's sums are computed from, exactly: a journey whose key a recycled
        // result has is taken as it is.
        let (order, _) = model.journey_order();
        let parts: Vec<Vec<(usize, f64)>> = (0..model.journeys.len())
            .map(|ji| model.parts_of(ji, &order))
            .collect();
        // The terms of each journey's sum: attainment columns and their weights.
        let nj = model.journeys.len();
        let term_keys: Vec<Vec<TermKey>> = (0..nj)
            .map(|ji| {
                signals
                    .iter()
                    .zip(&signal_keys)
                    .filter(|(s, _)| s.journey == ji)
                    .map(|(s, k)| TermKey {
                        attain: k.clone(),
                        weight: F64Key::new(100.0 * s.share),
                    })
                    .collect()
            })
            .collect();
        // A journey in a cycle is not summed: it keeps the empty key.
        let empty = Arc::new(JourneyKey::default());
        let mut journey_keys: Vec<Arc<JourneyKey>> = vec![empty; model.journeys.len()];
        for &ji in &order {
            let j = &model.journeys[ji];
            journey_keys[ji] = Arc::new(JourneyKey {
                // A composite's column follows from its parts' columns and weights.
                parts: parts[ji]
                    .iter()
                    .map(|&(pi, w)| (journey_keys[pi].clone(), F64Key::new(w)))
                    .collect(),
                terms: term_keys[ji].clone(),
                adjustments: j
                    .adjustments
                    .iter()
                    .map(|a| {
                        (
                            ConditionKey::new(&a.when, &fkeys, today),
                            F64Key::new(a.points),
                        )
                    })
                    .collect(),
            });
        }
        let mut claimed = claim(
            &mut self.pool.journeys,
            &mut self.pool.f64s,
            &journey_keys,
            n,
        );
        // A grade reads one journey's scores through its thresholds: when both are as they
        // were, so is the column.
        let journey_of = |id: &str| model.journeys.iter().position(|j| j.id == id);
        let grade_keys: Vec<GradeKey> = model
            .grades
            .iter()
            .map(|g| GradeKey {
                journey: journey_of(&g.journey).map(|ji| journey_keys[ji].clone()),
                thresholds: g.bands.values().map(|&t| F64Key::new(t)).collect(),
            })
            .collect();
        let mut claimed_grades = claim(&mut self.pool.grades, &mut self.pool.u8s, &grade_keys, n);
        // Where each journey's sum starts, and where it saves a partial sum for the next edit.
        self.prefixes.resize_with(nj, || None);
        self.last_terms.resize_with(nj, Vec::new);
        let mut starts: Vec<Option<usize>> = vec![None; nj];
        let mut save_at: Vec<Option<usize>> = vec![None; nj];
        let mut save_cols: Vec<Option<Vec<f64>>> = (0..nj).map(|_| None).collect();
        for ji in 0..nj {
            let keys = &term_keys[ji];
            if claimed[ji].is_none() {
                starts[ji] = self.prefixes[ji]
                    .as_ref()
                    .filter(|p| {
                        p.terms <= keys.len() && p.sums.len() == n && p.key[..] == keys[..p.terms]
                    })
                    .map(|p| p.terms);
                // The first term that changed since the last sum: the edit is there, and the
                // next edit likely too.
                let d = keys
                    .iter()
                    .zip(&self.last_terms[ji])
                    .take_while(|(a, b)| a == b)
                    .count();
                if d >= 2 && d < keys.len() && starts[ji] != Some(d) {
                    save_at[ji] = Some(d);
                    save_cols[ji] = Some(take(&mut self.pool.f64s, n, 0.0));
                }
            }
            self.last_terms[ji].clone_from(keys);
        }
        let prefixes = &self.prefixes;
        let plan = Plan {
            journeys: model
                .journeys
                .iter()
                .enumerate()
                .map(|(ji, j)| JourneyPlan {
                    ready: claimed[ji].is_some(),
                    start: starts[ji]
                        .and_then(|j| Some((j, prefixes[ji].as_ref()?.sums.as_slice()))),
                    save_at: save_at[ji],
                    terms: signals
                        .iter()
                        .filter(|s| s.journey == ji)
                        .map(|s| (100.0 * s.share, &*s.attainment))
                        .collect(),
                    parts: parts[ji].iter().map(|&(pi, w)| (w, pi)).collect(),
                    adjustments: j
                        .adjustments
                        .iter()
                        .zip(&adjustments[ji])
                        .map(|(a, m)| (a.points, m.as_slice()))
                        .collect(),
                })
                .collect(),
            grades: model
                .grades
                .iter()
                .zip(&claimed_grades)
                .map(|(g, c)| {
                    c.is_none()
                        .then(|| (journey_of(&g.journey), g.bands.values().copied().collect()))
                })
                .collect(),
            tier: model.tiers.as_ref().and_then(|t| {
                Some((
                    journey_of(&t.journey)?,
                    t.levels.iter().map(|l| l.at_least).collect(),
                ))
            }),
            segments: segments_plan,
            order,
        };

        let mut scores: Vec<Vec<f64>> = claimed
            .iter_mut()
            .map(|c| {
                c.take()
                    .unwrap_or_else(|| take(&mut self.pool.f64s, n, 0.0))
            })
            .collect();
        let mut grades: Vec<Vec<u8>> = claimed_grades
            .iter_mut()
            .map(|c| {
                c.take()
                    .unwrap_or_else(|| take(&mut self.pool.u8s, n, NONE))
            })
            .collect();
        let mut tiers = take(&mut self.pool.u8s, n, NONE);
        let mut segments = take(&mut self.pool.u16s, n, NO_SEGMENT);

        // Consecutive parts of whole blocks, one per thread.
        let threads = if n < PARALLEL_MIN_ROWS {
            1
        } else {
            std::thread::available_parallelism()
                .map_or(1, |p| p.get())
                .min(n / (PARALLEL_MIN_ROWS / 2))
                .max(1)
        };
        let blocks = n.div_ceil(condition::BLOCK);
        let lens: Vec<usize> = (0..threads)
            .map(|t| {
                let (a, b) = (
                    blocks * t / threads * condition::BLOCK,
                    (blocks * (t + 1) / threads * condition::BLOCK).min(n),
                );
                b.saturating_sub(a.min(n))
            })
            .collect();
        let mut outs: Vec<Out> = (0..threads).map(|_| Out::default()).collect();
        for col in &mut save_cols {
            match col {
                Some(col) => outs
                    .iter_mut()
                    .zip(split(col, &lens))
                    .for_each(|(p, s)| p.saves.push(Some(s))),
                None => outs.iter_mut().for_each(|p| p.saves.push(None)),
            }
        }
        for col in &mut scores {
            outs.iter_mut()
                .zip(split(col, &lens))
                .for_each(|(p, s)| p.scores.push(s));
        }
        for col in &mut grades {
            outs.iter_mut()
                .zip(split(col, &lens))
                .for_each(|(p, s)| p.grades.push(s));
        }
        outs.iter_mut()
            .zip(split(&mut tiers, &lens))
            .for_each(|(p, s)| p.tiers = s);
        outs.iter_mut()
            .zip(split(&mut segments, &lens))
            .for_each(|(p, s)| p.segments = s);
        let starts: Vec<usize> = lens
            .iter()
            .scan(0, |acc, &l| {
                let s = *acc;
                *acc += l;
                Some(s)
            })
            .collect();
        if threads == 1 {
            for (p, s) in outs.into_iter().zip(starts) {
                run(&plan, s, p);
            }
        } else {
            let plan = &plan;
            std::thread::scope(|sc| {
                for (p, s) in outs.into_iter().zip(starts) {
                    sc.spawn(move || run(plan, s, p));
                }
            });
        }
        drop(plan);
        for (ji, col) in save_cols.into_iter().enumerate() {
            if let (Some(sums), Some(d)) = (col, save_at[ji]) {
                let key = term_keys[ji][..d].to_vec();
                if let Some(old) = self.prefixes[ji].replace(Prefix {
                    terms: d,
                    key,
                    sums,
                }) {
                    self.pool.f64s.push(old.sums);
                }
            }
        }
        Scored {
            rows: n,
            today,
            scores,
            grades,
            tiers,
            segments,
            adjustments,
            signals,
            parts,
            fields,
            quality,
            journey_keys,
            grade_keys,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn collect(
        &mut self,
        model: &Model,
        fields: &HashMap<String, Arc<Typed>>,
        fkeys: &FieldKeys,
        today: Date,
        journey: usize,
        path: Vec<usize>,
        t: &Touchpoint,
        share: f64,
        out: &mut Vec<SignalColumn>,
        keys: &mut Vec<Arc<AttainKey>>,
    ) {
        for (ci, c) in t.touchpoints.iter().enumerate() {
            let mut p = path.clone();
            p.push(ci);
            self.collect(
                model,
                fields,
                fkeys,
                today,
                journey,
                p,
                c,
                share * c.weight.fraction(),
                out,
                keys,
            );
        }
        let n = self.table.rows();
        let code_now = self.code_now;
        for (si, s) in t.signals.iter().enumerate() {
            let key = Arc::new(AttainKey::new(s, fkeys, today));
            keys.push(key.clone());
            if self.coding && !code_now && !self.attain.contains_key(&key) {
                self.pending.push(key.clone());
            }
            let att = self
                .attain
                .entry(key)
                .or_insert_with(|| {
                    let mut a = match fields.get(&s.field) {
                        Some(col) => attain::signal_column(s, col, today.0),
                        None => vec![0.0; n],
                    };
                    if let Some(d) = &s.decay {
                        attain::apply_decay(
                            &mut a,
                            d,
                            fields.get(&d.since).map(|c| c.as_ref()),
                            today.0,
                        );
                    }
                    // Coded by the first score of a coding scorer only (see `coded`).
                    Arc::new(if code_now {
                        Attainments::compact(a)
                    } else {
                        Attainments::Dense(a)
                    })
                })
                .clone();
            let _ = model;
            out.push(SignalColumn {
                journey,
                touchpoints: path.clone(),
                signal: si,
                field: s.field.clone(),
                share: share * s.weight.fraction(),
                attainment: att,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contacts::ContactsReader;

    const MODEL: &str = include_str!("../../tests/fixtures/engine.yaml");

    const CONTACTS: &str = include_str!("../../tests/fixtures/engine.csv");

    fn scored() -> (Model, Scored) {
        let model = crate::model::parse_model(MODEL, "test.yaml").unwrap();
        let mut r = ContactsReader::from_reader(
            "t.csv",
            Box::new(std::io::Cursor::new(CONTACTS.as_bytes().to_vec())),
        )
        .unwrap();
        let t = r.next_chunk(100).unwrap().unwrap();
        let s = score_table(&model, &t);
        (model, s)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    /// Derived fields are evaluated once and kept like typed columns: a weight edit (what the
    /// designer's what-if does on every keystroke) reuses the column, an edit of a field the
    /// expression reads evaluates it again.
    #[test]
    fn a_derived_column_is_kept_across_edits_that_do_not_touch_it() {
        let model = crate::model::parse_model(
            include_str!("../../tests/fixtures/derived.yaml"),
            "derived.yaml",
        )
        .unwrap();
        let csv = include_str!("../../tests/fixtures/derived.csv");
        let mut r = ContactsReader::from_reader(
            "d.csv",
            Box::new(std::io::Cursor::new(csv.as_bytes().to_vec())),
        )
        .unwrap();
        let table = r.next_chunk(100).unwrap().unwrap();
        let mut scorer = Scorer::new(Arc::new(table));
        let first = scorer.score(&model);
        let mut edited = model.clone();
        edited.journeys[0].touchpoints[0].weight = crate::model::Weight(4000);
        edited.journeys[0].touchpoints[1].weight = crate::model::Weight(6000);
        let second = scorer.score(&edited);
        for id in ["per_mail", "boost", "sector", "latest"] {
            assert!(Arc::ptr_eq(&first.fields[id], &second.fields[id]), "{id}");
        }
        assert_ne!(first.scores[0], second.scores[0]);
        // `mails` read from another column: per_mail and what reads it are evaluated again.
        let mut moved = edited.clone();
        moved.fields[1].column = Some("web".into());
        let third = scorer.score(&moved);
        assert!(!Arc::ptr_eq(
            &second.fields["per_mail"],
            &third.fields["per_mail"]
        ));
        assert!(!Arc::ptr_eq(
            &second.fields["boost"],
            &third.fields["boost"]
        ));
        assert!(Arc::ptr_eq(&second.fields["lrev"], &third.fields["lrev"]));
        let crate::contacts::Typed::Number(v) = &*third.fields["per_mail"] else {
            panic!()
        };
        // r0: web 12 / (12 + 1).
        assert!(close(v[0], 12.0 / 13.0));
    }

    #[test]
    fn scores_by_hand() {
        let (_, s) = scored();
        // A: t1 = 0.6 x 5/10 + 0.4 x 1 = 0.7; c2 = 0.5 x 1 + 0.5 x 0.5^(30/30) = 0.75;
        //    t2 = 0.75 x 1 + 0.25 x 0.75 = 0.9375; raw = 100 x (0.35 + 0.46875) = 81.875.
        // B: visits 25 clamps to 1, source missing: t1 = 0.6; t2 = 0; raw 30, +15 heavy visitor = 45.
        // C: visits unreadable (0), Competitor gets the default 0.2: t1 = 0.08; the future date
        //    gives 1: t2 = 1; raw = 4 + 50 = 54; -50 competitor = 4.
        // D: everything full: raw 100, +15 = 115, clamped to 100.
        let want = [81.875, 45.0, 4.0, 100.0];
        for (i, w) in want.iter().enumerate() {
            assert!(
                close(s.scores[0][i], *w),
                "row {i}: {} != {w}",
                s.scores[0][i]
            );
        }
        assert!(close(s.raw(0, 3), 100.0));
        // Decay: demo x 0.5^(30/15) = 0.25 for A; no demo for B; future date for C; today for D.
        let want = [25.0, 0.0, 100.0, 100.0];
        for (i, w) in want.iter().enumerate() {
            assert!(
                close(s.scores[1][i], *w),
                "j2 row {i}: {} != {w}",
                s.scores[1][i]
            );
        }
    }

    #[test]
    fn grades_tiers_and_segments() {
        let (m, s) = scored();
        let grades: Vec<_> = (0..4).map(|i| s.grade(&m, 0, i).unwrap()).collect();
        assert_eq!(grades, vec!["A", "C", "C", "A"]);
        let tiers: Vec<_> = (0..4)
            .map(|i| s.tier(&m, i).unwrap().name.as_str())
            .collect();
        assert_eq!(tiers, vec!["hot", "warm", "cold", "hot"]);
        let segs: Vec<_> = (0..4)
            .map(|i| s.segment(&m, i).unwrap().name.as_str())
            .collect();
        assert_eq!(segs, vec!["Demo", "Warm", "Rest", "Demo"]);
        let row = crate::engine::output_row(&m, &s, 1);
        assert_eq!(
            row,
            vec!["45", "0", "C", "", "warm", "nurture", "Warm", "Nurture", ""]
        );
    }

    #[test]
    fn data_quality_is_counted() {
        let (_, s) = scored();
        let visits = &s.quality[0];
        assert_eq!((visits.missing, visits.unreadable), (0, 1));
        assert_eq!(visits.first_unreadable, Some((4, "abc".into())));
        let source = &s.quality[1];
        assert_eq!(source.missing, 1);
    }

    #[test]
    fn explanation_adds_up() {
        let (m, s) = scored();
        for row in 0..4 {
            let e = crate::engine::explain(&m, &s, row);
            for (ji, j) in e.journeys.iter().enumerate() {
                let parts: f64 = j.touchpoints.iter().map(|t| t.points).sum();
                assert!(close(parts, s.raw(ji, row)), "row {row} journey {ji}");
                assert!(close(
                    j.unclamped,
                    parts + j.adjustments.iter().map(|a| a.points).sum::<f64>()
                ));
                assert!(close(j.score, s.scores[ji][row]));
            }
        }
        let e = crate::engine::explain(&m, &s, 3);
        assert_eq!(e.journeys[0].adjustments.len(), 1);
        assert!(close(e.journeys[0].unclamped, 115.0));
        let text = crate::engine::explain::render_text(&e);
        assert!(
            text.contains("clamped: 115 is outside 0..100, so the score is 100"),
            "{text}"
        );
    }

    #[test]
    fn weight_edit_reuses_attainment_columns() {
        let mut model = crate::model::parse_model(MODEL, "test.yaml").unwrap();
        let table = {
            let mut r = ContactsReader::from_reader(
                "t.csv",
                Box::new(std::io::Cursor::new(CONTACTS.as_bytes().to_vec())),
            )
            .unwrap();
            r.next_chunk(100).unwrap().unwrap()
        };
        let mut scorer = Scorer::new(Arc::new(table.clone()));
        let before = scorer.score(&model);
        model.journeys[0].touchpoints[0].signals[0].weight = crate::model::Weight(5000);
        model.journeys[0].touchpoints[0].signals[1].weight = crate::model::Weight(5000);
        let after = scorer.score(&model);
        // Same columns, shared, not recomputed.
        assert!(Arc::ptr_eq(
            &before.signals[0].attainment,
            &after.signals[0].attainment
        ));
        // A: t1 = 0.5 x 0.5 + 0.5 x 1 = 0.75: raw = 37.5 + 46.875 = 84.375.
        assert!(close(after.scores[0][0], 84.375));
        // And the cached result equals a fresh one.
        let fresh = score_table(&model, &table);
        assert_eq!(fresh.scores, after.scores);
        // A rule edit recomputes only that column.
        model.journeys[0].touchpoints[0].signals[0].rule = crate::model::Rule::Scale {
            from: 0.0,
            to: 20.0,
        };
        let edited = scorer.score(&model);
        assert!(!Arc::ptr_eq(
            &after.signals[0].attainment,
            &edited.signals[0].attainment
        ));
        assert!(Arc::ptr_eq(
            &after.signals[1].attainment,
            &edited.signals[1].attainment
        ));
    }

    /// The scores as a plain column-at-a-time pass computes them: each signal's column added
    /// to its journey's sum in model order, then each adjustment, the clamp, grades by
    /// `position`, and each segment's whole-column mask.
    type Columns = (
        Vec<Vec<f64>>,
        Vec<Vec<f64>>,
        Vec<Vec<u8>>,
        Vec<u8>,
        Vec<u16>,
    );

    /// Every row's raw sum, as `Scored::raw` gives it one row at a time.
    fn raw_of(s: &Scored) -> Vec<Vec<f64>> {
        (0..s.scores.len())
            .map(|ji| (0..s.rows).map(|row| s.raw(ji, row)).collect())
            .collect()
    }

    fn reference(model: &Model, s: &Scored) -> Columns {
        let n = s.rows;
        let mut raw = vec![vec![0.0; n]; model.journeys.len()];
        let mut scores = raw.clone();
        // Journey by journey, every composite after its parts: its parts' final scores, then
        // its own signals, adjustments and clamp.
        let (order, _) = model.journey_order();
        for &ji in &order {
            for (pi, w) in model.parts_of(ji, &order) {
                let part = scores[pi].clone();
                for (r, x) in raw[ji].iter_mut().zip(&part) {
                    *r += w * x;
                }
            }
            for sig in s.signals.iter().filter(|sig| sig.journey == ji) {
                for (r, a) in raw[ji].iter_mut().zip(sig.attainment.to_vec()) {
                    *r += 100.0 * sig.share * a;
                }
            }
            scores[ji] = raw[ji].clone();
            let j = &model.journeys[ji];
            for (a, m) in j.adjustments.iter().zip(&s.adjustments[ji]) {
                for (x, &h) in scores[ji].iter_mut().zip(m.iter()) {
                    if h {
                        *x += a.points;
                    }
                }
            }
            scores[ji].iter_mut().for_each(|x| *x = x.clamp(0.0, 100.0));
        }
        let ji = |id: &str| model.journeys.iter().position(|j| j.id == id).unwrap();
        let band = |x: f64, t: &[f64]| t.iter().position(|&t| x >= t).map_or(NONE, |i| i as u8);
        let grades: Vec<Vec<u8>> = model
            .grades
            .iter()
            .map(|g| {
                let t: Vec<f64> = g.bands.values().copied().collect();
                scores[ji(&g.journey)]
                    .iter()
                    .map(|&x| band(x, &t))
                    .collect()
            })
            .collect();
        let tl = model.tiers.as_ref().unwrap();
        let levels: Vec<f64> = tl.levels.iter().map(|l| l.at_least).collect();
        let tiers: Vec<u8> = scores[ji(&tl.journey)]
            .iter()
            .map(|&x| band(x, &levels))
            .collect();
        let mut segments = vec![NO_SEGMENT; n];
        for (si, seg) in model.segments.iter().enumerate() {
            let hit = match &seg.when {
                None => vec![true; n],
                Some(c) => {
                    let ctx = Ctx {
                        model,
                        rows: n,
                        today: s.today.0,
                        fields: &s.fields,
                        scores: Some(&scores),
                        grades: Some(&grades),
                        tiers: Some(&tiers),
                    };
                    condition::mask(c, &ctx)
                }
            };
            for (x, h) in segments.iter_mut().zip(hit) {
                if h && *x == NO_SEGMENT {
                    *x = si as u16;
                }
            }
        }
        (raw, scores, grades, tiers, segments)
    }

    /// `n` synthetic contacts for the lead model's fields.
    fn lead_table(model: &Model, n: usize) -> Table {
        let mut csv = String::from("lead_id");
        for f in &model.fields {
            csv.push_str(&format!(",\"{}\"", f.column()));
        }
        csv.push('\n');
        let cats = [
            "Manufacturing",
            "Software",
            "United States",
            "Germany",
            "Salesforce",
            "VP",
            "Student",
            "x",
            "",
        ];
        let mut state = 7u64;
        for i in 0..n {
            csv.push_str(&format!("c{i}"));
            for f in &model.fields {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let u = (state >> 33) as usize;
                let cell = match f.kind {
                    crate::model::FieldKind::Number => format!("{}", u % 40),
                    crate::model::FieldKind::Boolean => ["yes", "no", ""][u % 3].to_string(),
                    crate::model::FieldKind::Date => Date(20_758 - (u % 400) as i32).to_string(),
                    _ => cats[u % cats.len()].to_string(),
                };
                csv.push(',');
                csv.push_str(&cell);
            }
            csv.push('\n');
        }
        let mut r =
            ContactsReader::from_reader("t.csv", Box::new(std::io::Cursor::new(csv.into_bytes())))
                .unwrap();
        r.next_chunk(usize::MAX).unwrap().unwrap()
    }

    #[test]
    fn dragging_a_weight_starts_from_the_saved_partial_sum() {
        // Three edits of the same later touchpoint: the second saves the sum of the terms
        // before it, the third starts from that sum; every result is the plain pass's.
        let model = crate::model::parse_model(
            include_str!("../../examples/lead-fit-activity.yaml"),
            "m.yaml",
        )
        .unwrap();
        let table = lead_table(&model, 5000);
        let mut scorer = Scorer::new(Arc::new(table));
        let mut m = model.clone();
        let mut last = scorer.score(&m);
        for (step, w) in [5000, 5500, 4500, 6000].into_iter().enumerate() {
            let t = &mut m.journeys[1].touchpoints[3];
            t.signals[0].weight = crate::model::Weight(w);
            t.signals[1].weight = crate::model::Weight(10_000 - w);
            let s = scorer.score(&m);
            let want = reference(&m, &s);
            assert_eq!(
                (&raw_of(&s), &s.scores, &s.segments),
                (&want.0, &want.1, &want.4),
                "step {step}"
            );
            if step >= 1 {
                assert_eq!(
                    scorer.prefixes[1].as_ref().map(|p| p.terms),
                    Some(4),
                    "step {step}"
                );
            }
            scorer.recycle(std::mem::replace(&mut last, s));
        }
    }

    #[test]
    fn threads_and_blocks_give_the_plain_pass() {
        // Enough rows for several threads and a last block that is not full.
        let model = crate::model::parse_model(
            include_str!("../../examples/lead-fit-activity.yaml"),
            "m.yaml",
        )
        .unwrap();
        let n = 3 * PARALLEL_MIN_ROWS / 2 + 77;
        let table = Arc::new(lead_table(&model, n));
        let mut scorer = Scorer::new(table);
        let first = scorer.score(&model);
        let (raw, scores, grades, tiers, segments) = reference(&model, &first);
        assert_eq!(raw_of(&first), raw);
        assert_eq!(first.scores, scores);
        assert_eq!(first.grades, grades);
        assert_eq!(first.tiers, tiers);
        assert_eq!(first.segments, segments);
        assert!(segments.iter().all(|&s| s != NO_SEGMENT));
        // Recycled columns are written over completely.
        let mut edited = model.clone();
        edited.journeys[1].touchpoints[0].weight = crate::model::Weight(2000);
        edited.journeys[1].touchpoints[1].weight = crate::model::Weight(3000);
        // The fit grade reads the first journey only: its column comes back as it was.
        let fit = model
            .grades
            .iter()
            .position(|g| g.journey == "fit")
            .unwrap();
        let fit_column = first.grades[fit].as_ptr();
        scorer.recycle(first);
        let again = scorer.score(&edited);
        assert_eq!(again.grades[fit].as_ptr(), fit_column);
        let (raw, scores, grades, tiers, segments) = reference(&edited, &again);
        assert_eq!((&raw_of(&again), &again.scores), (&raw, &scores));
        assert_eq!(
            (&again.grades, &again.tiers, &again.segments),
            (&grades, &tiers, &segments)
        );
        // The first journey's columns came back from the recycled result as they were; now
        // edit that journey, and the recycled columns must not be taken.
        scorer.recycle(again);
        let mut edited2 = edited.clone();
        edited2.journeys[0].touchpoints[0].weight = crate::model::Weight(6000);
        edited2.journeys[0].touchpoints[1].weight = crate::model::Weight(4000);
        let third = scorer.score(&edited2);
        let want = reference(&edited2, &third);
        assert_eq!((raw_of(&third), third.scores.clone()), (want.0, want.1));
        assert_eq!(
            (third.grades, third.tiers, third.segments),
            (want.2, want.3, want.4)
        );
    }

    /// A model that reads every rule kind, a derived field, decay from a date and from a
    /// number of days, and conditions of every test, for the cache-key tests below.
    const KEYS_MODEL: &str = r#"
name: keys
as_of: 2026-11-01
fields:
  - { id: visits, kind: number }
  - { id: source, kind: category, missing: [Select] }
  - { id: demo, kind: boolean }
  - { id: email, kind: text }
  - { id: last_seen, kind: date }
  - { id: days, kind: number }
  - { id: revenue, kind: number }
  - { id: per_visit, kind: number, expr: "revenue / (visits + 1)" }
journeys:
  - id: j1
    touchpoints:
      - id: t1
        weight: 100
        pillars: [empathy]
        signals:
          - { field: visits, weight: 10, rule: { scale: { from: 0, to: 10 } } }
          - { field: source, weight: 10, rule: { match: { Google: 1, Email: 0.5, Other: 0, default: 0.2, missing: 0.1 } } }
          - { field: demo, weight: 10, rule: flag }
          - { field: email, weight: 10, rule: present }
          - { field: last_seen, weight: 10, rule: { recency: { half_life_days: 30 } } }
          - { field: visits, weight: 10, rule: { bands: [ { at_least: 0, value: 0 }, { at_least: 3, value: 0.5 }, { at_least: 10, value: 1 }, { missing: 0.3 } ] } }
          - { field: revenue, weight: 10, rule: { log_scale: { from: 1, to: 1000 } } }
          - { field: days, weight: 10, rule: { recency: { half_life_days: 7 } }, decay: { since: last_seen, half_life_days: 60 } }
          - { field: per_visit, weight: 10, rule: { scale: { from: 0, to: 100 } }, missing: 0.25 }
          - { field: demo, weight: 10, rule: not_flag, decay: { since: days, half_life_days: 10 } }
    adjustments:
      - { name: Heavy, when: { field: visits, at_least: 20 }, points: 15 }
      - { name: Comp, when: { field: source, equals: competitor }, points: -50 }
      - { name: Pair, when: { any: [ { field: revenue, at_least: { field: visits } }, { not: { field: email, present: true } } ] }, points: 5 }
      - { name: Old, when: { field: last_seen, at_least: 20 }, points: -5 }
      - { name: Spent, when: { field: revenue, below: 0 }, points: 0 }
grades:
  - { id: g, journey: j1, bands: { A: 60, B: 30, C: 0 } }
tiers:
  journey: j1
  levels:
    - { name: hot, at_least: 60, handover: sales }
    - { name: cold, at_least: 0 }
segments:
  - { name: Big, when: { field: revenue, at_least: 500 }, action: Call }
  - { name: Listed, when: { field: source, in: [google, email] }, action: Mail }
  - { name: Rest, action: Newsletter }
"#;

    /// Two columns for most fields, so that an edit can map a field to the other one.
    const KEYS_CSV: &str = "\
id,visits,visits_b,source,source_b,demo,email,last_seen,seen_b,days,days_b,revenue
a,5,2,google,Email,yes,a@x.com,2026-10-02,2026-06-01,3,40,800
b,25,12,Select,Google,no,,,2026-10-30,,1,0
c,abc,7,Competitor,Select,y,c@x.com,2026-11-10,2026-10-01,10,0,40
d,30,0, Google ,competitor,YES,d@x.com,2026-11-01,,0,5,5000
e,0,30,email,,n,e@x.com,2025-11-01,2026-09-15,60,20,2
f,,4,,google,,,2026-10-25,2026-10-31,1.5,,-3
g,9,9,Other,Other,no,g@x.com,2026-09-01,2026-09-01,30,30,120
";

    fn keys_table() -> Arc<Table> {
        let mut r = ContactsReader::from_reader(
            "k.csv",
            Box::new(std::io::Cursor::new(KEYS_CSV.as_bytes().to_vec())),
        )
        .unwrap();
        Arc::new(r.next_chunk(100).unwrap().unwrap())
    }

    /// Everything a result shows, with numbers as bits (attainments as values, where a -0 and
    /// a 0 are the same attainment).
    #[allow(clippy::type_complexity)]
    fn shown(
        s: &Scored,
    ) -> (
        Vec<Vec<u64>>,
        Vec<Vec<u8>>,
        Vec<u8>,
        Vec<u16>,
        Vec<Vec<Vec<bool>>>,
        Vec<Vec<f64>>,
    ) {
        (
            s.scores
                .iter()
                .map(|c| c.iter().map(|x| x.to_bits()).collect())
                .collect(),
            s.grades.clone(),
            s.tiers.clone(),
            s.segments.clone(),
            s.adjustments
                .iter()
                .map(|j| j.iter().map(|m| m.to_vec()).collect())
                .collect(),
            s.signals.iter().map(|c| c.attainment.to_vec()).collect(),
        )
    }

    type Edit = (&'static str, bool, fn(&mut Model));

    fn signal(m: &mut Model, i: usize) -> &mut crate::model::Signal {
        &mut m.journeys[0].touchpoints[0].signals[i]
    }

    fn adjustment(m: &mut Model, i: usize) -> &mut crate::model::Condition {
        &mut m.journeys[0].adjustments[i].when
    }

    /// One edit of each part of a rule, a signal, a decay, a field and a condition: whether it
    /// changes the results (true), or is an edit of no consequence (a 0 written as -0).
    fn key_edits() -> Vec<Edit> {
        use crate::model::{Operand, Rule, Scalar};
        vec![
            ("scale from", true, |m| {
                signal(m, 0).rule = Rule::Scale {
                    from: 2.0,
                    to: 10.0,
                }
            }),
            ("scale to", true, |m| {
                signal(m, 0).rule = Rule::Scale {
                    from: 0.0,
                    to: 20.0,
                }
            }),
            ("scale from -0", false, |m| {
                signal(m, 0).rule = Rule::Scale {
                    from: -0.0,
                    to: 10.0,
                }
            }),
            ("match value", true, |m| {
                let Rule::Match(r) = &mut signal(m, 1).rule else {
                    panic!()
                };
                r.values[0].1 = 0.7;
            }),
            ("match key", true, |m| {
                let Rule::Match(r) = &mut signal(m, 1).rule else {
                    panic!()
                };
                r.values[1].0 = "Unknown".into();
            }),
            ("match default", true, |m| {
                let Rule::Match(r) = &mut signal(m, 1).rule else {
                    panic!()
                };
                r.default = 0.0;
            }),
            ("match value 0 as -0", false, |m| {
                let Rule::Match(r) = &mut signal(m, 1).rule else {
                    panic!()
                };
                r.values[2].1 = -0.0;
            }),
            ("match missing", true, |m| {
                let Rule::Match(r) = &mut signal(m, 1).rule else {
                    panic!()
                };
                r.missing = Some(0.9);
            }),
            ("flag to not_flag", true, |m| {
                signal(m, 2).rule = Rule::NotFlag
            }),
            ("present to flag", true, |m| signal(m, 3).rule = Rule::Flag),
            ("recency half-life", true, |m| {
                signal(m, 4).rule = Rule::Recency {
                    half_life_days: 10.0,
                }
            }),
            ("band start", true, |m| {
                let Rule::Bands(b) = &mut signal(m, 5).rule else {
                    panic!()
                };
                b.bands[1].at_least = 6.0;
            }),
            ("band value", true, |m| {
                let Rule::Bands(b) = &mut signal(m, 5).rule else {
                    panic!()
                };
                b.bands[2].value = 0.8;
            }),
            ("band missing entry", true, |m| {
                let Rule::Bands(b) = &mut signal(m, 5).rule else {
                    panic!()
                };
                b.missing = None;
            }),
            ("band start 0 as -0", false, |m| {
                let Rule::Bands(b) = &mut signal(m, 5).rule else {
                    panic!()
                };
                b.bands[0] = crate::model::Band {
                    at_least: -0.0,
                    value: -0.0,
                };
            }),
            ("log scale to", true, |m| {
                signal(m, 6).rule = Rule::LogScale {
                    from: 1.0,
                    to: 100.0,
                }
            }),
            ("decay half-life", true, |m| {
                if let Some(d) = &mut signal(m, 7).decay {
                    d.half_life_days = 5.0;
                }
            }),
            ("decay since", true, |m| {
                if let Some(d) = &mut signal(m, 9).decay {
                    d.since = "visits".into();
                }
            }),
            ("decay dropped", true, |m| signal(m, 7).decay = None),
            ("signal missing", true, |m| {
                signal(m, 8).missing = Some(0.75)
            }),
            ("signal missing -0", true, |m| {
                signal(m, 8).missing = Some(-0.0)
            }),
            ("signal missing 0 as -0", false, |m| {
                signal(m, 0).missing = Some(-0.0)
            }),
            ("signal on another field", true, |m| {
                signal(m, 0).field = "days".into()
            }),
            ("field column", true, |m| {
                m.fields[0].column = Some("visits_b".into())
            }),
            ("field column of a category", true, |m| {
                m.fields[1].column = Some("source_b".into())
            }),
            ("field column of a date", true, |m| {
                m.fields[4].column = Some("seen_b".into())
            }),
            ("field column of a number of days", true, |m| {
                m.fields[5].column = Some("days_b".into())
            }),
            ("field placeholders", true, |m| {
                m.fields[1].missing = vec!["Competitor".into()]
            }),
            ("field placeholders in another case", false, |m| {
                m.fields[1].missing = vec![" select".into(), "SELECT".into()]
            }),
            ("field kind", true, |m| {
                m.fields[3].kind = crate::model::FieldKind::Boolean
            }),
            ("derived expression", true, |m| {
                m.fields[7].expr = Some(crate::model::expr::Derivation::new("revenue / visits"))
            }),
            ("as_of", true, |m| {
                m.as_of = crate::model::Date::parse("2026-12-01")
            }),
            ("condition at_least", true, |m| {
                adjustment(m, 0).at_least = Some(Operand::Value(8.0))
            }),
            ("condition below", true, |m| {
                adjustment(m, 0).below = Some(Operand::Value(28.0))
            }),
            ("condition equals", true, |m| {
                adjustment(m, 1).equals = Some(Operand::Value(Scalar::Text("google".into())))
            }),
            ("condition equals another field", true, |m| {
                adjustment(m, 1).field = Some("email".into());
                adjustment(m, 1).equals = Some(Operand::Field("source".into()));
            }),
            ("condition field", true, |m| {
                adjustment(m, 0).field = Some("days".into())
            }),
            ("condition operand field", true, |m| {
                adjustment(m, 2).any[0].at_least = Some(Operand::Field("days".into()))
            }),
            ("condition present", true, |m| {
                adjustment(m, 2).any[1].not.as_mut().unwrap().present = Some(false)
            }),
            ("condition not dropped", true, |m| {
                let inner = *adjustment(m, 2).any[1].not.take().unwrap();
                adjustment(m, 2).any[1] = inner;
            }),
            ("condition any to all", true, |m| {
                let c = adjustment(m, 2);
                c.all = std::mem::take(&mut c.any);
            }),
            ("condition below 0 as -0", false, |m| {
                adjustment(m, 4).below = Some(Operand::Value(-0.0))
            }),
            ("condition on a date, in days", true, |m| {
                adjustment(m, 3).at_least = Some(Operand::Value(60.0))
            }),
            ("adjustment points", true, |m| {
                m.journeys[0].adjustments[0].points = 40.0
            }),
            ("adjustment points 0 as -0", false, |m| {
                m.journeys[0].adjustments[4].points = -0.0
            }),
            ("segment in", true, |m| {
                m.segments[1].when.as_mut().unwrap().one_of =
                    Some(vec![Scalar::Text("other".into())])
            }),
            ("grade threshold", true, |m| {
                m.grades[0].bands.insert("B".into(), 50.0);
            }),
            ("weight", true, |m| {
                signal(m, 0).weight = crate::model::Weight(500);
                signal(m, 1).weight = crate::model::Weight(1500);
            }),
        ]
    }

    /// Issue 14: the caches are keyed by structural values. Each edit, made in a scorer that
    /// scored the model before it (and had its result handed back), gives what a fresh scorer
    /// gives; and each edit that matters does change the results, so a key that missed it would
    /// have handed back a stale column and failed here.
    #[test]
    fn every_edit_scores_as_a_fresh_scorer_does() {
        let table = keys_table();
        let base = crate::model::parse_model(KEYS_MODEL, "keys.yaml").unwrap();
        let before = shown(&Scorer::new(table.clone()).score(&base));
        for (what, changes, edit) in key_edits() {
            let mut edited = base.clone();
            edit(&mut edited);
            let mut warm = Scorer::new(table.clone());
            let first = warm.score(&base);
            warm.recycle(first);
            let got = shown(&warm.score(&edited));
            let fresh = shown(&Scorer::new(table.clone()).score(&edited));
            assert_eq!(got, fresh, "{what}");
            if changes {
                assert_ne!(fresh, before, "{what}: the edit changes nothing");
            } else {
                assert_eq!(fresh, before, "{what}");
            }
            // And back: the scorer that scored the edit scores the model as it was.
            assert_eq!(shown(&warm.score(&base)), before, "{what}, undone");
        }
    }

    /// A coding scorer's first score codes its attainment columns; an edit's new columns stay
    /// dense, so its numbers are not held up, until `compact` codes them; then the edit scores
    /// bit for bit as before, every column coded. A scorer not made `coded` (a chunk of a
    /// stream, a one-off run) never codes, however often it scores.
    #[test]
    fn an_edits_columns_are_coded_after_its_numbers() {
        use super::Attainments;
        let dense = |s: &Scored| {
            s.signals
                .iter()
                .filter(|c| matches!(*c.attainment, Attainments::Dense(_)))
                .count()
        };
        let table = keys_table();
        let base = crate::model::parse_model(KEYS_MODEL, "keys.yaml").unwrap();
        let mut left_dense = 0;
        for (what, _, edit) in key_edits() {
            let mut edited = base.clone();
            edit(&mut edited);
            let mut warm = Scorer::new(table.clone()).coded();
            let first = warm.score(&base);
            assert_eq!(
                dense(&first),
                0,
                "{what}: the first score codes its columns"
            );
            let before = warm.score(&edited);
            left_dense += dense(&before);
            warm.compact();
            let after = warm.score(&edited);
            assert_eq!(dense(&after), 0, "{what}: compact codes them");
            assert_eq!(shown(&after), shown(&before), "{what}");
        }
        assert!(left_dense > 0, "no edit left a new column to code");
        let once = score_table(&base, &table);
        assert_eq!(dense(&once), once.signals.len());
        let mut plain = Scorer::new(table.clone());
        plain.score(&base);
        plain.compact();
        let again = plain.score(&base);
        assert_eq!(dense(&again), again.signals.len());
    }

    /// The keys hold no more than their columns read: a weight edit reuses every attainment
    /// column and mask, and a new reference date recomputes only what reads a date.
    #[test]
    fn edits_that_a_column_does_not_read_keep_it() {
        let table = keys_table();
        let base = crate::model::parse_model(KEYS_MODEL, "keys.yaml").unwrap();
        let mut scorer = Scorer::new(table);
        let first = scorer.score(&base);
        let mut edited = base.clone();
        signal(&mut edited, 0).weight = crate::model::Weight(500);
        signal(&mut edited, 1).weight = crate::model::Weight(1500);
        edited.journeys[0].adjustments[0].points = 3.0;
        edited.fields[3].label = Some("E-mail".into());
        edited.fields[1].missing = vec!["select".into()];
        let second = scorer.score(&edited);
        for (a, b) in first.signals.iter().zip(&second.signals) {
            assert!(Arc::ptr_eq(&a.attainment, &b.attainment), "{}", a.field);
        }
        for (a, b) in first.adjustments[0].iter().zip(&second.adjustments[0]) {
            assert!(Arc::ptr_eq(a, b));
        }
        // A new reference date: the number rules keep their columns (the number of days with
        // its recency too), the date rules and the decay from a date do not.
        let mut later = edited.clone();
        later.as_of = crate::model::Date::parse("2026-12-01");
        let third = scorer.score(&later);
        let kept: Vec<bool> = second
            .signals
            .iter()
            .zip(&third.signals)
            .map(|(a, b)| Arc::ptr_eq(&a.attainment, &b.attainment))
            .collect();
        // visits, source, demo, email, last_seen, visits (bands), revenue, days (decay from
        // last_seen), per_visit, demo (decay from days).
        assert_eq!(
            kept,
            [true, true, true, true, false, true, true, false, true, true]
        );
        // The masks on numbers and categories are kept, the one on a date is not.
        let masks: Vec<bool> = second.adjustments[0]
            .iter()
            .zip(&third.adjustments[0])
            .map(|(a, b)| Arc::ptr_eq(a, b))
            .collect();
        assert_eq!(masks, [true, true, true, false, true]);
    }
}
