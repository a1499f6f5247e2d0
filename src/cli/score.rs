//! `scorewright score`: streams contacts through the engine in chunks and writes each row with
//! its scores, grades, rating, tier, segment and action. Memory stays constant whatever the
//! file's size; the output is written to a temporary file and renamed into place at the end.

use crate::contacts::{ContactsReader, FieldQuality};
use crate::engine::output_columns;
use crate::model::check::{Severity, check};
use clap::ValueEnum;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutFormat {
    Csv,
    Jsonl,
    /// Parquet, to a file (`-o out.parquet` chooses it by itself).
    Parquet,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The model file.
    pub model: PathBuf,
    /// The contacts: CSV (comma, semicolon or tab), JSON Lines, Parquet or XLSX (default: the
    /// model's `contacts`, else, for a model with `events:`, the contacts the event log names).
    pub contacts: Option<PathBuf>,
    /// Where to write (default: standard output). A name ending `.parquet` writes Parquet.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "csv")]
    pub format: OutFormat,
    /// Add each contact's explanation (a column in CSV, an object in JSON Lines).
    #[arg(long)]
    pub explain: bool,
    /// Write only the id and the results, not the contact's own columns.
    #[arg(long)]
    pub only_results: bool,
    /// Add `model_version` (a hash of what the model computes, as `check` prints it) and
    /// `scored_at` (the model's `as_of`, else today) to every row, for a sync to key and filter on.
    #[arg(long)]
    pub stamp: bool,
    /// Add `reasons`: the top contributions to the tier journey's score and the adjustments
    /// that fired, in words with their points (`Requested a demo +35; Competitor -50`).
    #[arg(long)]
    pub reasons: bool,
    /// Overwrite the output file if it exists.
    #[arg(long)]
    pub force: bool,
    /// Score even when the model has check errors.
    #[arg(long)]
    pub allow_errors: bool,
    /// Skip the line of an unclosed quote (a quoted cell running on past 1,000 lines or 1 MB)
    /// and go on, saying how many were skipped, instead of stopping there.
    #[arg(long)]
    pub keep_going: bool,
    /// Score as of this date (YYYY-MM-DD) instead of the model's `as_of`: windows, recency and
    /// decay count back from it, and only events before it are read.
    #[arg(long, value_name = "DATE", value_parser = super::events::parse_as_of)]
    pub as_of: Option<crate::model::Date>,
    /// Write one row per account (its contact count, roll-ups, roles and account outputs)
    /// instead of one per contact; the model needs an `accounts:` block.
    #[arg(long)]
    pub accounts: bool,
    /// Rows per chunk (memory grows with it).
    #[arg(long, default_value_t = 50_000, hide = true)]
    pub chunk: usize,
}

