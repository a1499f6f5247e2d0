//! Typed columns: a field's text cells read as numbers, booleans, dates or categories.
//!
//! Missing is one value per type (NaN, `BOOL_MISSING`, `DATE_MISSING`, `CODE_MISSING`) so a
//! column is a plain vector. A cell is missing when it is blank or one of the field's
//! `missing` placeholders (trimmed, ignoring case); a cell that does not parse as the field's
//! kind is missing too, and counted as unreadable with the first line where it happened.

use super::table::{Table, TextColumn};
use crate::model::{Date, Field, FieldKind};
use serde::Serialize;
use std::collections::HashMap;

pub const BOOL_MISSING: u8 = 2;
pub const DATE_MISSING: i32 = i32::MIN;
pub const CODE_MISSING: u32 = u32::MAX;

/// A field's values for every row.
#[derive(Clone, Debug, PartialEq)]
pub enum Typed {
    Number(Vec<f64>),
    /// 0 or 1; `BOOL_MISSING` when missing.
    Bool(Vec<u8>),
    /// Days since 1970-01-01; `DATE_MISSING` when missing.
    Date(Vec<i32>),
    /// Category and text values, by code into `labels`; `keys` are the labels as compared
    /// (trimmed, lower case). `CODE_MISSING` when missing.
    Category {
        codes: Vec<u32>,
        labels: Vec<String>,
        keys: Vec<String>,
    },
}

impl Typed {
    pub fn len(&self) -> usize {
        match self {
            Typed::Number(v) => v.len(),
            Typed::Bool(v) => v.len(),
            Typed::Date(v) => v.len(),
            Typed::Category { codes, .. } => codes.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn is_missing(&self, i: usize) -> bool {
        match self {
            Typed::Number(v) => v[i].is_nan(),
            Typed::Bool(v) => v[i] == BOOL_MISSING,
            Typed::Date(v) => v[i] == DATE_MISSING,
            Typed::Category { codes, .. } => codes[i] == CODE_MISSING,
        }
    }

    /// The value of row `i` as a person reads it; `None` when missing.
    pub fn display(&self, i: usize) -> Option<String> {
        if self.is_missing(i) {
            return None;
        }
        Some(match self {
            Typed::Number(v) => format_number(v[i]),
            Typed::Bool(v) => if v[i] == 1 { "yes" } else { "no" }.to_string(),
            Typed::Date(v) => Date(v[i]).to_string(),
            Typed::Category { codes, labels, .. } => labels[codes[i] as usize].clone(),
        })
    }
}

/// A number as a person writes it: `3`, `2.5`.
pub fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// How well one field's column read.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FieldQuality {
    pub field: String,
    pub column: String,
    /// The contacts have no such column: every value is missing.
    pub absent: bool,
    pub rows: usize,
    /// Blank cells and placeholders.
    pub missing: usize,
    /// Cells that did not parse as the field's kind (also missing when scored).
    pub unreadable: usize,
    /// The first unreadable cell: its line and its text.
    pub first_unreadable: Option<(u64, String)>,
}

impl FieldQuality {
    pub fn merge(&mut self, other: &FieldQuality) {
        self.rows += other.rows;
        self.missing += other.missing;
        self.unreadable += other.unreadable;
        if self.first_unreadable.is_none() {
            self.first_unreadable.clone_from(&other.first_unreadable);
        }
        self.absent = self.absent && other.absent;
    }

