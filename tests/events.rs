//! Issue 20: an events source and event fields, point-in-time scoring and back-tests.
//!
//! The fixture (`tests/fixtures/events.yaml`) gives each event field a journey of its own on a
//! 0 to 100 scale, so each score is the field's value, computed here by hand from the 14 rows
//! of `tests/fixtures/events-log.csv` (as of 2026-03-01, so an event's age is its days before
//! that).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::cli::{bin, fixture, stderr, stdout, write};

const HEADER: &str = "id,name,bought,score_opens,score_webinars,score_spend,score_open_rate,\
                      score_recency,score_first_webinar,rating,tier,handover,segment,action,route";

/// Every event signal, by hand:
/// - opens (points 5, half-life 2d, cap 6 per 7d, last 30d): a's opens are 1, 2, 3 and 9 days
///   old (the one on 2026-03-01 is not before as_of): 5 x 0.5^(age/2) = 3.5355, 2.5, 1.7678
///   and 0.2210. The first three share the period of ages 1 to 7 (7.8033, capped to 6); the
///   fourth is alone in ages 8 to 14: 6 + 0.220971 = 6.220971. 'email OPEN' is the type
///   'Email open' (compared ignoring case).
/// - webinars (count, last 30d): a's webinar is 19 days old (1); b's is 59 (outside: 0).
/// - spend (sum, last 90d): b's purchases are 90 days old (20.5, in) and 91 (10, out); c's
///   value 'abc' is not a number (not added, reported); a's purchase is after as_of.
/// - open rate (frequency over 2w): a has 4 opens in 14 days: 4 x 7 / 14 = 2.
/// - days since purchase (recency): b 90, c 14; a (only after as_of) and d have none:
///   missing, attainment 0.
/// - first webinar (first_seen, recency half-life 59): a's is 19 days old,
///   100 x 0.5^(19/59) = 79.994133; b's is 59 days old: 50.
#[test]
fn every_event_signal_scores_as_computed_by_hand_and_bad_rows_are_reported() {
    let out = bin()
        .arg("score")
        .arg(fixture("events.yaml"))
        .arg(fixture("events-contacts.csv"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "{HEADER}\n\
             a,Ann,1,6.220971,1,0,2,0,79.994133,,,,,,\n\
             b,Bob,0,0,0,20.5,0,90,50,,,,,,\n\
             c,Cid,0,0,0,0,0,14,0,,,,,,\n\
             d,Dee,0,0,0,0,0,0,0,,,,,,\n"
        )
    );
    let err = stderr(&out);
    let log = fixture("events-log.csv").display().to_string();
    for line in [
        format!(
            "{log}: 1 event with a time that is not a date (first at line 12): skipped; write dates as YYYY-MM-DD"
        ),
        format!("{log}: 1 event with no contact id (first at line 15): skipped"),
        format!(
            "{log}: 1 event with a value that is not a number (first at line 13): not added to sums"
        ),
        format!(
            "{log}: 1 contact with events is not in the contacts (first: 'x'): their events are not scored"
        ),
    ] {
        assert!(err.contains(&line), "{line}\n{err}");
    }
}

/// The fixture model without its contacts file, its events file named in full.
fn without_contacts(dir: &std::path::Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(fixture("events.yaml")).unwrap();
    let log = fixture("events-log.csv").display().to_string();
    let text = text
        .replace("contacts: events-contacts.csv\n", "")
        .replace("file: events-log.csv", &format!("file: {log}"));
    write(dir, "events-only.yaml", &text)
}

