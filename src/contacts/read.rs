//! Opening a contacts file: finding its format and delimiter, and reading rows in chunks.
//!
//! The first 64 KiB decide the format: a byte-order mark is skipped; a first character `{`
//! means JSON Lines; otherwise the header line's count of commas, semicolons and tabs (outside
//! quotes) picks the delimiter. Binary data, an empty file, a header with no rows and duplicate
//! column names are errors that name the file; a bad cell is never an error.

use super::blocks::{Block, BlockSplitter, parse_rows};
use super::table::{Table, TextColumn};
use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum ContactsError {
    #[error("{file}: cannot read it: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}: {message}")]
    NotTabular { file: String, message: String },
    #[error("{file} line {line}: {message}")]
    Bad {
        file: String,
        line: u64,
        message: String,
    },
}

/// How the file is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv {
        delimiter: u8,
    },
    JsonLines,
    /// Parquet, read one row group at a time (`parquet_file`).
    Parquet,
    /// A spreadsheet's sheet (`xlsx`).
    Spreadsheet,
}

enum Inner {
    /// Blocks of whole rows, parsed as `score` parses them, and the unread rest of the last.
    Csv {
        blocks: Box<BlockSplitter>,
        delimiter: u8,
        rest: Option<Block>,
    },
    Json {
        lines: Box<dyn BufRead + Send>,
        line: u64,
    },
    Parquet(Box<super::parquet_file::ParquetRows>),
    Sheet(Box<super::xlsx::SheetRows>),
}

/// The sheet `--sheet` names, for every spreadsheet of contacts this run reads: set once by
/// the command line (a global option, so every command and the designer take it alike).
static SHEET: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Reads contacts spreadsheets from the sheet of this name instead of the first; set once,
/// before any contacts are read (a second call is ignored).
pub fn choose_sheet(name: &str) {
    let _ = SHEET.set(name.to_string());
}

/// Reads a contacts file in chunks of rows.
pub struct ContactsReader {
    file: String,
    format: Format,
    headers: Vec<String>,
    /// Positions (in the file's header) of the columns kept, in the order kept.
    keep: Vec<usize>,
    inner: Inner,
    rows_read: u64,
    bytes_read: u64,
}

const SNIFF: usize = 64 * 1024;

/// The longest row (or header line, or JSON Lines line) read: far beyond any CRM export, small
/// enough that a file with a broken quote, or no line breaks at all, is refused in constant
/// memory instead of being held whole.
pub const MAX_ROW_BYTES: u64 = 16 * 1024 * 1024;

/// How many bytes of rows the CSV reader takes from the file at a time.
const CSV_BLOCK: usize = 1 << 20;

/// The one rule for NUL bytes, wherever they are (line 2 or line 250,002): no CSV or JSON
/// Lines text holds one, so the file is refused as binary, naming the line of the first. A NUL
/// late in a file is found while reading, after the rows before it.
pub(super) fn holds_nul(file: &str, line: u64) -> ContactsError {
    ContactsError::NotTabular {
        file: file.into(),
        message: format!(
            "holds binary data (or UTF-16 text), not CSV or JSON Lines: a NUL byte on line \
             {line}; save it as UTF-8 CSV"
        ),
    }
}

pub(super) fn unclosed_quote(file: &str, line: u64) -> ContactsError {
    use super::blocks::{MAX_QUOTED_BYTES, MAX_QUOTED_LINES};
    ContactsError::Bad {
        file: file.into(),
        line,
        message: format!(
            "a quoted cell opens here and runs on past {MAX_QUOTED_LINES} lines or {} MB \
             without its closing quote, or never closes (a stray \"?): refused, rather than read \
             the rest of the file as one cell; fix the quote (`score --keep-going` skips the line)",
            MAX_QUOTED_BYTES >> 20
        ),
    }
}

pub(super) fn row_too_long(file: &str, line: u64) -> ContactsError {
    ContactsError::Bad {
        file: file.into(),
        line,
        message: format!(
            "a row runs on past {} MB (an unclosed quote, or no line breaks?): refused; \
             rows and cells are at most {} MB",
            MAX_ROW_BYTES >> 20,
            MAX_ROW_BYTES >> 20
        ),
    }
}

