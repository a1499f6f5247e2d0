//! The engine's outputs as columns of text: what `score` appends to each row and what the SQL
//! export returns, under the same names.

use super::score::Scored;
use crate::model::Model;

/// The names of the output columns, after the id: `score_<journey>`, `grade_<grade>`,
/// `rating`, `tier`, `handover`, `segment`, `action`, `route`.
pub fn output_columns(model: &Model) -> Vec<String> {
    let mut cols: Vec<String> = model
        .journeys
        .iter()
        .map(|j| format!("score_{}", j.id))
        .collect();
    cols.extend(model.grades.iter().map(|g| format!("grade_{}", g.id)));
    for c in ["rating", "tier", "handover", "segment", "action", "route"] {
        cols.push(c.to_string());
    }
    cols
}

/// How many decimals a score is written with in outputs (`score`'s CSV and JSON Lines, the
/// export's query). A sum of weighted doubles is rarely a short decimal (`41.400000000000006`
/// where the designer shows 41.4); six decimals are far finer than any threshold needs.
pub const SCORE_DECIMALS: i32 = 6;

/// `10^SCORE_DECIMALS`, the factor of `shown_score`.
pub const SCORE_SCALE: f64 = 1e6;

/// A score as outputs give it: rounded half up to `SCORE_DECIMALS` decimals, as
/// `floor(v x 10^6 + 0.5) / 10^6`. Three IEEE operations and a floor, which every SQL dialect of
/// the export computes to the same bit (its query writes the same formula), where each
/// dialect's own `ROUND` rounds halves its own way. Grades, tiers and segments are decided on
/// the score before this rounding.
pub fn shown_score(v: f64) -> f64 {
    let r = millionths(v) / SCORE_SCALE;
    // No `-0`: a score rounded to nothing is written `0`.
    if r == 0.0 { 0.0 } else { r }
}

/// The whole number of millionths a score is rounded to (half up): `shown_score` before its
/// division, and the digits `push_score` writes.
fn millionths(v: f64) -> f64 {
    (v * SCORE_SCALE + 0.5).floor()
}

/// A score as written in outputs: `shown_score`, as the shortest text that reads back as that
/// number (`41.4`, `0`, `100`).
pub fn format_score(v: f64) -> String {
    let mut out = Vec::with_capacity(16);
    push_score(&mut out, v);
    String::from_utf8_lossy(&out).into_owned()
}

/// Appends `format_score(v)` without the shortest-float search of `Display` (13% of a batch
/// `score`'s time). The rounded score is a whole number `n` of millionths, and `shown_score`
/// is the double nearest to `n / 10^6`. While `|n| < 10^15` that decimal has at most 15
/// significant digits, and two decimals of at most 15 digits never read as the same double
/// (`f64::DIGITS`), so `n / 10^6` with its trailing zeros cut is the one shortest text that
/// reads back as the score: what `Display` writes (which never uses an exponent). Anything
/// else (NaN, infinities, huge values) goes through `Display` as before.
pub fn push_score(out: &mut Vec<u8>, v: f64) {
    let r = millionths(v);
    if r.is_nan() || r.abs() >= 1e15 {
        use std::io::Write;
        let _ = write!(out, "{}", shown_score(v));
        return;
    }
    // Exact: a whole double below 2^53. The text is built on the stack and appended once (a
    // call to copy a few bytes costs more than making them).
    let n = r as i64;
    let mut text = [0u8; 24];
    let mut len = 0;
    if n < 0 {
        text[0] = b'-';
        len = 1;
    }
    let m = n.unsigned_abs();
    let mut whole = m / 1_000_000;
    let mut digits = [0u8; 16];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (whole % 10) as u8;
        whole /= 10;
        if whole == 0 {
            break;
        }
    }
    let whole = &digits[at..];
    text[len..len + whole.len()].copy_from_slice(whole);
    len += whole.len();
    let mut frac = m % 1_000_000;
    if frac != 0 {
        // Six digits, leading zeros kept (`0.05`), trailing ones cut.
        text[len] = b'.';
        let six = &mut text[len + 1..len + 7];
        for d in six.iter_mut().rev() {
            *d = b'0' + (frac % 10) as u8;
            frac /= 10;
        }
        len += 1 + six.iter().rposition(|&d| d != b'0').map_or(0, |p| p + 1);
    }
    out.extend_from_slice(&text[..len]);
}

