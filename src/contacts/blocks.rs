//! Reading a CSV file as blocks of whole rows, so that several threads can parse and score it.
//!
//! `BlockSplitter` reads the file in large pieces and cuts each after the last row that ends in
//! it; the rest is carried into the next piece. Where a row ends is found the way the CSV parser
//! finds it: a line break ends a row unless it is inside a quoted cell, and a quote opens a
//! quoted cell only at the start of a cell (a quote inside an unquoted cell is just a
//! character). A piece without any quote needs no such scan: every line break in it ends a
//! row. `parse_block` then reads one block into a `Table` exactly as `ContactsReader` reads
//! rows (blank lines skipped, ragged rows counted, invalid UTF-8 replaced and counted), with
//! each row's line number in the whole file.
//!
//! A quoted cell that runs on past `MAX_QUOTED_LINES` line breaks or `MAX_QUOTED_BYTES` bytes
//! is taken for an unclosed quote: the parser would read the rest of the file as that one cell
//! (DuckDB reads such a file as many rows), so it is an error naming the line where the quote
//! opened, or, when asked (`skip_unclosed_quotes`), that line is skipped and counted.
//!
//! Invariants: a block starts at the start of a row and ends after a row's line break (or at
//! the end of the file); the blocks, in order, are the file's bytes after the header, less the
//! lines skipped for an unclosed quote; a row never runs past `MAX_ROW_BYTES`, so memory stays
//! bounded whatever the file holds.

use super::read::ContactsError;
use super::table::{RawColumn, Table};
use std::io::Read;
use std::path::Path;

/// The longest row read (as `ContactsReader` allows): a row running past it is refused.
pub const MAX_ROW_BYTES: usize = 16 * 1024 * 1024;

/// The most line breaks a quoted cell may hold: far more than any note typed into a CRM, far
/// fewer than the rows a stray quote would swallow.
pub const MAX_QUOTED_LINES: u64 = 1_000;

/// The most bytes a quoted cell may hold (a sixteenth of the row limit).
pub const MAX_QUOTED_BYTES: usize = 1 << 20;

/// Whole rows of the file, in order.
#[derive(Debug)]
pub struct Block {
    /// The block's place among the blocks, from 0.
    pub seq: u64,
    pub data: Vec<u8>,
    /// The file line on which the block's first row starts.
    pub first_line: u64,
    /// The file offset just past the block, for progress bars.
    pub end: u64,
}

impl Block {
    /// The rows of this block from byte `at` on (the start of a row, or a line break).
    pub fn rest(&self, at: usize) -> Block {
        let at = at.min(self.data.len());
        Block {
            seq: self.seq,
            data: self.data[at..].to_vec(),
            first_line: self.first_line + count_lines(&self.data[..at]),
            end: self.end,
        }
    }
}

/// Where the scan stands inside a row.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a cell (or of a row).
    CellStart,
    /// In an unquoted cell.
    Unquoted,
    /// In a quoted cell.
    Quoted,
    /// Just after a quote inside a quoted cell: the cell's end, or the first half of `""`.
    QuoteInQuoted,
}

/// Cuts a CSV file into blocks of whole rows.
pub struct BlockSplitter {
    file: String,
    r: Box<dyn Read + Send>,
    delimiter: u8,
    block: usize,
    /// Bytes read and not yet handed out: the start of an unfinished row.
    carry: Vec<u8>,
    /// The line on which `carry` starts.
    line: u64,
    /// The file offset just past `carry`.
    offset: u64,
    seq: u64,
    eof: bool,
    /// The header row's bytes (without its line break and a byte-order mark).
    header: Vec<u8>,
    /// Skip the line of an unclosed quote instead of refusing the file.
    skip_unclosed: bool,
    /// Lines skipped for an unclosed quote: how many, and the first.
    skipped: (u64, u64),
    /// A Salesforce report's footer found at the end: its lines, and the line of the first.
    footer: Option<(u64, u64)>,
    /// Whether the end of the file has been looked at for a footer.
    footer_checked: bool,
}

impl BlockSplitter {
    /// Opens a CSV file whose delimiter is known and skips its header row (and a byte-order
    /// mark). Blocks are about `block` bytes (more when one row is longer).
    pub fn open(path: &Path, delimiter: u8, block: usize) -> Result<BlockSplitter, ContactsError> {
        let file = path.display().to_string();
        let f = std::fs::File::open(path).map_err(|source| ContactsError::Io {
            file: file.clone(),
            source,
        })?;
        Self::from_reader(&file, Box::new(f), delimiter, block)
    }

    /// As `open`, over any byte stream; `file` names it in messages.
    pub fn from_reader(
        file: &str,
        r: Box<dyn Read + Send>,
        delimiter: u8,
        block: usize,
    ) -> Result<BlockSplitter, ContactsError> {
        let mut s = BlockSplitter {
            file: file.into(),
            r,
            delimiter,
            block: block.max(1024),
            carry: Vec::new(),
            line: 1,
            offset: 0,
            seq: 0,
            eof: false,
            header: Vec::new(),
            skip_unclosed: false,
            skipped: (0, 0),
            footer: None,
            footer_checked: false,
        };
        // The header is the first row that is not blank, as the CSV parser takes it.
        loop {
            let end = loop {
                let (end, runaway) = first_row_end(&s.carry, delimiter);
                if let Some(r) = runaway {
                    return Err(s.unclosed(r));
                }
                if let Some(end) = end {
                    break Some(end);
                }
                if s.eof {
                    break None;
                }
                if s.carry.len() as u64 > MAX_ROW_BYTES as u64 {
                    return Err(s.too_long());
                }
                s.fill(s.carry.len() + s.block)?;
            };
            let end = end.unwrap_or(s.carry.len());
            let bom =
                if s.offset == s.carry.len() as u64 && s.carry.starts_with(&[0xEF, 0xBB, 0xBF]) {
                    3
                } else {
                    0
                };
            let row = &s.carry[bom..end];
            let blank = row.iter().all(|&b| b == b'\n' || b == b'\r');
            if !blank {
                let text = row.strip_suffix(b"\n").unwrap_or(row);
                s.header = text.strip_suffix(b"\r").unwrap_or(text).to_vec();
            }
            s.line += count_lines(&s.carry[..end]);
            s.carry.drain(..end);
            if !blank || s.carry.is_empty() && s.eof {
                break;
            }
        }
        Ok(s)
    }

    /// The header row's bytes, without its line break.
    pub fn header(&self) -> &[u8] {
        &self.header
    }

    fn too_long(&self) -> ContactsError {
        super::read::row_too_long(&self.file, self.line)
    }

    /// Skips, from now on, the line on which an unclosed quote opens (the rows before and
    /// after it are read) instead of refusing the file; `skipped` counts them.
    pub fn skip_unclosed_quotes(&mut self) {
        self.skip_unclosed = true;
    }

    /// Lines skipped for an unclosed quote: how many, and the first (0 when none).
    pub fn skipped(&self) -> (u64, u64) {
        self.skipped
    }

    /// The Salesforce report footer left out at the end of the file (`footer_at`): how many
    /// lines, and the line of the first; known once the last block has been read.
    pub fn footer(&self) -> Option<(u64, u64)> {
        self.footer
    }

