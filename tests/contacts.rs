//! Reading contacts: a large file read on every core gives exactly what reading it row by row
//! gives; Parquet (as DuckDB writes it) and XLSX score as the same rows in CSV do; `score -o
//! x.parquet` writes what DuckDB reads back as the CSV output; a Salesforce report's footer
//! and a HubSpot export's columns and dates are read as they are.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::cli::{bin, fixture, leads, stderr, stdout, write};
use scorewright::contacts::{ContactsReader, read_contacts};
use std::io::Write;
use std::path::Path;

#[test]
fn a_large_file_read_in_parallel_equals_reading_it_row_by_row() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
    writeln!(f, "id,name,visits,note").unwrap();
    let mut rng = scorewright::rng::Rng::new(3);
    let mut i = 0u64;
    // Past the 8 MB at which reading goes parallel: quoted cells with commas and line breaks,
    // ragged rows, empty cells and a Latin-1 byte (blank lines are left out: after one, the
    // row-by-row reader names the blank line, the block reader the row's own line), so that every count is exercised.
    while i < 240_000 {
        i += 1;
        match rng.below(50) {
            0 => writeln!(
                f,
                "{i},\"Smith, Jo\nsecond line\",{},\"said \"\"hi\"\"\"",
                rng.below(100)
            )
            .unwrap(),
            1 => writeln!(f, "{i},short").unwrap(),
            2 => writeln!(f, "{i},long,1,2,3").unwrap(),
            3 => writeln!(f, "{i},,,").unwrap(),
            4 => writeln!(f, "{i},  padded  ,7, ünïcødé ").unwrap(),
            5 => f
                .write_all(format!("{i},M").as_bytes())
                .and_then(|_| f.write_all(&[0xFC]))
                .and_then(|_| f.write_all(b"nchen,3,x\n"))
                .unwrap(),
            _ => writeln!(
                f,
                "{i},name {i},{},plain note number {}",
                rng.below(1000),
                rng.below(1_000_000)
            )
            .unwrap(),
        }
    }
    drop(f);
    assert!(std::fs::metadata(&p).unwrap().len() > 8 * 1024 * 1024);
    let parallel = read_contacts(&p).unwrap();
    let mut r = ContactsReader::open(&p).unwrap();
    let sequential = r.next_chunk(usize::MAX).unwrap().unwrap();
    assert_eq!(parallel.headers, sequential.headers);
    assert_eq!(parallel.rows(), sequential.rows());
    assert_eq!(parallel.lines, sequential.lines);
    for (a, b) in parallel.columns.iter().zip(&sequential.columns) {
        assert!(a.iter().eq(b.iter()));
    }
    assert_eq!(
        (parallel.long_rows, parallel.short_rows),
        (sequential.long_rows, sequential.short_rows)
    );
    assert_eq!(
        (parallel.bad_utf8, parallel.first_bad_utf8_line),
        (sequential.bad_utf8, sequential.first_bad_utf8_line)
    );
    assert!(parallel.bad_utf8 > 0 && parallel.long_rows > 0 && parallel.short_rows > 0);
}

