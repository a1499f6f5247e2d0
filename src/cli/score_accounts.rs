//! `scorewright score` for a model with accounts: one pass over the contacts file, then the
//! rows written from a spill.
//!
//! The contacts are read in chunks; each chunk is scored once and added to the account book
//! (`engine::accounts::Book`: per account, its contact count, one number per roll-up, the `n`
//! best scores of a `top_mean`, one flag per role), and each contact's row as far as it is
//! known (its own cells and outputs, as CSV) goes to a spill file with its account's index.
//! Then the accounts are scored, and the spill is read back in order, each row completed with
//! its account's columns (`account_*`). An account's outputs are only known once every contact
//! has been read, which is why the rows wait; they wait on disk, not in memory, so memory is
//! bounded by the number of accounts and one chunk, not by the file. With `--accounts` there is
//! no spill: one row is written per account.
//!
//! When a contact segment reads the account (`account:`), the segment cannot be decided in the
//! first half: the spill then holds the row up to the tier, and the truth of the segments'
//! contact parts as bits in the row's header (`engine::accounts::Plan::contact_parts`); the
//! segment, action and route are written in the second half, with the account's columns.
//!
//! A file that can be read only once (standard input, a pipe) is refused, as `ContactsReader`
//! sniffs a file's format and seeks back.

use super::score::{Args, OutFormat, finish_output, open_output};
use crate::contacts::{ContactsReader, FieldQuality};
use crate::engine::accounts::{Book, NO_ACCOUNT, Plan, ScoredAccounts};
use crate::engine::output::{CsvOutputs, output_columns, push_csv_cell};
use crate::engine::score_table;
use crate::model::Model;
use std::io::Write;
use std::process::ExitCode;