    /// One line for a report: `field 'visits' (column 'TotalVisits'): 137 missing, 3 unreadable
    /// (first at line 812: 'abc')`; `None` when every value read.
    pub fn describe(&self, file: &str) -> Option<String> {
        let col = if self.column == self.field {
            String::new()
        } else {
            format!(" (column '{}')", self.column)
        };
        if self.absent {
            return Some(format!(
                "field '{}'{col}: {file} has no such column; every value counts as missing",
                self.field
            ));
        }
        if self.missing == 0 && self.unreadable == 0 {
            return None;
        }
        let mut s = format!(
            "field '{}'{col}: {} of {} missing",
            self.field,
            self.missing + self.unreadable,
            self.rows
        );
        if self.unreadable > 0 {
            s.push_str(&format!(", {} unreadable", self.unreadable));
            if let Some((line, text)) = &self.first_unreadable {
                s.push_str(&format!(
                    " (first: {file} line {line} holds '{}')",
                    truncate(text, 40)
                ));
            }
        }
        Some(s)
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

/// `s.trim()`, without the scan for Unicode white space when the cell starts and ends with a
/// visible ASCII character, as most cells do.
fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// Parses a number cell: trimmed, finite. `None` when it is not a number.
pub fn parse_number(s: &str) -> Option<f64> {
    let v: f64 = trim(s).parse().ok()?;
    v.is_finite().then_some(v)
}

/// Parses a boolean cell: true/false, yes/no, y/n, 1/0, ignoring case.
pub fn parse_bool(s: &str) -> Option<bool> {
    let t = trim(s);
    for (yes, no) in crate::model::BOOLEAN_WORDS {
        if t.eq_ignore_ascii_case(yes) {
            return Some(true);
        }
        if t.eq_ignore_ascii_case(no) {
            return Some(false);
        }
    }
    None
}

/// The form in which category values are compared: trimmed, with the ASCII letters A to Z in
/// lower case and every other character as it is. Only ASCII: each SQL dialect's `LOWER`
/// folds the rest of Unicode its own way (`İ`, final `Σ`), while A-Z to a-z is a `TRANSLATE`
/// every dialect of the export computes identically, so `score` and the SQL always agree.
pub fn category_key(s: &str) -> String {
    trim(s).to_ascii_lowercase()
}

/// A field's `missing` placeholders in the form cells are compared with them: trimmed, lower
/// case. A cell means "no value" when it is blank or, trimmed and lower case, one of these.
pub struct Placeholders(Vec<String>);

impl Placeholders {
    pub fn new(missing: &[String]) -> Placeholders {
        Placeholders(missing.iter().map(|m| category_key(m)).collect())
    }

    /// Whether a cell means "no value" for this field.
    pub fn is_missing(&self, cell: &str) -> bool {
        let t = trim(cell);
        t.is_empty() || self.0.iter().any(|m| lower_is(t, m))
    }
}

/// Whether `t` with A-Z in lower case (`category_key`) is `lower`, without allocating.
fn lower_is(t: &str, lower: &str) -> bool {
    t.len() == lower.len()
        && t.bytes()
            .zip(lower.bytes())
            .all(|(a, b)| a.to_ascii_lowercase() == b)
}

/// One typed column: `none` where a cell is missing (blank or a placeholder) or does not parse,
/// with both counted in `q`.
#[allow(clippy::too_many_arguments)]
fn read_column<'a, T: Copy>(
    n: usize,
    none: T,
    text: impl Fn(usize) -> &'a str,
    parse: impl Fn(&str) -> Option<T>,
    missing: &Placeholders,
    q: &mut FieldQuality,
    bad: &dyn Fn(usize, &str, &mut FieldQuality),
    absent: bool,
) -> Vec<T> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let s = text(i);
        out.push(if missing.is_missing(s) {
            if !absent {
                q.missing += 1;
            }
            none
        } else if let Some(v) = parse(s) {
            v
        } else {
            bad(i, s, q);
            none
        });
    }
    out
}

