//! Reading a Parquet file as contacts: one row group at a time, each cell turned into the text
//! the rest of the reader expects, so that a Parquet file scores exactly as the same data
//! written as CSV.
//!
//! Typed cells become text that reads back to the same value: integers as written, a double
//! as the shortest text that parses to the same double (Rust's `Display`, never an exponent),
//! a boolean as `true`/`false`, a date as `YYYY-MM-DD`, a timestamp as `YYYY-MM-DD HH:MM:SS`
//! (with `.ffffff` when it has a fraction; the date part is what a date field reads), a decimal
//! with its scale, and null as a missing cell. Nested columns (lists, maps, structs) are
//! refused at open, naming the column: a contact's field is one value, and guessing how to
//! flatten a list would score something the user did not write.
//!
//! Writing (`ParquetSink`, for `score -o out.parquet`): the CSV that `score` writes, read back
//! as it streams by and written as Parquet row groups of `SINK_ROWS` rows, the journeys' score
//! columns as doubles and every other column as text (the id too, as the engine holds it), an
//! empty cell as null; Snappy-compressed, as DuckDB writes by default.
//!
//! Damaged files: the `parquet` crate asserts on some damaged metadata and pages (a negative
//! column offset, a value cut short) instead of returning an error; a mutation test found 6 in
//! 3,000 randomly damaged files. Every call into it is made through `guarded`, which turns such
//! a panic into the same "damaged or truncated" error and keeps its message off the terminal.
//!
//! Memory: one row group's rows are held at a time (the row groups DuckDB, Polars and Spark
//! write hold 100,000 to a million rows); a row group whose columns claim more than
//! `MAX_ROW_GROUP_BYTES` is refused before any of it is read, so a hostile or odd file cannot
//! make the reader allocate without bound.

use super::read::ContactsError;
use super::table::Table;
use ::parquet::basic::Repetition;
use ::parquet::file::reader::{FileReader, SerializedFileReader};
use ::parquet::record::{Field, Row, reader::RowIter};
use std::collections::VecDeque;
use std::path::Path;

/// The most bytes (uncompressed, as the file's metadata says) one row group may hold.
pub const MAX_ROW_GROUP_BYTES: i64 = 2 << 30;

thread_local! {
    /// Set while this thread is inside a call into the `parquet` crate (`guarded`).
    static IN_PARQUET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

static QUIET_HOOK: std::sync::Once = std::sync::Once::new();

/// Runs a call into the `parquet` crate, giving `None` if it panics (on a damaged file). The
/// panic's message is kept quiet on this thread only while the call runs: a panic anywhere
/// else is reported by the hook that was there before.
fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    QUIET_HOOK.call_once(|| {
        let before = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_PARQUET.with(std::cell::Cell::get) {
                before(info);
            }
        }));
    });
    IN_PARQUET.with(|q| q.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    IN_PARQUET.with(|q| q.set(false));
    result.ok()
}

/// The magic bytes that open and close every Parquet file.
pub const MAGIC: &[u8; 4] = b"PAR1";

/// An open Parquet file, read one row group at a time.
pub struct ParquetRows {
    file: String,
    reader: SerializedFileReader<std::fs::File>,
    next_group: usize,
    /// The rows of the current row group not yet handed out.
    pending: VecDeque<Row>,
    /// Rows handed out so far (a row's "line" in messages is its row number from 1).
    rows_read: u64,
    /// Compressed bytes of the row groups read, for progress bars.
    bytes_read: u64,
}

fn bad(file: &str, message: String) -> ContactsError {
    ContactsError::NotTabular {
        file: file.into(),
        message,
    }
}