pub fn run(a: &Args, model: &Model, contacts: &std::path::Path) -> anyhow::Result<ExitCode> {
    let Some(mut plan) = Plan::new(model) else {
        eprintln!(
            "{}: --accounts needs an accounts: block in the model (see the README's Accounts)",
            a.model.display()
        );
        return Ok(ExitCode::from(2));
    };
    plan.read_file(&a.model).map_err(super::unreadable)?;
    let name = contacts.display().to_string();
    let refuse = |why: String| -> anyhow::Result<ExitCode> {
        eprintln!("{name}: {why}");
        Ok(ExitCode::from(2))
    };
    if model.events.is_some() {
        return refuse(
            "a model with both accounts: and events: is not scored yet (score each level in a model of its own)"
                .into(),
        );
    }
    if a.format != OutFormat::Csv || a.explain {
        return refuse(
            "a model with accounts is scored to CSV without --explain for now (use `explain \
             --account ID` for an account's explanation)"
                .into(),
        );
    }
    if a.reasons {
        // Said, not dropped: the column would otherwise be missing from an exit-0 run.
        return refuse(
            "--reasons is not written for a model with accounts yet (as `export --reasons` \
             refuses it): score without --reasons"
                .into(),
        );
    }
    if !std::fs::metadata(contacts).is_ok_and(|m| m.is_file()) {
        return refuse(
            "not a regular file: contacts are read from a file (its first bytes say its \
             format, then it is read from the start), and this can be read only once; write it \
             to a file first and score that"
                .to_string(),
        );
    }
    let mut reader = ContactsReader::open(contacts).map_err(super::unreadable)?;
    let headers = reader.headers().to_vec();
    let column = &plan.accounts.id_column;
    let found = headers.iter().any(|h| h == column)
        || headers
            .iter()
            .any(|h| h.trim().eq_ignore_ascii_case(column.trim()));
    if !found {
        return refuse(format!(
            "has no column '{column}', which the model's accounts.id_column names: add the \
             column, or name the one that holds each contact's account"
        ));
    }
    if let Some(why) = missing_field_column(&plan, &headers) {
        return refuse(why);
    }

    // One pass over the contacts: each chunk scored once, added to the book, and (unless only
    // the accounts are written) each contact's row written to the spill, with its account.
    let layout = (!a.accounts).then(|| Layout::new(a, model, &plan, &headers));
    let bits = plan.split.as_ref().map_or(0, |s| s.contact_bytes());
    let mut spill = match &layout {
        Some(_) => Some(Spill::create(bits)?),
        None => None,
    };
    let own = CsvOutputs::new(model);
    let mut book = Book::default();
    let mut quality: Vec<FieldQuality> = Vec::new();
    let mut rows = 0u64;
    let mut index = Vec::new();
    each_chunk(&mut reader, a.chunk.max(1), |t| {
        let mut scored = score_table(&plan.contact_model, &t);
        book.add_rows(&plan, &t, &scored, &mut index);
        // What a segment that reads the account needs of the contact: its parts' truth.
        let parts = plan.contact_parts(&scored);
        // The hidden role journeys are not written.
        scored.scores.truncate(plan.journeys);
        if let (Some(layout), Some(spill)) = (&layout, &mut spill) {
            let chunk = Chunk {
                table: &t,
                scored: &scored,
                index: &index,
                parts: &parts,
                before: rows,
            };
            layout.spill_chunk(&chunk, &own, spill)?;
        }
        rows += t.rows() as u64;
        if quality.is_empty() {
            quality = scored.quality.clone();
        } else {
            for (q, n) in quality.iter_mut().zip(&scored.quality) {
                q.merge(n);
            }
        }
        Ok(())
    })?;
    if rows == 0 {
        return refuse("has a header line but no rows: nothing scored".into());
    }
    let accounts = ScoredAccounts::new(&plan, book).map_err(super::unreadable)?;

    let (mut sink, tmp) = open_output(a.output.as_deref(), None)?;
    let written = match (layout, spill) {
        (Some(layout), Some(spill)) => layout.write(&plan, &accounts, spill, &mut sink),
        _ => write_accounts(&plan, &accounts, &mut sink),
    }
    .and_then(|()| sink.flush().map_err(anyhow::Error::from));
    drop(sink);
    finish_output(written, tmp.as_deref(), a.output.as_deref())?;

    for q in &quality {
        if let Some(line) = q.describe(&name) {
            eprintln!("{line}");
        }
    }
    let book = &accounts.book;
    if book.without_account > 0 {
        eprintln!(
            "{name}: {} contact{} no account (column '{column}' blank; first at line {}): \
             scored as contacts, with empty account columns",
            book.without_account,
            if book.without_account == 1 {
                " has"
            } else {
                "s have"
            },
            book.first_without.unwrap_or(0)
        );
    }
    for line in beyond_limit(&plan, book) {
        eprintln!("{name}: {line}");
    }
    report_file(&name, &plan, book);
    eprintln!(
        "{name}: {rows} contact{} scored in {} account{}",
        if rows == 1 { "" } else { "s" },
        book.ids.len(),
        if book.ids.len() == 1 { "" } else { "s" }
    );
    Ok(ExitCode::SUCCESS)
}

/// Hands each chunk of the contacts to `each`, in file order, while the next is being read on
/// a thread of its own: reading (parsing) and scoring overlap on two cores. One chunk waits
/// between them, so memory is at most three chunks.
fn each_chunk(
    reader: &mut ContactsReader,
    rows: usize,
    mut each: impl FnMut(crate::contacts::Table) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            loop {
                let next = reader.next_chunk(rows);
                let last = !matches!(next, Ok(Some(_)));
                // A closed channel: the scoring side stopped on an error of its own.
                if tx.send(next).is_err() || last {
                    break;
                }
            }
        });
        for next in rx {
            match next.map_err(super::unreadable)? {
                Some(t) => each(t)?,
                None => break,
            }
        }
        Ok(())
    })
}

/// `--accounts`: one row per account, in the order first seen.
fn write_accounts(
    plan: &Plan,
    accounts: &ScoredAccounts,
    sink: &mut dyn Write,
) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(sink);
    w.write_record(plan.account_columns())?;
    for k in 0..accounts.book.ids.len() {
        w.write_record(accounts.account_row(plan, k))?;
    }
    w.flush()?;
    Ok(())
}

