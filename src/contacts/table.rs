//! A table of contacts held as columns of text, the way it was read.
//!
//! Each column is one byte buffer with offsets (no allocation per cell), so a million rows load
//! fast and stay compact. Typed views are built from these by `typed`.
//!
//! A column with few distinct cells (a category, a yes/no flag, a date, a small count) can be
//! held as a dictionary (`TextColumn::compact`): its distinct cells once, in the order rows
//! first show them, and one 1- or 2-byte code per row. A loaded file is held that way (the
//! designer keeps the table for as long as it is open: issue 15 measured its text at 196 MB
//! for a 125 MB file, mostly offsets), and typing reads each distinct cell once. A cell reads
//! the same either way: `get` hides the form.

use crate::model::Scalar;
use indexmap::IndexMap;

/// One column of text cells: cell `i` is `data[offsets[i]..offsets[i + 1]]`, or, in a
/// dictionary column, `data[offsets[c]..offsets[c + 1]]` where `c` is the row's code.
#[derive(Clone, Debug, Default)]
pub struct TextColumn {
    data: String,
    offsets: Vec<u32>,
    codes: Codes,
}

/// A dictionary column's code per row, as narrow as its distinct cells allow.
#[derive(Clone, Debug, Default)]
enum Codes {
    /// Not a dictionary: `offsets` has one entry per row (plus the first 0).
    #[default]
    Plain,
    U8(Vec<u8>),
    U16(Vec<u16>),
}

/// Distinct cells a dictionary column holds at most (its codes are `u16`).
const DICTIONARY_MAX: usize = 1 << 16;

/// A short, fast hash for the cells being counted into a dictionary (FNV-1a over 8 bytes at a
/// time, then mixed). The standard SipHash costs more than the rest of a load put together;
/// the keys are the file's own cells, so resistance to chosen collisions buys nothing here.
#[derive(Default)]
struct CellHasher(u64);