/// One row's outputs, in the order of `output_columns`. Missing labels are empty.
pub fn output_row(model: &Model, scored: &Scored, row: usize) -> Vec<String> {
    let mut out = Vec::new();
    output_row_into(model, scored, row, &mut out);
    out
}

/// `output_row` into a record that is kept from row to row, so that writing a million rows
/// allocates nothing per row.
pub fn output_row_into(model: &Model, scored: &Scored, row: usize, out: &mut Vec<String>) {
    use std::fmt::Write;
    out.resize_with(scored.scores.len() + model.grades.len() + 6, String::new);
    out.iter_mut().for_each(String::clear);
    let mut cells = out.iter_mut();
    for s in &scored.scores {
        if let Some(c) = cells.next() {
            let _ = write!(c, "{}", shown_score(s[row]));
        }
    }
    for g in 0..model.grades.len() {
        if let Some(c) = cells.next() {
            c.push_str(scored.grade(model, g, row).unwrap_or(""));
        }
    }
    if let Some(c) = cells.next() {
        // The matrix rating, as `Scored::rating` spells it.
        if let Some(m) = &model.matrix {
            let gi = |id: &str| model.grades.iter().position(|g| g.id == id);
            let r = gi(&m.rows).and_then(|g| scored.grade(model, g, row));
            let k = gi(&m.columns).and_then(|g| scored.grade(model, g, row));
            if let (Some(r), Some(k)) = (r, k) {
                c.push_str(r);
                c.push_str(k);
            }
        }
    }
    let tier = scored.tier(model, row);
    let seg = scored.segment(model, row);
    for text in [
        tier.map(|t| t.name.as_str()),
        tier.map(|t| t.handover.as_str()),
        seg.map(|s| s.name.as_str()),
        seg.map(|s| s.action.as_str()),
        seg.map(|s| s.route.as_str()),
    ] {
        if let Some(c) = cells.next() {
            c.push_str(text.unwrap_or(""));
        }
    }
}