/// How a contact row is written: the contact's own columns kept (all, or the id alone with
/// `--only-results`), its outputs, its account's outputs, then the stamp.
struct Layout {
    header: Vec<String>,
    /// The contact columns written, by name (`#row`: the row number).
    kept: Vec<String>,
    /// The version cells of `--stamp`, the same on every row.
    stamp: Vec<String>,
    /// How many account columns a row has (written empty for a contact without an account).
    account_columns: usize,
    /// Whether the contact's segment reads its account: its segment, action and route are then
    /// written with the account's columns, not spilled.
    split: bool,
}

/// A scored chunk of contacts, as `Layout::spill_chunk` spills it.
struct Chunk<'c> {
    table: &'c crate::contacts::Table,
    scored: &'c crate::engine::Scored,
    /// Per contact, its account (`Book::add_rows`).
    index: &'c [u32],
    /// Per contact part of the split segments, per contact (`Plan::contact_parts`).
    parts: &'c [Vec<bool>],
    /// How many contacts came before the chunk, for `#row`.
    before: u64,
}

impl Layout {
    fn new(a: &Args, model: &Model, plan: &Plan, headers: &[String]) -> Layout {
        let id = crate::engine::output::id_column(model, headers);
        let mut outputs = output_columns(model);
        outputs.extend(plan.contact_columns());
        let stamp: Vec<String> = if a.stamp {
            outputs.extend(["model_version".to_string(), "scored_at".to_string()]);
            vec![
                crate::engine::version::model_version(model),
                crate::engine::version::scored_at(model),
            ]
        } else {
            Vec::new()
        };
        // A scored file scored again: its old output columns are replaced by this run's.
        let kept: Vec<String> = if a.only_results {
            vec![id]
        } else {
            headers
                .iter()
                .filter(|h| !outputs.contains(h))
                .cloned()
                .collect()
        };
        let mut header = kept.clone();
        header.extend(outputs);
        Layout {
            header,
            kept,
            stamp,
            account_columns: plan.contact_columns().len(),
            split: plan.split.is_some(),
        }
    }

    /// Spills a scored chunk: per contact its account, the truth of its segment's contact
    /// parts as bits (when a segment reads the account) and the start of its CSV row (its own
    /// cells and outputs, up to the segment when that waits for the account), which is all the
    /// write needs of it.
    fn spill_chunk(
        &self,
        chunk: &Chunk,
        own: &CsvOutputs,
        spill: &mut Spill,
    ) -> anyhow::Result<()> {
        use std::fmt::Write as _;
        let (t, scored, index, before) = (chunk.table, chunk.scored, chunk.index, chunk.before);
        let mut bits = vec![0u8; spill.bits];
        let columns: Vec<Option<&crate::contacts::TextColumn>> = self
            .kept
            .iter()
            .map(|h| {
                if h == crate::engine::ROW_ID {
                    None
                } else {
                    t.column(h)
                }
            })
            .collect();
        let (mut bytes, mut number) = (Vec::new(), String::new());
        for (row, &account) in index.iter().enumerate() {
            bytes.clear();
            for (i, (h, c)) in self.kept.iter().zip(&columns).enumerate() {
                if i > 0 {
                    bytes.push(b',');
                }
                let cell = match c {
                    Some(c) => c.get(row),
                    None if h == crate::engine::ROW_ID => {
                        number.clear();
                        let _ = write!(number, "{}", before + row as u64 + 1);
                        number.as_str()
                    }
                    None => "",
                };
                push_csv_cell(&mut bytes, cell.as_bytes());
            }
            if self.split {
                own.write_row_before_segment(scored, row, &mut bytes);
            } else {
                own.write_row(scored, row, &mut bytes);
            }
            bits.fill(0);
            for (i, part) in chunk.parts.iter().enumerate() {
                if part[row] {
                    bits[i / 8] |= 1 << (i % 8);
                }
            }
            spill.push(account, &bits, &bytes)?;
        }
        Ok(())
    }

