//! A table of contacts held as columns of text, the way it was read.
//!
//! Each column is one byte buffer with offsets (no allocation per cell), so a million rows load
//! fast and stay compact. Typed views are built from these by `typed`.

use crate::model::Scalar;
use indexmap::IndexMap;

/// One column of text cells: cell `i` is `data[offsets[i]..offsets[i + 1]]`.
#[derive(Clone, Debug, Default)]
pub struct TextColumn {
    data: String,
    offsets: Vec<u32>,
}

impl TextColumn {
    pub fn new() -> TextColumn {
        TextColumn {
            data: String::new(),
            offsets: vec![0],
        }
    }

    pub fn with_capacity(rows: usize, bytes: usize) -> TextColumn {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        TextColumn {
            data: String::with_capacity(bytes),
            offsets,
        }
    }

    /// Appends a cell. Returns false when the column would pass 4 GiB, which no preview needs.
    pub fn push(&mut self, cell: &str) -> bool {
        if self.data.len() + cell.len() > u32::MAX as usize {
            return false;
        }
        self.data.push_str(cell);
        self.offsets.push(self.data.len() as u32);
        true
    }

    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, i: usize) -> &str {
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&a), Some(&b)) => self.data.get(a as usize..b as usize).unwrap_or(""),
            _ => "",
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }

    /// Bytes held, for memory reports.
    pub fn bytes(&self) -> usize {
        self.data.len() + self.offsets.len() * 4
    }

    /// Appends the cells of another column. Refused when the column would pass 4 GiB.
    pub fn append(&mut self, other: &TextColumn) -> bool {
        let base = self.data.len();
        if base + other.data.len() > u32::MAX as usize {
            return false;
        }
        self.data.push_str(&other.data);
        self.offsets
            .extend(other.offsets.iter().skip(1).map(|&o| o + base as u32));
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
            Ok(data) => Ok((TextColumn { data, offsets }, Vec::new())),
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
