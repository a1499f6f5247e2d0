//! `scorewright score`: streams contacts through the engine in chunks and writes each row with
//! its scores, grades, rating, tier, segment and action. Memory stays constant whatever the
//! file's size; the output is written to a temporary file and renamed into place at the end.

use crate::contacts::{ContactsReader, FieldQuality};
use crate::engine::{output_columns, output_row, score_table};
use crate::model::check::{Severity, check};
use clap::ValueEnum;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutFormat {
    Csv,
    Jsonl,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The model file.
    pub model: PathBuf,
    /// The contacts: CSV (comma, semicolon or tab) or JSON Lines.
    pub contacts: PathBuf,
    /// Where to write (default: standard output).
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
    /// Overwrite the output file if it exists.
    #[arg(long)]
    pub force: bool,
    /// Score even when the model has check errors.
    #[arg(long)]
    pub allow_errors: bool,
    /// Rows per chunk (memory grows with it).
    #[arg(long, default_value_t = 50_000, hide = true)]
    pub chunk: usize,
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let file = match crate::model::read_model(&a.model) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(2));
        }
    };
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
    if let Some(out) = &a.output {
        super::refuse_overwrite(out, a.force)?;
    }
    let mut reader = match ContactsReader::open(&a.contacts) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(2));
        }
    };
    let headers = reader.headers().to_vec();
    let id = crate::engine::output::id_column(model, &headers);
    let total_bytes = std::fs::metadata(&a.contacts).map(|m| m.len()).unwrap_or(0);
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
    let (sink, tmp): (Box<dyn Write>, Option<PathBuf>) = match &a.output {
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
            (
                Box::new(std::io::BufWriter::with_capacity(1 << 20, f)),
                Some(tmp),
            )
        }
        None => (
            Box::new(std::io::BufWriter::with_capacity(
                1 << 20,
                std::io::stdout().lock(),
            )),
            None,
        ),
    };
    let result = stream(&a, model, &mut reader, &headers, &id, sink, &progress);
    progress.finish_and_clear();
    let (rows, quality, bad_utf8) = match result {
        Ok(r) => r,
        Err(e) => {
            if let Some(t) = &tmp {
                let _ = std::fs::remove_file(t);
            }
            return Err(e);
        }
    };
    if let (Some(t), Some(out)) = (&tmp, &a.output) {
        std::fs::rename(t, out)
            .map_err(|e| anyhow::anyhow!("{}: cannot write it: {e}", out.display()))?;
    }
    let name = a.contacts.display().to_string();
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
    eprintln!(
        "{name}: {rows} contact{} scored",
        if rows == 1 { "" } else { "s" }
    );
    Ok(ExitCode::SUCCESS)
}

type StreamResult = (u64, Vec<FieldQuality>, Option<(usize, u64)>);

fn stream(
    a: &Args,
    model: &crate::model::Model,
    reader: &mut ContactsReader,
    headers: &[String],
    id: &str,
    sink: Box<dyn Write>,
    progress: &indicatif::ProgressBar,
) -> anyhow::Result<StreamResult> {
    let outputs = output_columns(model);
    let kept: Vec<String> = if a.only_results {
        vec![id.to_string()]
    } else {
        headers.to_vec()
    };
    if a.only_results {
        let mut keep: Vec<&str> = vec![id];
        keep.extend(model.fields.iter().map(|f| f.column()));
        reader.keep_columns(&keep);
    }
    let mut quality: Vec<FieldQuality> = Vec::new();
    let mut rows = 0u64;
    let mut bad_utf8: Option<(usize, u64)> = None;
    let out_name = a
        .output
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "standard output".into());
    let werr =
        |e: std::io::Error| anyhow::Error::new(e).context(format!("{out_name}: cannot write"));
    match a.format {
        OutFormat::Csv => {
            let mut w = csv::WriterBuilder::new().from_writer(sink);
            let mut header: Vec<String> = kept.clone();
            header.extend(outputs.iter().cloned());
            if a.explain {
                header.push("explanation".into());
            }
            w.write_record(&header).map_err(|e| werr(csv_io(e)))?;
            let mut rec: Vec<String> = Vec::with_capacity(header.len());
            while let Some(t) = reader.next_chunk(a.chunk)? {
                let scored = score_table(model, &t);
                merge_quality(&mut quality, &scored.quality);
                if t.bad_utf8 > 0 {
                    let e = bad_utf8.get_or_insert((0, t.first_bad_utf8_line.unwrap_or(0)));
                    e.0 += t.bad_utf8;
                }
                let cols: Vec<Option<&crate::contacts::TextColumn>> =
                    kept.iter().map(|h| t.column(h)).collect();
                for i in 0..t.rows() {
                    rec.clear();
                    rec.extend(
                        cols.iter()
                            .map(|c| c.map(|c| c.get(i).to_string()).unwrap_or_default()),
                    );
                    rec.extend(output_row(model, &scored, i));
                    if a.explain {
                        rec.push(one_line_explanation(model, &scored, i));
                    }
                    w.write_record(&rec).map_err(|e| werr(csv_io(e)))?;
                }
                rows += t.rows() as u64;
                progress.set_position(reader.bytes_read());
            }
            w.flush().map_err(werr)?;
        }
        OutFormat::Jsonl => {
            let mut w = sink;
            while let Some(t) = reader.next_chunk(a.chunk)? {
                let scored = score_table(model, &t);
                merge_quality(&mut quality, &scored.quality);
                for i in 0..t.rows() {
                    let mut obj = serde_json::Map::new();
                    for h in &kept {
                        obj.insert(
                            h.clone(),
                            serde_json::Value::String(t.cell(i, h).to_string()),
                        );
                    }
                    let row = output_row(model, &scored, i);
                    for (k, (name, v)) in outputs.iter().zip(row).enumerate() {
                        let value = if k < model.journeys.len() {
                            serde_json::Value::from(scored.scores[k][i])
                        } else if v.is_empty() {
                            serde_json::Value::Null
                        } else {
                            serde_json::Value::String(v)
                        };
                        obj.insert(name.clone(), value);
                    }
                    if a.explain {
                        obj.insert(
                            "explanation".into(),
                            serde_json::to_value(crate::engine::explain(model, &scored, i))?,
                        );
                    }
                    serde_json::to_writer(&mut w, &obj)?;
                    w.write_all(b"\n").map_err(werr)?;
                }
                rows += t.rows() as u64;
                progress.set_position(reader.bytes_read());
            }
            w.flush().map_err(werr)?;
        }
    }
    Ok((rows, quality, bad_utf8))
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