/// Appends one CSV cell as the csv crate's writer writes it in a record of several cells:
/// as it is, or in double quotes (quotes doubled) when it holds a comma, a quote or a line
/// break.
pub fn push_csv_cell(out: &mut Vec<u8>, cell: &[u8]) {
    if cell
        .iter()
        .any(|&b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
    {
        out.push(b'"');
        for &b in cell {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(cell);
    }
}

/// Writes the outputs of rows as CSV cells, each label encoded once: what `output_row_into`
/// gives, without a string per cell, for writing millions of rows.
pub struct CsvOutputs {
    /// Per grade, per band: the label as a cell.
    grades: Vec<Vec<Vec<u8>>>,
    /// The matrix's row and column grades and each rating (row band x column bands + column
    /// band) as a cell.
    rating: Option<(usize, usize, usize, Vec<Vec<u8>>)>,
    /// Per tier level: its name and handover as cells.
    tiers: Vec<[Vec<u8>; 2]>,
    /// Per segment: its name, action and route as cells.
    segments: Vec<[Vec<u8>; 3]>,
}

fn cell(s: &str) -> Vec<u8> {
    let mut v = Vec::new();
    push_csv_cell(&mut v, s.as_bytes());
    v
}

impl CsvOutputs {
    pub fn new(model: &Model) -> CsvOutputs {
        let gi = |id: &str| model.grades.iter().position(|g| g.id == id);
        let rating = model.matrix.as_ref().and_then(|m| {
            let (r, c) = (gi(&m.rows)?, gi(&m.columns)?);
            let (rows, cols) = (&model.grades[r].bands, &model.grades[c].bands);
            let cells = rows
                .keys()
                .flat_map(|a| cols.keys().map(move |b| cell(&format!("{a}{b}"))))
                .collect();
            Some((r, c, cols.len(), cells))
        });
        CsvOutputs {
            grades: model
                .grades
                .iter()
                .map(|g| g.bands.keys().map(|k| cell(k)).collect())
                .collect(),
            rating,
            tiers: model.tiers.as_ref().map_or_else(Vec::new, |t| {
                t.levels
                    .iter()
                    .map(|l| [cell(&l.name), cell(&l.handover)])
                    .collect()
            }),
            segments: model
                .segments
                .iter()
                .map(|s| [cell(&s.name), cell(&s.action), cell(&s.route)])
                .collect(),
        }
    }

    /// Appends a row's outputs, in the order of `output_columns`, each after a comma.
    pub fn write_row(&self, scored: &Scored, row: usize, out: &mut Vec<u8>) {
        self.write_row_before_segment(scored, row, out);
        self.write_segment(scored.segments.get(row).copied(), out);
    }

    /// `write_row` up to the tier's handover: what is known of a contact before its segment
    /// when the segment reads its account (`score_accounts`).
    pub fn write_row_before_segment(&self, scored: &Scored, row: usize, out: &mut Vec<u8>) {
        for s in &scored.scores {
            out.push(b',');
            push_score(out, s[row]);
        }
        let band = |g: usize| {
            scored
                .grades
                .get(g)
                .and_then(|c| c.get(row))
                .map(|&b| b as usize)
        };
        for (g, labels) in self.grades.iter().enumerate() {
            out.push(b',');
            if let Some(l) = band(g).and_then(|b| labels.get(b)) {
                out.extend_from_slice(l);
            }
        }
        out.push(b',');
        if let Some((r, c, width, cells)) = &self.rating
            && let (Some(a), Some(b)) = (band(*r), band(*c))
            && let (true, true) = (a < self.grades[*r].len(), b < *width)
            && let Some(l) = cells.get(a * width + b)
        {
            out.extend_from_slice(l);
        }
        let tier = scored
            .tiers
            .get(row)
            .and_then(|&t| self.tiers.get(t as usize));
        for l in [tier.map(|t| &t[0]), tier.map(|t| &t[1])] {
            out.push(b',');
            if let Some(l) = l {
                out.extend_from_slice(l);
            }
        }
    }

    /// The segment, action and route cells of segment `segment` (by index; none, or
    /// `NO_SEGMENT`, writes them empty), each after a comma.
    pub fn write_segment(&self, segment: Option<u16>, out: &mut Vec<u8>) {
        let seg = segment.and_then(|s| self.segments.get(s as usize));
        for l in [seg.map(|s| &s[0]), seg.map(|s| &s[1]), seg.map(|s| &s[2])] {
            out.push(b',');
            if let Some(l) = l {
                out.extend_from_slice(l);
            }
        }
    }
}

/// The `id_column` of a file that has no id: not a column but each contact's row number, 1 for
/// the first contact, the header not counted (in JSON Lines, the record number; blank lines
/// are not contacts, so they are not counted either). `score`, `explain`, `diff` and the
/// designer's preview number the same way. The SQL export refuses it: a table in SQL keeps no
/// order to number its rows by.
pub const ROW_ID: &str = "#row";

/// The id of row `row` of a whole file read into `table`: its cell in the id column, or its row
/// number when the id is `#row` (`ROW_ID`).
pub fn id_cell<'t>(
    table: &'t crate::contacts::Table,
    row: usize,
    id_column: &str,
) -> std::borrow::Cow<'t, str> {
    if id_column == ROW_ID {
        std::borrow::Cow::Owned((row + 1).to_string())
    } else {
        std::borrow::Cow::Borrowed(table.cell(row, id_column))
    }
}