/// A typed column read from a dictionary column: each distinct cell is read once (placeholder,
/// parse, category key), then every row takes its cell's value by code. The counts in `q` are
/// per row, as `read_column` counts them; the first unreadable cell is the first row holding
/// one. `None` for a plain column.
fn read_dictionary<T: Copy>(
    col: &TextColumn,
    lines: &[u64],
    none: T,
    mut parse: impl FnMut(&str) -> Option<T>,
    missing: &Placeholders,
    q: &mut FieldQuality,
) -> Option<Vec<T>> {
    let entries = col.dictionary()?;
    let counts = col.code_counts()?;
    let mut values = Vec::with_capacity(entries.len());
    let mut bad = vec![false; entries.len()];
    for (e, s) in entries.iter().enumerate() {
        values.push(if missing.is_missing(s) {
            q.missing += counts[e];
            none
        } else if let Some(v) = parse(s) {
            v
        } else {
            q.unreadable += counts[e];
            bad[e] = counts[e] > 0;
            none
        });
    }
    if q.unreadable > 0
        && let Some(row) = col.first_row_where(|e| bad[e])
    {
        let line = lines.get(row).copied().unwrap_or(0);
        q.first_unreadable = Some((line, col.get(row).to_string()));
    }
    col.map_codes(&values)
}

/// Reads a field's column of a table into typed values.
pub fn typed(table: &Table, field: &Field) -> (Typed, FieldQuality) {
    let column = field.column();
    let mut q = FieldQuality {
        field: field.id.clone(),
        column: column.to_string(),
        rows: table.rows(),
        ..FieldQuality::default()
    };
    let empty = TextColumn::new();
    let col = match table.column(column) {
        Some(c) => c,
        None => {
            q.absent = true;
            q.missing = table.rows();
            &empty
        }
    };
    let n = table.rows();
    let absent = q.absent;
    let cell = |i: usize| if absent { "" } else { col.get(i) };
    let bad = |i: usize, text: &str, q: &mut FieldQuality| {
        q.unreadable += 1;
        if q.first_unreadable.is_none() {
            q.first_unreadable = Some((table.lines.get(i).copied().unwrap_or(0), text.to_string()));
        }
    };
    let missing = &Placeholders::new(&field.missing);
    if !absent && let Some(typed) = typed_by_dictionary(col, &table.lines, field, missing, &mut q) {
        return (typed, q);
    }
    let typed = match field.kind {
        FieldKind::Number => Typed::Number(read_column(
            n,
            f64::NAN,
            cell,
            parse_number,
            missing,
            &mut q,
            &bad,
            absent,
        )),
        FieldKind::Boolean => Typed::Bool(read_column(
            n,
            BOOL_MISSING,
            cell,
            |s| parse_bool(s).map(u8::from),
            missing,
            &mut q,
            &bad,
            absent,
        )),
        FieldKind::Date => Typed::Date(read_column(
            n,
            DATE_MISSING,
            cell,
            |s| Date::parse(s).map(|d| d.0),
            missing,
            &mut q,
            &bad,
            absent,
        )),
        FieldKind::Category | FieldKind::Text => {
            let mut codes = Vec::with_capacity(n);
            let mut labels = Vec::new();
            let mut keys = Vec::new();
            let mut by_raw: HashMap<&str, u32> = HashMap::new();
            let mut by_key: HashMap<String, u32> = HashMap::new();
            for i in 0..n {
                let s = cell(i);
                if let Some(&c) = by_raw.get(s) {
                    if c == CODE_MISSING && !absent {
                        q.missing += 1;
                    }
                    codes.push(c);
                    continue;
                }
                let code = if missing.is_missing(s) {
                    CODE_MISSING
                } else {
                    let k = category_key(s);
                    *by_key.entry(k.clone()).or_insert_with(|| {
                        labels.push(trim(s).to_string());
                        keys.push(k);
                        (labels.len() - 1) as u32
                    })
                };
                if code == CODE_MISSING && !absent {
                    q.missing += 1;
                }
                by_raw.insert(s, code);
                codes.push(code);
            }
            Typed::Category {
                codes,
                labels,
                keys,
            }
        }
    };
    (typed, q)
}