pub fn run(mut a: Args) -> anyhow::Result<ExitCode> {
    let parquet_name = a.output.as_ref().is_some_and(|p| {
        p.extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
    });
    match (a.format, parquet_name, &a.output) {
        (OutFormat::Jsonl, true, _) => {
            eprintln!(
                "--format jsonl into a file named .parquet: choose one (leave --format out to write Parquet)"
            );
            return Ok(ExitCode::from(2));
        }
        (OutFormat::Parquet, _, None) => {
            eprintln!(
                "--format parquet is written to a file, not to standard output: add -o scored.parquet"
            );
            return Ok(ExitCode::from(2));
        }
        (_, true, _) => a.format = OutFormat::Parquet,
        _ => {}
    }
    let mut file = match crate::model::read_model(&a.model) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(2));
        }
    };
    super::events::apply_as_of(&mut file.model, a.as_of);
    let model = &file.model;
    let errors: Vec<_> = check(model, None, Some(&file.map))
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    if !errors.is_empty() && !a.allow_errors {
        let name = a.model.display().to_string();
        for d in &errors {
            eprintln!("{}", d.render(Some(&name)));
        }
        eprintln!(
            "{name}: {} error{}: not scoring (fix them, or pass --allow-errors)",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" }
        );
        return Ok(ExitCode::from(1));
    }
    let mut log = super::events::read_log(&file)?;
    let contacts = super::events::Contacts::choose(a.contacts.as_deref(), &file, log.as_ref())?;
    let source = match &contacts {
        super::events::Contacts::File(p) => p.clone(),
        super::events::Contacts::OfLog => PathBuf::from(contacts.name(log.as_ref())),
    };
    let mut inputs: Vec<&std::path::Path> = vec![&a.model, &source];
    let events_file = crate::engine::events::events_path(model, &file.path);
    inputs.extend(events_file.as_deref());
    super::refuse_overwrite(a.output.as_deref(), &inputs, a.force)?;
    if model.accounts.is_some() || a.accounts {
        // Accounts take two passes over the contacts: their own path (`score_accounts`).
        return super::score_accounts::run(&a, model, &source);
    }
    let mut reader = contacts.reader(model, log.as_ref())?;
    let headers = reader.headers().to_vec();
    let id = crate::engine::output::id_column(model, &headers);
    let total_bytes = std::fs::metadata(&source).map(|m| m.len()).unwrap_or(0);
    let progress = indicatif::ProgressBar::with_draw_target(
        Some(total_bytes),
        indicatif::ProgressDrawTarget::stderr(),
    );
    progress.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} scoring {bytes}/{total_bytes} [{bar:30}] {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );

    // Output: a temporary file beside the target, renamed into place once complete.
    let parquet = (a.format == OutFormat::Parquet).then(|| {
        // The journeys' scores are doubles; the rest is text.
        let mut doubles = output_columns(model);
        doubles.truncate(model.journeys.len());
        doubles
    });
    let (sink, tmp) = open_output(a.output.as_deref(), parquet)?;
    let found = std::sync::Mutex::new(vec![false; log.as_ref().map_or(0, |l| l.ids.len())]);
    let events = Events {
        log: log.as_ref(),
        found: &found,
    };
    let result = stream(
        &a,
        model,
        &source,
        &mut reader,
        &headers,
        &id,
        &events,
        sink,
        &progress,
    );
    progress.finish_and_clear();
    let (rows, quality, bad_utf8, (long_rows, short_rows), (skipped, first_skipped, footer)) =
        finish_output(result, tmp.as_deref(), a.output.as_deref())?;
    if let Some(log) = &mut log {
        log.count_unknown(&found.lock().map(|f| f.clone()).unwrap_or_default());
    }
    super::events::report(log.as_ref());
    let name = source.display().to_string();
    if rows == 0 {
        if let Some(out) = &a.output {
            let _ = std::fs::remove_file(out);
        }
        eprintln!("{name}: has a header line but no rows: nothing scored");
        return Ok(ExitCode::from(2));
    }
    for q in &quality {
        if let Some(line) = q.describe(&name) {
            eprintln!("{line}");
        }
    }
    if let Some((n, line)) = bad_utf8 {
        eprintln!(
            "{name}: {n} cell{} not valid UTF-8 (first at line {line}), read with replacement characters",
            if n == 1 { " was" } else { "s were" }
        );
    }
    if skipped > 0 {
        eprintln!(
            "{name}: {skipped} line{} skipped (--keep-going): a quoted cell opened there never \
             closed (first at line {first_skipped})",
            if skipped == 1 { "" } else { "s" }
        );
    }
    if let Some(note) = super::footer_note(&name, rows, footer) {
        eprintln!("{note}");
    }
    if long_rows > 0 {
        eprintln!(
            "{name}: {long_rows} row{} more cells than the header; the extra cells were ignored",
            if long_rows == 1 { " has" } else { "s have" }
        );
    }
    if short_rows > 0 {
        eprintln!(
            "{name}: {short_rows} row{} fewer cells than the header; the missing cells count as missing",
            if short_rows == 1 { " has" } else { "s have" }
        );
    }
    eprintln!(
        "{name}: {rows} contact{} scored",
        if rows == 1 { "" } else { "s" }
    );
    Ok(ExitCode::SUCCESS)
}

/// Where a command's rows go: standard output, or a temporary file beside the target (returned
/// too) that the caller renames into place once complete, so a failed run leaves no half file.
pub(super) fn open_output(
    output: Option<&std::path::Path>,
    parquet: Option<Vec<String>>,
) -> anyhow::Result<(Box<dyn Write>, Option<PathBuf>)> {
    Ok(match output {
        Some(p) => {
            let dir = p
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("."));
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
            let f = std::fs::File::create(&tmp)
                .map_err(|e| anyhow::anyhow!("{}: cannot write it: {e}", p.display()))?;
            let f = std::io::BufWriter::with_capacity(1 << 20, f);
            let sink: Box<dyn Write> = match parquet {
                Some(doubles) => {
                    Box::new(crate::contacts::parquet_file::ParquetSink::new(f, doubles))
                }
                None => Box::new(f),
            };
            (sink, Some(tmp))
        }
        None => (
            Box::new(std::io::BufWriter::with_capacity(
                1 << 20,
                std::io::stdout().lock(),
            )),
            None,
        ),
    })
}