/// Priority 2: a model with events and no contacts scores the contacts the log names before
/// as_of, in the order it first names them (b's bad-time row makes no contact, the row with
/// no id none; x is a contact here), under the log's contact column.
#[test]
fn a_model_without_contacts_scores_the_contacts_of_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let model = without_contacts(dir.path());
    let out = bin()
        .arg("score")
        .arg(&model)
        .args(["--only-results"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(
        rows,
        vec![
            "contact,score_opens,score_webinars,score_spend,score_open_rate,score_recency,score_first_webinar,rating,tier,handover,segment,action,route",
            "a,6.220971,1,0,2,0,79.994133,,,,,,",
            "b,0,0,20.5,0,90,50,,,,,,",
            "c,0,0,0,0,14,0,,,,,,",
            // x's open is 28 days old: 5 x 0.5^14 = 0.000305 points.
            "x,0.000305,0,0,0,0,0,,,,,,",
        ]
    );
    assert!(
        stderr(&out).contains("events-log.csv: 4 contacts scored"),
        "{}",
        stderr(&out)
    );
}

/// `--as-of 2026-02-27`: only events before that day count. a's opens are then 1 and 7 days
/// old (the 26th and the 20th), one period, 3.5355 + 0.4419 = 3.977476, under the cap; the
/// two opens of the 27th and 28th are not read. Its open rate is 2 x 7 / 14 = 1.
#[test]
fn score_as_of_a_date_reads_only_the_events_before_it() {
    let out = bin()
        .arg("score")
        .arg(fixture("events.yaml"))
        .arg(fixture("events-contacts.csv"))
        .args(["--as-of", "2026-02-27", "--only-results"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let a = text.lines().nth(1).unwrap();
    // first webinar 17 days old: 100 x 0.5^(17/59) = 81.881...
    let first = 100.0 * 0.5f64.powf(17.0 / 59.0);
    assert_eq!(
        a,
        format!("a,3.977476,1,0,1,0,{},,,,,,", (first * 1e6).round() / 1e6)
    );
    let bad = bin()
        .arg("score")
        .arg(fixture("events.yaml"))
        .args(["--as-of", "27/02/2026"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("'27/02/2026' is not a date: write it as YYYY-MM-DD"),
        "{}",
        stderr(&bad)
    );
    // `--window` is for an outcome read from the events, not for an outcome column.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("events.yaml")).unwrap();
    let column = write(
        dir.path(),
        "column.yaml",
        &text.replace(
            "outcome: { event: purchase, within: 30d }",
            "outcome: bought",
        ),
    );
    let out = bin()
        .arg("backtest")
        .arg(&column)
        .args(["--window", "3d"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "--window 3d: the model's outcome is not an event; set `outcome: { event: TYPE, within: 3d }` in the model"
        ),
        "{}",
        stderr(&out)
    );
}

/// The no-leak test: a back-test (and a score) as of a date gives the same numbers when every
/// event on or after that date is deleted from the log. The outcome here is the contacts'
/// own `bought` column, which the log does not hold.
#[test]
fn a_backtest_as_of_a_date_cannot_see_events_on_or_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let full = std::fs::read_to_string(fixture("events-log.csv")).unwrap();
    let cut = "2026-02-20";
    // Rows without a date (the bad one) stay: they are never read as events anyway.
    let kept: Vec<&str> = full
        .lines()
        .filter(|l| {
            let when = l.split(',').nth(1).unwrap_or("");
            !(when.len() == 10 && when.as_bytes()[4] == b'-' && when >= cut)
        })
        .collect();
    assert_eq!(kept.len(), full.lines().count() - 6, "{kept:?}");
    let log = write(dir.path(), "before.csv", &(kept.join("\n") + "\n"));
    let text = std::fs::read_to_string(fixture("events.yaml")).unwrap();
    let contacts = fixture("events-contacts.csv").display().to_string();
    let model_at = |file: &str, name: &str| {
        let t = text
            .replace(
                "contacts: events-contacts.csv",
                &format!("contacts: {contacts}"),
            )
            .replace("file: events-log.csv", &format!("file: {file}"))
            .replace(
                "outcome: { event: purchase, within: 30d }",
                "outcome: bought",
            );
        write(dir.path(), name, &t)
    };
    let whole = model_at(
        &fixture("events-log.csv").display().to_string(),
        "whole.yaml",
    );
    let before = model_at(&log.display().to_string(), "before.yaml");
    for args in [
        vec!["backtest", "--format", "json"],
        vec!["score", "--only-results"],
    ] {
        let run = |model: &std::path::Path| {
            let out = bin()
                .arg(args[0])
                .arg(model)
                .args(&args[1..])
                .args(["--as-of", cut])
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            stdout(&out)
                .replace("before.csv", "LOG")
                .replace(&fixture("events-log.csv").display().to_string(), "LOG")
        };
        let (a, b) = (run(&whole), run(&before));
        assert_eq!(a, b);
        // And the date matters: as of the 20th, a has one open left (9 days before the 1st
        // is 0 days before the 20th: not read), so opens score 0 there.
        assert!(!a.contains("6.220971"), "{a}");
    }
}

/// The outcome can be an event after as_of: `outcome: { event: purchase, within: 30d }`.
/// a bought on 2026-03-05 (4 days after): 1 of 4. As of 2026-03-06, that purchase is in the
/// past and nobody buys within 30 days after: one class only, which the back-test says.
/// `--window 3d` makes a's purchase (4 days after) fall outside.
#[test]
fn a_backtest_reads_an_outcome_event_after_the_date() {
    let run = |extra: &[&str]| {
        bin()
            .arg("backtest")
            .arg(fixture("events.yaml"))
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("against 'purchase within 30d'"), "{text}");
    assert!(
        text.contains("4 contacts, 4 with a known outcome, 1 converted: base rate 25.0%"),
        "{text}"
    );
    // Opens: a (6.22) above b, c and d (0): the positive ranks first.
    assert!(
        text.contains("Journey opens (opens)\n  AUC 1.0000"),
        "{text}"
    );
    for (extra, window) in [
        (&["--as-of", "2026-03-06"][..], "30d"),
        (&["--window", "3d"][..], "3d"),
    ] {
        let out = run(extra);
        assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
        assert!(
            stderr(&out).contains(&format!(
                "outcome column 'purchase within {window}' has 0 yes and 4 no: a back-test needs both"
            )),
            "{}",
            stderr(&out)
        );
    }
}

/// `explain` lists the events behind each event field: for points, each event's points after
/// decay and where the cap cut (the period of ages 1 to 7 holds 3.5355 + 2.5 + 1.7678: the
/// second is cut to 6 - 3.5355 = 2.4645, the third to 0).
#[test]
fn explain_lists_the_events_that_counted() {
    let out = bin()
        .arg("explain")
        .arg(fixture("events.yaml"))
        .arg(fixture("events-contacts.csv"))
        .args(["--id", "a"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for block in [
        "events of opens: points of email_open (5 each, half-life 2d, at most 6 per 7d) in the last 30d: 4 events\n\
         \x20 2026-02-28 Email open (1 day before): 3.5355 points\n\
         \x20 2026-02-27 Email open (2 days before): 2.5 points, the cap cut it to 2.4645\n\
         \x20 2026-02-26 email OPEN (3 days before): 1.7678 points, the cap cut it to 0\n\
         \x20 2026-02-20 Email open (9 days before): 0.221 points\n",
        "events of webinars: count of webinar in the last 30d: 1 event\n\
         \x20 2026-02-10 Webinar attended (19 days before)\n",
        "events of days_since_purchase: recency of purchase: no events\n",
    ] {
        assert!(text.contains(block), "{block}\n{text}");
    }
    let b = bin()
        .arg("explain")
        .arg(fixture("events.yaml"))
        .arg(fixture("events-contacts.csv"))
        .args(["--id", "b"])
        .output()
        .unwrap();
    let text = stdout(&b);
    assert!(
        text.contains(
            "events of spend: sum of purchase in the last 90d: 1 of 2 events in the window\n\
             \x20 2025-12-01 Purchase (90 days before): value 20.5\n\
             \x20 2025-11-30 Purchase (91 days before): outside the window\n"
        ),
        "{text}"
    );
}

/// Bad specs are errors at their line: an event field in a model without `events:`, an
/// unknown type (with the nearest), a kind the aggregate does not give, a frequency without a
/// window, a window on recency, points options on a count, an outcome event not declared.
#[test]
fn bad_event_specs_are_errors_at_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let journeys = "journeys:\n  - id: j\n    touchpoints:\n      - { id: t, weight: 100, pillars: [empathy], signals: [ { field: n, weight: 100, rule: { scale: { from: 0, to: 5 } } } ] }\n";
    let no_source = write(
        dir.path(),
        "no-source.yaml",
        &format!(
            "name: bad\nfields:\n  - {{ id: n, kind: number, events: {{ type: web, aggregate: count }} }}\n{journeys}"
        ),
    );
    let out = bin().arg("check").arg(&no_source).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(
            "no-source.yaml:3:28: error: n: reads events, but the model has no `events:` source: name the events file (`events: { file, contact_column, time_column, types }`) (at fields.n.events)"
        ),
        "{}",
        stdout(&out)
    );
    let bad = write(
        dir.path(),
        "bad.yaml",
        &format!(
            r#"name: bad
outcome: {{ event: purchased, within: 30d }}
events:
  file: log.csv
  contact_column: who
  time_column: when
  type_column: what
  types:
    - {{ id: webinar, match: "Webinar*" }}
    - {{ id: purchase }}
fields:
  - {{ id: n, kind: number, events: {{ type: webinr, aggregate: count }} }}
  - {{ id: d, kind: number, events: {{ type: webinar, aggregate: first_seen }} }}
  - {{ id: f, kind: number, events: {{ type: webinar, aggregate: frequency }} }}
  - {{ id: r, kind: number, events: {{ type: webinar, aggregate: recency, last: 30d }} }}
  - {{ id: c, kind: number, events: {{ type: webinar, aggregate: count, half_life: 7d }} }}
  - {{ id: s, kind: number, events: {{ type: webinar, aggregate: sum }} }}
  - {{ id: p, kind: number, column: x, events: {{ aggregate: points, points: 5 }} }}
{journeys}"#
        ),
    );
    let out = bin().arg("check").arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    for line in [
        "bad.yaml:2:12: error: outcome: no event type 'purchased' (did you mean 'purchase'?) (at outcome.event)",
        "bad.yaml:12:38: error: n: no event type 'webinr' (did you mean 'webinar'?) (at fields.n.events.type)",
        "bad.yaml:13:14: error: d: `first_seen` gives a date, but the field is a number (at fields.d.kind)",
        "bad.yaml:14:28: error: f: `frequency` is events per week over a window: give it one (`last: 90d`) (at fields.f.events)",
        "bad.yaml:15:73: error: r: `recency` reads every earlier event; it takes no window (`last:`) (at fields.r.events.last)",
        "bad.yaml:16:71: error: c: `half_life` is for `aggregate: points`, not `count` (at fields.c.events.half_life)",
        "bad.yaml:17:28: error: s: `sum` adds the events' values, but `events:` names no `value_column` (at fields.s.events)",
        "bad.yaml:18:3: error: p: an event field is computed from the events; it has no column and no missing placeholders (at fields.p)",
        "bad.yaml:18:39: error: p: the model has several event types: say which one (`type: webinar`) (at fields.p.events)",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    let spans = write(
        dir.path(),
        "span.yaml",
        "name: bad\nfields:\n  - { id: n, kind: number, events: { aggregate: count, last: 3 months } }\n",
    );
    let out = bin().arg("check").arg(&spans).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains(
            "'3 months' is not a span of days: write it as 90d, 2w, or a number of days above 0"
        ),
        "{}",
        stderr(&out)
    );
}

/// An events file that cannot be read, or lacks a column the model names, is exit 2 with
/// the file and the column (and the nearest name).
#[test]
fn an_unreadable_events_file_or_a_missing_column_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("events.yaml")).unwrap();
    let contacts = fixture("events-contacts.csv").display().to_string();
    let text = text.replace(
        "contacts: events-contacts.csv",
        &format!("contacts: {contacts}"),
    );
    let log = fixture("events-log.csv").display().to_string();
    let renamed = write(
        dir.path(),
        "renamed.yaml",
        &text
            .replace("file: events-log.csv", &format!("file: {log}"))
            .replace("time_column: when", "time_column: wen"),
    );
    let out = bin().arg("score").arg(&renamed).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains(&format!(
            "{log}: has no column 'wen' (the model's `events.time_column`): did you mean 'when'?"
        )),
        "{}",
        stderr(&out)
    );
    let gone = write(
        dir.path(),
        "gone.yaml",
        &text.replace("events-log.csv", "nope.csv"),
    );
    let out = bin().arg("score").arg(&gone).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("nope.csv: cannot read it"),
        "{}",
        stderr(&out)
    );
}

