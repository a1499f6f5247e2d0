//! What differs between SQL dialects: quoting, literals, casts, regular expressions, integer
//! division, the current date.
//!
//! Every function here returns SQL text that is safe to splice into a query: identifiers are
//! quoted and string literals escaped for the dialect, whatever they hold (quotes, semicolons,
//! backslashes, control characters, any Unicode). A NUL is refused, since no dialect can carry
//! it. Numbers are written so that every dialect reads them back as the same IEEE double.

use super::ExportError;
use std::fmt;
use std::str::FromStr;

/// A SQL dialect the export can write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dialect {
    DuckDb,
    Spark,
    Postgres,
    BigQuery,
    Snowflake,
}

impl Dialect {
    pub const ALL: [Dialect; 5] = [
        Dialect::DuckDb,
        Dialect::Spark,
        Dialect::Postgres,
        Dialect::BigQuery,
        Dialect::Snowflake,
    ];

    /// The name used on the command line: `duckdb`, `spark`, `postgres`, `bigquery`, `snowflake`.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::DuckDb => "duckdb",
            Dialect::Spark => "spark",
            Dialect::Postgres => "postgres",
            Dialect::BigQuery => "bigquery",
            Dialect::Snowflake => "snowflake",
        }
    }

    /// The longest identifier the dialect keeps, in bytes (PostgreSQL cuts longer names).
    fn max_identifier_bytes(self) -> Option<usize> {
        match self {
            Dialect::Postgres => Some(63),
            Dialect::BigQuery => Some(300),
            Dialect::Snowflake => Some(255),
            Dialect::DuckDb | Dialect::Spark => None,
        }
    }

    /// A quoted identifier. `what` names it in the error, if it cannot be written.
    pub fn ident(self, name: &str, what: &str) -> Result<String, ExportError> {
        if name.contains('\0') {
            return Err(ExportError::Nul(what.to_string()));
        }
        if name.is_empty() {
            return Err(ExportError::Unsupported {
                at: what.into(),
                message: "an empty name cannot be a SQL identifier".into(),
            });
        }
        if let Some(max) = self.max_identifier_bytes()
            && name.len() > max
        {
            return Err(ExportError::Unsupported {
                at: what.into(),
                message: format!(
                    "'{name}' is {} bytes long; {} keeps at most {max}: use a shorter id",
                    name.len(),
                    self.name()
                ),
            });
        }
        Ok(match self {
            Dialect::DuckDb | Dialect::Postgres | Dialect::Snowflake => {
                format!("\"{}\"", name.replace('"', "\"\""))
            }
            Dialect::Spark => format!("`{}`", name.replace('`', "``")),
            Dialect::BigQuery => format!("`{}`", backslash_escape(name, '`')),
        })
    }

    /// A string literal. `what` names it in the error, if it cannot be written.
    pub fn string(self, text: &str, what: &str) -> Result<String, ExportError> {
        if text.contains('\0') {
            return Err(ExportError::Nul(what.to_string()));
        }
        let control = |c: char| (c as u32) < 0x20 || c == '\u{7f}';
        Ok(match self {
            // A control character is written as an escape: a line end inside a literal is
            // changed by whatever normalises line ends on the way (the DuckDB CLI reads
            // \r\n as \n). E'' reads the same whether standard_conforming_strings is on or off.
            Dialect::DuckDb | Dialect::Postgres
                if text
                    .chars()
                    .any(|c| control(c) || (c == '\\' && self == Dialect::Postgres)) =>
            {
                let mut out = String::with_capacity(text.len() + 3);
                out.push_str("E'");
                for c in text.chars() {
                    match c {
                        '\'' => out.push_str("''"),
                        '\\' => out.push_str("\\\\"),
                        c if control(c) => out.push_str(&format!("\\x{:02x}", c as u32)),
                        c => out.push(c),
                    }
                }
                out.push('\'');
                out
            }
            Dialect::DuckDb => format!("'{}'", text.replace('\'', "''")),
            Dialect::Postgres => format!("'{}'", text.replace('\'', "''")),
            Dialect::Spark | Dialect::BigQuery => format!("'{}'", backslash_escape(text, '\'')),
            Dialect::Snowflake => {
                let mut out = String::with_capacity(text.len() + 2);
                out.push('\'');
                for c in text.chars() {
                    match c {
                        '\'' => out.push_str("''"),
                        '\\' => out.push_str("\\\\"),
                        c if (c as u32) < 0x20 || c == '\u{7f}' => {
                            out.push_str(&format!("\\x{:02x}", c as u32))
                        }
                        c => out.push(c),
                    }
                }
                out.push('\'');
                out
            }
        })
    }

    /// A double-precision literal that reads back as exactly `v`. Negative values are
    /// parenthesised, so that `a - (-1e0)` never becomes a `--` comment.
    pub fn float(self, v: f64, what: &str) -> Result<String, ExportError> {
        if !v.is_finite() {
            return Err(ExportError::Unsupported {
                at: what.into(),
                message: format!("{v} is not a finite number"),
            });
        }
        // `{:e}` is the shortest text that reads back as the same double.
        let s = format!("{v:e}");
        let lit = match self {
            Dialect::DuckDb | Dialect::BigQuery => s,
            Dialect::Spark => format!("{s}D"),
            Dialect::Postgres => format!("CAST({s} AS DOUBLE PRECISION)"),
            Dialect::Snowflake => format!("CAST('{s}' AS DOUBLE)"),
        };
        Ok(if v.is_sign_negative() && !lit.starts_with("CAST") {
            format!("({lit})")
        } else {
            lit
        })
    }

    /// The dialect's text type.
    pub fn text_type(self) -> &'static str {
        match self {
            Dialect::DuckDb | Dialect::Snowflake => "VARCHAR",
            Dialect::Postgres => "TEXT",
            Dialect::Spark | Dialect::BigQuery => "STRING",
        }
    }

    pub(crate) fn int_type(self) -> &'static str {
        match self {
            Dialect::Spark => "INT",
            Dialect::BigQuery => "INT64",
            _ => "INTEGER",
        }
    }

    /// A typed NULL of the text type.
    pub fn null_text(self) -> String {
        format!("CAST(NULL AS {})", self.text_type())
    }

    /// Any value as text (contacts are text to the engine, whatever type the table gave them).
    pub fn to_text(self, e: &str) -> String {
        format!("CAST({e} AS {})", self.text_type())
    }

    /// Text of ASCII digits as an integer (the caller has checked the digits).
    pub fn digits_to_int(self, e: &str) -> String {
        format!("CAST({e} AS {})", self.int_type())
    }

    /// The characters Rust's `str::trim` removes (Unicode White_Space), as one SQL expression.
    pub fn whitespace(self) -> String {
        let hex: String = WHITESPACE
            .iter()
            .flat_map(|c| c.to_string().into_bytes())
            .map(|b| format!("{b:02x}"))
            .collect();
        match self {
            Dialect::DuckDb => {
                let escaped: String = hex
                    .as_bytes()
                    .chunks(2)
                    .map(|p| format!("\\x{}", String::from_utf8_lossy(p)))
                    .collect();
                format!("decode('{escaped}'::BLOB)")
            }
            // chr(), not convert_from(): the latter's result has the "C" collation, which
            // would make LOWER of the trimmed text ASCII-only.
            Dialect::Postgres => {
                let chrs: Vec<String> = WHITESPACE
                    .iter()
                    .map(|c| format!("chr({})", *c as u32))
                    .collect();
                format!("({})", chrs.join(" || "))
            }
            Dialect::Spark => format!("decode(unhex('{hex}'), 'UTF-8')"),
            Dialect::BigQuery => format!("SAFE_CONVERT_BYTES_TO_STRING(FROM_HEX('{hex}'))"),
            Dialect::Snowflake => format!("HEX_DECODE_STRING('{hex}')"),
        }
    }

    /// `e` without leading and trailing Unicode whitespace, as Rust's `str::trim` does; `ws` is
    /// an expression for the set of characters (`whitespace`).
    ///
    /// Trimming by a set of 25 characters is the dearest step of the whole query in DuckDB,
    /// and most cells have nothing to trim: text whose first and last characters are printable
    /// ASCII (`!` to `~`, none of them whitespace) is kept as it is, and only the other cells
    /// (blank, padded, or ending in anything else) are trimmed.
    pub fn trim(self, e: &str, ws: &str) -> String {
        let trimmed = match self {
            Dialect::DuckDb | Dialect::BigQuery | Dialect::Snowflake => format!("TRIM({e}, {ws})"),
            Dialect::Postgres => format!("BTRIM({e}, {ws})"),
            Dialect::Spark => format!("TRIM(BOTH {ws} FROM {e})"),
        };
        let plain = match self {
            // Code points; the empty text gives -1. `e[-1]` is the last code point.
            Dialect::DuckDb => {
                format!("unicode({e}) BETWEEN 33 AND 126 AND unicode({e}[-1]) BETWEEN 33 AND 126")
            }
            // Code points; the empty text gives 0.
            Dialect::Spark => {
                format!("ascii({e}) BETWEEN 33 AND 126 AND ascii(right({e}, 1)) BETWEEN 33 AND 126")
            }
            // Byte order, whatever the database's collation and encoding: one character whose
            // first byte lies between `!` and `~` is that ASCII character.
            Dialect::Postgres => format!(
                "left({e}, 1) COLLATE \"C\" BETWEEN '!' AND '~' AND right({e}, 1) COLLATE \"C\" BETWEEN '!' AND '~'"
            ),
            // Not run here, so written the one way known to hold.
            Dialect::BigQuery | Dialect::Snowflake => return trimmed,
        };
        format!("CASE WHEN {plain} THEN {e} ELSE {trimmed} END")
    }

    /// Text `e` with A-Z in lower case and nothing else changed, by TRANSLATE in every dialect.
    pub fn lower_translate(self, e: &str) -> String {
        // Only A-Z, as `contacts::typed::category_key` folds: each dialect's LOWER folds the
        // rest of Unicode its own way (PostgreSQL and DuckDB differ from Rust on `İ` and `Σ`).
        format!("TRANSLATE({e}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')")
    }

    /// Text `e` with its ASCII letters in lower case.
    pub fn lower(self, e: &str) -> String {
        let ascii = self.lower_translate(e);
        match self {
            // DuckDB's TRANSLATE costs about 0.7 s per million cells (most of the exported
            // query's time on lead-fit-activity), its LOWER a tenth of that. On text of ASCII
            // only (as many bytes as characters) LOWER folds exactly A-Z; the rest keeps
            // TRANSLATE.
            Dialect::DuckDb => {
                format!("CASE WHEN strlen({e}) = length({e}) THEN lower({e}) ELSE {ascii} END")
            }
            _ => ascii,
        }
    }

    /// Whether text `e` is ASCII only and neither starts nor ends with a space or a control
    /// character (`SqlFunc::PlainAscii`): then `str::trim` leaves it as it is (every other
    /// white-space character is beyond ASCII) and `lower_ascii` folds it as the engine does.
    /// Most category and text cells are plain; the test costs about a third of the trim by the
    /// set it spares (0.03 of 0.85 s per million cells on DuckDB, both ends and the length).
    /// Written for DuckDB only (`Dialect::fast_text`), the one dialect that reads cells this way.
    pub fn plain_ascii(self, e: &str) -> Option<String> {
        match self {
            // `strlen` counts bytes, `length` code points; `unicode` gives -1 for the empty text.
            Dialect::DuckDb => Some(format!(
                "(strlen({e}) = length({e}) AND unicode({e}) > 32 AND unicode({e}[-1]) > 32)"
            )),
            Dialect::Spark | Dialect::Postgres | Dialect::BigQuery | Dialect::Snowflake => None,
        }
    }

    /// Text `e`, known to be ASCII only (`plain_ascii`), with A-Z in lower case: the dialect's
    /// own LOWER where it folds ASCII exactly, else `lower`.
    pub fn lower_ascii(self, e: &str) -> String {
        match self {
            Dialect::DuckDb => format!("lower({e})"),
            _ => self.lower(e),
        }
    }

    /// Whether all of `e` matches `pattern`. The pattern uses only the syntax that RE2, Java
    /// and POSIX regular expressions share, and holds no quote or backslash.
    pub fn full_match(self, e: &str, pattern: &str) -> String {
        match self {
            Dialect::DuckDb => format!("regexp_full_match({e}, '{pattern}')"),
            Dialect::Postgres => format!("({e} ~ '^({pattern})$')"),
            Dialect::Spark => format!("({e} RLIKE '^({pattern})$')"),
            Dialect::BigQuery => format!("REGEXP_CONTAINS({e}, '^({pattern})$')"),
            Dialect::Snowflake => format!("REGEXP_LIKE({e}, '^({pattern})$')"),
        }
    }

    /// Trimmed text as a finite double the way Rust's `str::parse::<f64>` reads it; NULL when
    /// it is not a number or not finite.
    pub fn parse_number(self, t: &str) -> Result<String, ExportError> {
        let max = self.float(f64::MAX, "the largest double")?;
        let checked = |cast: String| {
            let m = self.full_match(t, NUMBER);
            format!("CASE WHEN {m} THEN (CASE WHEN ABS({cast}) <= {max} THEN {cast} END) END")
        };
        Ok(match self {
            Dialect::DuckDb | Dialect::Spark | Dialect::Snowflake => {
                checked(format!("TRY_CAST({t} AS DOUBLE)"))
            }
            Dialect::BigQuery => checked(format!("SAFE_CAST({t} AS FLOAT64)")),
            Dialect::Postgres => {
                // PostgreSQL has no TRY_CAST and raises on a double that overflows or rounds to
                // zero; NUMERIC reads any exponent up to 1000 exactly, so decide there. Most
                // cells are plain: no exponent, no minus sign, at most 300 characters, so 0 or
                // between 1e-300 and 1e300. Those are read as a double directly, rounded as
                // Rust rounds, at a third of the cost.
                let plain = self.full_match(t, NUMBER_PLAIN);
                let n = format!("CAST({t} AS NUMERIC)");
                let bounded = self.full_match(t, NUMBER_SHORT_EXPONENT);
                let general = self.full_match(t, NUMBER);
                let zero = "CAST(0 AS DOUBLE PRECISION)";
                format!(
                    "CASE WHEN {plain} AND LENGTH({t}) <= 300 THEN CAST({t} AS DOUBLE PRECISION) \
                     WHEN {bounded} THEN (CASE WHEN ABS({n}) >= {OVERFLOW} THEN NULL WHEN ABS({n}) <= {UNDERFLOW} THEN {zero} ELSE CAST({n} AS DOUBLE PRECISION) END) \
                     WHEN {general} THEN (CASE WHEN ({t} ~ '[eE]-') OR ({t} ~ '^[+-]?[0.]*[eE]') THEN {zero} END) END"
                )
            }
        })
    }

    /// Integer division of non-negative integers.
    pub fn idiv(self, a: &str, b: i64) -> String {
        match self {
            Dialect::DuckDb => format!("({a} // {b})"),
            Dialect::Postgres => format!("({a} / {b})"),
            Dialect::Spark => format!("({a} div {b})"),
            Dialect::BigQuery => format!("DIV({a}, {b})"),
            Dialect::Snowflake => format!("FLOOR({a} / {b})"),
        }
    }

    /// The remainder of non-negative integers.
    pub fn imod(self, a: &str, b: i64) -> String {
        match self {
            Dialect::BigQuery | Dialect::Snowflake => format!("MOD({a}, {b})"),
            _ => format!("({a} % {b})"),
        }
    }

    /// `base ^ exponent` in doubles.
    pub fn power(self, base: &str, exponent: &str) -> String {
        format!("POWER({base}, {exponent})")
    }

    /// `a / b` where `a` is an integer and `b` a double: a double.
    pub fn int_over_double(self, a: &str, b: &str) -> String {
        format!("(CAST({a} AS {}) / {b})", self.double_type())
    }

    pub(crate) fn double_type(self) -> &'static str {
        match self {
            Dialect::Postgres => "DOUBLE PRECISION",
            Dialect::BigQuery => "FLOAT64",
            _ => "DOUBLE",
        }
    }

    /// Today in UTC as days since 1970-01-01, for models without `as_of`.
    pub fn today_days(self) -> String {
        match self {
            Dialect::DuckDb => "CAST(floor(epoch(current_timestamp) / 86400) AS BIGINT)".into(),
            Dialect::Postgres => {
                "CAST(floor(extract(epoch FROM current_timestamp) / 86400) AS INTEGER)".into()
            }
            Dialect::Spark => "CAST(floor(unix_timestamp() / 86400) AS INT)".into(),
            Dialect::BigQuery => "DIV(UNIX_SECONDS(CURRENT_TIMESTAMP()), 86400)".into(),
            Dialect::Snowflake => {
                "FLOOR(DATE_PART(EPOCH_SECOND, CURRENT_TIMESTAMP()) / 86400)".into()
            }
        }
    }

    /// Text concatenation of two non-NULL texts.
    pub fn concat(self, a: &str, b: &str) -> String {
        format!("CONCAT({a}, {b})")
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Dialect {
    type Err = String;
    fn from_str(s: &str) -> Result<Dialect, String> {
        let t = s.trim().to_ascii_lowercase();
        let found = match t.as_str() {
            "postgresql" | "pg" => Some(Dialect::Postgres),
            "sparksql" | "spark-sql" | "databricks" => Some(Dialect::Spark),
            _ => Dialect::ALL.into_iter().find(|d| d.name() == t),
        };
        found.ok_or_else(|| {
            format!("unknown SQL dialect '{s}': use duckdb, spark, postgres, bigquery or snowflake")
        })
    }
}

/// What Rust's `str::parse::<f64>` accepts, less `inf` and `NaN` (which are not finite).
pub const NUMBER: &str = "[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?";
/// A number without an exponent or a minus sign.
const NUMBER_PLAIN: &str = "[+]?([0-9]+([.][0-9]*)?|[.][0-9]+)";
/// The same with an exponent of at most three significant digits (PostgreSQL's NUMERIC).
const NUMBER_SHORT_EXPONENT: &str = "[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?0*[0-9]{1,3})?";

/// 2^1024 - 2^970: the smallest magnitude that rounds to infinity as a double.
const OVERFLOW: &str = "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792";
/// 2^-1075: magnitudes up to this one round to zero as a double.
const UNDERFLOW: &str = "2.4703282292062327208828439643411068618252990130716238221279284125033775363510437593264991818081799618989828234772285886546332835517796989819938739800539093906315035659515570226392290858392449105184435931802849936536152500319370457678249219365623669863658480757001585769269903706311928279558551332927834338409351978015531246597263579574622766465272827220056374006485499977096599470454020828166226237857393450736339007967761930577506740176324673600968951340535537458516661134223766678604162159680461914467291840300530057530849048765391711386591646239524912623653881879636239373280423891018672348497668235089863388587925628302755995657524455507255189313690836254779186948667994968324049705821028513185451396213837722826145437693412532098591327667236328125E-324";

/// Unicode White_Space: what `char::is_whitespace` and so `str::trim` remove.
pub const WHITESPACE: [char; 25] = [
    '\u{9}', '\u{a}', '\u{b}', '\u{c}', '\u{d}', ' ', '\u{85}', '\u{a0}', '\u{1680}', '\u{2000}',
    '\u{2001}', '\u{2002}', '\u{2003}', '\u{2004}', '\u{2005}', '\u{2006}', '\u{2007}', '\u{2008}',
    '\u{2009}', '\u{200a}', '\u{2028}', '\u{2029}', '\u{202f}', '\u{205f}', '\u{3000}',
];

/// A backslash-escaping literal body (Spark, BigQuery) closed by `quote`.
fn backslash_escape(text: &str, quote: char) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_is_what_rust_trims() {
        let all: Vec<char> = (0..0x11_0000)
            .filter_map(char::from_u32)
            .filter(|c| c.is_whitespace())
            .collect();
        assert_eq!(all, WHITESPACE.to_vec());
    }

    #[test]
    fn quotes_identifiers_and_strings() {
        let name = "we\"ird`; DROP TABLE x; -- 'é";
        assert_eq!(
            Dialect::DuckDb.ident(name, "c").unwrap(),
            "\"we\"\"ird`; DROP TABLE x; -- 'é\""
        );
        assert_eq!(
            Dialect::Spark.ident(name, "c").unwrap(),
            "`we\"ird``; DROP TABLE x; -- 'é`"
        );
        assert_eq!(
            Dialect::BigQuery.ident("a`b\\c", "c").unwrap(),
            "`a\\`b\\\\c`"
        );
        assert_eq!(
            Dialect::DuckDb.string("it's; \\n", "v").unwrap(),
            "'it''s; \\n'"
        );
        assert_eq!(Dialect::Postgres.string("it's", "v").unwrap(), "'it''s'");
        assert_eq!(
            Dialect::Postgres.string("a\\b'", "v").unwrap(),
            "E'a\\\\b'''"
        );
        assert_eq!(
            Dialect::Spark.string("it's \\ \n", "v").unwrap(),
            "'it\\'s \\\\ \\u000a'"
        );
        assert_eq!(
            Dialect::Snowflake.string("it's \\", "v").unwrap(),
            "'it''s \\\\'"
        );
        let nul = Dialect::DuckDb
            .string("a\0b", "match value 'a' of signal 'x'")
            .unwrap_err();
        assert!(
            nul.to_string()
                .contains("match value 'a' of signal 'x' holds a NUL"),
            "{nul}"
        );
        assert!(matches!(
            Dialect::Postgres.ident("x\0", "column"),
            Err(ExportError::Nul(_))
        ));
        let long = "s".repeat(64);
        assert!(
            Dialect::Postgres
                .ident(&long, "output column")
                .unwrap_err()
                .to_string()
                .contains("at most 63")
        );
    }

    #[test]
    fn floats_read_back_exactly() {
        assert_eq!(Dialect::DuckDb.float(0.125, "x").unwrap(), "1.25e-1");
        assert_eq!(Dialect::DuckDb.float(-5.0, "x").unwrap(), "(-5e0)");
        assert_eq!(
            Dialect::Spark.float(0.1 + 0.2, "x").unwrap(),
            "3.0000000000000004e-1D"
        );
        assert_eq!(
            Dialect::Postgres.float(100.0, "x").unwrap(),
            "CAST(1e2 AS DOUBLE PRECISION)"
        );
        assert!(Dialect::DuckDb.float(f64::INFINITY, "x").is_err());
    }

    #[test]
    fn dialect_names_round_trip() {
        for d in Dialect::ALL {
            assert_eq!(d.name().parse::<Dialect>(), Ok(d));
        }
        assert_eq!("PostgreSQL".parse::<Dialect>(), Ok(Dialect::Postgres));
        assert!(
            "oracle"
                .parse::<Dialect>()
                .unwrap_err()
                .contains("unknown SQL dialect 'oracle'")
        );
    }
}