impl ContactsReader {
    /// Opens a file and reads its header.
    pub fn open(path: &Path) -> Result<ContactsReader, ContactsError> {
        let file = path.display().to_string();
        let io = |source| ContactsError::Io {
            file: file.clone(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        if meta.is_dir() {
            return Err(ContactsError::NotTabular {
                file,
                message: "is a folder, not a contacts file".into(),
            });
        }
        let mut f = File::open(path).map_err(io)?;
        let magic = first_bytes(&mut f).map_err(io)?;
        let sheet = SHEET.get().map(String::as_str);
        if super::xlsx::is_spreadsheet(path) || magic.starts_with(b"PK\x03\x04") {
            let (rows, headers) = super::xlsx::SheetRows::open(path, sheet)?;
            return Self::typed_file(
                file,
                Format::Spreadsheet,
                headers,
                Inner::Sheet(Box::new(rows)),
            );
        }
        if let Some(s) = sheet {
            return Err(ContactsError::NotTabular {
                file,
                message: format!(
                    "is not a spreadsheet, and --sheet '{s}' names a sheet of one (XLSX, XLS, \
                     XLSB, ODS): leave --sheet out"
                ),
            });
        }
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
            || magic == super::parquet_file::MAGIC
        {
            let (rows, headers) = super::parquet_file::ParquetRows::open(path)?;
            return Self::typed_file(
                file,
                Format::Parquet,
                headers,
                Inner::Parquet(Box::new(rows)),
            );
        }
        Self::from_reader(&file, Box::new(f))
    }

    /// A reader of a Parquet file or a spreadsheet, whose header its reader has read.
    fn typed_file(
        file: String,
        format: Format,
        headers: Vec<String>,
        inner: Inner,
    ) -> Result<ContactsReader, ContactsError> {
        check_duplicates(&file, &headers)?;
        Ok(ContactsReader {
            file,
            format,
            keep: (0..headers.len()).collect(),
            headers,
            inner,
            rows_read: 0,
            bytes_read: 0,
        })
    }

    /// Reads contacts from any byte stream; `file` names it in messages.
    pub fn from_reader(
        file: &str,
        mut r: Box<dyn Read + Send>,
    ) -> Result<ContactsReader, ContactsError> {
        let not_tabular = |message: &str| ContactsError::NotTabular {
            file: file.into(),
            message: message.into(),
        };
        let mut head = Vec::with_capacity(SNIFF);
        (&mut r)
            .take(SNIFF as u64)
            .read_to_end(&mut head)
            .map_err(|source| ContactsError::Io {
                file: file.into(),
                source,
            })?;
        let mut start = 0;
        if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
            start = 3;
        }
        let body = &head[start..];
        if body.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(not_tabular(
                "is empty: a contacts file needs a header line and rows",
            ));
        }
        if body.starts_with(super::parquet_file::MAGIC) {
            return Err(not_tabular(
                "is a Parquet file: give it as a file (a path ending in .parquet), not on a \
                 stream, since Parquet is read from its end",
            ));
        }
        if let Some(at) = body.iter().position(|&b| b == 0) {
            return Err(holds_nul(
                file,
                1 + body[..at].iter().filter(|&&b| b == b'\n').count() as u64,
            ));
        }
        if body.starts_with(&[0xFF, 0xFE]) || body.starts_with(&[0xFE, 0xFF]) {
            return Err(not_tabular(
                "holds binary data (or UTF-16 text), not CSV or JSON Lines: save it as UTF-8 CSV",
            ));
        }
        let first = body
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .map(|i| body[i])
            .unwrap_or(b' ');
        // A text stream is CSV (its delimiter) or JSON Lines (`None`).
        let csv_delimiter = if first == b'{' {
            None
        } else {
            Some(sniff_delimiter(body).ok_or_else(|| {
                not_tabular("does not look like a table: its first line has no comma, semicolon or tab (expected CSV with a header line, or JSON Lines)")
            })?)
        };
        let stream: Box<dyn Read + Send> = Box::new(Cursor::new(head[start..].to_vec()).chain(r));
        match csv_delimiter {
            Some(delimiter) => {
                let format = Format::Csv { delimiter };
                let blocks = BlockSplitter::from_reader(file, stream, delimiter, CSV_BLOCK)?;
                let mut header = csv::ReaderBuilder::new()
                    .delimiter(delimiter)
                    .has_headers(false)
                    .flexible(true)
                    .from_reader(blocks.header());
                // A header longer than the bytes sniffed is checked for NUL here.
                if blocks.header().contains(&0) {
                    return Err(holds_nul(file, 1));
                }
                let mut raw = csv::ByteRecord::new();
                header
                    .read_byte_record(&mut raw)
                    .map_err(|e| csv_error(file, e))?;
                let headers = name_headers(
                    raw.iter()
                        .map(|h| String::from_utf8_lossy(h).trim().to_string())
                        .collect(),
                );
                check_duplicates(file, &headers)?;
                let keep = (0..headers.len()).collect();
                Ok(ContactsReader {
                    file: file.into(),
                    format,
                    headers,
                    keep,
                    inner: Inner::Csv {
                        blocks: Box::new(blocks),
                        delimiter,
                        rest: None,
                    },
                    rows_read: 0,
                    bytes_read: 0,
                })
            }
            None => {
                let format = Format::JsonLines;
                let mut lines: Box<dyn BufRead + Send> =
                    Box::new(BufReader::with_capacity(256 * 1024, stream));
                // The first object's keys are the columns.
                let mut first_line = String::new();
                let mut line = 0u64;
                loop {
                    first_line.clear();
                    line += 1;
                    let n = read_line_limited(&mut lines, &mut first_line).map_err(|source| {
                        ContactsError::Io {
                            file: file.into(),
                            source,
                        }
                    })?;
                    if n as u64 > MAX_ROW_BYTES {
                        return Err(row_too_long(file, line));
                    }
                    if n == 0 || !first_line.trim().is_empty() {
                        break;
                    }
                }
                if first_line.contains('\0') {
                    return Err(holds_nul(file, line));
                }
                let obj = json_object(file, line, first_line.trim())?;
                let headers: Vec<String> = obj.keys().cloned().collect();
                let keep = (0..headers.len()).collect();
                // Put the first line back in front of the rest.
                let rest = Cursor::new(first_line.into_bytes()).chain(lines);
                let lines: Box<dyn BufRead + Send> = Box::new(BufReader::new(rest));
                Ok(ContactsReader {
                    file: file.into(),
                    format,
                    headers,
                    keep,
                    inner: Inner::Json {
                        lines,
                        line: line - 1,
                    },
                    rows_read: 0,
                    bytes_read: 0,
                })
            }
        }
    }