/// The column that identifies a contact: the model's `id_column`, else `id`, else the first.
pub fn id_column(model: &Model, headers: &[String]) -> String {
    if let Some(c) = &model.id_column {
        return c.clone();
    }
    headers
        .iter()
        .find(|h| h.eq_ignore_ascii_case("id"))
        .or_else(|| headers.first())
        .cloned()
        .unwrap_or_else(|| "id".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contacts::ContactsReader;
    use proptest::prelude::*;

    /// A record as the csv crate writes it.
    fn csv_record(cells: &[&str]) -> Vec<u8> {
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        w.write_record(cells).unwrap();
        w.into_inner().unwrap()
    }

    proptest! {
        #[test]
        fn cells_are_written_as_the_csv_crate_writes_them(
            a in "[a-z ,\"\r\n;é]{0,12}",
            b in "\\PC{0,12}",
        ) {
            let mut ours = Vec::new();
            push_csv_cell(&mut ours, a.as_bytes());
            ours.push(b',');
            push_csv_cell(&mut ours, b.as_bytes());
            ours.push(b'\n');
            prop_assert_eq!(ours, csv_record(&[&a, &b]));
        }
    }

    /// `push_score` writes what `Display` writes for the rounded score.
    fn displayed(v: f64) -> String {
        format!("{}", shown_score(v))
    }

    #[test]
    fn scores_by_hand() {
        // 41.400000000000006 rounds to 41.4; 2.0546875 half up to 2.054688; 0.05 keeps its
        // leading zero; 99.9999996 rounds up to 100; -0.0000004 rounds to 0, never `-0`.
        for (v, text) in [
            (41.400000000000006, "41.4"),
            (2.0546875, "2.054688"),
            (0.05, "0.05"),
            (0.000001, "0.000001"),
            (99.9999996, "100"),
            (100.0, "100"),
            (0.0, "0"),
            (-0.0, "0"),
            (-0.0000004, "0"),
            (-12.5, "-12.5"),
            (1234567.25, "1234567.25"),
        ] {
            assert_eq!(format_score(v), text, "{v}");
            assert_eq!(displayed(v), text, "{v}");
        }
        // Outside the fast path, as `Display` writes them.
        for v in [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1e300,
            -3e15,
            2e9 + 0.5,
        ] {
            assert_eq!(format_score(v), displayed(v), "{v}");
        }
    }

    proptest! {
        #[test]
        fn scores_are_written_as_display_writes_them(
            v in proptest::num::f64::ANY,
            score in -1.0f64..101.0,
            millionths in -200_000_000i64..200_000_000,
            nudge in -2i64..=2,
            wide in -1e9f64..1e9,
        ) {
            // Any double; a score's range; values on and one or two ulps beside a half
            // millionth, where rounding turns; large values near the fast path's bound.
            let half = (millionths as f64 + 0.5) / 1e6;
            let beside = f64::from_bits((half.to_bits() as i64 + nudge) as u64);
            for v in [v, score, half, beside, wide, wide * 1e4] {
                prop_assert_eq!(format_score(v), displayed(v), "{}", v);
            }
        }
    }

    #[test]
    fn rows_are_the_output_rows_as_csv() {
        for (model, contacts) in [
            (
                include_str!("../../examples/lead-fit-activity.yaml"),
                include_str!("../../examples/lead-fit-activity.csv"),
            ),
            (
                include_str!("../../examples/b2b-customer.yaml"),
                include_str!("../../examples/b2b-customer.csv"),
            ),
            (
                include_str!("../../examples/b2c-hot-warm-cold.yaml"),
                include_str!("../../examples/b2c-hot-warm-cold.csv"),
            ),
        ] {
            let model = crate::model::parse_model(model, "m.yaml").unwrap();
            let mut r = ContactsReader::from_reader(
                "c.csv",
                Box::new(std::io::Cursor::new(contacts.as_bytes().to_vec())),
            )
            .unwrap();
            let table = r.next_chunk(usize::MAX).unwrap().unwrap();
            let scored = crate::engine::score_table(&model, &table);
            let writer = CsvOutputs::new(&model);
            let mut segments = std::collections::HashSet::new();
            for row in 0..scored.rows {
                let mut ours = b"id".to_vec();
                writer.write_row(&scored, row, &mut ours);
                ours.push(b'\n');
                let mut cells = vec!["id".to_string()];
                cells.extend(output_row(&model, &scored, row));
                let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
                assert_eq!(
                    String::from_utf8_lossy(&ours),
                    String::from_utf8_lossy(&csv_record(&cells)),
                    "row {row}"
                );
                segments.insert(scored.segments[row]);
            }
            // The examples reach several segments, so labels with commas are among them.
            assert!(segments.len() >= 3, "{segments:?}");
        }
    }
}