impl std::hash::Hasher for CellHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.0 ^ 0xcbf2_9ce4_8422_2325;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            h = (h ^ u64::from_le_bytes(w)).wrapping_mul(0x0000_0100_0000_01b3);
            h ^= h >> 29;
        }
        for &b in chunks.remainder() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }

    fn finish(&self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

type CellMap<'a> =
    std::collections::HashMap<&'a str, u32, std::hash::BuildHasherDefault<CellHasher>>;

impl TextColumn {
    pub fn new() -> TextColumn {
        TextColumn {
            data: String::new(),
            offsets: vec![0],
            codes: Codes::Plain,
        }
    }

    pub fn with_capacity(rows: usize, bytes: usize) -> TextColumn {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        TextColumn {
            data: String::with_capacity(bytes),
            offsets,
            codes: Codes::Plain,
        }
    }

    /// Appends a cell. Returns false when the column would pass 4 GiB, which no preview needs.
    /// A dictionary column is first turned back into a plain one (columns are built plain and
    /// compacted once read, so this does not happen on the way of a load).
    pub fn push(&mut self, cell: &str) -> bool {
        if !matches!(self.codes, Codes::Plain) && !self.expand() {
            return false;
        }
        if self.data.len() + cell.len() > u32::MAX as usize {
            return false;
        }
        self.data.push_str(cell);
        self.offsets.push(self.data.len() as u32);
        true
    }

    pub fn len(&self) -> usize {
        match &self.codes {
            Codes::Plain => self.offsets.len().saturating_sub(1),
            Codes::U8(c) => c.len(),
            Codes::U16(c) => c.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, i: usize) -> &str {
        let at = match &self.codes {
            Codes::Plain => i,
            Codes::U8(c) => match c.get(i) {
                Some(&c) => usize::from(c),
                None => return "",
            },
            Codes::U16(c) => match c.get(i) {
                Some(&c) => usize::from(c),
                None => return "",
            },
        };
        self.entry(at)
    }

    /// Entry `at` of `data`: a row's cell in a plain column, a distinct cell in a dictionary.
    fn entry(&self, at: usize) -> &str {
        match (self.offsets.get(at), self.offsets.get(at + 1)) {
            (Some(&a), Some(&b)) => self.data.get(a as usize..b as usize).unwrap_or(""),
            _ => "",
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }

    /// Bytes held, for memory reports.
    pub fn bytes(&self) -> usize {
        let codes = match &self.codes {
            Codes::Plain => 0,
            Codes::U8(c) => c.len(),
            Codes::U16(c) => c.len() * 2,
        };
        self.data.len() + self.offsets.len() * 4 + codes
    }

    /// Whether the column is held as a dictionary (`compact`).
    pub fn is_dictionary(&self) -> bool {
        !matches!(self.codes, Codes::Plain)
    }

    /// A dictionary column's distinct cells, in the order rows first show them; `None` for a
    /// plain column. Code `c` of `map_codes` is entry `c` here.
    pub fn dictionary(&self) -> Option<Vec<&str>> {
        match self.codes {
            Codes::Plain => None,
            Codes::U8(_) | Codes::U16(_) => Some(
                (0..self.offsets.len().saturating_sub(1))
                    .map(|e| self.entry(e))
                    .collect(),
            ),
        }
    }

    /// Each row's value in a dictionary column, read from `per_entry` (one value per distinct
    /// cell, in `dictionary` order): each distinct cell is looked at once, not once per row.
    /// `None` for a plain column, or when `per_entry` is shorter than the dictionary.
    pub fn map_codes<T: Copy>(&self, per_entry: &[T]) -> Option<Vec<T>> {
        if per_entry.len() + 1 < self.offsets.len() {
            return None;
        }
        match &self.codes {
            Codes::Plain => None,
            Codes::U8(c) => Some(c.iter().map(|&c| per_entry[usize::from(c)]).collect()),
            Codes::U16(c) => Some(c.iter().map(|&c| per_entry[usize::from(c)]).collect()),
        }
    }

    /// How many rows hold each distinct cell of a dictionary column; `None` for a plain one.
    pub fn code_counts(&self) -> Option<Vec<usize>> {
        let mut counts = vec![0usize; self.offsets.len().saturating_sub(1)];
        match &self.codes {
            Codes::Plain => return None,
            Codes::U8(c) => c.iter().for_each(|&c| counts[usize::from(c)] += 1),
            Codes::U16(c) => c.iter().for_each(|&c| counts[usize::from(c)] += 1),
        }
        Some(counts)
    }

    /// The first row of a dictionary column whose distinct cell `pick` accepts (`pick` sees
    /// the entry's index); `None` when none does, or for a plain column.
    pub fn first_row_where(&self, pick: impl Fn(usize) -> bool) -> Option<usize> {
        match &self.codes {
            Codes::Plain => None,
            Codes::U8(c) => c.iter().position(|&c| pick(usize::from(c))),
            Codes::U16(c) => c.iter().position(|&c| pick(usize::from(c))),
        }
    }

    /// Holds the column as a dictionary when it has at most `DICTIONARY_MAX` distinct cells, and
    /// from 4,096 rows on at most one for every two rows; else leaves it as it is. The cells
    /// read the same.
    pub fn compact(&mut self) {
        if !matches!(self.codes, Codes::Plain) {
            return;
        }
        let n = self.len();
        let mut seen = CellMap::default();
        let mut dict = TextColumn::new();
        let mut codes: Vec<u16> = Vec::with_capacity(n);
        for i in 0..n {
            let cell = self.entry(i);
            let next = seen.len() as u32;
            let code = *seen.entry(cell).or_insert(next);
            if code == next {
                // A column of mostly distinct cells (ids, e-mail addresses, free text) gains
                // nothing: stop as soon as it shows.
                if seen.len() >= DICTIONARY_MAX || (i >= 4096 && seen.len() > i / 2) {
                    return;
                }
                dict.push(cell);
            }
            codes.push(code as u16);
        }
        let codes = if dict.len() <= 1 << 8 {
            Codes::U8(codes.into_iter().map(|c| c as u8).collect())
        } else {
            Codes::U16(codes)
        };
        dict.codes = codes;
        *self = dict;
    }

    /// A dictionary column back as a plain one. False when it would pass 4 GiB.
    fn expand(&mut self) -> bool {
        let mut plain = TextColumn::with_capacity(self.len(), 0);
        for i in 0..self.len() {
            if !plain.push(self.get(i)) {
                return false;
            }
        }
        *self = plain;
        true
    }

    /// Appends the cells of another column. Refused when the column would pass 4 GiB. Two
    /// dictionary columns stay one (the other's new cells join the dictionary after this
    /// one's, so entries stay in the order rows first show them) while the cells fit in one;
    /// otherwise the result is plain.
    pub fn append(&mut self, other: &TextColumn) -> bool {
        match (&self.codes, &other.codes) {
            (Codes::Plain, Codes::Plain) => {}
            (Codes::U8(_) | Codes::U16(_), Codes::U8(_) | Codes::U16(_)) => {
                if self.join(other) {
                    return true;
                }
                if !self.expand() {
                    return false;
                }
                let mut plain = other.clone();
                return plain.expand() && self.append(&plain);
            }
            (Codes::Plain, _) => {
                let mut plain = other.clone();
                return plain.expand() && self.append(&plain);
            }
            (_, Codes::Plain) => {
                if !self.expand() {
                    return false;
                }
            }
        }
        let base = self.data.len();
        if base + other.data.len() > u32::MAX as usize {
            return false;
        }
        self.data.push_str(&other.data);
        self.offsets
            .extend(other.offsets.iter().skip(1).map(|&o| o + base as u32));
        true
    }

    /// Appends a dictionary column to this one in place: the dictionaries merge (small), the
    /// codes are extended where they are, so joining a file's blocks one after the other does
    /// not copy the columns again at each block. False, with nothing changed, when their
    /// distinct cells together pass `DICTIONARY_MAX`.
    fn join(&mut self, other: &TextColumn) -> bool {
        let (Some(mine), Some(theirs)) = (self.dictionary(), other.dictionary()) else {
            return false;
        };
        let mut seen = CellMap::default();
        let mut dict = TextColumn::new();
        for cell in mine.iter().chain(&theirs) {
            let next = seen.len() as u32;
            if *seen.entry(cell).or_insert(next) == next {
                dict.push(cell);
            }
        }
        if seen.len() > DICTIONARY_MAX {
            return false;
        }
        let remap: Vec<u16> = theirs.iter().map(|c| seen[c] as u16).collect();
        drop(seen);
        let wide = dict.len() > 1 << 8;
        let mut codes = std::mem::take(&mut self.codes);
        if let (true, Codes::U8(c)) = (wide, &codes) {
            codes = Codes::U16(c.iter().map(|&c| u16::from(c)).collect());
        }
        match (&mut codes, &other.codes) {
            (Codes::U8(mine), Codes::U8(c)) => {
                mine.extend(c.iter().map(|&c| remap[usize::from(c)] as u8));
            }
            (Codes::U16(mine), Codes::U8(c)) => {
                mine.extend(c.iter().map(|&c| remap[usize::from(c)]));
            }
            (Codes::U16(mine), Codes::U16(c)) => {
                mine.extend(c.iter().map(|&c| remap[usize::from(c)]));
            }
            // A two-byte other means more than 256 distinct cells, so `wide` widened ours;
            // neither column is plain here.
            (Codes::U8(_), Codes::U16(_)) | (Codes::Plain, _) | (_, Codes::Plain) => {
                self.codes = codes;
                return false;
            }
        }
        self.data = dict.data;
        self.offsets = dict.offsets;
        self.codes = codes;
        true
    }
}

/// A column being read as bytes. Its cells are checked as UTF-8 all at once when it is
/// finished, which costs far less than a check per cell.
pub struct RawColumn {
    data: Vec<u8>,
    offsets: Vec<u32>,
}

impl RawColumn {
    pub fn with_capacity(rows: usize, bytes: usize) -> RawColumn {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        RawColumn {
            data: Vec::with_capacity(bytes),
            offsets,
        }
    }

    /// Appends a cell. Returns false when the column would pass 4 GiB.
    pub fn push(&mut self, cell: &[u8]) -> bool {
        if self.data.len() + cell.len() > u32::MAX as usize {
            return false;
        }
        self.data.extend_from_slice(cell);
        self.offsets.push(self.data.len() as u32);
        true
    }

    /// The text column, with the rows whose cells were not UTF-8 (their bad bytes replaced by
    /// U+FFFD, as `String::from_utf8_lossy` does). `Err(row)` when the replacements would make
    /// the column pass 4 GiB at that row.
    pub fn finish(self) -> Result<(TextColumn, Vec<usize>), usize> {
        let RawColumn { data, offsets } = self;
        match String::from_utf8(data) {
            Ok(data) => Ok((
                TextColumn {
                    data,
                    offsets,
                    codes: Codes::Plain,
                },
                Vec::new(),
            )),
            Err(e) => {
                let bytes = e.into_bytes();
                let mut col = TextColumn::with_capacity(offsets.len(), bytes.len());
                let mut bad = Vec::new();
                for (i, w) in offsets.windows(2).enumerate() {
                    let cell = &bytes[w[0] as usize..w[1] as usize];
                    let ok = match std::str::from_utf8(cell) {
                        Ok(s) => col.push(s),
                        Err(_) => {
                            bad.push(i);
                            col.push(&String::from_utf8_lossy(cell))
                        }
                    };
                    if !ok {
                        return Err(i);
                    }
                }
                Ok((col, bad))
            }
        }
    }
}

/// Contacts as columns of text, with the file line each row started on.
#[derive(Clone, Debug, Default)]
pub struct Table {
    /// Where the rows came from, for messages: a file name, or "samples".
    pub source: String,
    pub headers: Vec<String>,
    pub columns: Vec<TextColumn>,
    /// The line in the file where each row starts (1-based), for messages.
    pub lines: Vec<u64>,
    /// Rows that had more cells than the header (the extra cells are ignored).
    pub long_rows: usize,
    /// Rows that had fewer cells than the header (the missing cells are empty).
    pub short_rows: usize,
    /// Cells that were not valid UTF-8, read with replacement characters, and the first line.
    pub bad_utf8: usize,
    pub first_bad_utf8_line: Option<u64>,
}

impl Table {
    pub fn rows(&self) -> usize {
        self.lines.len()
    }

    /// The index of a column by name (exact, then trimmed and ignoring case).
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name).or_else(|| {
            let n = name.trim();
            self.headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(n))
        })
    }

    pub fn column(&self, name: &str) -> Option<&TextColumn> {
        self.column_index(name).map(|i| &self.columns[i])
    }

    /// A cell by row and column name; empty when the column does not exist.
    pub fn cell(&self, row: usize, column: &str) -> &str {
        self.column(column).map(|c| c.get(row)).unwrap_or("")
    }

    /// A table of one row per map, with the union of their keys as columns, in first-seen order.
    pub fn from_maps(source: &str, rows: &[IndexMap<String, Scalar>]) -> Table {
        let mut headers: Vec<String> = Vec::new();
        for r in rows {
            for k in r.keys() {
                if !headers.contains(k) {
                    headers.push(k.clone());
                }
            }
        }
        let mut columns: Vec<TextColumn> = headers.iter().map(|_| TextColumn::new()).collect();
        for r in rows {
            for (h, col) in headers.iter().zip(columns.iter_mut()) {
                let text = r.get(h).map(|v| v.to_string()).unwrap_or_default();
                col.push(&text);
            }
        }
        Table {
            source: source.into(),
            headers,
            columns,
            lines: (1..=rows.len() as u64).collect(),
            ..Table::default()
        }
    }

    /// Appends the rows of a table with the same columns (the next piece of the same file).
    pub fn append(&mut self, other: Table) -> Result<(), String> {
        if other.headers != self.headers {
            return Err("pieces of one file came with different columns".into());
        }
        for (a, b) in self.columns.iter_mut().zip(&other.columns) {
            if !a.append(b) {
                return Err("a column passes 4 GiB: too large to load at once; stream it with `scorewright score`".into());
            }
        }
        self.lines.extend(other.lines);
        self.long_rows += other.long_rows;
        self.short_rows += other.short_rows;
        self.bad_utf8 += other.bad_utf8;
        if self.first_bad_utf8_line.is_none() {
            self.first_bad_utf8_line = other.first_bad_utf8_line;
        }
        Ok(())
    }

    /// Bytes held by the cells, for memory reports.
    pub fn bytes(&self) -> usize {
        self.columns.iter().map(TextColumn::bytes).sum::<usize>() + self.lines.len() * 8
    }

    /// Holds each column with few distinct cells as a dictionary (`TextColumn::compact`).
    pub fn compact(&mut self) {
        for c in &mut self.columns {
            c.compact();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_column_holds_cells() {
        let mut c = TextColumn::new();
        for s in ["a", "", "ünï", "last"] {
            assert!(c.push(s));
        }
        assert_eq!(c.len(), 4);
        assert_eq!(c.iter().collect::<Vec<_>>(), vec!["a", "", "ünï", "last"]);
        assert_eq!(c.get(9), "");
    }

    fn column(cells: &[String]) -> TextColumn {
        let mut c = TextColumn::new();
        for s in cells {
            assert!(c.push(s));
        }
        c
    }

    #[test]
    fn a_dictionary_reads_as_the_plain_column() {
        // 1,000 rows over 300 distinct cells: two-byte codes.
        let cells: Vec<String> = (0..1000).map(|i| format!("v{}", i % 300)).collect();
        let plain = column(&cells);
        let mut dict = plain.clone();
        dict.compact();
        assert_eq!(dict.len(), 1000);
        assert_eq!(
            dict.iter().collect::<Vec<_>>(),
            plain.iter().collect::<Vec<_>>()
        );
        let entries = dict.dictionary().unwrap();
        assert_eq!(entries.len(), 300);
        assert_eq!(entries[..3], ["v0", "v1", "v2"]);
        // 300 cells of 2-4 bytes with 301 offsets, and 2 bytes a row; the plain column held
        // 1,000 cells and 1,001 offsets.
        let text: usize = (0..300).map(|i| format!("v{i}").len()).sum();
        assert_eq!(dict.bytes(), text + 301 * 4 + 2000);
        assert!(dict.bytes() < plain.bytes());
        // Rows 900 to 999 give v0 to v99 a fourth time.
        let counts: Vec<usize> = (0..300).map(|v| if v < 100 { 4 } else { 3 }).collect();
        assert_eq!(dict.code_counts().unwrap(), counts);
        assert_eq!(dict.get(1000), "");
        // A push after the fact turns it back into a plain column that reads the same.
        assert!(dict.push("new"));
        assert_eq!(dict.dictionary(), None);
        assert_eq!(dict.len(), 1001);
        assert_eq!(dict.get(299), "v299");
        assert_eq!(dict.get(1000), "new");
    }

    #[test]
    fn mostly_distinct_columns_stay_plain() {
        let ids: Vec<String> = (0..10_000).map(|i| format!("c{i:07}")).collect();
        let mut c = column(&ids);
        c.compact();
        assert_eq!(c.dictionary(), None);
        assert_eq!(c.get(9_999), "c0009999");
    }

    #[test]
    fn joined_dictionaries_past_two_bytes_become_plain() {
        // Two pieces of 40,000 distinct cells, each three times: each piece is a dictionary,
        // both together (80,000 distinct) would not fit two-byte codes.
        let piece = |from: usize| -> Vec<String> {
            (0..120_000).map(|i| format!("{}", from + i / 3)).collect()
        };
        let (a, b) = (piece(0), piece(40_000));
        let mut x = column(&a);
        let mut y = column(&b);
        x.compact();
        y.compact();
        assert!(x.dictionary().is_some() && y.dictionary().is_some());
        assert!(x.append(&y));
        assert_eq!(x.dictionary(), None);
        assert_eq!(x.len(), 240_000);
        assert_eq!(x.get(0), "0");
        assert_eq!(x.get(119_999), "39999");
        assert_eq!(x.get(120_002), "40000");
        assert_eq!(x.get(239_999), "79999");
    }

    proptest::proptest! {
        /// Pieces compacted one by one and appended read as the plain column, and keep their
        /// dictionary in the order rows first show the cells.
        #[test]
        fn compacted_pieces_append_to_the_plain_column(
            cells in proptest::collection::vec("[aAé ]{0,2}|N/A|n/a|\\u{212A}", 0..60),
            cut in 0usize..60,
            compact_first in proptest::bool::ANY,
        ) {
            let cut = cut.min(cells.len());
            let plain = column(&cells);
            let mut a = column(&cells[..cut]);
            let mut b = column(&cells[cut..]);
            if compact_first {
                a.compact();
            }
            b.compact();
            proptest::prop_assert!(a.append(&b));
            proptest::prop_assert_eq!(a.iter().collect::<Vec<_>>(), plain.iter().collect::<Vec<_>>());
            if compact_first {
                let mut firsts: Vec<&str> = Vec::new();
                for c in plain.iter() {
                    if !firsts.contains(&c) {
                        firsts.push(c);
                    }
                }
                proptest::prop_assert_eq!(a.dictionary(), Some(firsts));
            }
        }
    }

    #[test]
    fn from_maps_unions_keys() {
        let mut a = IndexMap::new();
        a.insert("id".to_string(), Scalar::Text("a".into()));
        let mut b = IndexMap::new();
        b.insert("visits".to_string(), Scalar::Int(3));
        b.insert("id".to_string(), Scalar::Text("b".into()));
        let t = Table::from_maps("samples", &[a, b]);
        assert_eq!(t.headers, vec!["id", "visits"]);
        assert_eq!(t.cell(0, "visits"), "");
        assert_eq!(t.cell(1, "visits"), "3");
        assert_eq!(t.cell(1, "ID"), "b");
    }
}