    pub fn format(&self) -> Format {
        self.format
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    /// All column names of the file, in file order.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Keeps only these columns (those that exist), in the order given; the rest are skipped.
    pub fn keep_columns(&mut self, names: &[&str]) {
        let mut keep = Vec::new();
        for n in names {
            if let Some(i) = self.headers.iter().position(|h| h == n).or_else(|| {
                self.headers
                    .iter()
                    .position(|h| h.trim().eq_ignore_ascii_case(n.trim()))
            }) && !keep.contains(&i)
            {
                keep.push(i);
            }
        }
        self.keep = keep;
    }

    fn empty_table(&self, rows: usize) -> Table {
        Table {
            source: self.file.clone(),
            headers: self.keep.iter().map(|&i| self.headers[i].clone()).collect(),
            columns: self
                .keep
                .iter()
                .map(|_| TextColumn::with_capacity(rows.min(1 << 16), 0))
                .collect(),
            ..Table::default()
        }
    }

    /// Reads up to `max_rows` rows; `None` at the end of the file.
    pub fn next_chunk(&mut self, max_rows: usize) -> Result<Option<Table>, ContactsError> {
        let mut t = self.empty_table(max_rows);
        match &mut self.inner {
            Inner::Parquet(rows) => {
                let read = rows.next_chunk(max_rows, &self.keep, t)?;
                self.bytes_read = rows.bytes_read();
                return Ok(self.counted(read));
            }
            Inner::Sheet(rows) => {
                let read = rows.next_chunk(max_rows, &self.keep, t)?;
                return Ok(self.counted(read));
            }
            Inner::Csv {
                blocks,
                delimiter,
                rest,
            } => {
                while t.lines.len() < max_rows {
                    let block = match rest.take() {
                        Some(b) => b,
                        None => match blocks.next_block()? {
                            Some(b) => b,
                            None => break,
                        },
                    };
                    let (part, stop) = parse_rows(
                        &self.file,
                        &block,
                        *delimiter,
                        &self.headers,
                        &self.keep,
                        max_rows - t.lines.len(),
                    )?;
                    match stop {
                        Some(at) => *rest = Some(block.rest(at)),
                        None => self.bytes_read = block.end,
                    }
                    if t.lines.is_empty() {
                        t = part;
                    } else {
                        t.append(part).map_err(|message| ContactsError::Bad {
                            file: self.file.clone(),
                            line: 0,
                            message,
                        })?;
                    }
                }
            }
            Inner::Json { lines, line } => {
                let mut buf = String::new();
                while t.lines.len() < max_rows {
                    buf.clear();
                    let n = read_line_limited(lines, &mut buf).map_err(|e| {
                        if e.kind() == std::io::ErrorKind::InvalidData {
                            ContactsError::Bad {
                                file: self.file.clone(),
                                line: *line + 1,
                                message: "is not valid UTF-8".into(),
                            }
                        } else {
                            ContactsError::Io {
                                file: self.file.clone(),
                                source: e,
                            }
                        }
                    })?;
                    if n == 0 {
                        break;
                    }
                    self.bytes_read += n as u64;
                    *line += 1;
                    if n as u64 > MAX_ROW_BYTES {
                        return Err(row_too_long(&self.file, *line));
                    }
                    if buf.contains('\0') {
                        return Err(holds_nul(&self.file, *line));
                    }
                    let text = buf.trim();
                    if text.is_empty() {
                        continue;
                    }
                    let obj = json_object(&self.file, *line, text)?;
                    for (k, &i) in self.keep.iter().enumerate() {
                        let cell = match obj.get(&self.headers[i]) {
                            Some(v) => json_cell(&self.file, *line, v)?,
                            None => String::new(),
                        };
                        t.columns[k].push(&cell);
                    }
                    t.lines.push(*line);
                }
            }
        }
        self.rows_read += t.lines.len() as u64;
        if t.lines.is_empty() {
            return Ok(None);
        }
        Ok(Some(t))
    }

    /// The Salesforce report footer left out at the end of a CSV file: how many lines, and the
    /// line of the first (`blocks::footer_at`); known once the last rows have been read.
    pub fn footer(&self) -> Option<(u64, u64)> {
        match &self.inner {
            Inner::Csv { blocks, .. } => blocks.footer(),
            Inner::Json { .. } | Inner::Parquet(_) | Inner::Sheet(_) => None,
        }
    }

    /// A chunk read, counted in `rows_read`.
    fn counted(&mut self, t: Option<Table>) -> Option<Table> {
        self.rows_read += t.as_ref().map_or(0, |t| t.lines.len() as u64);
        t
    }

    /// About how far into the file reading has got, for progress bars.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    pub fn rows_read(&self) -> u64 {
        self.rows_read
    }
}