    /// The line of `carry` on which a quote opens.
    fn line_of(&self, at: usize) -> u64 {
        self.line + count_lines(&self.carry[..at.min(self.carry.len())])
    }

    fn unclosed(&self, r: Runaway) -> ContactsError {
        super::read::unclosed_quote(&self.file, self.line_of(r.quote))
    }

    /// Where to cut `carry` into a block; or an unclosed quote at its first row.
    fn cut(&self) -> (Option<usize>, Option<Runaway>) {
        let n = self.carry.len();
        let whole = self.eof && n <= self.block;
        if whole && !self.carry.contains(&b'"') {
            return (Some(n), None);
        }
        // Before the end of the file, the last `FOOTER_WINDOW` bytes stay for the next block,
        // so that a footer is never split between two blocks (a block is cut at the last row
        // end before them, unless the one row runs past them).
        let held = if self.eof {
            n
        } else {
            n.saturating_sub(FOOTER_WINDOW)
        };
        let early = match last_row_end(&self.carry[..held], self.delimiter) {
            (Some(end), None) if held < n => Some(end),
            _ => None,
        };
        if let Some(end) = early {
            return (Some(end), None);
        }
        let (end, runaway) = match last_row_end(&self.carry, self.delimiter) {
            // At the end of the file a quote still open is unclosed, however short.
            (_, None) if whole => (Some(n), open_at_end(&self.carry, self.delimiter)),
            found => found,
        };
        match (end, runaway) {
            // The rows before the one with the unclosed quote go first.
            (_, Some(r)) if r.row > 0 => (Some(r.row), None),
            (_, Some(r)) => (None, Some(r)),
            (end, None) => (end, None),
        }
    }

    /// Drops the first row up to the end of the line on which its unclosed quote opened; false
    /// when that line does not end in what is read yet.
    fn skip_line(&mut self, r: Runaway) -> bool {
        let end = match self.carry[r.quote..].iter().position(|&c| c == b'\n') {
            Some(p) => r.quote + p + 1,
            None if self.eof => self.carry.len(),
            None => return false,
        };
        let line = self.line_of(r.quote);
        if self.skipped.0 == 0 {
            self.skipped.1 = line;
        }
        self.skipped.0 += 1;
        self.line += count_lines(&self.carry[..end]);
        self.carry.drain(..end);
        true
    }

    /// Reads until `carry` holds `want` bytes or the file ends.
    fn fill(&mut self, want: usize) -> Result<(), ContactsError> {
        let start = self.carry.len();
        if want > start {
            self.carry.resize(want, 0);
        }
        let mut got = start;
        while got < self.carry.len() {
            match self.r.read(&mut self.carry[got..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(source) => {
                    self.carry.truncate(got);
                    return Err(ContactsError::Io {
                        file: self.file.clone(),
                        source,
                    });
                }
            }
        }
        self.carry.truncate(got);
        self.offset += (got - start) as u64;
        Ok(())
    }

    /// The next block of whole rows; `None` after the last.
    pub fn next_block(&mut self) -> Result<Option<Block>, ContactsError> {
        loop {
            if !self.eof && self.carry.len() < self.block + FOOTER_WINDOW {
                self.fill(self.block + FOOTER_WINDOW)?;
            }
            if self.eof && !self.footer_checked {
                self.footer_checked = true;
                if let Some((at, first, lines)) = footer_at(&self.carry, self.delimiter) {
                    self.footer = Some((lines, self.line_of(first)));
                    self.carry.truncate(at);
                }
            }
            if self.carry.is_empty() {
                return Ok(None);
            }
            let (cut, runaway) = self.cut();
            if let Some(r) = runaway {
                if !self.skip_unclosed {
                    return Err(self.unclosed(r));
                }
                if self.skip_line(r) {
                    continue;
                }
            }
            match cut {
                Some(cut) => {
                    let rest = self.carry.split_off(cut);
                    let data = std::mem::replace(&mut self.carry, rest);
                    let block = Block {
                        seq: self.seq,
                        first_line: self.line,
                        end: self.offset - self.carry.len() as u64,
                        data,
                    };
                    self.seq += 1;
                    self.line += count_lines(&block.data);
                    return Ok(Some(block));
                }
                None => {
                    // One row longer than a block: read on, up to the limit.
                    if self.carry.len() > MAX_ROW_BYTES {
                        return Err(self.too_long());
                    }
                    if self.eof {
                        let data = std::mem::take(&mut self.carry);
                        let block = Block {
                            seq: self.seq,
                            first_line: self.line,
                            end: self.offset,
                            data,
                        };
                        self.seq += 1;
                        return Ok(Some(block));
                    }
                    // Doubling, so that a long row is scanned a few times, not once per block.
                    let n = self.carry.len();
                    self.fill((n + self.block.max(n)).min(MAX_ROW_BYTES + 2))?;
                }
            }
        }
    }
}

/// The bytes at the end of a CSV file in which a report footer is looked for.
pub const FOOTER_WINDOW: usize = 4096;

/// The most lines a report footer has (Salesforce writes five: the report's name, its
/// copyright, "Confidential Information", "Generated By", the organisation).
const FOOTER_LINES: usize = 8;

/// A Salesforce report export's footer at the end of `b` (the end of a file): after the last
/// row, a blank line, then up to `FOOTER_LINES` lines of one cell each, one of them the
/// copyright line (`"Copyright (c) 2000-2024 salesforce.com, inc. All rights reserved."`),
/// then nothing but blank lines. Returns where the footer starts (the blank line), where its
/// first line starts, and how many lines it has. A row of one cell in the middle of the data
/// is data: only this shape, at the very end, is a footer.
pub fn footer_at(b: &[u8], delimiter: u8) -> Option<(usize, usize, u64)> {
    let from = b.len().saturating_sub(FOOTER_WINDOW);
    // The lines of the window, as (start, text without its line break).
    let mut lines: Vec<(usize, &[u8])> = Vec::new();
    let mut start = from;
    for (i, &c) in b[from..].iter().enumerate() {
        if c == b'\n' {
            lines.push((start, &b[start..from + i]));
            start = from + i + 1;
        }
    }
    if start < b.len() {
        lines.push((start, &b[start..]));
    }
    let blank = |l: &[u8]| l.iter().all(|c| c.is_ascii_whitespace());
    // From the end: blank lines, then the footer's lines, then the blank line before them.
    let mut i = lines.len();
    while i > 0 && blank(lines[i - 1].1) {
        i -= 1;
    }
    let last = i;
    while i > 0 && !blank(lines[i - 1].1) {
        i -= 1;
    }
    let footer = &lines[i..last];
    // The first line of the window may be cut: the blank line must be a whole line inside it,
    // with the data's last row before it.
    if i == 0 || footer.is_empty() || footer.len() > FOOTER_LINES {
        return None;
    }
    let one_cell = |l: &[u8]| {
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        match l.strip_prefix(b"\"").and_then(|r| r.strip_suffix(b"\"")) {
            // Quoted: any quote inside is doubled.
            Some(inner) => {
                inner
                    .split(|&c| c == b'"')
                    .skip(1)
                    .step_by(2)
                    .all(<[u8]>::is_empty)
                    && inner.iter().filter(|&&c| c == b'"').count() % 2 == 0
            }
            None => !l.contains(&delimiter) && !l.contains(&b'"'),
        }
    };
    let copyright = |l: &[u8]| {
        let t = String::from_utf8_lossy(l).to_ascii_lowercase();
        t.trim_start_matches('"').starts_with("copyright (c)") && t.contains("salesforce.com")
    };
    if !footer.iter().all(|(_, l)| one_cell(l)) || !footer.iter().any(|(_, l)| copyright(l)) {
        return None;
    }
    // The blank line before the footer: everything from it on goes.
    let mut at = i - 1;
    while at > 0 && blank(lines[at - 1].1) {
        at -= 1;
    }
    if at == 0 && from > 0 {
        return None;
    }
    Some((lines[at].0, footer[0].0, footer.len() as u64))
}

fn count_lines(b: &[u8]) -> u64 {
    // memchr counts with vector compares; the plain `filter().count()` compiled to two bytes a
    // step, and the splitter counts every block's lines on the one thread that cuts the file.
    memchr::memchr_iter(b'\n', b).count() as u64
}

/// A quoted cell that runs on past the bounds: offsets of the start of its row and of its
/// opening quote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Runaway {
    row: usize,
    quote: usize,
}