impl ParquetRows {
    /// Opens a Parquet file and reads its schema: the top-level columns, in file order.
    pub fn open(path: &Path) -> Result<(ParquetRows, Vec<String>), ContactsError> {
        let file = path.display().to_string();
        let f = std::fs::File::open(path).map_err(|source| ContactsError::Io {
            file: file.clone(),
            source,
        })?;
        let unreadable = |why: String| {
            bad(
                &file,
                format!(
                    "is not a readable Parquet file ({why}): truncated or damaged? write it \
                     again, or give the data as CSV"
                ),
            )
        };
        let reader = guarded(|| SerializedFileReader::new(f))
            .ok_or_else(|| unreadable("its metadata is damaged".into()))?
            .map_err(|e| unreadable(e.to_string()))?;
        let meta = reader.metadata();
        let root = meta.file_metadata().schema_descr().root_schema();
        let mut headers = Vec::new();
        for field in root.get_fields() {
            let name = field.name().trim().to_string();
            let repeated = field.get_basic_info().has_repetition()
                && field.get_basic_info().repetition() == Repetition::REPEATED;
            if field.is_group() || repeated {
                return Err(bad(
                    &file,
                    format!(
                        "column '{name}' is nested (a list, map or struct): scorewright reads \
                         flat columns of one value each; flatten it first (in DuckDB, for a list: \
                         array_to_string({name}, ';'))"
                    ),
                ));
            }
            headers.push(name);
        }
        let sizes: Vec<i64> = meta
            .row_groups()
            .iter()
            .map(|g| g.total_byte_size())
            .collect();
        refuse_huge_row_groups(&file, &sizes, MAX_ROW_GROUP_BYTES)?;
        Ok((
            ParquetRows {
                file,
                reader,
                next_group: 0,
                pending: VecDeque::new(),
                rows_read: 0,
                bytes_read: 0,
            },
            headers,
        ))
    }

    /// Reads the next row group into `pending`; false at the end of the file.
    fn fill(&mut self) -> Result<bool, ContactsError> {
        while self.pending.is_empty() {
            if self.next_group >= self.reader.num_row_groups() {
                return Ok(false);
            }
            let at = self.next_group;
            self.next_group += 1;
            let damaged = |e: ::parquet::errors::ParquetError| {
                bad(
                    &self.file,
                    format!(
                        "row group {} cannot be read ({e}): the file is damaged or truncated; \
                         write it again",
                        at + 1
                    ),
                )
            };
            let reader = &self.reader;
            let read = guarded(
                || -> Result<VecDeque<Row>, ::parquet::errors::ParquetError> {
                    let group = reader.get_row_group(at)?;
                    RowIter::from_row_group(None, &*group)?.collect()
                },
            )
            .unwrap_or_else(|| {
                Err(::parquet::errors::ParquetError::General(
                    "a page or its metadata is damaged".into(),
                ))
            });
            self.pending = read.map_err(damaged)?;
            self.bytes_read += self.reader.metadata().row_group(at).compressed_size() as u64;
        }
        Ok(true)
    }

    /// Up to `max_rows` rows, the columns at `keep` (positions in the file's columns) in that
    /// order; `None` at the end. A row's line is its row number in the file, from 1.
    pub fn next_chunk(
        &mut self,
        max_rows: usize,
        keep: &[usize],
        mut t: Table,
    ) -> Result<Option<Table>, ContactsError> {
        let mut cells: Vec<String> = Vec::new();
        while t.lines.len() < max_rows && self.fill()? {
            let Some(row) = self.pending.pop_front() else {
                break;
            };
            self.rows_read += 1;
            cells.clear();
            for (name, field) in row.get_column_iter() {
                cells.push(cell_text(field).ok_or_else(|| ContactsError::Bad {
                    file: self.file.clone(),
                    line: self.rows_read,
                    message: format!("column '{name}' holds a value that is no one cell"),
                })?);
            }
            for (k, &i) in keep.iter().enumerate() {
                t.columns[k].push(cells.get(i).map_or("", String::as_str));
            }
            t.lines.push(self.rows_read);
        }
        Ok((!t.lines.is_empty()).then_some(t))
    }

    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }
}

/// Refuses a file whose row groups (their uncompressed bytes, as the metadata claims) are
/// larger than `limit`, or claim a negative size, naming the first such group.
fn refuse_huge_row_groups(file: &str, sizes: &[i64], limit: i64) -> Result<(), ContactsError> {
    match sizes.iter().position(|&n| n > limit || n < 0) {
        Some(i) => Err(bad(
            file,
            format!(
                "row group {} claims {} bytes: refused (at most {} MB a row group are read); \
                 write the file with smaller row groups (DuckDB: ROW_GROUP_SIZE 100000)",
                i + 1,
                sizes[i],
                limit >> 20
            ),
        )),
        None => Ok(()),
    }
}