/// A file's first four bytes, which tell Parquet (`PAR1`) and spreadsheets (a ZIP's `PK\3\4`)
/// from text whatever the file's name; the file is left at its start.
fn first_bytes(f: &mut File) -> std::io::Result<Vec<u8>> {
    use std::io::Seek;
    let mut magic = Vec::with_capacity(4);
    f.by_ref().take(4).read_to_end(&mut magic)?;
    f.seek(std::io::SeekFrom::Start(0))?;
    Ok(magic)
}

/// One JSON Lines row: its keys in the order written, each with its value's text as written.
/// The values are kept raw, not as JSON numbers: a number such as `1e400` (valid JSON, but no
/// double) would otherwise end the run, and a big integer id would be rewritten as a float.
type JsonRow = indexmap::IndexMap<String, Box<serde_json::value::RawValue>>;

fn json_object(file: &str, line: u64, text: &str) -> Result<JsonRow, ContactsError> {
    serde_json::from_str(text).map_err(|e| ContactsError::Bad {
        file: file.into(),
        line,
        message: format!("is not a JSON object: {e}"),
    })
}

/// A JSON value as a cell: a string's text, nothing for `null`, and anything else (numbers,
/// `true`, arrays) exactly as written, so `12345678901234567890123` and `-0` stay as they are
/// and a number no double holds is an unreadable value of its field, as in CSV.
fn json_cell(
    file: &str,
    line: u64,
    v: &serde_json::value::RawValue,
) -> Result<String, ContactsError> {
    let raw = v.get();
    match raw.as_bytes().first() {
        Some(b'"') => serde_json::from_str(raw).map_err(|e| ContactsError::Bad {
            file: file.into(),
            line,
            message: format!("is not a JSON object: {e}"),
        }),
        _ if raw == "null" => Ok(String::new()),
        _ => Ok(raw.to_string()),
    }
}