/// How far a quoted cell may run before it is taken for an unclosed quote.
#[derive(Clone, Copy, Debug)]
struct Bounds {
    lines: u64,
    bytes: usize,
}

/// The bounds of a file's quoted cells (tests pass smaller ones).
const BOUNDS: Bounds = Bounds {
    lines: MAX_QUOTED_LINES,
    bytes: MAX_QUOTED_BYTES,
};

/// Follows the quoted cells of a scan, byte by byte, to find one that runs on too far.
struct QuoteWatch {
    bounds: Bounds,
    /// Where the current row starts, its open quote, and the line breaks since.
    row: usize,
    open: usize,
    lines: u64,
}

impl QuoteWatch {
    fn new(bounds: Bounds) -> QuoteWatch {
        QuoteWatch {
            bounds,
            row: 0,
            open: 0,
            lines: 0,
        }
    }

    /// Sees byte `c` at `i`, which took the scan from `before` to `after`.
    fn see(&mut self, before: State, after: State, i: usize, c: u8) -> Option<Runaway> {
        match after {
            State::Quoted => {
                if before == State::CellStart {
                    (self.open, self.lines) = (i, 0);
                } else if c == b'\n' {
                    self.lines += 1;
                }
                (self.lines > self.bounds.lines || i - self.open > self.bounds.bytes).then_some(
                    Runaway {
                        row: self.row,
                        quote: self.open,
                    },
                )
            }
            State::CellStart if c == b'\n' || c == b'\r' => {
                self.row = i + 1;
                None
            }
            _ => None,
        }
    }
}

/// The offset just past the first row's line break, if the first row ends in `b`; or a quoted
/// cell that runs on too far. (Byte by byte: it reads only the header row.)
fn first_row_end(b: &[u8], delimiter: u8) -> (Option<usize>, Option<Runaway>) {
    let mut st = State::CellStart;
    let mut watch = QuoteWatch::new(BOUNDS);
    for (i, &c) in b.iter().enumerate() {
        let before = st;
        st = step(st, c, delimiter);
        if let Some(r) = watch.see(before, st, i, c) {
            return (None, Some(r));
        }
        if st == State::CellStart && (c == b'\n' || c == b'\r') {
            // A CR LF pair ends the row after the LF.
            if c == b'\r' {
                return match b.get(i + 1) {
                    Some(b'\n') => (Some(i + 2), None),
                    Some(_) => (Some(i + 1), None),
                    None => (None, None),
                };
            }
            return (Some(i + 1), None);
        }
    }
    (None, None)
}

/// What `scan` finds in bytes that start a row.
#[derive(Debug, Default, PartialEq, Eq)]
struct Scan {
    /// Just past the last LF that ends a row.
    lf: Option<usize>,
    /// Just past the last CR that ends a row and is not the last byte (its LF may be unread);
    /// only looked for while no LF has been found, as only then is it used.
    cr: Option<usize>,
    /// A quoted cell that runs on past the bounds: the scan stops at it.
    runaway: Option<Runaway>,
    /// The quoted cell still open where the bytes end, within the bounds.
    open: Option<Runaway>,
}

/// Follows the CSV grammar over `b` (which starts a row) from quote to quote instead of byte
/// by byte: between quotes only the line breaks matter, and a quote opens a quoted cell only
/// where the byte before it ends a cell. The same answers as stepping `step` over every byte
/// with a `QuoteWatch` (a property test holds the two equal), at memchr's speed: Leads.csv has
/// a quote every few dozen rows, and the byte-by-byte walk of every such block, on the one
/// thread that cuts the file, made the whole file 1.4x slower than without its quotes.
fn scan(b: &[u8], delimiter: u8, bounds: Bounds) -> Scan {
    let n = b.len();
    let mut found = Scan::default();
    // Where the current row starts; the next byte to look at; whether a cell starts there.
    let (mut row, mut pos, mut cell_start) = (0, 0, true);
    loop {
        // Outside quoted cells from `pos` to the next quote: every line break ends a row.
        let quote = memchr::memchr(b'"', &b[pos..]).map(|q| pos + q);
        let end = quote.unwrap_or(n);
        let plain = &b[pos..end];
        if let Some(i) = memchr::memrchr2(b'\n', b'\r', plain) {
            row = pos + i + 1;
            if let Some(i) = memchr::memrchr(b'\n', plain) {
                found.lf = Some(pos + i + 1);
            }
            if found.lf.is_none() {
                let upto = end.min(n - 1).max(pos);
                if let Some(i) = memchr::memrchr(b'\r', &b[pos..upto]) {
                    found.cr = Some(pos + i + 1);
                }
            }
        }
        let Some(q) = quote else {
            return found;
        };
        let opens = if q == pos {
            cell_start
        } else {
            let c = b[q - 1];
            c == delimiter || c == b'\n' || c == b'\r'
        };
        if !opens {
            // A quote inside an unquoted cell is just a character.
            (pos, cell_start) = (q + 1, false);
            continue;
        }
        // A quoted cell: it closes at the first quote that is not doubled (a quote as the last
        // byte closes it too, as far as these bytes go).
        let mut j = q + 1;
        let close = loop {
            match memchr::memchr(b'"', &b[j..]) {
                Some(k) if b.get(j + k + 1) == Some(&b'"') => j += k + 2,
                Some(k) => break Some(j + k),
                None => break None,
            }
        };
        // The cell's last byte inside the quotes, and its line breaks, against the bounds.
        let last = close.unwrap_or(n) - 1;
        let lines = usize::try_from(bounds.lines).unwrap_or(usize::MAX);
        let runaway = last - q > bounds.bytes
            || memchr::memchr_iter(b'\n', &b[q + 1..=last])
                .nth(lines)
                .is_some();
        let cell = Runaway { row, quote: q };
        match close {
            _ if runaway => {
                found.runaway = Some(cell);
                return found;
            }
            None => {
                found.open = Some(cell);
                return found;
            }
            // After the closing quote comes a delimiter, a line break or more of the cell.
            Some(c) => (pos, cell_start) = (c + 1, false),
        }
    }
}