/// A typed Parquet value as the text a CSV cell would hold; `None` for a nested value (refused
/// at open, so only a file whose schema lies gets here).
pub fn cell_text(f: &Field) -> Option<String> {
    Some(match f {
        Field::Null => String::new(),
        Field::Bool(b) => b.to_string(),
        Field::Byte(v) => v.to_string(),
        Field::Short(v) => v.to_string(),
        Field::Int(v) => v.to_string(),
        Field::Long(v) => v.to_string(),
        Field::UByte(v) => v.to_string(),
        Field::UShort(v) => v.to_string(),
        Field::UInt(v) => v.to_string(),
        Field::ULong(v) => v.to_string(),
        Field::Float16(v) => float_text(f64::from(f32::from(*v))),
        // The f32's own shortest text: `0.1f32` is `0.1`, what its writer meant.
        Field::Float(v) => {
            if v.is_finite() {
                v.to_string()
            } else {
                float_text(f64::from(*v))
            }
        }
        Field::Double(v) => float_text(*v),
        Field::Decimal(d) => decimal_text(d.data(), d.scale())?,
        Field::Str(s) => s.clone(),
        Field::Bytes(b) => String::from_utf8_lossy(b.data()).into_owned(),
        Field::Date(days) => crate::model::Date(*days).to_string(),
        Field::TimeMillis(ms) => time_text(i64::from(*ms) * 1000),
        Field::TimeMicros(us) => time_text(*us),
        Field::TimestampMillis(ms) => timestamp_text(*ms as i128 * 1000),
        Field::TimestampMicros(us) => timestamp_text(*us as i128),
        Field::Group(_) | Field::ListInternal(_) | Field::MapInternal(_) => return None,
    })
}

/// The shortest text that reads back to the same double (Rust's `Display` round-trips and
/// never writes an exponent); infinities and NaN as the words `parse_number` refuses.
pub fn float_text(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else {
        v.to_string()
    }
}

/// An unscaled big-endian two's complement integer and a scale, as decimal text (`-12.50`).
fn decimal_text(bytes: &[u8], scale: i32) -> Option<String> {
    if bytes.is_empty() || bytes.len() > 16 || scale < 0 {
        return None;
    }
    let mut v: i128 = if bytes[0] & 0x80 != 0 { -1 } else { 0 };
    for &b in bytes {
        v = (v << 8) | i128::from(b);
    }
    let digits = v.unsigned_abs().to_string();
    let scale = scale as usize;
    let sign = if v < 0 { "-" } else { "" };
    if scale == 0 {
        return Some(format!("{sign}{digits}"));
    }
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (int, frac) = padded.split_at(padded.len() - scale);
    Some(format!("{sign}{int}.{frac}"))
}

fn time_text(micros: i64) -> String {
    let us = micros.rem_euclid(86_400_000_000);
    let (s, frac) = (us / 1_000_000, us % 1_000_000);
    let hms = format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
    if frac == 0 {
        hms
    } else {
        format!("{hms}.{frac:06}")
    }
}

/// Microseconds since 1970 (UTC) as `YYYY-MM-DD HH:MM:SS[.ffffff]`.
fn timestamp_text(micros: i128) -> String {
    let day = micros.div_euclid(86_400_000_000);
    let date = crate::model::Date(day.clamp(i32::MIN as i128, i32::MAX as i128) as i32);
    format!(
        "{date} {}",
        time_text(micros.rem_euclid(86_400_000_000) as i64)
    )
}

/// Rows per row group written.
pub const SINK_ROWS: usize = 65_536;

/// A `Write` that takes CSV (a header line, then rows) and writes it as a Parquet file; its
/// `flush` ends the file (the last row group and the footer), after which it takes no more.
pub struct ParquetSink<W: std::io::Write + Send> {
    writer: Option<::parquet::file::writer::SerializedFileWriter<W>>,
    /// The names of the columns written as doubles.
    doubles: Vec<String>,
    /// Per column: whether it is written as doubles (known once the header is read).
    is_double: Vec<bool>,
    out: W2<W>,
    csv: csv_core::Reader,
    /// A record's bytes and the ends of its fields, as `csv_core` fills them.
    field_bytes: Vec<u8>,
    ends: Vec<usize>,
    used: (usize, usize),
    columns: Vec<Vec<Option<String>>>,
    rows: usize,
}

/// Where the file goes before the header says what its schema is.
enum W2<W> {
    Waiting(W),
    Taken,
}

fn sink_err(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(format!("writing Parquet: {e}"))
}

impl<W: std::io::Write + Send> ParquetSink<W> {
    /// A sink writing to `out`; the columns named in `doubles` are written as doubles.
    pub fn new(out: W, doubles: Vec<String>) -> ParquetSink<W> {
        ParquetSink {
            writer: None,
            doubles,
            is_double: Vec::new(),
            out: W2::Waiting(out),
            csv: csv_core::Reader::new(),
            field_bytes: vec![0; 1 << 16],
            ends: vec![0; 64],
            used: (0, 0),
            columns: Vec::new(),
            rows: 0,
        }
    }