/// `typed` for a dictionary column; `None` for a plain one.
fn typed_by_dictionary(
    col: &TextColumn,
    lines: &[u64],
    field: &Field,
    missing: &Placeholders,
    q: &mut FieldQuality,
) -> Option<Typed> {
    Some(match field.kind {
        FieldKind::Number => Typed::Number(read_dictionary(
            col,
            lines,
            f64::NAN,
            parse_number,
            missing,
            q,
        )?),
        FieldKind::Boolean => Typed::Bool(read_dictionary(
            col,
            lines,
            BOOL_MISSING,
            |s| parse_bool(s).map(u8::from),
            missing,
            q,
        )?),
        FieldKind::Date => Typed::Date(read_dictionary(
            col,
            lines,
            DATE_MISSING,
            |s| Date::parse(s).map(|d| d.0),
            missing,
            q,
        )?),
        FieldKind::Category | FieldKind::Text => {
            // Distinct cells come in the order rows first show them, so labels get the codes
            // the row-by-row reading gives them, and each label is its first cell, trimmed.
            let mut labels = Vec::new();
            let mut keys = Vec::new();
            let mut by_key: HashMap<String, u32> = HashMap::new();
            let codes = read_dictionary(
                col,
                lines,
                CODE_MISSING,
                |s| {
                    let k = category_key(s);
                    Some(*by_key.entry(k.clone()).or_insert_with(|| {
                        labels.push(trim(s).to_string());
                        keys.push(k);
                        (labels.len() - 1) as u32
                    }))
                },
                missing,
                q,
            )?;
            Typed::Category {
                codes,
                labels,
                keys,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contacts::Table;
    use crate::model::Scalar;
    use indexmap::IndexMap;

    fn table(col: &str, cells: &[&str]) -> Table {
        let rows: Vec<IndexMap<String, Scalar>> = cells
            .iter()
            .map(|c| {
                let mut m = IndexMap::new();
                m.insert(col.to_string(), Scalar::Text(c.to_string()));
                m
            })
            .collect();
        Table::from_maps("t.csv", &rows)
    }

    #[test]
    fn numbers_with_missing_and_unreadable() {
        let mut f = Field::new("visits", FieldKind::Number);
        f.missing = vec!["N/A".into()];
        let (t, q) = typed(
            &table("visits", &["3", " 2.5 ", "", "n/a", "abc", "inf"]),
            &f,
        );
        let Typed::Number(v) = t else { panic!() };
        assert_eq!(&v[..2], &[3.0, 2.5]);
        assert!(v[2..].iter().all(|x| x.is_nan()));
        assert_eq!((q.missing, q.unreadable), (2, 2));
        assert_eq!(q.first_unreadable, Some((5, "abc".to_string())));
        let line = q.describe("t.csv").unwrap();
        assert_eq!(
            line,
            "field 'visits': 4 of 6 missing, 2 unreadable (first: t.csv line 5 holds 'abc')"
        );
    }

    #[test]
    fn booleans_dates_and_categories() {
        let (t, q) = typed(
            &table("b", &["Yes", "n", "TRUE", "0", "maybe"]),
            &Field::new("b", FieldKind::Boolean),
        );
        assert_eq!(t, Typed::Bool(vec![1, 0, 1, 0, BOOL_MISSING]));
        assert_eq!(q.unreadable, 1);
        let (t, _) = typed(
            &table("d", &["2026-11-01", "soon"]),
            &Field::new("d", FieldKind::Date),
        );
        assert_eq!(t, Typed::Date(vec![20_758, DATE_MISSING]));
        let mut f = Field::new("c", FieldKind::Category);
        f.missing = vec!["Select".into()];
        let (t, q) = typed(
            &table("c", &["Google", " google ", "select", "Email", ""]),
            &f,
        );
        let Typed::Category {
            codes,
            labels,
            keys,
        } = t
        else {
            panic!()
        };
        assert_eq!(codes, vec![0, 0, CODE_MISSING, 1, CODE_MISSING]);
        assert_eq!(labels, vec!["Google", "Email"]);
        assert_eq!(keys, vec!["google", "email"]);
        assert_eq!(q.missing, 2);
    }

    #[test]
    fn placeholders_match_trimmed_and_in_any_case() {
        let p = Placeholders::new(&[" N/A ".into(), "ÉCOLE".into(), "\u{212A}".into()]);
        for cell in [
            "",
            "  ",
            "n/a",
            " N/a\t",
            "ÉCOLE",
            "\u{2003}ÉCOLE",
            "\u{212A}",
        ] {
            assert!(p.is_missing(cell), "{cell:?} should be missing");
        }
        // Case is ignored for A-Z only, as in every SQL dialect of the export (issue 12, item 8):
        // `É` is not `é`, and the Kelvin sign is not `k`.
        for cell in ["na", "n/a/", "ecole", "école", "k", "K", "kk", "0"] {
            assert!(!p.is_missing(cell), "{cell:?} should not be missing");
        }
    }

    #[test]
    fn absent_column_is_all_missing() {
        let (t, q) = typed(
            &table("x", &["1", "2"]),
            &Field::new("visits", FieldKind::Number),
        );
        assert!(q.absent);
        assert_eq!(t.len(), 2);
        assert!(t.is_missing(0) && t.is_missing(1));
        assert!(q.describe("t.csv").unwrap().contains("has no such column"));
    }

    /// Cells that try every branch of typing: blanks, placeholders in any case and with white
    /// space, numbers, booleans, dates, unreadable text, case-folded and non-ASCII categories.
    fn cell() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            proptest::sample::select(vec![
                "",
                " ",
                "Select",
                " select",
                "SELECT ",
                "N/A",
                "n/a",
                "-",
                "Google",
                " google ",
                "GOOGLE",
                "École",
                "école",
                "ÉCOLE",
                "\u{212A}",
                "k",
                "ß",
                "3",
                " 2.5 ",
                "1e3",
                "abc",
                "inf",
                "-0",
                "yes",
                "No",
                "Y",
                "0",
                "TRUE",
                "2026-11-01",
                " 2026-01-31 ",
                "2026-02-30",
                "\u{2003}x\u{2003}",
                "x",
            ])
            .prop_map(str::to_string),
            "[a-cA-Cé0-9 .-]{0,3}",
        ]
    }

    proptest::proptest! {
        /// A dictionary column types to exactly what the plain column does, its quality counts
        /// and first unreadable cell included, for every field kind, whether the table was
        /// compacted in one piece or in two joined ones.
        #[test]
        fn a_dictionary_column_types_as_the_text_column(
            cells in proptest::collection::vec(cell(), 1..80),
            placeholders in proptest::collection::vec(cell(), 0..3),
            cut in 0usize..80,
        ) {
            let plain = table("c", &cells.iter().map(String::as_str).collect::<Vec<_>>());
            let mut whole = plain.clone();
            whole.compact();
            proptest::prop_assert!(whole.columns[0].dictionary().is_some());
            let cut = cut.min(cells.len());
            let mut joined = plain.clone();
            joined.columns[0] = {
                let mut a = TextColumn::new();
                let mut b = TextColumn::new();
                cells[..cut].iter().for_each(|c| { a.push(c); });
                cells[cut..].iter().for_each(|c| { b.push(c); });
                a.compact();
                b.compact();
                proptest::prop_assert!(a.append(&b));
                a
            };
            for kind in [FieldKind::Number, FieldKind::Boolean, FieldKind::Date, FieldKind::Category, FieldKind::Text] {
                let mut f = Field::new("c", kind);
                f.missing = placeholders.clone();
                let want = typed(&plain, &f);
                // NaN is not equal to itself: compare numbers by their bits.
                let bits = |t: &Typed| match t {
                    Typed::Number(v) => Typed::Date(v.iter().map(|x| x.to_bits() as i32 ^ (x.to_bits() >> 32) as i32).collect()),
                    other => other.clone(),
                };
                for t in [&whole, &joined] {
                    let got = typed(t, &f);
                    proptest::prop_assert_eq!(bits(&got.0), bits(&want.0));
                    if let (Typed::Number(a), Typed::Number(b)) = (&got.0, &want.0) {
                        proptest::prop_assert!(a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()));
                    }
                    proptest::prop_assert_eq!(&got.1, &want.1);
                }
            }
        }
    }
}