/// The offset just past the last line break of `b` that ends a row; `b` starts a row. A lone
/// CR ends a row too (old Mac files), when no LF does and it is not the last byte (where its
/// LF may be still unread). The scan stops at a quoted cell that runs on too far.
fn last_row_end(b: &[u8], delimiter: u8) -> (Option<usize>, Option<Runaway>) {
    let found = scan(b, delimiter, BOUNDS);
    (found.lf.or(found.cr), found.runaway)
}

/// The quoted cell still open where `b` ends, if one is: at the end of a file, a quote that
/// never closes, however short what follows it (the parser would take the rest as one cell).
fn open_at_end(b: &[u8], delimiter: u8) -> Option<Runaway> {
    let found = scan(b, delimiter, BOUNDS);
    found.runaway.or(found.open)
}

/// One byte of the CSV grammar: a line break outside quotes returns to `CellStart` (the start
/// of the next row).
fn step(st: State, c: u8, delimiter: u8) -> State {
    match st {
        State::CellStart | State::Unquoted if c == b'\n' || c == b'\r' || c == delimiter => {
            State::CellStart
        }
        State::CellStart if c == b'"' => State::Quoted,
        State::CellStart | State::Unquoted => State::Unquoted,
        State::Quoted if c == b'"' => State::QuoteInQuoted,
        State::Quoted => State::Quoted,
        State::QuoteInQuoted if c == b'"' => State::Quoted,
        State::QuoteInQuoted if c == b'\n' || c == b'\r' || c == delimiter => State::CellStart,
        State::QuoteInQuoted => State::Unquoted,
    }
}

/// Keeps the columns named (those that exist), in the order given, as
/// `ContactsReader::keep_columns` does: exact name first, then trimmed and ignoring case.
pub fn keep_indices(headers: &[String], names: &[&str]) -> Vec<usize> {
    let mut keep = Vec::new();
    for n in names {
        if let Some(i) = headers.iter().position(|h| h == n).or_else(|| {
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(n.trim()))
        }) && !keep.contains(&i)
        {
            keep.push(i);
        }
    }
    keep
}

/// Reads one block's rows into a table of the kept columns (positions in the file's header),
/// as `ContactsReader::next_chunk` reads rows.
pub fn parse_block(
    file: &str,
    block: &Block,
    delimiter: u8,
    headers: &[String],
    keep: &[usize],
) -> Result<Table, ContactsError> {
    parse_rows(file, block, delimiter, headers, keep, usize::MAX).map(|(t, _)| t)
}

/// As `parse_block`, up to `max_rows` rows; with them, where in the block reading stopped when
/// it stopped before the end (the rest is read with `Block::rest`).
pub fn parse_rows(
    file: &str,
    block: &Block,
    delimiter: u8,
    headers: &[String],
    keep: &[usize],
    max_rows: usize,
) -> Result<(Table, Option<usize>), ContactsError> {
    // `contains` is a fast scan (memchr); the position is only needed once one is there.
    if block.data.contains(&0)
        && let Some(at) = block.data.iter().position(|&b| b == 0)
    {
        return Err(super::read::holds_nul(
            file,
            block.first_line + count_lines(&block.data[..at]),
        ));
    }
    let ncols = headers.len();
    let mut t = Table {
        source: file.into(),
        headers: keep.iter().map(|&i| headers[i].clone()).collect(),
        ..Table::default()
    };
    // A row of the whole header is at least a byte per column: guessing more rows than that
    // would reserve, for a header of 100,000 columns, gigabytes of offsets for one row.
    let rows_guess = block.data.len() / ncols.max(64);
    let mut columns: Vec<RawColumn> = keep
        .iter()
        .map(|_| RawColumn::with_capacity(rows_guess, block.data.len() / keep.len().max(1)))
        .collect();
    let too_large = |line: u64| ContactsError::Bad {
        file: file.into(),
        line,
        message: "a column passes 4 GiB: too large to load at once".into(),
    };
    // One row: its cell count, its cells by position, the line it starts on. True when it is
    // the last row wanted.
    let mut rows = 0;
    let mut add = |row: &dyn Row, line: u64| {
        let len = row.len();
        if len == 1
            && row
                .cell(0)
                .is_some_and(|c| c.iter().all(u8::is_ascii_whitespace))
        {
            return Ok(false); // a blank line
        }
        if len > ncols {
            t.long_rows += 1;
        } else if len < ncols {
            t.short_rows += 1;
        }
        for (col, &i) in columns.iter_mut().zip(keep) {
            if !col.push(row.cell(i).unwrap_or(b"")) {
                return Err(too_large(line));
            }
        }
        t.lines.push(line);
        rows += 1;
        Ok(rows >= max_rows)
    };
    // A row is a line and a cell is what lies between delimiters, until a quote: only the row
    // holding it goes through the CSV parser's state machine (from the row's start), and the
    // fast scan resumes where that row ends. Leads.csv has a quoted cell every few dozen rows,
    // so sending whole blocks with a quote to the parser cost every block its fast path.
    // Line breaks are LF, CRLF or a lone CR, and the empty lines between rows are skipped, as
    // the parser does.
    let mut stop = None;
    let data = &block.data[..];
    let mut seps = Vec::with_capacity(data.len() / 4);
    separators(data, delimiter, &mut seps);
    let mut quoted = QuotedRow::new(delimiter);
    let mut line = block.first_line;
    let mut cells: Vec<(usize, usize)> = Vec::with_capacity(ncols + 1);
    // The current cell's start, the current row's start, and the end of the last row read by
    // the parser (separators before it are inside that row).
    let (mut start, mut row, mut resume) = (0, 0, 0);
    for p in seps.into_iter().map(|p| p as usize) {
        if p < resume {
            continue;
        }
        let c = data[p];
        if c == b'"' {
            // No line break since `row`, so the row starts there, on this line.
            let end = row + quoted.read(&data[row..]);
            cells.clear();
            let last = add(&quoted, line)?;
            line += count_lines(&data[row..end]);
            (start, row, resume) = (end, end, end);
            if last {
                stop = Some(end);
                break;
            }
            continue;
        }
        if c == delimiter {
            cells.push((start, p));
        } else {
            // A line break ends the row, unless nothing came since the last one.
            if !cells.is_empty() || p > start {
                cells.push((start, p));
                let last = add(&Plain(data, &cells), line)?;
                cells.clear();
                if last {
                    stop = Some(p + 1);
                    break;
                }
            }
            if c == b'\n' {
                line += 1;
            }
            row = p + 1;
        }
        start = p + 1;
    }
    if stop.is_none() && (!cells.is_empty() || start < data.len()) {
        cells.push((start, data.len()));
        add(&Plain(data, &cells), line)?;
    }
    let mut first_bad: Option<usize> = None;
    for col in columns {
        let line_of = |row: usize| t.lines.get(row).copied().unwrap_or(block.first_line);
        let (col, bad) = col.finish().map_err(|row| too_large(line_of(row)))?;
        t.bad_utf8 += bad.len();
        if let Some(&row) = bad.first() {
            first_bad = Some(first_bad.map_or(row, |f| f.min(row)));
        }
        t.columns.push(col);
    }
    t.first_bad_utf8_line = first_bad.map(|row| t.lines.get(row).copied().unwrap_or(0));
    Ok((t, stop.filter(|&at| at < block.data.len())))
}