/// Ends what `open_output` began: on success the temporary file is renamed into place; on
/// failure it is removed and the error returned, so a failed run leaves no half file.
pub(super) fn finish_output<T>(
    result: anyhow::Result<T>,
    tmp: Option<&std::path::Path>,
    output: Option<&std::path::Path>,
) -> anyhow::Result<T> {
    let value = match result {
        Ok(v) => v,
        Err(e) => {
            if let Some(t) = tmp {
                let _ = std::fs::remove_file(t);
            }
            return Err(e);
        }
    };
    if let (Some(t), Some(out)) = (tmp, output) {
        std::fs::rename(t, out)
            .map_err(|e| anyhow::anyhow!("{}: cannot write it: {e}", out.display()))?;
    }
    Ok(value)
}

/// What the writer saw: as `StreamResult`, less the lines skipped.
type Written = (u64, Vec<FieldQuality>, Option<(usize, u64)>, (usize, usize));

/// Rows, data quality, cells that were not UTF-8 (count, first line), rows with more and
/// fewer cells than the header, lines skipped for an unclosed quote (count, first line) and a
/// report footer left out (lines, first line).
type StreamResult = (
    u64,
    Vec<FieldQuality>,
    Option<(usize, u64)>,
    (usize, usize),
    (u64, u64, Option<(u64, u64)>),
);

/// Bytes of CSV per block: large enough that the per-block set-up is lost in the work, small
/// enough that the blocks in flight stay well within the memory budget.
const BLOCK_BYTES: usize = 1 << 20;

/// Rows per chunk of a JSON Lines file, read on one thread and scored on the others.
const JSON_ROWS: usize = 8192;

/// Work for a scoring thread: a block of CSV rows still to parse, or rows already read.
enum Job {
    Block(crate::contacts::blocks::Block),
    Rows {
        seq: u64,
        table: crate::contacts::Table,
        end: u64,
    },
}

/// A scored and formatted piece of the output.
struct Done {
    bytes: Vec<u8>,
    /// Where, in `bytes`, a row's explanation (or its `#row` id) holds `ROW_PLACEHOLDER` for
    /// its row number, in order, and what to add to the rows written before this piece (the
    /// explanation counts from 0, `#row` from 1): a row's place in the file is only the
    /// writer's to know.
    row_numbers: Vec<(usize, u64)>,
    rows: u64,
    quality: Vec<FieldQuality>,
    bad_utf8: usize,
    first_bad_utf8_line: Option<u64>,
    /// Rows with more cells than the header, and with fewer.
    ragged: (usize, usize),
}

/// What the writer receives: the piece's place, the file offset it reaches, and the piece.
type Piece = (u64, u64, anyhow::Result<Done>);

/// The event log the pieces read their event fields from, and which of its contacts they met.
struct Events<'a> {
    log: Option<&'a crate::engine::events::EventLog>,
    found: &'a std::sync::Mutex<Vec<bool>>,
}

