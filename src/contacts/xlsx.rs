//! Reading a spreadsheet (XLSX, as Salesforce's formatted reports export; also XLS, XLSB and
//! ODS) as contacts, through `calamine`: the first sheet, or the one `--sheet` names.
//!
//! The sheet's first used row is the header; each row below is a contact, its "line" in
//! messages the spreadsheet's own row number. Cells become the text a CSV cell would hold:
//! numbers as the shortest text that reads back to the same double (integers without `.0`), a
//! cell with a date format as `YYYY-MM-DD` (with ` HH:MM:SS` when it holds a time of day, whose
//! date part is what a date field reads), booleans as `true`/`false`, an error cell as Excel
//! writes it (`#N/A`: unreadable, and counted as such), an empty cell as missing.
//!
//! A workbook is held whole while it is read (`calamine` reads a sheet at once; a sheet holds
//! at most 1,048,576 rows).

use super::read::ContactsError;
use super::table::Table;
use calamine::{Data, Reader};
use std::path::Path;

/// The extensions read as spreadsheets.
pub const EXTENSIONS: [&str; 5] = ["xlsx", "xlsm", "xlsb", "xls", "ods"];

/// A sheet's rows, handed out in chunks.
pub struct SheetRows {
    range: calamine::Range<Data>,
    /// The next row of `range` to hand out (row 0 is the header).
    next: usize,
    /// The spreadsheet's row number of `range`'s first row (1-based).
    first_row: u64,
}

/// Whether a path names a spreadsheet by its extension.
pub fn is_spreadsheet(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

impl SheetRows {
    /// Opens a workbook and reads one sheet (the first when `sheet` is `None`); returns the
    /// rows and the header.
    pub fn open(
        path: &Path,
        sheet: Option<&str>,
    ) -> Result<(SheetRows, Vec<String>), ContactsError> {
        let file = path.display().to_string();
        let bad = |message: String| ContactsError::NotTabular {
            file: file.clone(),
            message,
        };
        let mut book = calamine::open_workbook_auto(path).map_err(|e| {
            bad(format!(
                "is not a readable spreadsheet ({e}): damaged, or another format under an XLSX \
                 name? save it again from the spreadsheet, or as CSV"
            ))
        })?;
        let names = book.sheet_names();
        let name = match sheet {
            None => names
                .first()
                .cloned()
                .ok_or_else(|| bad("holds no sheet".into()))?,
            Some(s) => names
                .iter()
                .find(|n| n.as_str() == s)
                .cloned()
                .ok_or_else(|| {
                    bad(format!(
                        "has no sheet '{s}'; its sheets are: {}",
                        names
                            .iter()
                            .map(|n| format!("'{n}'"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?,
        };
        let range = book
            .worksheet_range(&name)
            .map_err(|e| bad(format!("sheet '{name}' cannot be read ({e})")))?;
        let first_row = range.start().map_or(1, |(r, _)| u64::from(r) + 1);
        let headers: Vec<String> = match range.rows().next() {
            Some(h) => h
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let t = cell_text(c).trim().to_string();
                    if t.is_empty() {
                        format!("column {}", i + 1)
                    } else {
                        t
                    }
                })
                .collect(),
            None => {
                return Err(bad(format!(
                    "sheet '{name}' is empty: a contacts sheet needs a header row and rows"
                )));
            }
        };
        Ok((
            SheetRows {
                range,
                next: 1,
                first_row,
            },
            headers,
        ))
    }

    /// Up to `max_rows` rows into `t`, the columns at `keep` in that order; `None` at the end.
    /// Rows whose cells are all empty are skipped, as blank lines are in CSV.
    pub fn next_chunk(
        &mut self,
        max_rows: usize,
        keep: &[usize],
        mut t: Table,
    ) -> Result<Option<Table>, ContactsError> {
        let height = self.range.height();
        while t.lines.len() < max_rows && self.next < height {
            let at = self.next;
            self.next += 1;
            let Some(row) = self.range.rows().nth(at) else {
                break;
            };
            if row.iter().all(|c| matches!(c, Data::Empty)) {
                continue;
            }
            for (k, &i) in keep.iter().enumerate() {
                t.columns[k].push(&row.get(i).map(cell_text).unwrap_or_default());
            }
            t.lines.push(self.first_row + at as u64);
        }
        Ok((!t.lines.is_empty()).then_some(t))
    }
}

/// A spreadsheet cell as the text a CSV cell would hold.
pub fn cell_text(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::Int(v) => v.to_string(),
        Data::Float(v) => super::parquet_file::float_text(*v),
        Data::String(s) => s.clone(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) if d.is_datetime() => {
            let (y, m, day, h, mi, s, ms) = d.to_ymd_hms_milli();
            let date = format!("{y:04}-{m:02}-{day:02}");
            match (h, mi, s, ms) {
                (0, 0, 0, 0) => date,
                (_, _, _, 0) => format!("{date} {h:02}:{mi:02}:{s:02}"),
                _ => format!("{date} {h:02}:{mi:02}:{s:02}.{ms:03}"),
            }
        }
        // A duration (`[hh]:mm:ss`) as its number of days, what the cell holds.
        Data::DateTime(d) => super::parquet_file::float_text(d.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => e.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use calamine::{ExcelDateTime, ExcelDateTimeType};

    #[test]
    fn excel_serial_dates_become_iso_dates() {
        // Serial 45356 is 2024-03-05 (days since 1899-12-30: 2024-03-05 is 45,356 days on);
        // .5986111 is 14:22 (862 minutes of 1,440 is 0.598611...).
        let date = Data::DateTime(ExcelDateTime::new(
            45356.0,
            ExcelDateTimeType::DateTime,
            false,
        ));
        assert_eq!(cell_text(&date), "2024-03-05");
        let at = 45356.0 + 862.0 / 1440.0;
        let stamp = Data::DateTime(ExcelDateTime::new(at, ExcelDateTimeType::DateTime, false));
        assert_eq!(cell_text(&stamp), "2024-03-05 14:22:00");
        // The 1904 system counts 1,462 days fewer.
        let mac = Data::DateTime(ExcelDateTime::new(
            45356.0 - 1462.0,
            ExcelDateTimeType::DateTime,
            true,
        ));
        assert_eq!(cell_text(&mac), "2024-03-05");
        assert_eq!(cell_text(&Data::Float(3.0)), "3");
        assert_eq!(cell_text(&Data::Float(0.1)), "0.1");
        assert_eq!(cell_text(&Data::Int(-7)), "-7");
        assert_eq!(cell_text(&Data::Empty), "");
    }
}