/// Appends the offsets of the delimiters, line breaks (LF and CR) and quotes of `data`, in
/// order. Eight bytes at a time are compared in one 64-bit word (`separator_bits`) and 64 bytes
/// make one bit mask, whose set bits are the offsets.
fn separators(data: &[u8], delimiter: u8, out: &mut Vec<u32>) {
    let mut chunks = data.chunks_exact(64);
    let mut base = 0u32;
    for chunk in &mut chunks {
        let mut m = 0u64;
        for (k, w) in chunk.chunks_exact(8).enumerate() {
            let mut word = [0u8; 8];
            word.copy_from_slice(w);
            m |= separator_bits(u64::from_le_bytes(word), delimiter) << (8 * k);
        }
        while m != 0 {
            out.push(base + m.trailing_zeros());
            m &= m - 1;
        }
        base += 64;
    }
    for (i, &c) in chunks.remainder().iter().enumerate() {
        if c == delimiter || c == b'\n' || c == b'\r' || c == b'"' {
            out.push(base + i as u32);
        }
    }
}

/// Which of the eight bytes of `w` (little-endian) are the delimiter, a line break or a quote:
/// bit k for byte k. Compared within the word, without a branch or a per-byte step: the scan
/// of every byte of the file is the largest single cost of reading it (a quarter of `score` on
/// Leads.csv before; a byte at a time, the compiler's code took about seven instructions a
/// byte).
fn separator_bits(w: u64, delimiter: u8) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    // The high bit of each byte of `w` that equals `c`, exactly: `x` is zero in those bytes,
    // and (low seven bits + 0x7F) | x sets the high bit of every other byte, without a carry
    // into the next byte.
    let equal = |c: u8| {
        let x = w ^ (ONES * u64::from(c));
        !(((x & LOW7) + LOW7) | x | LOW7)
    };
    let high = equal(delimiter) | equal(b'\n') | equal(b'\r') | equal(b'"');
    // The high bits of bytes 0..7 (bits 7, 15, ..., 63) gathered into bits 0..7: the multiplier
    // shifts byte k's bit to bit 56 + k, and no two partial products meet there.
    high.wrapping_mul(0x0002_0408_1020_4081) >> 56
}

/// One row's cells.
trait Row {
    fn len(&self) -> usize;
    fn cell(&self, i: usize) -> Option<&[u8]>;
}

/// A row without quotes: the block's bytes and where each cell lies in them.
struct Plain<'a>(&'a [u8], &'a [(usize, usize)]);

impl Row for Plain<'_> {
    fn len(&self) -> usize {
        self.1.len()
    }
    fn cell(&self, i: usize) -> Option<&[u8]> {
        self.1.get(i).map(|&(a, b)| &self.0[a..b])
    }
}

/// One row read by the CSV parser (the csv crate's own state machine, as `csv::Reader` runs
/// it), for the rows that hold a quote; its buffers are kept from row to row.
struct QuotedRow {
    core: csv_core::Reader,
    /// The row's cells, unescaped, one after another, and where each ends.
    out: Vec<u8>,
    ends: Vec<usize>,
    len: usize,
}

impl QuotedRow {
    fn new(delimiter: u8) -> QuotedRow {
        QuotedRow {
            core: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            out: vec![0; 1024],
            ends: vec![0; 64],
            len: 0,
        }
    }

    /// Reads the row that starts `input` (not a blank line); returns how many bytes it took,
    /// its line break included.
    fn read(&mut self, input: &[u8]) -> usize {
        use csv_core::ReadRecordResult as R;
        self.core.reset();
        let (mut nin, mut nout, mut nend) = (0, 0, 0);
        loop {
            let was_empty = nin == input.len();
            let (res, i, o, e) =
                self.core
                    .read_record(&input[nin..], &mut self.out[nout..], &mut self.ends[nend..]);
            (nin, nout, nend) = (nin + i, nout + o, nend + e);
            match res {
                // The parser is told the input ended by an empty slice, which `nin` reaches;
                // it then gives the last row (this arm only guards against looping on).
                R::InputEmpty if was_empty => {
                    self.len = nend;
                    return nin;
                }
                R::InputEmpty => {}
                R::OutputFull => self.out.resize(self.out.len() * 2, 0),
                R::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                R::Record => {
                    self.len = nend;
                    return nin;
                }
                // Nothing but line breaks: no row (the caller starts at a quote, so never).
                R::End => {
                    self.len = 0;
                    return input.len();
                }
            }
        }
    }
}