/// Streams the contacts through the engine on every core and writes the rows in file order.
///
/// One thread cuts the file into blocks of whole rows (`contacts::blocks`); the scoring threads
/// each take a block, parse it, score it with the engine and format its rows into bytes; this
/// thread writes the pieces in order. A fixed number of tokens bounds the blocks in flight (a
/// block holds its token from being read until it is written), so memory stays constant
/// whatever the file's size, and an error stops everything at the row where it happened.
#[allow(clippy::too_many_arguments)]
fn stream(
    a: &Args,
    model: &crate::model::Model,
    source: &std::path::Path,
    reader: &mut ContactsReader,
    headers: &[String],
    id: &str,
    events: &Events,
    mut sink: Box<dyn Write>,
    progress: &indicatif::ProgressBar,
) -> anyhow::Result<StreamResult> {
    use std::sync::mpsc::sync_channel;
    let mut outputs = output_columns(model);
    if a.reasons {
        outputs.push(crate::engine::reasons::REASONS.to_string());
    }
    // The version columns, written as they are on every row.
    let stamp: Vec<String> = if a.stamp {
        outputs.extend(["model_version".to_string(), "scored_at".to_string()]);
        vec![
            crate::engine::version::model_version(model),
            crate::engine::version::scored_at(model),
        ]
    } else {
        Vec::new()
    };
    // A scored file scored again: its old output columns are replaced by this run's, never
    // written twice (a header naming a column twice is one scorewright refuses to read).
    let row_id = id == crate::engine::ROW_ID;
    let produced = |h: &String| {
        outputs.contains(h) || (a.explain && h == "explanation") || (row_id && h == id)
    };
    let replaced: Vec<&str> = headers
        .iter()
        .filter(|h| produced(h))
        .map(String::as_str)
        .collect();
    if !replaced.is_empty() {
        progress.suspend(|| {
            eprintln!(
                "{}: already has the output column{} {} (a scored file?): replaced by this \
                 run's",
                source.display(),
                if replaced.len() == 1 { "" } else { "s" },
                replaced.join(", "),
            )
        });
    }
    // A `#row` id is a column of its own, first, numbered as the rows are written.
    let kept: Vec<String> = if a.only_results {
        vec![id.to_string()]
    } else {
        let own = headers.iter().filter(|h| !produced(h)).cloned();
        row_id
            .then(|| id.to_string())
            .into_iter()
            .chain(own)
            .collect()
    };
    let mut keep_names: Vec<&str> = vec![id];
    keep_names.extend(model.fields.iter().map(|f| f.column()));
    if a.only_results {
        reader.keep_columns(&keep_names);
    }
    let keep: Vec<usize> = if a.only_results {
        crate::contacts::blocks::keep_indices(headers, &keep_names)
    } else {
        (0..headers.len()).collect()
    };
    let out_name = a
        .output
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "standard output".into());
    let werr =
        |e: std::io::Error| anyhow::Error::new(e).context(format!("{out_name}: cannot write"));
    if a.format != OutFormat::Jsonl {
        let mut header: Vec<String> = kept.clone();
        header.extend(outputs.iter().cloned());
        if a.explain {
            header.push("explanation".into());
        }
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        w.write_record(&header).map_err(|e| werr(csv_io(e)))?;
        let bytes = w
            .into_inner()
            .map_err(|e| werr(std::io::Error::other(e.to_string())))?;
        sink.write_all(&bytes).map_err(werr)?;
    }

    // Explanations and JSON objects make a row's output many times its input: smaller pieces
    // keep the pieces in flight within the same memory.
    let heavy = a.explain || a.format == OutFormat::Jsonl;
    let block_bytes = if heavy { BLOCK_BYTES / 8 } else { BLOCK_BYTES };
    let json_rows = if heavy { JSON_ROWS / 8 } else { JSON_ROWS };
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .max(1);
    let in_flight = 2 * workers + 2;
    let file = source.display().to_string();
    let splitter = match reader.format() {
        crate::contacts::read::Format::Csv { delimiter } => {
            let mut s =
                crate::contacts::blocks::BlockSplitter::open(source, delimiter, block_bytes)?;
            if a.keep_going {
                s.skip_unclosed_quotes();
            }
            Some((s, delimiter))
        }
        crate::contacts::read::Format::JsonLines
        | crate::contacts::read::Format::Parquet
        | crate::contacts::read::Format::Spreadsheet => None,
    };
    let delimiter = splitter.as_ref().map_or(b',', |s| s.1);
    let (job_tx, job_rx) = sync_channel::<Job>(in_flight);
    let job_rx = std::sync::Mutex::new(job_rx);
    let (piece_tx, piece_rx) = sync_channel::<Piece>(in_flight);
    let (token_tx, token_rx) = sync_channel::<()>(in_flight);
    for _ in 0..in_flight {
        let _ = token_tx.send(());
    }

    // Per column of a piece: whether a block showed it to be mostly distinct cells.
    let plain: Vec<std::sync::atomic::AtomicBool> = (0..headers.len().max(keep.len()))
        .map(|_| std::sync::atomic::AtomicBool::new(false))
        .collect();
    std::thread::scope(|scope| {
        // The reader: blocks (or chunks of JSON Lines rows) in file order, one per token.
        let errors = piece_tx.clone();
        let reading = scope.spawn(move || {
            let mut seq = 0u64;
            let mut splitter = splitter.map(|s| s.0);
            loop {
                if token_rx.recv().is_err() {
                    break;
                }
                let next = match &mut splitter {
                    Some(s) => s.next_block().map(|b| b.map(Job::Block)),
                    None => reader.next_chunk(json_rows.min(a.chunk.max(1))).map(|t| {
                        t.map(|table| Job::Rows {
                            seq,
                            table,
                            end: reader.bytes_read(),
                        })
                    }),
                };
                match next {
                    Ok(Some(job)) => {
                        seq += 1;
                        if job_tx.send(job).is_err() {
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        let _ = errors.send((seq, 0, Err(e.into())));
                        break;
                    }
                }
            }
            splitter.map_or((0, 0, None), |s| {
                let (n, first) = s.skipped();
                (n, first, s.footer())
            })
        });
        // The scoring threads.
        for _ in 0..workers {
            let pieces = piece_tx.clone();
            let (job_rx, kept, outputs, headers, keep, file, stamp, plain) = (
                &job_rx, &kept, &outputs, headers, &keep, &file, &stamp, &plain,
            );
            scope.spawn(move || {
                loop {
                    let job = match job_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok(job) = job else { return };
                    let (seq, end, table) = match job {
                        Job::Block(b) => (
                            b.seq,
                            b.end,
                            crate::contacts::blocks::parse_block(
                                file, &b, delimiter, headers, keep,
                            )
                            .map_err(anyhow::Error::from),
                        ),
                        Job::Rows { seq, table, end } => (seq, end, Ok(table)),
                    };
                    let done = table.and_then(|mut t| {
                        if let Some(log) = events.log {
                            let mut found = vec![false; log.ids.len()];
                            log.attach(&mut t, id, &mut found);
                            if let Ok(mut all) = events.found.lock() {
                                for (a, f) in all.iter_mut().zip(found) {
                                    *a |= f;
                                }
                            }
                        }
                        score_piece(a, model, kept, outputs, stamp, plain, t)
                    });
                    if pieces.send((seq, end, done)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(piece_tx);
        let written = write_in_order(piece_rx, token_tx, &mut sink, progress, &werr);
        let skipped = reading.join().unwrap_or((0, 0, None));
        written.map(|(rows, quality, bad_utf8, ragged)| (rows, quality, bad_utf8, ragged, skipped))
    })
}

/// Writes the pieces in file order as they come, handing a token back for each.
fn write_in_order(
    pieces: std::sync::mpsc::Receiver<Piece>,
    tokens: std::sync::mpsc::SyncSender<()>,
    sink: &mut Box<dyn Write>,
    progress: &indicatif::ProgressBar,
    werr: &dyn Fn(std::io::Error) -> anyhow::Error,
) -> anyhow::Result<Written> {
    let mut quality: Vec<FieldQuality> = Vec::new();
    let mut rows = 0u64;
    let mut bad_utf8: Option<(usize, u64)> = None;
    let mut ragged = (0, 0);
    let mut waiting = std::collections::BTreeMap::new();
    let mut next = 0u64;
    for (seq, end, piece) in pieces {
        waiting.insert(seq, (end, piece));
        while let Some((end, piece)) = waiting.remove(&next) {
            let done = piece?;
            let mut from = 0;
            for &(at, add) in &done.row_numbers {
                sink.write_all(&done.bytes[from..at]).map_err(werr)?;
                write!(sink, "{}", rows + add).map_err(werr)?;
                from = at + ROW_PLACEHOLDER.len();
            }
            sink.write_all(&done.bytes[from..]).map_err(werr)?;
            merge_quality(&mut quality, &done.quality);
            if done.bad_utf8 > 0 {
                let e = bad_utf8.get_or_insert((0, done.first_bad_utf8_line.unwrap_or(0)));
                e.0 += done.bad_utf8;
            }
            ragged.0 += done.ragged.0;
            ragged.1 += done.ragged.1;
            rows += done.rows;
            progress.set_position(end);
            next += 1;
            let _ = tokens.send(());
        }
    }
    sink.flush().map_err(werr)?;
    Ok((rows, quality, bad_utf8, ragged))
}

/// What a row number is written as until the writer knows it: `u64::MAX`, which no row reaches.
const ROW_PLACEHOLDER: &str = "18446744073709551615";

/// The first place `needle` occurs in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Scores one piece of the contacts with the engine and formats its rows.
#[allow(clippy::too_many_arguments)]
fn score_piece(
    a: &Args,
    model: &crate::model::Model,
    kept: &[String],
    outputs: &[String],
    stamp: &[String],
    plain: &[std::sync::atomic::AtomicBool],
    t: crate::contacts::Table,
) -> anyhow::Result<Done> {
    let (bad_utf8, first_bad_utf8_line) = (t.bad_utf8, t.first_bad_utf8_line);
    let ragged = (t.long_rows, t.short_rows);
    let mut t = t;
    compact_fields(model, &mut t, plain);
    let mut scorer = crate::engine::Scorer::new(std::sync::Arc::new(t));
    let scored = scorer.score(model);
    let t = scorer.table();
    let mut bytes = Vec::with_capacity(t.rows() * 96);
    let mut row_numbers = Vec::new();
    let mut rec: Vec<String> = Vec::new();
    let reasons = a
        .reasons
        .then(|| crate::engine::reasons::Reasons::new(model, &scored));
    // A `#row` id comes first and is no column of the table.
    let row_id = kept.first().is_some_and(|k| k == crate::engine::ROW_ID);
    let named = &kept[usize::from(row_id)..];
    // The table holds the kept columns in order; looking each up by name instead is
    // quadratic in the columns (24 s for a header of 100,000).
    let cols: Vec<Option<&crate::contacts::TextColumn>> = if t.headers == named {
        t.columns.iter().map(Some).collect()
    } else {
        named.iter().map(|h| t.column(h)).collect()
    };
    match a.format {
        // Parquet is written from the CSV rows (`ParquetSink`).
        OutFormat::Csv | OutFormat::Parquet => {
            use crate::engine::output::push_csv_cell;
            let writer = crate::engine::output::CsvOutputs::new(model);
            for i in 0..t.rows() {
                if row_id {
                    row_numbers.push((bytes.len(), i as u64 + 1));
                    bytes.extend_from_slice(ROW_PLACEHOLDER.as_bytes());
                }
                for (k, c) in cols.iter().enumerate() {
                    if k > 0 || row_id {
                        bytes.push(b',');
                    }
                    push_csv_cell(&mut bytes, c.map_or("", |c| c.get(i)).as_bytes());
                }
                writer.write_row(&scored, i, &mut bytes);
                if let Some(r) = &reasons {
                    bytes.push(b',');
                    push_csv_cell(&mut bytes, r.text(i).as_bytes());
                }
                for cell in stamp {
                    bytes.push(b',');
                    push_csv_cell(&mut bytes, cell.as_bytes());
                }
                if a.explain {
                    bytes.push(b',');
                    push_csv_cell(
                        &mut bytes,
                        one_line_explanation(model, &scored, i).as_bytes(),
                    );
                }
                bytes.push(b'\n');
                if i == 0 {
                    // The first row tells the piece's size better than a guess: growing the
                    // buffer copies it each time. Capped, for a first row with a huge cell.
                    let guess = t.rows().saturating_mul(bytes.len() + bytes.len() / 4);
                    bytes.reserve(guess.min(8 * BLOCK_BYTES));
                }
            }
        }
        OutFormat::Jsonl => {
            for i in 0..t.rows() {
                let mut obj = serde_json::Map::new();
                if row_id {
                    obj.insert(
                        crate::engine::ROW_ID.into(),
                        serde_json::Value::from(u64::MAX),
                    );
                }
                for (h, c) in named.iter().zip(&cols) {
                    obj.insert(
                        h.clone(),
                        serde_json::Value::String(c.map_or("", |c| c.get(i)).to_string()),
                    );
                }
                crate::engine::output::output_row_into(model, &scored, i, &mut rec);
                for (k, (name, v)) in outputs.iter().zip(&rec).enumerate() {
                    let value = if k < model.journeys.len() {
                        serde_json::Value::from(crate::engine::output::shown_score(
                            scored.scores[k][i],
                        ))
                    } else if v.is_empty() {
                        serde_json::Value::Null
                    } else {
                        serde_json::Value::String(v.clone())
                    };
                    obj.insert(name.clone(), value);
                }
                if let Some(r) = &reasons {
                    obj.insert(
                        crate::engine::reasons::REASONS.into(),
                        serde_json::Value::String(r.text(i)),
                    );
                }
                // `outputs` ends with the stamp's names when there is one.
                let names = &outputs[outputs.len() - stamp.len()..];
                for (name, cell) in names.iter().zip(stamp) {
                    obj.insert(name.clone(), serde_json::Value::String(cell.clone()));
                }
                if a.explain {
                    let mut e = serde_json::to_value(crate::engine::explain(model, &scored, i))?;
                    if let Some(e) = e.as_object_mut() {
                        e.insert("row".into(), serde_json::Value::from(u64::MAX));
                    }
                    obj.insert("explanation".into(), e);
                }
                let start = bytes.len();
                serde_json::to_writer(&mut bytes, &obj)?;
                let mut marks = Vec::new();
                if row_id {
                    marks.push((
                        format!("\"{}\":{ROW_PLACEHOLDER}", crate::engine::ROW_ID),
                        1,
                    ));
                }
                if a.explain {
                    marks.push((format!("\"explanation\":{{\"row\":{ROW_PLACEHOLDER}"), 0));
                }
                let first = row_numbers.len();
                for (marker, from) in marks {
                    if let Some(at) = find(&bytes[start..], marker.as_bytes()) {
                        let at = start + at + marker.len() - ROW_PLACEHOLDER.len();
                        row_numbers.push((at, i as u64 + from));
                    }
                }
                // In the order they are written: the object's keys decide which comes first.
                row_numbers[first..].sort_unstable();
                bytes.push(b'\n');
            }
        }
    }
    Ok(Done {
        bytes,
        row_numbers,
        rows: t.rows() as u64,
        quality: scored.quality.clone(),
        bad_utf8,
        first_bad_utf8_line,
        ragged,
    })
}

/// Holds the columns the model's fields read as dictionaries (`TextColumn::compact`), so that
/// typing reads each distinct cell once (its placeholder check, number or date parsing,
/// category key) instead of once a row, and matches categories with a short hash instead of
/// SipHash. Columns only copied to the output (the id) are left as they are: reading a cell is
/// the same either way. A column of mostly distinct cells stays plain (`compact` gives up on
/// it after 4,096 rows); `plain[k]` remembers that for the table's column `k`, so that later
/// blocks do not hash those 4,096 cells again for nothing.
fn compact_fields(
    model: &crate::model::Model,
    t: &mut crate::contacts::Table,
    plain: &[std::sync::atomic::AtomicBool],
) {
    use std::sync::atomic::Ordering::Relaxed;
    for ((h, c), plain) in t.headers.iter().zip(&mut t.columns).zip(plain) {
        if !plain.load(Relaxed) && model.fields.iter().any(|f| f.column() == h) {
            c.compact();
            if !c.is_dictionary() {
                plain.store(true, Relaxed);
            }
        }
    }
}

/// The I/O error inside a CSV error, so that a closed pipe is seen as one.
fn csv_io(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

fn merge_quality(acc: &mut Vec<FieldQuality>, chunk: &[FieldQuality]) {
    if acc.is_empty() {
        acc.extend(chunk.iter().cloned());
    } else {
        for (a, c) in acc.iter_mut().zip(chunk) {
            a.merge(c);
        }
    }
}

/// `fit 62.5 = company 30 + person 32.5; activity 40 = ... - unsubscribed 20`.
fn one_line_explanation(
    model: &crate::model::Model,
    scored: &crate::engine::Scored,
    row: usize,
) -> String {
    let e = crate::engine::explain(model, scored, row);
    let parts: Vec<String> = e
        .journeys
        .iter()
        .map(|j| {
            let mut terms: Vec<String> = j
                .touchpoints
                .iter()
                .map(|t| format!("{} {}", t.id, round1(t.points)))
                .collect();
            terms.extend(
                j.adjustments
                    .iter()
                    .map(|a| format!("{} {:+}", a.name, round1(a.points))),
            );
            format!("{} {} = {}", j.id, round1(j.score), terms.join(" + "))
        })
        .collect();
    parts.join("; ")
}

fn round1(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}