/// Reads one line, or the first `MAX_ROW_BYTES + 1` bytes of it: enough to refuse it.
fn read_line_limited(r: &mut Box<dyn BufRead + Send>, buf: &mut String) -> std::io::Result<usize> {
    r.take(MAX_ROW_BYTES + 1).read_line(buf)
}

/// Reads a whole contacts file into one table. A file with a header and no rows is an error.
/// Columns with few distinct cells are held as dictionaries (`Table::compact`): the table is
/// kept for as long as the designer is open.
pub fn read_contacts(path: &Path) -> Result<Table, ContactsError> {
    read_contacts_and_footer(path).map(|(t, _)| t)
}

/// As `read_contacts`, with the report footer left out at the end of a CSV file, if any: how
/// many lines, and the line of the first (`blocks::footer_at`), for the command to say.
pub fn read_contacts_and_footer(path: &Path) -> Result<(Table, Option<(u64, u64)>), ContactsError> {
    let mut r = ContactsReader::open(path)?;
    if let Format::Csv { delimiter } = r.format()
        && std::fs::metadata(path).map_or(0, |m| m.len()) >= PARALLEL_BYTES
    {
        return read_blocks(path, delimiter, r.headers());
    }
    match r.next_chunk(usize::MAX)? {
        Some(mut t) => {
            t.compact();
            Ok((t, r.footer()))
        }
        None => Err(ContactsError::NotTabular {
            file: r.file.clone(),
            message: "has a header line but no rows".into(),
        }),
    }
}

/// CSV files at least this large are read on every core: below it, splitting costs more than
/// it saves.
const PARALLEL_BYTES: u64 = 8 * 1024 * 1024;

/// Reads a whole CSV file on every core: the file is cut into blocks of whole rows, the blocks
/// are parsed side by side, and the tables are joined in file order. The rows, their lines and
/// the counts are those `next_chunk` gives (`blocks::parse_block` reads rows the same way).
fn read_blocks(
    path: &Path,
    delimiter: u8,
    headers: &[String],
) -> Result<(Table, Option<(u64, u64)>), ContactsError> {
    use super::blocks::{Block, BlockSplitter, parse_block};
    use std::sync::{Mutex, mpsc};
    let file = path.display().to_string();
    let mut splitter = BlockSplitter::open(path, delimiter, 4 << 20)?;
    let keep: Vec<usize> = (0..headers.len()).collect();
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 8);
    let (tx, rx) = mpsc::sync_channel::<Block>(threads * 2);
    let rx = Mutex::new(rx);
    let (parsed, fed) = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let next = match rx.lock() {
                            Ok(guard) => guard.recv(),
                            Err(_) => break,
                        };
                        let Ok(block) = next else { break };
                        // Compacted here, on the parsing threads: the blocks wait for each
                        // other in their small form, and the join only merges dictionaries.
                        let mut parsed = parse_block(&file, &block, delimiter, headers, &keep);
                        if let Ok(t) = &mut parsed {
                            t.compact();
                        }
                        out.push((block.seq, parsed));
                    }
                    out
                })
            })
            .collect();
        let fed = loop {
            match splitter.next_block() {
                Ok(Some(block)) => {
                    if tx.send(block).is_err() {
                        break Ok(());
                    }
                }
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        drop(tx);
        let parsed: Vec<_> = workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect();
        (parsed, fed)
    });
    fed?;
    let mut parsed = parsed;
    parsed.sort_by_key(|(seq, _)| *seq);
    let mut table: Option<Table> = None;
    for (_, t) in parsed {
        let t = t?;
        match &mut table {
            None => table = Some(t),
            Some(all) => all.append(t).map_err(|message| ContactsError::Bad {
                file: file.clone(),
                line: 0,
                message,
            })?,
        }
    }
    match table {
        Some(t) if t.rows() > 0 => Ok((t, splitter.footer())),
        _ => Err(ContactsError::NotTabular {
            file,
            message: "has a header line but no rows".into(),
        }),
    }
}