impl Row for QuotedRow {
    fn len(&self) -> usize {
        self.len
    }
    fn cell(&self, i: usize) -> Option<&[u8]> {
        if i >= self.len {
            return None;
        }
        let from = if i == 0 { 0 } else { self.ends[i - 1] };
        self.out.get(from..self.ends[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contacts::ContactsReader;
    use std::io::Cursor;

    /// Every block's rows, in order, against the sequential reader over the same bytes, which
    /// reads its own (smaller) blocks a few rows at a time.
    fn same_as_reader(text: &[u8], block: usize) {
        let mut r =
            ContactsReader::from_reader("t.csv", Box::new(Cursor::new(text.to_vec()))).unwrap();
        let mut want: Option<Table> = None;
        while let Some(t) = r.next_chunk(7).unwrap() {
            assert!(t.rows() <= 7);
            match &mut want {
                None => want = Some(t),
                Some(w) => w.append(t).unwrap(),
            }
        }
        let headers = r.headers().to_vec();
        let keep: Vec<usize> = (0..headers.len()).collect();
        let mut s =
            BlockSplitter::from_reader("t.csv", Box::new(Cursor::new(text.to_vec())), b',', block)
                .unwrap();
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut lines = Vec::new();
        let (mut long, mut short, mut bad) = (0, 0, 0);
        let mut seq = 0;
        while let Some(b) = s.next_block().unwrap() {
            assert_eq!(b.seq, seq);
            seq += 1;
            let t = parse_block("t.csv", &b, b',', &headers, &keep).unwrap();
            for i in 0..t.rows() {
                rows.push(t.columns.iter().map(|c| c.get(i).to_string()).collect());
            }
            lines.extend(t.lines.iter().copied());
            (long, short, bad) = (long + t.long_rows, short + t.short_rows, bad + t.bad_utf8);
        }
        let want = want.unwrap_or_default();
        let want_rows: Vec<Vec<String>> = (0..want.rows())
            .map(|i| want.columns.iter().map(|c| c.get(i).to_string()).collect())
            .collect();
        assert_eq!(rows, want_rows, "block {block}");
        assert_eq!(lines, want.lines, "block {block}");
        assert_eq!(
            (long, short, bad),
            (want.long_rows, want.short_rows, want.bad_utf8)
        );
    }

    /// A Salesforce report's footer, as its export writes it.
    const FOOTER: &str = "\n\"Leads by stage\"\n\"Copyright (c) 2000-2024 salesforce.com, inc. All rights reserved.\"\n\"Confidential Information - Do Not Distribute\"\n\"Generated By: Dana Smith 3/5/2024 2:22 PM\"\n\"Acme Inc.\"\n";

    #[test]
    fn a_salesforce_footer_is_found_only_at_the_end_and_only_in_its_shape() {
        let rows = "1,a\n2,b\n";
        // The footer starts after row 2's line break (byte 8); its first line at byte 9.
        let text = format!("{rows}{FOOTER}");
        assert_eq!(footer_at(text.as_bytes(), b','), Some((8, 9, 5)));
        // Blank lines after it, and CRLF line ends, change nothing but the offsets: the rows
        // are 10 bytes, the blank line 2.
        let crlf = format!("{rows}{FOOTER}\n\n").replace('\n', "\r\n");
        assert_eq!(footer_at(crlf.as_bytes(), b','), Some((10, 12, 5)));
        // Data after the copyright line: no footer.
        let middle = format!("{rows}{FOOTER}3,c\n");
        assert_eq!(footer_at(middle.as_bytes(), b','), None);
        // No copyright line, a line of two cells, no blank line before it: no footer.
        let no_copyright = format!("{rows}\n\"Leads by stage\"\n\"Acme Inc.\"\n");
        assert_eq!(footer_at(no_copyright.as_bytes(), b','), None);
        let two_cells = format!(
            "{rows}{}",
            FOOTER.replace("\"Acme Inc.\"", "\"Acme\",\"Inc.\"")
        );
        assert_eq!(footer_at(two_cells.as_bytes(), b','), None);
        let no_blank = format!("{rows}{}", &FOOTER[1..]);
        assert_eq!(footer_at(no_blank.as_bytes(), b','), None);
    }

    #[test]
    fn a_footer_is_left_out_whatever_the_block_size() {
        // 3,000 rows of about 12 bytes: blocks of 1 KiB to 1 MiB cut them in many places; the
        // footer is never split between two blocks, so it is always found and left out.
        let mut text = String::from("id,note\n");
        for i in 0..3000 {
            text.push_str(&format!("{i},row {i}\n"));
        }
        text.push_str(FOOTER);
        for block in [1024, 5000, 1 << 20] {
            let mut s = BlockSplitter::from_reader(
                "t.csv",
                Box::new(Cursor::new(text.clone())),
                b',',
                block,
            )
            .unwrap();
            let mut data = Vec::new();
            while let Some(b) = s.next_block().unwrap() {
                data.extend_from_slice(&b.data);
            }
            // Line 1 the header, 3,000 rows, the blank line: the footer starts on line 3,003.
            assert_eq!(s.footer(), Some((5, 3003)), "block {block}");
            assert!(data.ends_with(b"2999,row 2999\n"), "block {block}");
        }
        same_as_reader(text.as_bytes(), 1024);
    }

    #[test]
    fn blocks_read_as_the_reader_reads() {
        let mut text = b"\xEF\xBB\xBFid,name,note\n".to_vec();
        for i in 0..300 {
            match i % 7 {
                0 => {
                    text.extend_from_slice(format!("{i},\"Smith, Jo\",\"two\nlines\"\n").as_bytes())
                }
                1 => text.extend_from_slice(format!("{i},5'11\" tall,x\n").as_bytes()),
                2 => text.extend_from_slice(format!("{i},\"\",\n").as_bytes()),
                3 => text.extend_from_slice(format!("{i},\"say \"\"hi\"\"\",\"\"\n").as_bytes()),
                4 => text.extend_from_slice(format!("{i},short\n").as_bytes()),
                5 => {
                    text.extend_from_slice(format!("{i},M").as_bytes());
                    text.extend_from_slice(b"\xFCnchen,a,b\n");
                }
                _ => text.extend_from_slice(format!("{i},\"q\"x,\"\r\n\"\n").as_bytes()),
            }
        }
        text.extend_from_slice(b"last,no,newline");
        for block in [1024, 1500, 4096, 1 << 20] {
            same_as_reader(&text, block);
        }
    }

    #[test]
    fn header_only_and_blank_lead() {
        same_as_reader(b"a,b\n", 1024);
        same_as_reader(b"a,b\r1,2\r3,4\r", 1024);
        let mut blanks = b"a,b\n".to_vec();
        for i in 0..500 {
            blanks.extend_from_slice(format!("{i},x\n\n").as_bytes());
        }
        for block in [1024, 1500, 4096] {
            same_as_reader(&blanks, block);
        }
        let mut old_mac = b"a,b\r".to_vec();
        for i in 0..500 {
            old_mac.extend_from_slice(format!("{i},\"x\ry\"\r").as_bytes());
        }
        same_as_reader(&old_mac, 1024);
    }

    /// The rows of a text without quotes as the csv crate reads them (blank lines dropped),
    /// each with the line it starts on, counted by hand: a row starts at the first byte after
    /// line breaks (LF, CR or CRLF), on the line after the LFs before it.
    fn oracle(text: &str) -> Vec<(u64, Vec<String>)> {
        let mut csv_rows = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(text.as_bytes());
        let cells: Vec<Vec<String>> = csv_rows
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .filter(|r: &Vec<String>| !(r.len() == 1 && r[0].trim().is_empty()))
            .collect();
        let b = text.as_bytes();
        let (mut line, mut i, mut starts) = (1u64, 0, Vec::new());
        while i < b.len() {
            match b[i] {
                b'\n' => line += 1,
                b'\r' => {}
                _ => {
                    let start = i;
                    while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                        i += 1;
                    }
                    if !b[start..i].iter().all(u8::is_ascii_whitespace) {
                        starts.push(line);
                    }
                    continue;
                }
            }
            i += 1;
        }
        assert_eq!(starts.len(), cells.len() + 1, "{text:?}");
        starts.into_iter().skip(1).zip(cells).collect()
    }

    proptest::proptest! {
        #[test]
        fn rows_without_quotes_are_the_csv_crates_with_their_lines(
            body in "[ab ,\r\n]{0,300}",
        ) {
            let text = format!("h1,h2\n{body}");
            let mut r = ContactsReader::from_reader(
                "t.csv",
                Box::new(Cursor::new(text.clone().into_bytes())),
            )
            .unwrap();
            let mut got = Vec::new();
            while let Some(t) = r.next_chunk(3).unwrap() {
                for i in 0..t.rows() {
                    got.push((t.lines[i], t.columns.iter().map(|c| c.get(i).to_string()).collect()));
                }
            }
            // The reader keeps as many cells as the header names.
            let want: Vec<(u64, Vec<String>)> = oracle(&text)
                .into_iter()
                .map(|(l, mut c)| {
                    c.resize(2, String::new());
                    (l, c)
                })
                .collect();
            proptest::prop_assert_eq!(got, want);
        }

        #[test]
        fn blocks_without_quotes_read_as_the_reader_reads(
            body in "[ab ,\r\n]{0,300}",
            block in 16usize..400,
        ) {
            same_as_reader(format!("h1,h2\n{body}").as_bytes(), block);
        }
    }

    #[test]
    fn rows_without_quotes_have_their_own_lines() {
        let text = b"a,b\nx,1\n\n\ny,2\r\nz,3\rw,4\n  \nv";
        let mut s =
            BlockSplitter::from_reader("t.csv", Box::new(Cursor::new(text.to_vec())), b',', 1024)
                .unwrap();
        let b = s.next_block().unwrap().unwrap();
        let t = parse_block("t.csv", &b, b',', &["a".into(), "b".into()], &[0, 1]).unwrap();
        let ids: Vec<&str> = t.columns[0].iter().collect();
        assert_eq!(ids, ["x", "y", "z", "w", "v"]);
        // A lone CR ends a row without starting a line; the blank line of spaces is skipped.
        assert_eq!(t.lines, [2, 5, 6, 6, 8]);
        assert_eq!((t.long_rows, t.short_rows), (0, 1));
    }

    #[test]
    fn rows_with_quotes_have_their_own_lines_after_blank_lines() {
        let text = "a,b\n\"x\ny\",1\n\n\r\n\n2,\"q\"\r\n\u{feff}z,3\n";
        for chunk in [1, 2, 10] {
            let mut r = ContactsReader::from_reader(
                "t.csv",
                Box::new(Cursor::new(text.as_bytes().to_vec())),
            )
            .unwrap();
            let (mut ids, mut lines) = (Vec::new(), Vec::new());
            while let Some(t) = r.next_chunk(chunk).unwrap() {
                ids.extend(t.columns[0].iter().map(String::from));
                lines.extend(t.lines.iter().copied());
            }
            // A byte-order mark that starts a row is part of its cell, wherever the row falls.
            assert_eq!(ids, ["x\ny", "2", "\u{feff}z"], "chunks of {chunk}");
            assert_eq!(lines, [2, 7, 8], "chunks of {chunk}");
        }
    }

    /// Rows read, each with its line.
    type Rows = Vec<(u64, Vec<String>)>;

    /// The first error of a splitter over `text`, or what it read: the blocks' rows and the
    /// lines skipped.
    fn split(text: &[u8], skip: bool) -> Result<(Rows, (u64, u64)), String> {
        split_in(text, skip, 1024)
    }

    /// As `split`, in blocks of about `block` bytes.
    fn split_in(text: &[u8], skip: bool, block: usize) -> Result<(Rows, (u64, u64)), String> {
        let mut s =
            BlockSplitter::from_reader("t.csv", Box::new(Cursor::new(text.to_vec())), b',', block)
                .map_err(|e| e.to_string())?;
        if skip {
            s.skip_unclosed_quotes();
        }
        let headers = ["a".to_string(), "b".to_string()];
        let mut rows = Vec::new();
        while let Some(b) = s.next_block().map_err(|e| e.to_string())? {
            let t = parse_block("t.csv", &b, b',', &headers, &[0, 1]).map_err(|e| e.to_string())?;
            for i in 0..t.rows() {
                rows.push((
                    t.lines[i],
                    t.columns.iter().map(|c| c.get(i).to_string()).collect(),
                ));
            }
        }
        Ok((rows, s.skipped()))
    }

    /// The rows after a header `a,b` on line 1 as the csv crate reads the whole body at once,
    /// each with the line it starts on (blank lines dropped, two cells kept): what a block with
    /// a quote gave when the whole block went through the parser.
    fn parser_rows(body: &[u8]) -> Rows {
        // A line break first, so that the parser keeps a byte-order mark that starts a row.
        let mut data = b"\n".to_vec();
        data.extend_from_slice(body);
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(false)
            .from_reader(&data[..]);
        let mut rows = Vec::new();
        for rec in rdr.byte_records() {
            let rec = rec.unwrap();
            if rec.len() == 1 && rec[0].iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            // The parser's position is before the blank lines that lead to the row.
            let mut start = rec.position().unwrap().byte() as usize;
            while matches!(data.get(start), Some(b'\n' | b'\r')) {
                start += 1;
            }
            let mut cells: Vec<String> = rec
                .iter()
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect();
            cells.resize(2, String::new());
            rows.push((2 + count_lines(&data[1..start]), cells));
        }
        rows
    }

    proptest::proptest! {
        /// Rows with quotes go through the parser one by one, the rest through the fast scan:
        /// the same cells and lines as the parser reading everything.
        #[test]
        fn rows_with_quotes_are_the_csv_crates_with_their_lines(
            body in "[ab ,\"\r\n]{0,300}",
            block in 16usize..400,
        ) {
            let text = format!("a,b\n{body}");
            // A body that ends inside a quote is refused (the parser would read the rest as
            // one cell); every other reads as the parser reads it.
            let ends_quoted = open_at_end(body.as_bytes(), b',').is_some();
            match split_in(text.as_bytes(), false, block) {
                Err(e) => proptest::prop_assert!(ends_quoted, "{e}"),
                Ok((rows, _)) => {
                    proptest::prop_assert!(!ends_quoted);
                    proptest::prop_assert_eq!(rows, parser_rows(body.as_bytes()));
                }
            }
        }
    }

    /// What `scan` replaced: the CSV grammar stepped over every byte, with its quoted cells
    /// watched byte by byte. The last row end (LF, else CR), a runaway cell, and the cell still
    /// open at the end.
    fn scan_bytewise(
        b: &[u8],
        delimiter: u8,
        bounds: Bounds,
    ) -> (Option<usize>, Option<Runaway>, Option<Runaway>) {
        let mut st = State::CellStart;
        let mut watch = QuoteWatch::new(bounds);
        let (mut lf, mut cr) = (None, None);
        for (i, &c) in b.iter().enumerate() {
            let before = st;
            st = step(st, c, delimiter);
            if let Some(r) = watch.see(before, st, i, c) {
                return (lf.or(cr), Some(r), None);
            }
            if st == State::CellStart {
                if c == b'\n' {
                    lf = Some(i + 1);
                } else if c == b'\r' && i + 1 < b.len() {
                    cr = Some(i + 1);
                }
            }
        }
        let open = (st == State::Quoted).then_some(Runaway {
            row: watch.row,
            quote: watch.open,
        });
        (lf.or(cr), None, open)
    }

    proptest::proptest! {
        /// Jumping from quote to quote finds what the byte-by-byte walk finds: the same last
        /// row end, the same runaway cell (row and quote) under small bounds, the same cell
        /// left open, with either delimiter.
        #[test]
        fn scan_is_the_bytewise_walk(
            body in "[ab ,;\"\r\n]{0,300}",
            lines in 0u64..5,
            bytes in 0usize..40,
            semicolon in proptest::bool::ANY,
        ) {
            let delimiter = if semicolon { b';' } else { b',' };
            let bounds = Bounds { lines, bytes };
            let got = scan(body.as_bytes(), delimiter, bounds);
            proptest::prop_assert_eq!(
                (got.lf.or(got.cr), got.runaway, got.open),
                scan_bytewise(body.as_bytes(), delimiter, bounds)
            );
        }
    }

    proptest::proptest! {
        /// The word-at-a-time scan finds exactly the bytes a byte-at-a-time test finds, at
        /// every offset of every length, with any delimiter (bytes with the high bit set
        /// included, where a carry between bytes would show).
        #[test]
        fn separators_are_the_bytes_that_separate(
            data in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::num::u8::ANY,
                    proptest::sample::select(vec![b',', b';', b'\t', b'\n', b'\r', b'"', 0x80, 0xFF]),
                ],
                0..300,
            ),
            delimiter in proptest::sample::select(vec![b',', b';', b'\t', b'|', 0xFF]),
        ) {
            let mut got = Vec::new();
            separators(&data, delimiter, &mut got);
            let want: Vec<u32> = (0..data.len() as u32)
                .filter(|&i| {
                    let c = data[i as usize];
                    c == delimiter || c == b'\n' || c == b'\r' || c == b'"'
                })
                .collect();
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn scan_by_hand() {
        let wide = Bounds {
            lines: 10,
            bytes: 100,
        };
        // A quoted line break does not end a row; a quote inside an unquoted cell opens
        // nothing; a doubled quote does not close the cell.
        let b = b"1,\"a\nb\"\n2,5'11\" x\n3,\"say \"\"hi\"\"\"\n4,\"open";
        let got = scan(b, b',', wide);
        assert_eq!(got.lf, Some(33));
        assert_eq!(got.open, Some(Runaway { row: 33, quote: 35 }));
        assert_eq!(got.runaway, None);
        // Two line breaks in a quoted cell, against a bound of one.
        let tight = Bounds {
            lines: 1,
            bytes: 100,
        };
        let got = scan(b"x\n1,\"a\n\nb\"\n", b',', tight);
        assert_eq!(
            (got.lf, got.runaway),
            (Some(2), Some(Runaway { row: 2, quote: 4 }))
        );
        // A lone CR ends a row, unless it is the last byte; a trailing quote closes the cell.
        assert_eq!(scan(b"1\r2\r", b',', wide).cr, Some(2));
        assert_eq!(scan(b"1,\"q\"", b',', wide), Scan::default());
    }

    #[test]
    fn a_quoted_cell_among_plain_rows_is_read_by_the_parser_alone() {
        // As in Leads.csv: a quoted cell with the delimiter in it, between plain rows, with
        // CRLF, a doubled quote, a quote inside an unquoted cell, text after a closing quote,
        // a quoted line break, and a last row with a quote and no line break.
        let body =
            b"1,x\r\n2,\"Banking, Investment\"\r\n3,y\n\n4,5'11\" tall\n5,\"say \"\"hi\"\"\"\n\
                     6,\"q\"x\n7,\"two\nlines\"\n8,z\n9,\"end\"";
        let mut text = b"a,b\n".to_vec();
        text.extend_from_slice(body);
        let (rows, _) = split(&text, false).unwrap();
        let want = parser_rows(body);
        assert_eq!(rows, want);
        assert_eq!(rows.len(), 9);
        assert_eq!(rows[1].1[1], "Banking, Investment");
        assert_eq!(rows[3].1[1], "5'11\" tall");
        assert_eq!(rows[4].1[1], "say \"hi\"");
        assert_eq!(rows[5].1[1], "qx");
        assert_eq!((rows[6].0, rows[6].1[1].as_str()), (9, "two\nlines"));
        assert_eq!((rows[7].0, rows[8].0), (11, 12));
    }

    #[test]
    fn a_quote_still_open_at_the_end_of_a_short_file_is_refused_or_skipped() {
        // Three rows and a stray quote on line 2 that never closes: under the bounds, but the
        // file ends inside it, so its last rows were read as one cell, exit 0.
        let text = b"id,visits\n1,\"5\n2,7\n3,9\n".to_vec();
        let e = split(&text, false).unwrap_err();
        assert!(
            e.starts_with("t.csv line 2: a quoted cell opens here") && e.contains("never closes"),
            "{e}"
        );
        let (rows, skipped) = split(&text, true).unwrap();
        assert_eq!(skipped, (1, 2));
        assert_eq!(rows[0], (3, vec!["2".to_string(), "7".to_string()]));
        assert_eq!(rows.len(), 2);
    }

    #[test]
    fn an_unclosed_quote_is_refused_naming_its_line_or_skipped() {
        // A stray quote on line 3 of 5,000 rows: the parser would read the rest as one cell.
        let mut text = b"a,b\n1,x\n2,\"oops\n".to_vec();
        for i in 3..5000 {
            text.extend_from_slice(format!("{i},y\n").as_bytes());
        }
        let e = split(&text, false).unwrap_err();
        assert!(
            e.starts_with("t.csv line 3: a quoted cell opens here and runs on past 1000 lines"),
            "{e}"
        );
        let (rows, skipped) = split(&text, true).unwrap();
        assert_eq!(skipped, (1, 3));
        assert_eq!(rows.len(), 4998);
        assert_eq!(rows[0], (2, vec!["1".to_string(), "x".to_string()]));
        assert_eq!(rows[1], (4, vec!["3".to_string(), "y".to_string()]));
        assert_eq!(rows[4997].0, 5000);
        // Without line breaks, 1 MB of it; and in the header.
        let mut long = b"a,b\n1,\"".to_vec();
        long.resize(3 << 20, b'x');
        assert!(
            split(&long, false)
                .unwrap_err()
                .starts_with("t.csv line 2: a quoted cell")
        );
        assert_eq!(split(&long, true).unwrap(), (vec![], (1, 2)));
        let mut head = b"a,\"b\n".to_vec();
        head.resize(3 << 20, b'\n');
        assert!(
            split(&head, false)
                .unwrap_err()
                .starts_with("t.csv line 1: a quoted cell")
        );
        // A quoted cell within the bounds is a cell: 1,000 line breaks, or 1 MB.
        let many = format!("a,b\n1,\"{}\"\n2,z\n", "\n".repeat(1000));
        let (rows, _) = split(many.as_bytes(), false).unwrap();
        assert_eq!((rows.len(), rows[1].0), (2, 1003));
        let big = format!("a,b\n1,\"{}\"\n2,z\n", "q".repeat(MAX_QUOTED_BYTES));
        assert_eq!(split(big.as_bytes(), false).unwrap().0.len(), 2);
    }

    #[test]
    fn a_row_past_the_limit_is_refused() {
        let mut text = b"a,b\n1,".to_vec();
        text.resize(MAX_ROW_BYTES + 4096, b'x');
        let mut s = BlockSplitter::from_reader("t.csv", Box::new(Cursor::new(text)), b',', 1 << 20)
            .unwrap();
        let e = match s.next_block() {
            Ok(b) => panic!("read a block of {} bytes", b.map_or(0, |b| b.data.len())),
            Err(e) => e.to_string(),
        };
        assert!(e.contains("t.csv line 2: a row runs on past 16 MB"), "{e}");
    }
}