    /// A whole record has been read: the header makes the schema, a row joins the columns.
    fn record(&mut self) -> std::io::Result<()> {
        let (nout, nend) = self.used;
        let fields: Vec<&[u8]> = (0..nend)
            .map(|i| {
                let start = if i == 0 { 0 } else { self.ends[i - 1] };
                &self.field_bytes[start..self.ends[i].min(nout)]
            })
            .collect();
        if self.writer.is_none() {
            let names: Vec<String> = fields
                .iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect();
            self.is_double = names.iter().map(|n| self.doubles.contains(n)).collect();
            let out = match std::mem::replace(&mut self.out, W2::Taken) {
                W2::Waiting(w) => w,
                W2::Taken => return Err(sink_err("the file was already ended")),
            };
            self.writer = Some(open_writer(out, &names, &self.is_double).map_err(sink_err)?);
            self.columns = names.iter().map(|_| Vec::new()).collect();
            return Ok(());
        }
        for (k, col) in self.columns.iter_mut().enumerate() {
            let cell = fields.get(k).copied().unwrap_or(b"");
            col.push((!cell.is_empty()).then(|| String::from_utf8_lossy(cell).into_owned()));
        }
        self.rows += 1;
        if self.rows >= SINK_ROWS {
            self.row_group()?;
        }
        Ok(())
    }

    /// Writes the rows held as one row group.
    fn row_group(&mut self) -> std::io::Result<()> {
        use ::parquet::data_type::{ByteArray, ByteArrayType, DoubleType};
        let Some(w) = self.writer.as_mut() else {
            return Ok(());
        };
        if self.rows == 0 {
            return Ok(());
        }
        let mut group = w.next_row_group().map_err(sink_err)?;
        let mut k = 0;
        while let Some(mut col) = group.next_column().map_err(sink_err)? {
            let cells = std::mem::take(&mut self.columns[k]);
            let defs: Vec<i16> = cells.iter().map(|c| i16::from(c.is_some())).collect();
            if self.is_double[k] {
                let mut values = Vec::with_capacity(cells.len());
                for c in cells.iter().flatten() {
                    values.push(
                        c.parse::<f64>()
                            .map_err(|_| sink_err(format!("score '{c}' is not a number")))?,
                    );
                }
                col.typed::<DoubleType>()
                    .write_batch(&values, Some(&defs), None)
                    .map_err(sink_err)?;
            } else {
                let values: Vec<ByteArray> = cells
                    .into_iter()
                    .flatten()
                    .map(|c| ByteArray::from(c.into_bytes()))
                    .collect();
                col.typed::<ByteArrayType>()
                    .write_batch(&values, Some(&defs), None)
                    .map_err(sink_err)?;
            }
            col.close().map_err(sink_err)?;
            k += 1;
        }
        group.close().map_err(sink_err)?;
        self.rows = 0;
        Ok(())
    }
}

/// A Parquet writer for these columns: doubles or UTF-8 text, each optional.
fn open_writer<W: std::io::Write + Send>(
    out: W,
    names: &[String],
    is_double: &[bool],
) -> Result<::parquet::file::writer::SerializedFileWriter<W>, ::parquet::errors::ParquetError> {
    use ::parquet::basic::{Compression, LogicalType, Type as Physical};
    use ::parquet::schema::types::Type;
    use std::sync::Arc;
    let mut fields = Vec::with_capacity(names.len());
    for (name, &double) in names.iter().zip(is_double) {
        let t = if double {
            Type::primitive_type_builder(name, Physical::DOUBLE)
        } else {
            Type::primitive_type_builder(name, Physical::BYTE_ARRAY)
                .with_logical_type(Some(LogicalType::String))
        };
        fields.push(Arc::new(t.with_repetition(Repetition::OPTIONAL).build()?));
    }
    let schema = Arc::new(
        Type::group_type_builder("scored")
            .with_fields(fields)
            .build()?,
    );
    let props = ::parquet::file::properties::WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    ::parquet::file::writer::SerializedFileWriter::new(out, schema, Arc::new(props))
}