    /// Writes every contact from the spill, in file order, each with its account's columns.
    fn write(
        &self,
        plan: &Plan,
        accounts: &ScoredAccounts,
        spill: Spill,
        sink: &mut dyn Write,
    ) -> anyhow::Result<()> {
        {
            let mut w = csv::Writer::from_writer(&mut *sink);
            w.write_record(&self.header)?;
            w.flush()?;
        }
        let cells = CsvOutputs::new(&plan.account_model);
        let own = CsvOutputs::new(&plan.contact_model);
        let mut tail = Vec::new();
        for s in &self.stamp {
            tail.push(b',');
            push_csv_cell(&mut tail, s.as_bytes());
        }
        tail.push(b'\n');
        let empty = vec![b','; self.account_columns];
        let mut line = Vec::new();
        spill.read(|account, bits, row| {
            line.clear();
            line.extend_from_slice(row);
            if self.split {
                let part = |i: usize| bits.get(i / 8).is_some_and(|b| b & (1 << (i % 8)) != 0);
                let of = (account != NO_ACCOUNT).then_some(account as usize);
                let segment = plan.decide_segment(accounts, &part, of);
                own.write_segment(Some(segment), &mut line);
            }
            if account == NO_ACCOUNT {
                line.extend_from_slice(&empty);
            } else {
                cells.write_row(&accounts.scored, account as usize, &mut line);
            }
            line.extend_from_slice(&tail);
            sink.write_all(&line).map_err(anyhow::Error::from)
        })
    }
}

/// The contacts' rows between the two halves of the run, in a file of the system's temporary
/// folder (`TMPDIR`), removed when dropped: per contact, its account index (4 bytes), its
/// row's length (4 bytes), its segment's contact parts as bits (`bits` bytes, none unless a
/// segment reads the account) and the row. Nothing per contact stays in memory.
struct Spill {
    path: std::path::PathBuf,
    file: std::io::BufWriter<std::fs::File>,
    bits: usize,
}