fn csv_error(file: &str, e: csv::Error) -> ContactsError {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    let message = match e.kind() {
        csv::ErrorKind::Io(io) => format!("cannot read it: {io}"),
        csv::ErrorKind::Utf8 { .. } => "is not valid UTF-8".into(),
        _ => e.to_string(),
    };
    ContactsError::Bad {
        file: file.into(),
        line,
        message,
    }
}

/// The delimiter of the header line: the most frequent of comma, semicolon, tab outside quotes.
fn sniff_delimiter(body: &[u8]) -> Option<u8> {
    let mut counts = [0usize; 3];
    let cands = [b',', b';', b'\t'];
    let mut quoted = false;
    for &b in body {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            _ if !quoted => {
                if let Some(i) = cands.iter().position(|&c| c == b) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let (best, n) = counts
        .iter()
        .enumerate()
        .max_by_key(|(i, n)| (**n, usize::MAX - i))?;
    (*n > 0).then_some(cands[best])
}

/// Names blank headers after their position (`column 38`), as spreadsheets do.
fn name_headers(mut headers: Vec<String>) -> Vec<String> {
    for (i, h) in headers.iter_mut().enumerate() {
        if h.is_empty() {
            *h = format!("column {}", i + 1);
        }
    }
    headers
}

/// A column named twice is refused, naming both places. One pass with a map from name to its
/// first column, so a header of a million columns is checked in linear time (a scan of the
/// columns before each one took 33 s at 100,000 columns).
fn check_duplicates(file: &str, headers: &[String]) -> Result<(), ContactsError> {
    let mut seen: std::collections::HashMap<&str, usize> =
        std::collections::HashMap::with_capacity(headers.len());
    for (i, h) in headers.iter().enumerate() {
        if let Some(j) = seen.insert(h, i) {
            return Err(ContactsError::Bad {
                file: file.into(),
                line: 1,
                message: format!(
                    "column '{h}' appears twice (columns {} and {}): rename one",
                    j + 1,
                    i + 1
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &[u8]) -> Result<Table, ContactsError> {
        let mut r = ContactsReader::from_reader("t.csv", Box::new(Cursor::new(text.to_vec())))?;
        r.next_chunk(usize::MAX)?.ok_or(ContactsError::NotTabular {
            file: "t.csv".into(),
            message: "no rows".into(),
        })
    }

    #[test]
    fn finds_the_delimiter() {
        for (text, d) in [
            ("a,b\n1,2\n", b','),
            ("a;b\n1;2\n", b';'),
            ("a\tb\n1\t2\n", b'\t'),
            ("\"x;y\",b\n1,2\n", b','),
        ] {
            let r =
                ContactsReader::from_reader("t", Box::new(Cursor::new(text.as_bytes().to_vec())))
                    .unwrap();
            assert_eq!(r.format(), Format::Csv { delimiter: d }, "{text}");
        }
    }

    #[test]
    fn reads_quotes_bom_and_ragged_rows() {
        let t = read(b"\xEF\xBB\xBFid,name,city\n1,\"Smith, Jo\",Paris\n2,Lee\n3,Ann,Rome,extra\n")
            .unwrap();
        assert_eq!(t.headers, vec!["id", "name", "city"]);
        assert_eq!(t.rows(), 3);
        assert_eq!(t.cell(0, "name"), "Smith, Jo");
        assert_eq!(t.cell(1, "city"), "");
        assert_eq!((t.short_rows, t.long_rows), (1, 1));
        assert_eq!(t.lines, vec![2, 3, 4]);
    }

    #[test]
    fn invalid_utf8_is_read_and_counted() {
        let t = read(b"id,city\n1,M\xFCnchen\n").unwrap();
        assert_eq!(t.bad_utf8, 1);
        assert_eq!(t.first_bad_utf8_line, Some(2));
        assert!(t.cell(0, "city").starts_with('M'));
    }

    #[test]
    fn reads_json_lines() {
        let t = read(
            b"{\"id\": \"a\", \"visits\": 3, \"ok\": true}\n\n{\"id\": \"b\", \"visits\": null}\n",
        )
        .unwrap();
        assert_eq!(t.headers, vec!["id", "visits", "ok"]);
        assert_eq!(t.cell(0, "visits"), "3");
        assert_eq!(t.cell(0, "ok"), "true");
        assert_eq!(t.cell(1, "visits"), "");
        assert_eq!(t.lines, vec![1, 3]);
    }

    #[test]
    fn refuses_what_is_not_a_table() {
        let msg = |r: Result<Table, ContactsError>| r.unwrap_err().to_string();
        assert!(msg(read(b"")).contains("is empty"));
        assert!(msg(read(b"\x89PNG\r\n\x1a\n\0\0\0")).contains("binary"));
        assert!(msg(read(b"just some words\nmore words\n")).contains("does not look like a table"));
        assert!(
            msg(read(b"id,city,id\n1,2,3\n"))
                .contains("column 'id' appears twice (columns 1 and 3)")
        );
        assert!(msg(read(b"{not json\n")).contains("line 1"));
    }

    #[test]
    fn a_header_of_100000_columns_is_read_and_a_late_duplicate_named() {
        // Linear in the columns: this took 33 s when each column was compared with those
        // before it; now it is a small part of a second in the debug build.
        let names: Vec<String> = (0..100_000).map(|i| format!("c{i}")).collect();
        let row: Vec<&str> = (0..100_000).map(|_| "1").collect();
        let text = format!("{}\n{}\n", names.join(","), row.join(","));
        let t = read(text.as_bytes()).unwrap();
        assert_eq!((t.headers.len(), t.rows()), (100_000, 1));
        assert_eq!(t.cell(0, "c99999"), "1");
        let text = format!("{},c0\n{}\n", names.join(","), row.join(","));
        let e = read(text.as_bytes()).unwrap_err().to_string();
        assert_eq!(
            e,
            "t.csv line 1: column 'c0' appears twice (columns 1 and 100001): rename one"
        );
    }

    /// A stream of `head`, then `n` bytes of `fill`, without holding them.
    fn endless(head: &[u8], fill: u8, n: u64) -> Box<dyn Read + Send> {
        Box::new(Cursor::new(head.to_vec()).chain(std::io::repeat(fill).take(n)))
    }

    #[test]
    fn a_row_too_long_is_refused_naming_its_line() {
        // 100 MB in one quoted cell on line 3 (refused at 1 MB as an unclosed quote), one cell
        // without quotes, one JSON line.
        for (head, fill, line, why) in [
            (
                &b"id,note\n1,ok\n2,\""[..],
                b'x',
                3,
                "without its closing quote",
            ),
            (&b"id,note\n1,ok\n2,"[..], b'x', 3, "past 16 MB"),
            (
                &b"{\"id\": 1}\n{\"id\": 2, \"note\": \""[..],
                b'x',
                2,
                "past 16 MB",
            ),
        ] {
            let start = std::time::Instant::now();
            let err = ContactsReader::from_reader("big.csv", endless(head, fill, 100 << 20))
                .and_then(|mut r| r.next_chunk(usize::MAX))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.starts_with(&format!("big.csv line {line}: ")), "{err}");
            assert!(err.contains(why), "{err}");
            assert!(start.elapsed().as_secs() < 20);
        }
        // A header line with no end.
        let err = ContactsReader::from_reader("big.csv", endless(b"a,b", b'x', 100 << 20))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.starts_with("big.csv line 1: "), "{err}");
        // Rows just under the limit, many of them, are read.
        let cell = "y".repeat(1 << 20);
        let text = format!("id,note\n1,{cell}\n2,{cell}\n3,\"{cell}\"\n");
        let t = read(text.as_bytes()).unwrap();
        assert_eq!(t.rows(), 3);
    }

    #[test]
    fn header_only_is_no_rows() {
        let mut r =
            ContactsReader::from_reader("t", Box::new(Cursor::new(b"a,b\n".to_vec()))).unwrap();
        assert!(r.next_chunk(10).unwrap().is_none());
    }

    #[test]
    fn chunks_and_keeps_columns() {
        let mut r = ContactsReader::from_reader(
            "t",
            Box::new(Cursor::new(b"a,b,c\n1,2,3\n4,5,6\n7,8,9\n".to_vec())),
        )
        .unwrap();
        r.keep_columns(&["c", "A", "nope"]);
        let t1 = r.next_chunk(2).unwrap().unwrap();
        assert_eq!(t1.headers, vec!["c", "a"]);
        assert_eq!(t1.rows(), 2);
        assert_eq!(t1.cell(1, "c"), "6");
        let t2 = r.next_chunk(2).unwrap().unwrap();
        assert_eq!(t2.cell(0, "a"), "7");
        assert!(r.next_chunk(2).unwrap().is_none());
    }
}