/// The SQL export reads the events from a table named with `--events`: without it, a model
/// with event fields is refused, naming the field and the option (not a query that reads the
/// event fields as absent columns). With it, the query holds the events step (its values on
/// three engines: `tests/sql_parity.rs` `event_fields_agree_in_the_engine_and_every_dialect`).
#[test]
fn export_needs_the_events_table() {
    let out = bin()
        .arg("export")
        .arg(fixture("events.yaml"))
        .args(["--sql", "--dialect", "duckdb"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).contains(
            "field 'opens': name the events table: `export --events TABLE` (for DuckDB also a CSV file)"
        ),
        "{}",
        stderr(&out)
    );
    let out = bin()
        .arg("export")
        .arg(fixture("events.yaml"))
        .args(["--sql", "--dialect", "postgres", "--events", "crm.events"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let sql = stdout(&out);
    assert!(sql.contains(r#"FROM "crm"."events""#), "{sql}");
    assert!(sql.contains("GROUP BY sw_id"), "{sql}");
}

/// The CDNOW example (real data, read in place): clean under the checks, and its back-test is
/// the README's, which `scripts/cdnow-baseline.py` computes again outside scorewright (7,060
/// customers buy again by 1998-06-30; AUC 0.7700; hot: 3,584, of whom 2,653 bought).
#[test]
fn the_cdnow_example_backtests_as_the_readme_says() {
    let model = common::cli::root().join("examples/cdnow-repeat.yaml");
    let out = bin().arg("check").arg(&model).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("0 errors, 0 warnings"),
        "{}",
        stdout(&out)
    );
    let out = bin().arg("backtest").arg(&model).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for line in [
        "23570 contacts, 23570 with a known outcome, 7060 bought again: base rate 30.0%\n",
        "Journey repeat (Buys again)\n  AUC 0.7700\n",
        "  hot                   3584         2653    74.0%   2.47x\n",
        "  warm                  3088         1521    49.3%   1.64x\n",
        "  cold                 16898         2886    17.1%   0.57x\n",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    let out = bin()
        .arg("backtest")
        .arg(&model)
        .args(["--as-of", "1997-06-30", "--window", "90d"])
        .output()
        .unwrap();
    let text = stdout(&out);
    for line in [
        "23570 contacts, 23570 with a known outcome, 4202 bought again: base rate 17.8%\n",
        "  AUC 0.7457\n",
        "  hot                   3477         1732    49.8%   2.79x\n",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
}

/// The designer previews a model with events as `score` scores it: the event fields attached
/// to the contacts file the model names, and, for a model without one, the contacts of the
/// log (they showed as missing values, every score 0).
#[test]
fn the_designer_previews_event_fields_as_score_does() {
    use scorewright::tui::App;
    let dir = tempfile::tempdir().unwrap();
    for model_path in [fixture("events.yaml"), without_contacts(dir.path())] {
        let file = scorewright::model::read_model(&model_path).unwrap();
        let contacts = file
            .model
            .contacts
            .as_ref()
            .map(|c| model_path.parent().unwrap().join(c));
        let mut app = App::from_file(file).with_contacts(contacts);
        app.settle(std::time::Duration::from_secs(60));
        let p = app.preview.as_ref().expect("a preview");
        let r = p.result.as_ref().expect("scores");
        let out = bin()
            .arg("score")
            .arg(&model_path)
            .arg("--only-results")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let text = stdout(&out);
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let rows: Vec<&str> = lines.collect();
        assert_eq!(p.table.rows(), rows.len(), "{}", model_path.display());
        let mut nonzero = 0;
        for (i, row) in rows.iter().enumerate() {
            let cells: Vec<&str> = row.split(',').collect();
            assert_eq!(cells[0], p.cell(i, scorewright::tui::preview::Col::Id));
            for (j, journey) in r.model.journeys.iter().enumerate() {
                let at = header
                    .iter()
                    .position(|h| *h == format!("score_{}", journey.id))
                    .unwrap();
                let want: f64 = cells[at].parse().unwrap();
                let shown = scorewright::engine::output::shown_score(r.scored.scores[j][i]);
                assert_eq!(
                    shown,
                    want,
                    "{} row {i} {}",
                    model_path.display(),
                    journey.id
                );
                nonzero += usize::from(want != 0.0);
            }
        }
        assert!(
            nonzero >= 8,
            "the event fields reached the preview: {nonzero}"
        );
    }
}

/// An event log in Parquet (written by DuckDB from the fixture's CSV, every column text) gives
/// the same scores as the CSV: the log is read by the contacts reader, which reads Parquet.
#[test]
fn an_event_log_in_parquet_scores_as_the_csv() {
    let dir = tempfile::tempdir().unwrap();
    let csv_model = without_contacts(dir.path());
    let parquet = dir.path().join("events-log.parquet");
    let out = std::process::Command::new("duckdb")
        .arg("-c")
        .arg(format!(
            "COPY (SELECT * FROM read_csv('{}', all_varchar = true)) TO '{}' (FORMAT parquet)",
            fixture("events-log.csv").display(),
            parquet.display()
        ))
        .output()
        .expect("duckdb is installed (bash .ci/install-engines)");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&csv_model).unwrap();
    let log = fixture("events-log.csv").display().to_string();
    let parquet_model = write(
        dir.path(),
        "parquet.yaml",
        &text.replace(&log, &parquet.display().to_string()),
    );
    let score = |m: &std::path::Path| {
        let out = bin()
            .arg("score")
            .arg(m)
            .arg("--only-results")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
    };
    let from_csv = score(&csv_model);
    assert_eq!(from_csv.lines().count(), 5, "{from_csv}");
    assert_eq!(score(&parquet_model), from_csv);
}

/// `report` reads the log as `backtest` does: the CDNOW example, which has no contacts file,
/// gets its pictures and its back-test (the outcome is an event) from the log's customers.
#[test]
fn the_report_of_a_model_with_events_has_its_back_test() {
    let model = common::cli::root().join("examples/cdnow-repeat.yaml");
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("cdnow.html");
    let out = bin()
        .arg("report")
        .arg(&model)
        .arg("-o")
        .arg(&page)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("AUC 0.770"), "no back-test in the report");
    assert!(
        html.contains("23,570") || html.contains("23570"),
        "the log's customers"
    );
}

/// The rolling back-test on `tests/fixtures/rolling.yaml`: a visit in the last 30 days is 25
/// points (hot from 50, warm from 25), the outcome a purchase within 30 days, the contacts
/// those of the log. By hand, from the 15 rows of `rolling-log.csv`:
/// - as of 01-11: a, e, f, b 1 visit (25), c 2 (50); d has no event yet. Purchases in
///   01-11..02-09: f (01-14), b (01-20), a (01-25): 3 of 5. The three buyers (25) each lose to
///   c (50) and tie with e (25): AUC (3 x 0.5) / 6 = 0.25. Hot: c, who did not buy.
/// - as of 01-21: a 3 visits (75), f 3 (01-03, 01-16, 01-18: 75), c 2 (50), b, d, e 1 (25).
///   Buyers in 01-21..02-19: a (01-25), d (02-10): 2 of 6. a beats b, c, e and ties f (3.5);
///   d ties b and e (1): 4.5 / 8 = 0.5625. Hot: a, c, f, one buyer: 33.3%, lift 1.00x.
/// - as of 01-31: the same scores (a's visit of 01-01 is 30 days old: still in the window);
///   only d buys (02-10): d ties b and e among five: 1 / 5 = 0.2. Hot: a, c, f, none bought.
///
/// Timeliness: a, b, c, e, f are first scored 01-11, d 01-21; their first purchase since then
/// and before 03-02 (01-31 + 30d): a 01-25, b 01-20, d 02-10, f 01-14: 4 of 6 bought. Hot:
/// a routed 01-21, 4 days before buying; f routed 01-21, after buying (01-14); b and d never.
/// Warm (or hot): a, b, f from 01-11 (14, 9 and 3 days ahead), d from 01-21 (20): median of
/// 3, 9, 14, 20 is 11.5.
#[test]
fn a_rolling_backtest_gives_each_date_and_the_timeliness_of_routings() {
    let out = bin()
        .arg("backtest")
        .arg(fixture("rolling.yaml"))
        .args([
            "--every",
            "10d",
            "--from",
            "2026-01-11",
            "--to",
            "2026-01-31",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let model = fixture("rolling.yaml").display().to_string();
    assert_eq!(
        stdout(&out),
        format!(
            "Rolling back-test of {model}, every 10d from 2026-01-11 to 2026-01-31, against 'purchase within 30d'
Each row is `backtest --as-of` its date: only events before it are read.
AUC of journey j; the hot tier is 'hot'.

  as of      contacts    bought base rate     AUC       hot    bought hot rate   lift
  2026-01-11        5         3     60.0%  0.2500         1         0     0.0%  0.00x
  2026-01-21        6         2     33.3%  0.5625         3         1    33.3%  1.00x
  2026-01-31        6         1     16.7%  0.2000         3         0     0.0%  0.00x

Timeliness of routings: 4 of 6 contacts bought: a 'purchase' on or after the first date each was scored and before 2026-03-02.
A contact is routed to a tier at the first date it scores in that tier or a hotter one (its MQL date);
\"before\" is on or before the day it bought (a date's score reads only earlier events). Routings are
seen at the dates above only: up to 9 days late.

  tier       at least  routed before   share median days ahead  routed after never routed
  hot              50              1   25.0%                 4             1            2
  warm             25              4  100.0%              11.5             0            0
"
        )
    );
    // 01-21 + 30d runs past the log's last event (02-10): said, not hidden.
    assert!(
        stderr(&out).contains(
            "note: as of 2026-01-21 and later, the window of 30d runs past the log's last event (2026-02-10)"
        ),
        "{}",
        stderr(&out)
    );
    // Without --from and --to, the dates span the log: from its first event plus one step
    // (01-01 + 10d) to the last date whose window the log covers (02-10 + 1 - 30d = 01-12).
    let out = bin()
        .arg("backtest")
        .arg(fixture("rolling.yaml"))
        .args(["--every", "10d", "--format", "csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "as_of,contacts,known,converted,base_rate,auc,hot_contacts,hot_converted,hot_rate,hot_lift\n\
         2026-01-11,5,5,3,0.600000,0.250000,1,0,0.000000,0.000000\n"
    );
    assert!(!stderr(&out).contains("note:"), "{}", stderr(&out));
}

/// The rolling back-test cannot leak: each of its rows is what `backtest --as-of` that date
/// gives (which reads only the events before it), on the fixture and on the CDNOW log.
#[test]
fn each_rolling_row_is_the_backtest_as_of_its_date() {
    let cdnow = common::cli::root().join("examples/cdnow-repeat.yaml");
    for (model, every, from, to) in [
        (fixture("rolling.yaml"), "10d", "2026-01-11", "2026-01-31"),
        (cdnow, "90d", "1997-03-31", "1997-09-27"),
    ] {
        let out = bin()
            .arg("backtest")
            .arg(&model)
            .args(["--every", every, "--from", from, "--to", to])
            .args(["--format", "json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let rolling: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        let rows = rolling["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 3, "{rolling}");
        for row in rows {
            let date = row["as_of"].as_str().unwrap();
            let out = bin()
                .arg("backtest")
                .arg(&model)
                .args(["--as-of", date, "--format", "json"])
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            let single: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
            assert_eq!(row["contacts"], single["contacts"], "{date}");
            assert_eq!(row["converted"], single["converted"], "{date}");
            assert_eq!(row["auc"], single["journeys"][0]["auc"], "{date}");
            assert_eq!(row["hot"], single["tiers"][0], "{date}");
        }
    }
}

/// The rolling back-test reads its outcome from the log, and needs dates to test.
#[test]
fn a_rolling_backtest_needs_an_outcome_event_and_dates() {
    let out = bin()
        .arg("backtest")
        .arg(fixture("events.yaml"))
        .arg(fixture("events-contacts.csv"))
        .args(["--every", "7d", "--outcome", "bought"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out)
            .contains("the argument '--every <DAYS>' cannot be used with '--outcome <OUTCOME>'"),
        "{}",
        stderr(&out)
    );
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("events.yaml"))
        .unwrap()
        .replace("contacts: events-contacts.csv", "contacts: x")
        .replace(
            "file: events-log.csv",
            &format!("file: {}", fixture("events-log.csv").display()),
        )
        .replace(
            "outcome: { event: purchase, within: 30d }",
            "outcome: bought",
        );
    let column = write(dir.path(), "column.yaml", &text);
    let out = bin()
        .arg("backtest")
        .arg(&column)
        .arg(fixture("events-contacts.csv"))
        .args(["--every", "7d"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains(
            "--every 7d: the model's outcome is not an event; the rolling back-test reads the outcome from the log after each date"
        ),
        "{}",
        stderr(&out)
    );
    let out = bin()
        .arg("backtest")
        .arg(fixture("rolling.yaml"))
        .args([
            "--every",
            "10d",
            "--from",
            "2026-02-01",
            "--to",
            "2026-01-01",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains(&format!(
            "no date to back-test: 2026-02-01 is after 2026-01-01 (the log {} runs from 2026-01-01 to 2026-02-10; each date needs 30d after it)",
            fixture("rolling-log.csv").display()
        )),
        "{}",
        stderr(&out)
    );
    let out = bin()
        .arg("backtest")
        .arg(fixture("rolling.yaml"))
        .args(["--every", "0d"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
}

/// `diff` scores each model with its own event fields, read from its log as of its `as_of`
/// (it read the contacts without the log: every event field missing, no change seen). The
/// new model counts visits in the last 14 days instead of 30. As of 2026-02-01, by hand from
/// `rolling-log.csv` (a visit is 25 points):
/// - a: visits 31, 20 and 17 days old: 2 in 30 days (50, hot), none in 14 (0, cold);
/// - e: 30 days: 25 -> 0; f: 29, 16, 14: 75 -> 25 (hot -> warm); b: 27: 25 -> 0;
///   c: 24, 23: 50 -> 0; d: 12: 25 -> 25, unchanged.
///
/// Mean move (-50 - 25 - 50 - 0 - 25 - 50) / 6 = -33.33. Ranks, log order a e f b c d: old
/// 4.5 2 6 2 4.5 2, new 2.5 2.5 5.5 2.5 2.5 5.5; deviations from 3.5 multiply to 3, square to
/// 15 and 12: Spearman 3 / sqrt(180) = 0.2236.
#[test]
fn diff_scores_each_model_with_its_own_event_fields() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("rolling.yaml"))
        .unwrap()
        .replace(
            "file: rolling-log.csv",
            &format!("file: {}", fixture("rolling-log.csv").display()),
        );
    let old = write(dir.path(), "old.yaml", &text);
    let new = write(
        dir.path(),
        "new.yaml",
        &text.replace("last: 30d", "last: 14d"),
    );
    let log = fixture("rolling-log.csv").display().to_string();
    // `--contacts` alone: the new model's own contacts, here those of its log.
    let out = bin()
        .arg("diff")
        .arg(&old)
        .arg(&new)
        .arg("--contacts")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    for part in [
        "  ~ fields.visits.events.last: 30d -> 14d\n".to_string(),
        format!("On {log} (6 contacts): 5 change an output\n"),
        "  j: 5 scores moved, mean -33.33; rank correlation 0.2236\n\
         \x20   a: 50 -> 0 (-50)\n\
         \x20   f: 75 -> 25 (-50)\n\
         \x20   c: 50 -> 0 (-50)\n\
         \x20   e: 25 -> 0 (-25)\n\
         \x20   b: 25 -> 0 (-25)\n\
         \x20 tiers: 0 hotter, 5 colder\n\
         \x20   hot -> cold: 2\n\
         \x20   warm -> cold: 2\n\
         \x20   hot -> warm: 1\n"
            .to_string(),
    ] {
        assert!(text.contains(&part), "{part}\n{text}");
    }
    // A contacts file: a and f as above, z has no event (0 in both): ranks 2 3 1 and 1.5 3
    // 1.5, Spearman 1.5 / sqrt(2 x 1.5) = 0.8660. The log's contacts the file lacks are said
    // once, though both models read the log.
    let contacts = write(dir.path(), "c.csv", "contact,name\na,Ann\nf,Fay\nz,Zed\n");
    let out = bin()
        .arg("diff")
        .arg(&old)
        .arg(&new)
        .arg("--contacts")
        .arg(&contacts)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "(3 contacts): 2 change an output\n  j: 2 scores moved, mean -33.33; \
             rank correlation 0.8660\n    a: 50 -> 0 (-50)\n    f: 75 -> 25 (-50)\n"
        ),
        "{text}"
    );
    assert_eq!(
        stderr(&out),
        format!(
            "{log}: 4 contacts with events are not in the contacts (first: 'e'): their events are not scored\n"
        )
    );
}

/// `generate --events` writes an event log for a model with `events:` (here the rolling
/// fixture's: visits, purchases as the outcome within 30 days, contacts from the log), with
/// rhythms: a converter's visit rate is 4 times its own for the 30 days before it buys, and a
/// churner's fades to silence. The log reads back clean, every contact (each starts at least
/// 30 days before as_of) is a contact of the back-test, which finds the signal, and the
/// rhythm is in the rows: converters visit about 4 times as often in the 30 days before
/// buying as in the 30 before that, and non-buyers fall silent for the last 60 days of the
/// log far more often than buyers.
#[test]
fn generate_writes_an_event_log_with_rhythms_a_backtest_finds() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("rolling.yaml"))
        .unwrap()
        .replace("file: rolling-log.csv", "file: log.csv");
    let model = write(dir.path(), "m.yaml", &text);
    let log = dir.path().join("log.csv");
    let generate = |to: &std::path::Path| {
        bin()
            .arg("generate")
            .arg(&model)
            .args(["-n", "3000", "--seed", "5", "--events"])
            .arg(to)
            .output()
            .unwrap()
    };
    let out = generate(&log);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("events of 3000 contacts to"),
        "{}",
        stderr(&out)
    );
    // The same seed, the same log.
    let again = dir.path().join("again.csv");
    assert_eq!(generate(&again).status.code(), Some(0));
    assert_eq!(std::fs::read(&log).unwrap(), std::fs::read(&again).unwrap());

    let out = bin()
        .arg("backtest")
        .arg(&model)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Nothing was bad in the log: no row skipped, nothing said.
    assert_eq!(stderr(&out), "");
    let b: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(b["contacts"], 3000);
    let auc = b["journeys"][0]["auc"].as_f64().unwrap();
    assert!(auc > 0.7, "AUC {auc}");

    // The rhythm, from the rows themselves.
    let text = std::fs::read_to_string(&log).unwrap();
    let day = |s: &str| {
        let p: Vec<i64> = s.split('-').map(|x| x.parse().unwrap()).collect();
        // Days from a fixed origin, exact for 2024 to 2026 (no century rule in between).
        let (y, m, d) = (p[0], p[1], p[2]);
        let before = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
        let leap = |y: i64| y % 4 == 0;
        let mut n = (y - 2024) * 365 + (2024..y).filter(|y| leap(*y)).count() as i64;
        n += before[(m - 1) as usize] + d;
        if m > 2 && leap(y) {
            n += 1;
        }
        n
    };
    let mut by: std::collections::BTreeMap<&str, Vec<(i64, &str)>> = Default::default();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("contact,when,type"));
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        assert_eq!(f.len(), 3, "{l}");
        assert!(f[2] == "visit" || f[2] == "purchase", "{l}");
        by.entry(f[0]).or_default().push((day(f[1]), f[2]));
    }
    assert_eq!(by.len(), 3000);
    // The log ends the day before as_of + 30d: 2026-03-02.
    let end = day("2026-03-02");
    let (mut last30, mut before30) = (0, 0);
    let mut silent = [(0, 0); 2];
    for events in by.values() {
        let buys: Vec<i64> = events
            .iter()
            .filter(|e| e.1 == "purchase")
            .map(|e| e.0)
            .collect();
        let visits: Vec<i64> = events
            .iter()
            .filter(|e| e.1 == "visit")
            .map(|e| e.0)
            .collect();
        assert!(buys.len() <= 1, "one conversion at most: {events:?}");
        assert!(events.iter().all(|e| e.0 < end + 1), "{events:?}");
        if let Some(&c) = buys.first()
            && events[0].0 <= c - 60
        {
            last30 += visits.iter().filter(|&&d| d >= c - 30 && d < c).count();
            before30 += visits
                .iter()
                .filter(|&&d| d >= c - 60 && d < c - 30)
                .count();
        }
        let quiet = visits.last().is_none_or(|&d| d <= end - 60);
        let s = &mut silent[usize::from(!buys.is_empty())];
        s.0 += usize::from(quiet);
        s.1 += 1;
    }
    let burst = last30 as f64 / before30 as f64;
    assert!((3.0..5.0).contains(&burst), "{last30} / {before30}");
    let share = |(q, n): (usize, usize)| q as f64 / n as f64;
    let (quiet_no, quiet_yes) = (share(silent[0]), share(silent[1]));
    assert!(quiet_no > 2.0 * quiet_yes, "{silent:?}");

    // A model whose contacts are its log's gets the log alone; a rate of events must be one.
    for (args, says) in [
        (
            vec!["-o", "contacts.csv"],
            "names no `contacts:`, so its contacts are those of its log: --events writes the log alone; leave out -o",
        ),
        (
            vec!["--events-per-contact", "0"],
            "--events-per-contact 0: give a number of events above 0 and at most 10000",
        ),
    ] {
        let out = bin()
            .arg("generate")
            .arg(&model)
            .arg("--events")
            .arg(dir.path().join("other.csv"))
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(says), "{}", stderr(&out));
        assert!(!dir.path().join("other.csv").exists());
    }
    // A model without events has no log to generate.
    let out = bin()
        .arg("generate")
        .arg(fixture("engine.yaml"))
        .args(["--events"])
        .arg(dir.path().join("x.csv"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("has no `events:` block, so there is no log to generate"),
        "{}",
        stderr(&out)
    );
}