impl Spill {
    fn create(bits: usize) -> anyhow::Result<Spill> {
        let dir = std::env::temp_dir();
        let mut n = 0u32;
        loop {
            let path = dir.join(format!(
                "scorewright-accounts-{}-{n}.spill",
                std::process::id()
            ));
            // A new file only: never one that is there already (another run's, or a link).
            let opened = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&path);
            match opened {
                Ok(file) => {
                    return Ok(Spill {
                        path,
                        file: std::io::BufWriter::with_capacity(1 << 20, file),
                        bits,
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 100 => n += 1,
                Err(e) => {
                    return Err(anyhow::anyhow!(
                        "{}: cannot write the contacts' rows there while their accounts are \
                         rolled up: {e} (set TMPDIR to a folder with room for about the size \
                         of the output)",
                        path.display()
                    ));
                }
            }
        }
    }

    fn failed(&self, e: std::io::Error) -> anyhow::Error {
        anyhow::anyhow!(
            "{}: cannot write the contacts' rows there while their accounts are rolled up: {e} \
             (set TMPDIR to a folder with room for about the size of the output)",
            self.path.display()
        )
    }

    fn push(&mut self, account: u32, bits: &[u8], row: &[u8]) -> anyhow::Result<()> {
        let Ok(len) = u32::try_from(row.len()) else {
            return Err(anyhow::anyhow!(
                "a contact's row is {} bytes written, past the 4 GiB a row may hold",
                row.len()
            ));
        };
        let written = self
            .file
            .write_all(&account.to_le_bytes())
            .and_then(|()| self.file.write_all(&len.to_le_bytes()))
            .and_then(|()| self.file.write_all(bits))
            .and_then(|()| self.file.write_all(row));
        written.map_err(|e| self.failed(e))
    }

    /// Reads the rows back in the order pushed, handing each to `each` with its account and
    /// its bits.
    fn read(
        mut self,
        mut each: impl FnMut(u32, &[u8], &[u8]) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        use std::io::{Read, Seek};
        self.file.flush().map_err(|e| self.failed(e))?;
        let mut file = self.file.get_ref();
        file.seek(std::io::SeekFrom::Start(0))
            .map_err(|e| self.failed(e))?;
        let mut r = std::io::BufReader::with_capacity(1 << 20, file);
        let mut head = [0u8; 8];
        let mut row = Vec::new();
        let mut bits = vec![0u8; self.bits];
        let reread = |e: std::io::Error| {
            anyhow::anyhow!(
                "{}: cannot read back the contacts' rows written there: {e}",
                self.path.display()
            )
        };
        loop {
            match r.read_exact(&mut head) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
                Err(e) => return Err(reread(e)),
            }
            let account = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
            let len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
            r.read_exact(&mut bits).map_err(reread)?;
            row.resize(len, 0);
            r.read_exact(&mut row).map_err(reread)?;
            each(account, &bits, &row)?;
        }
        Ok(())
    }
}

impl Drop for Spill {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// What field roll-ups left out: per field, how many of its values were beyond
/// `FIELD_LIMIT` (each roll-up of the field left out the same values), with the roll-ups.
fn beyond_limit(plan: &Plan, book: &Book) -> Vec<String> {
    let mut fields: Vec<(&str, u64, Vec<&str>)> = Vec::new();
    for (r, &n) in plan.accounts.rollups.iter().zip(&book.beyond) {
        let (Some(f), true) = (r.field.as_deref(), n > 0) else {
            continue;
        };
        match fields.iter_mut().find(|(x, _, _)| *x == f) {
            Some((_, _, ids)) => ids.push(&r.id),
            None => fields.push((f, n, vec![&r.id])),
        }
    }
    fields
        .into_iter()
        .map(|(f, n, ids)| {
            format!(
                "{n} value{} of field '{f}' beyond ±{} left out of roll-up{} {} (a roll-up \
                 reads values within ±{} exactly, in millionths)",
                if n == 1 { "" } else { "s" },
                crate::model::accounts::FIELD_LIMIT,
                if ids.len() == 1 { "" } else { "s" },
                ids.join(", "),
                crate::model::accounts::FIELD_LIMIT,
            )
        })
        .collect()
}

/// Says how the account fields were found, where it was not plain: accounts whose contacts'
/// rows disagree on a field (each takes its most common value); with an accounts file,
/// contacts whose account the file does not hold (scored, with the account fields missing) and
/// accounts of the file that no contact names (not scored: an account is scored from its
/// contacts).
pub(crate) fn report_file(name: &str, plan: &Plan, book: &Book) {
    if let Some((n, id, field)) = book.disagreements(plan) {
        eprintln!(
            "{name}: {n} account{} contacts whose rows disagree on an account field (first: \
             account '{}', field '{field}'): each takes its most common value, a tie the \
             smallest",
            if n == 1 { " has" } else { "s have" },
            crate::printable::printable(&id)
        );
    }
    let Some(file) = &plan.file else { return };
    if let Some(n) = book.not_in_file(plan) {
        eprintln!(
            "{name}: {} contact{} in {} account{} not in {} (first: account '{}', line {}): \
             scored with the account fields missing",
            n.contacts,
            if n.contacts == 1 { "" } else { "s" },
            n.accounts,
            if n.accounts == 1 { "" } else { "s" },
            file.name,
            crate::printable::printable(&n.first),
            n.line
        );
    }
    let (n, first) = book.without_contacts();
    if let Some(first) = first {
        eprintln!(
            "{}: {n} account{} no contact in {name} (first: '{}'): scored with 0 contacts, \
             their roll-ups of scores missing",
            file.name,
            if n == 1 { " has" } else { "s have" },
            crate::printable::printable(first)
        );
    }
}

/// Account fields taken from the contacts' rows read the contacts' columns: one that is not
/// there would leave the field missing for every account without a word, so it is refused.
pub(crate) fn missing_field_column(plan: &Plan, headers: &[String]) -> Option<String> {
    if plan.file.is_some() {
        return None;
    }
    let has = |c: &str| {
        headers
            .iter()
            .any(|h| h == c || h.trim().eq_ignore_ascii_case(c.trim()))
    };
    let f = plan.accounts.fields.iter().find(|f| !has(f.column()))?;
    Some(format!(
        "has no column '{}', which account field '{}' reads (from the contacts' rows, as the \
         accounts block names no file): add the column, or set the field's column",
        f.column(),
        f.id
    ))
}