impl<W: std::io::Write + Send> std::io::Write for ParquetSink<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        use csv_core::ReadRecordResult as R;
        let mut input = buf;
        loop {
            let (nout, nend) = self.used;
            let (res, nin, o, e) =
                self.csv
                    .read_record(input, &mut self.field_bytes[nout..], &mut self.ends[nend..]);
            // `ends` are offsets into the output written in this call: make them absolute.
            for end in &mut self.ends[nend..nend + e] {
                *end += nout;
            }
            self.used = (nout + o, nend + e);
            input = &input[nin..];
            match res {
                R::InputEmpty => return Ok(buf.len()),
                R::OutputFull => {
                    let n = self.field_bytes.len();
                    self.field_bytes.resize(n * 2, 0);
                }
                R::OutputEndsFull => {
                    let n = self.ends.len();
                    self.ends.resize(n * 2, 0);
                }
                R::Record => {
                    self.record()?;
                    self.used = (0, 0);
                }
                R::End => return Ok(buf.len()),
            }
        }
    }

    /// Ends the file: the rows held become the last row group, then the footer is written.
    fn flush(&mut self) -> std::io::Result<()> {
        // A last row without its line break is whole at the end of the input.
        let (nout, nend) = self.used;
        let (res, _, o, e) =
            self.csv
                .read_record(&[], &mut self.field_bytes[nout..], &mut self.ends[nend..]);
        for end in &mut self.ends[nend..nend + e] {
            *end += nout;
        }
        self.used = (nout + o, nend + e);
        if res == csv_core::ReadRecordResult::Record {
            self.record()?;
        }
        self.row_group()?;
        match self.writer.take() {
            Some(w) => {
                let mut out = w.into_inner().map_err(sink_err)?;
                out.flush()
            }
            None => Ok(()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn typed_cells_become_text_that_reads_back_the_same() {
        // 0.1 + 0.2 is 0.30000000000000004: its shortest round-trip text has 17 digits.
        let v = 0.1 + 0.2;
        assert_eq!(cell_text(&Field::Double(v)).unwrap(), "0.30000000000000004");
        assert_eq!(
            crate::contacts::parse_number(&float_text(v)).unwrap(),
            v,
            "reads back to the same double"
        );
        assert_eq!(
            cell_text(&Field::Double(1e21)).unwrap(),
            "1000000000000000000000"
        );
        assert_eq!(cell_text(&Field::Double(-0.5)).unwrap(), "-0.5");
        assert_eq!(cell_text(&Field::Float(0.1)).unwrap(), "0.1");
        assert_eq!(
            cell_text(&Field::Long(-9_007_199_254_740_993)).unwrap(),
            "-9007199254740993"
        );
        assert_eq!(cell_text(&Field::Bool(true)).unwrap(), "true");
        assert_eq!(cell_text(&Field::Null).unwrap(), "");
        // Day 20,758 after 1970-01-01 is 2026-11-01 (the engine's own test of dates).
        assert_eq!(cell_text(&Field::Date(20_758)).unwrap(), "2026-11-01");
        assert_eq!(cell_text(&Field::Date(-1)).unwrap(), "1969-12-31");
        // 2024-03-05 is day 19,787; 14:22 is 51,720 s into it.
        let ms = (19_787i64 * 86_400 + 51_720) * 1000;
        assert_eq!(
            cell_text(&Field::TimestampMillis(ms)).unwrap(),
            "2024-03-05 14:22:00"
        );
        assert_eq!(
            cell_text(&Field::TimestampMicros(ms * 1000 + 5)).unwrap(),
            "2024-03-05 14:22:00.000005"
        );
        assert_eq!(
            cell_text(&Field::TimeMillis(3_723_004)).unwrap(),
            "01:02:03.004000"
        );
    }

    #[test]
    fn a_row_group_past_the_limit_is_refused_naming_it() {
        assert!(
            refuse_huge_row_groups("f.parquet", &[10, MAX_ROW_GROUP_BYTES], MAX_ROW_GROUP_BYTES)
                .is_ok()
        );
        let e = refuse_huge_row_groups("f.parquet", &[10, 3 << 30, 5], 2 << 30)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "f.parquet: row group 2 claims 3221225472 bytes: refused (at most 2048 MB a row group \
             are read); write the file with smaller row groups (DuckDB: ROW_GROUP_SIZE 100000)"
        );
        assert!(refuse_huge_row_groups("f.parquet", &[-1], 2 << 30).is_err());
    }

    #[test]
    fn decimals_keep_their_scale_and_sign() {
        // 1250 with scale 2 is 12.50; -5 (0xFB) with scale 3 is -0.005.
        assert_eq!(decimal_text(&[0x04, 0xE2], 2).unwrap(), "12.50");
        assert_eq!(decimal_text(&[0xFB], 3).unwrap(), "-0.005");
        assert_eq!(decimal_text(&[0x07], 0).unwrap(), "7");
        assert_eq!(decimal_text(&[0; 17], 0), None);
    }
}