/// Runs SQL in the DuckDB CLI (installed by `.ci/install-engines`) and returns its CSV output.
fn duckdb(sql: &str) -> String {
    let out = std::process::Command::new("duckdb")
        .arg("-csv")
        .arg("-c")
        .arg(sql)
        .output()
        .expect("duckdb is installed (bash .ci/install-engines)");
    assert!(
        out.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Leads.csv copied to Parquet by DuckDB, with its own types (`typed`) or all as text.
fn leads_parquet(dir: &Path, typed: bool) -> std::path::PathBuf {
    let name = if typed {
        "typed.parquet"
    } else {
        "text.parquet"
    };
    let p = dir.join(name);
    duckdb(&format!(
        "COPY (SELECT * FROM read_csv('{}', all_varchar = {})) TO '{}' (FORMAT parquet)",
        leads().display(),
        !typed,
        p.display()
    ));
    p
}

fn score(model: &Path, contacts: &Path, args: &[&str]) -> std::process::Output {
    bin()
        .arg("score")
        .arg(model)
        .arg(contacts)
        .args(args)
        .output()
        .unwrap()
}

/// Issue 18 item 4: a real third-party Parquet file (DuckDB's, Snappy, its own types: `Do Not
/// Email` a boolean, `TotalVisits` a bigint, `Page Views Per Visit` a double) scores exactly as
/// the CSV it was made from, and so does the all-text copy and the same file under a name
/// that does not say Parquet (found by its magic bytes).
#[test]
fn parquet_written_by_duckdb_scores_as_the_csv_it_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let model = common::cli::root().join("examples/x-education.yaml");
    let csv = score(&model, &leads(), &["--only-results"]);
    assert_eq!(csv.status.code(), Some(0), "{}", stderr(&csv));
    // Leads.csv has 9,240 rows (wc -l: 9,241 lines with the header).
    assert!(stderr(&csv).contains("Leads.csv: 9240 contacts scored"));
    let typed = leads_parquet(dir.path(), true);
    let untyped = leads_parquet(dir.path(), false);
    let unnamed = dir.path().join("leads.data");
    std::fs::copy(&typed, &unnamed).unwrap();
    for p in [&typed, &untyped, &unnamed] {
        let out = score(&model, p, &["--only-results"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("9240 contacts scored"),
            "{}",
            stderr(&out)
        );
        assert!(
            stdout(&out) == stdout(&csv),
            "{} scores as Leads.csv",
            p.display()
        );
    }
    // The designer's way in: the whole file as one table, the typed cells as text.
    let t = read_contacts(&typed).unwrap();
    assert_eq!(t.rows(), 9240);
    assert_eq!(
        t.lines[9239], 9240,
        "a Parquet row's line is its row number"
    );
    let c = read_contacts(&leads()).unwrap();
    assert_eq!(c.cell(0, "Prospect ID"), t.cell(0, "Prospect ID"));
    // Row 1 of Leads.csv: Do Not Email "No" (a boolean to DuckDB), TotalVisits "0", Page
    // Views Per Visit "0"; row 2: 5 visits and 2.5 pages a visit.
    assert_eq!(t.cell(0, "Do Not Email"), "false");
    assert_eq!(
        (c.cell(1, "TotalVisits"), t.cell(1, "TotalVisits")),
        ("5", "5")
    );
    assert_eq!(t.cell(1, "Page Views Per Visit"), "2.5");
}

/// Issue 18 item 4: `score -o out.parquet` writes the CSV output's columns, the scores as
/// doubles and the rest as text, and DuckDB reads back exactly the CSV output's rows.
#[test]
fn score_writes_parquet_that_duckdb_reads_as_the_csv_output() {
    let dir = tempfile::tempdir().unwrap();
    let model = common::cli::root().join("examples/x-education.yaml");
    let csv = dir.path().join("out.csv");
    let pq = dir.path().join("out.parquet");
    for out in [&csv, &pq] {
        let run = score(&model, &leads(), &["-o", out.to_str().unwrap()]);
        assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    }
    let types = duckdb(&format!(
        "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '{}') WHERE column_name IN ('Prospect ID', 'score_enrolment', 'tier')",
        pq.display()
    ));
    assert_eq!(
        types,
        "column_name,column_type\nProspect ID,VARCHAR\nscore_enrolment,DOUBLE\ntier,VARCHAR\n"
    );
    // Every column, as text (NULL for an empty cell, as DuckDB reads the CSV), both ways; the
    // scores as the CSV writes them (no `.0` on a whole number).
    let text = format!(
        "SELECT * FROM read_csv('{}', all_varchar = true)",
        csv.display()
    );
    let back = format!(
        "SELECT * REPLACE (CASE WHEN score_enrolment = floor(score_enrolment) THEN CAST(CAST(score_enrolment AS BIGINT) AS VARCHAR) ELSE CAST(score_enrolment AS VARCHAR) END AS score_enrolment) FROM '{}'",
        pq.display()
    );
    let differ = duckdb(&format!(
        "SELECT (SELECT count(*) FROM ({text} EXCEPT ALL {back})) + (SELECT count(*) FROM ({back} EXCEPT ALL {text})) AS differ, (SELECT count(*) FROM '{}') AS n",
        pq.display()
    ));
    assert_eq!(differ, "differ,n\n0,9240\n");
}

/// Issue 18 item 4, hostile Parquet: a truncated file, a CSV under a Parquet name, a nested
/// column, and Parquet on a stream: each an error naming the file, exit 2, never a panic.
#[test]
fn broken_or_nested_parquet_is_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let model = fixture("hubspot.yaml");
    let whole = dir.path().join("whole.parquet");
    duckdb(&format!(
        "COPY (SELECT 101 AS \"Record ID\", 'lead' AS \"Lifecycle Stage\") TO '{}' (FORMAT parquet)",
        whole.display()
    ));
    let bytes = std::fs::read(&whole).unwrap();
    let cut = write(dir.path(), "cut.parquet", "");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let text = write(dir.path(), "text.parquet", "id,visits\n1,2\n");
    let nested = dir.path().join("nested.parquet");
    duckdb(&format!(
        "COPY (SELECT 1 AS id, [1, 2] AS tags) TO '{}' (FORMAT parquet)",
        nested.display()
    ));
    for (p, why) in [
        (&cut, "cut.parquet: is not a readable Parquet file ("),
        (&text, "text.parquet: is not a readable Parquet file ("),
        (
            &nested,
            "nested.parquet: column 'tags' is nested (a list, map or struct)",
        ),
    ] {
        let out = score(&model, p, &[]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains(why), "{}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    }
    let out = score(&model, &whole, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Parquet is read from its end, so not from a stream.
    let e = ContactsReader::from_reader("pipe", Box::new(std::io::Cursor::new(bytes)))
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.starts_with("pipe: is a Parquet file: give it as a file"),
        "{e}"
    );
}

/// Issue 18 item 5: a HubSpot export, as CSV and as XLSX (`tests/fixtures/make_hubspot_xlsx.py`:
/// dates as Excel serials with a date or date-time format), read through its own column names
/// (`Create Date`, `Lifecycle Stage`, `Last Activity Date`) with its `2024-03-05 14:22` dates.
/// By hand, as of 2024-03-10: Ann 2024-03-01 is 9 days old, recency (half-life 9) 0.5 x 50 =
/// 25, lead 0.5 x 30 = 15, 12 pageviews 1 x 20 = 20, created 5 days ago +5: 65. Bo active
/// today 50, MQL 30, 3 pageviews 6, created 19 days ago: 86. Cy no activity 0, subscriber 0,
/// 0.5 pageviews 1: 1. The second sheet's Di: 50 + 0 (customer) + 20 (40 pageviews) = 70.
#[test]
fn a_hubspot_export_as_csv_and_as_xlsx_scores_as_written() {
    let model = fixture("hubspot.yaml");
    let expected = "Record ID,score_interest,rating,tier,handover,segment,action,route\n\
        101,65,,hot,sales,Everyone,Newsletter,marketing\n\
        102,86,,hot,sales,Everyone,Newsletter,marketing\n\
        103,1,,cold,nurture,Everyone,Newsletter,marketing\n";
    for f in ["hubspot.csv", "hubspot.xlsx"] {
        let out = score(&model, &fixture(f), &["--only-results"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(stdout(&out), expected, "{f}");
    }
    // The serials become ISO text: a date-time cell keeps its time, a date cell is the day.
    let out = score(&model, &fixture("hubspot.xlsx"), &["--sheet", "Archive"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).lines().nth(1).unwrap(),
        "104,Di,2023-01-02 08:00:00,customer,2024-03-10,40,70,,hot,sales,Everyone,Newsletter,marketing"
    );
    let out = score(&model, &fixture("hubspot.xlsx"), &["--sheet", "Nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out)
            .contains("hubspot.xlsx: has no sheet 'Nope'; its sheets are: 'Contacts', 'Archive'"),
        "{}",
        stderr(&out)
    );
    let out = score(&model, &fixture("hubspot.csv"), &["--sheet", "Contacts"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is not a spreadsheet, and --sheet 'Contacts' names"));
    // Every command that reads contacts takes --sheet (here `check`, `backtest`'s peers read
    // the same way through `read_contacts`).
    let out = bin()
        .args(["check", "--sheet", "Archive"])
        .arg(&model)
        .arg("--contacts")
        .arg(fixture("hubspot.xlsx"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("not checked"), "{}", stderr(&out));
}

/// A Salesforce report export: 1,204 rows, then a blank line and the report's five footer
/// lines. The footer is not scored, not counted as short rows, and said on stderr; a row of one
/// quoted cell after a blank line in the middle of the data is a contact.
#[test]
fn a_salesforce_report_footer_is_reported_and_not_scored() {
    let dir = tempfile::tempdir().unwrap();
    let model = fixture("hubspot.yaml");
    let mut text =
        String::from("\"Record ID\",\"Lifecycle Stage\",\"Number of Pageviews\",\"Converted\"\n");
    for i in 0..1204 {
        if i == 600 {
            // Looks like the footer's copyright, but data follows: a contact (id only).
            text.push_str(
                "\n\"Copyright (c) 2000-2024 salesforce.com, inc. All rights reserved.\"\n",
            );
        }
        text.push_str(&format!(
            "\"{}\",\"lead\",\"{}\",\"{}\"\n",
            1000 + i,
            i % 10,
            i % 2
        ));
    }
    text.push_str(
        "\n\"Leads by stage\"\n\
         \"Copyright (c) 2000-2024 salesforce.com, inc. All rights reserved.\"\n\
         \"Confidential Information - Do Not Distribute\"\n\
         \"Generated By: Dana Smith 3/5/2024 2:22 PM\"\n\
         \"Acme Inc.\"\n",
    );
    let p = write(dir.path(), "report.csv", &text);
    let out = score(&model, &p, &["--only-results"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    // 1,204 rows and the one-cell row in the middle; the footer's first line is line 1 + 1 +
    // 1,204 + 1 (the blank before it) + 1 (the blank line in the middle) + 1 = 1,209.
    assert!(err.contains("report.csv: 1205 contacts scored"), "{err}");
    assert!(
        err.contains("report.csv: 5 report footer lines after row 1,205 (from line 1209: a Salesforce report's name, copyright and \"Generated By\") were not scored"),
        "{err}"
    );
    // The one-cell row in the middle is the one short row.
    assert!(
        err.contains("1 row has fewer cells than the header"),
        "{err}"
    );
    assert_eq!(stdout(&out).lines().count(), 1 + 1205);
    // The same footer, read whole (the designer's way), is left out too, and the commands
    // that read the file whole say so as `score` does.
    assert_eq!(read_contacts(&p).unwrap().rows(), 1205);
    let out = bin()
        .arg("backtest")
        .arg(&model)
        .arg(&p)
        .args(["--outcome", "Converted"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("report.csv: 5 report footer lines after row 1,205 (from line 1209"),
        "{}",
        stderr(&out)
    );
}

/// `--format parquet` needs a file, and `--format jsonl` cannot go into a `.parquet` name:
/// exit 2 before anything is read or written.
#[test]
fn parquet_output_needs_a_file_and_one_format() {
    let dir = tempfile::tempdir().unwrap();
    let model = fixture("hubspot.yaml");
    let out = score(&model, &fixture("hubspot.csv"), &["--format", "parquet"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(
        "--format parquet is written to a file, not to standard output: add -o scored.parquet"
    ));
    let target = dir.path().join("x.parquet");
    let out = score(
        &model,
        &fixture("hubspot.csv"),
        &["--format", "jsonl", "-o", target.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--format jsonl into a file named .parquet: choose one"));
    assert!(!target.exists());
    // `--format parquet` with any name writes Parquet, which reads back as contacts.
    let target = dir.path().join("scored.out");
    let out = score(
        &model,
        &fixture("hubspot.csv"),
        &["--format", "parquet", "-o", target.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(std::fs::read(&target).unwrap().starts_with(b"PAR1"));
    let back = read_contacts(&target).unwrap();
    assert_eq!(back.cell(0, "score_interest"), "65");
    assert_eq!(
        back.cell(2, "Last Activity Date"),
        "",
        "an empty cell is null"
    );
}

/// Issue 18 item 4, hostile Parquet: 3,000 copies of a small DuckDB Parquet file, each with a
/// few bytes changed at random (and a quarter also cut short), are each read to the end or
/// refused with an error naming the file; none panics. The `parquet` crate asserted on 6 of
/// them (a negative column offset, a value cut short) before its calls were guarded.
#[test]
fn randomly_damaged_parquet_is_read_or_refused_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let base_path = dir.path().join("base.parquet");
    duckdb(&format!(
        "COPY (SELECT * FROM read_csv('{}')) TO '{}' (FORMAT parquet)",
        fixture("hubspot.csv").display(),
        base_path.display()
    ));
    let base = std::fs::read(&base_path).unwrap();
    let p = dir.path().join("damaged.parquet");
    let mut rng = scorewright::rng::Rng::new(7);
    let (mut panics, mut refused) = (0, 0);
    for _ in 0..3000 {
        let mut b = base.clone();
        for _ in 0..1 + rng.below(4) {
            let i = rng.below(b.len());
            b[i] = rng.below(256) as u8;
        }
        if rng.below(4) == 0 {
            let n = rng.below(b.len());
            b.truncate(n);
        }
        std::fs::write(&p, &b).unwrap();
        let read = std::panic::catch_unwind(|| {
            let mut r = ContactsReader::open(&p)?;
            while r.next_chunk(2)?.is_some() {}
            Ok::<(), scorewright::contacts::ContactsError>(())
        });
        match read {
            Err(_) => panics += 1,
            Ok(Err(e)) => {
                assert!(e.to_string().starts_with(&p.display().to_string()), "{e}");
                refused += 1;
            }
            Ok(Ok(())) => {}
        }
    }
    assert_eq!(panics, 0);
    assert!(refused > 500, "most damage is found: {refused} of 3000");
}
