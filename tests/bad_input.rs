//! Hostile and broken input through the real binary (issue 12): contacts that are misread,
//! files that grow too fast, and output that must not lie or die. Each test holds a row of the
//! README's "Bad input" tables.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::cli::{bin, fixture, leads, root, score_fixture, stderr, stdout, write_bytes};
use std::path::{Path, PathBuf};
use std::process::Stdio;

#[test]
fn a_header_of_100000_columns_is_scored_and_a_late_duplicate_named() {
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<String> = (0..100_000).map(|i| format!("c{i}")).collect();
    let cells = vec!["1"; 100_000].join(",");
    let wide = write_bytes(
        dir.path(),
        "wide.csv",
        format!("id,{}\nA,{cells}\n", names.join(",")).as_bytes(),
    );
    let out = score_fixture(&wide, &["--allow-errors"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    assert!(header.starts_with("id,c0,c1,"), "{}", &header[..40]);
    assert!(header.contains(",c99999,score_j1"), "no output columns");
    assert!(lines.next().unwrap_or_default().starts_with("A,1,1,"));
    let dup = write_bytes(
        dir.path(),
        "dup.csv",
        format!("id,{},c7\nA,{cells},1\n", names.join(",")).as_bytes(),
    );
    let out = score_fixture(&dup, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("line 1: column 'c7' appears twice (columns 9 and 100002)"),
        "{}",
        stderr(&out)
    );
}

/// Runs the binary with its standard output a pipe whose reader is closed at once, as `| head
/// -c 50` closes it: the command must end quietly, not panic (exit 101) or print an error.
fn with_reader_gone(args: &[&std::ffi::OsStr]) -> std::process::Output {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("scorewright"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

#[test]
fn every_command_ends_quietly_when_its_reader_goes_away() {
    let dir = tempfile::tempdir().unwrap();
    let m = fixture("engine.yaml");
    let c = fixture("engine.csv");
    let changed = std::fs::read_to_string(&m)
        .unwrap()
        .replace("points: 15", "points: 10");
    let m2 = write_bytes(dir.path(), "m2.yaml", changed.as_bytes());
    let x = root().join("examples/x-education.yaml");
    let (m, c, m2, x, leads) = (
        m.as_os_str(),
        c.as_os_str(),
        m2.as_os_str(),
        x.as_os_str(),
        leads(),
    );
    let s = |t: &'static str| std::ffi::OsStr::new(t);
    let runs: Vec<Vec<&std::ffi::OsStr>> = vec![
        vec![],
        vec![s("check"), m, s("--format"), s("json")],
        vec![s("explain"), m, c, s("--id"), s("A")],
        vec![
            s("explain"),
            m,
            c,
            s("--id"),
            s("A"),
            s("--format"),
            s("json"),
        ],
        vec![s("score"), m, c],
        vec![s("score"), m, c, s("--format"), s("jsonl"), s("--explain")],
        vec![s("export"), m, s("--sql")],
        vec![s("report"), m],
        vec![s("generate"), m, s("-n"), s("50000")],
        vec![s("diff"), m, m2, s("--contacts"), c],
        vec![s("backtest"), x, leads.as_os_str()],
        vec![s("tune"), x, leads.as_os_str(), s("--folds"), s("2")],
    ];
    for args in runs {
        let out = with_reader_gone(&args);
        let code = out.status.code();
        // `diff` says "the outcomes differ" with 1; everything else ends in 0.
        let want = if args.first() == Some(&s("diff")) {
            1
        } else {
            0
        };
        assert!(
            code == Some(want) || code == Some(0),
            "{args:?}: exit {code:?}: {}",
            stderr(&out)
        );
        assert_eq!(stderr(&out), "", "{args:?}");
    }
}

#[test]
fn json_lines_keep_ids_as_written_and_count_numbers_no_double_holds() {
    let dir = tempfile::tempdir().unwrap();
    let c = write_bytes(
        dir.path(),
        "c.jsonl",
        b"{\"id\": 12345678901234567890123, \"visits\": 3}\n\
          {\"id\": -0, \"visits\": 1e400, \"source\": \"Goo\\u0067le\"}\n\
          {\"id\": \"x\", \"visits\": -1E-400, \"demo\": true}\n",
    );
    let out = score_fixture(&c, &["--only-results"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let ids: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(ids, ["12345678901234567890123", "-0", "x"], "{text}");
    // `1e400` is no double: unreadable, like the same text in a CSV cell; `-1E-400` is 0.
    assert!(
        stderr(&out).contains("field 'visits': 1 of 3 missing, 1 unreadable (first: ")
            && stderr(&out).contains("c.jsonl line 2 holds '1e400'"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("3 contacts scored"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_nul_byte_refuses_the_file_wherever_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let mut late = b"id,visits\n".to_vec();
    for i in 0..250_000 {
        late.extend_from_slice(format!("c{i},{}\n", i % 7).as_bytes());
    }
    late.extend_from_slice(b"bad,3\0\nlast,1\n");
    let cases: [(&str, Vec<u8>, u64); 4] = [
        ("early.csv", b"id,visits\nA,\x003\nB,4\n".to_vec(), 2),
        ("late.csv", late, 250_002),
        (
            "early.jsonl",
            b"{\"id\": \"A\"}\n{\"id\": \"B\0\"}\n".to_vec(),
            2,
        ),
        (
            "late.jsonl",
            format!("{}{{\"id\": \"\0\"}}\n", "{\"id\": \"A\"}\n".repeat(70_000)).into_bytes(),
            70_001,
        ),
    ];
    for (name, bytes, line) in cases {
        let c = write_bytes(dir.path(), name, &bytes);
        let o = dir.path().join("out.csv");
        let out = score_fixture(&c, &["-o", o.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
        let want = format!(
            "{name}: holds binary data (or UTF-16 text), not CSV or JSON Lines: a NUL byte on \
             line {line}; save it as UTF-8 CSV"
        );
        assert!(stderr(&out).contains(&want), "{name}: {}", stderr(&out));
        assert!(!o.exists(), "{name}: an output was left");
        // The designer and the other commands read it the same way.
        let err = scorewright::contacts::read_contacts(&c)
            .unwrap_err()
            .to_string();
        assert!(err.contains(&want), "{name}: {err}");
    }
}

#[test]
fn an_unclosed_quote_stops_score_naming_its_line_unless_told_to_go_on() {
    let dir = tempfile::tempdir().unwrap();
    // A stray quote in row 2 of 200,000: it used to be read as one contact, exit 0.
    let mut text = b"id,visits,source\nA,1,\"Google\nB,2,Email\n".to_vec();
    for i in 0..199_998 {
        text.extend_from_slice(format!("c{i},{},Google\n", i % 9).as_bytes());
    }
    let c = write_bytes(dir.path(), "stray.csv", &text);
    let o = dir.path().join("out.csv");
    let out = score_fixture(&c, &["-o", o.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "stray.csv line 2: a quoted cell opens here and runs on past 1000 lines or 1 MB \
             without its closing quote"
        ),
        "{}",
        stderr(&out)
    );
    assert!(!o.exists());
    let err = scorewright::contacts::read_contacts(&c)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("stray.csv line 2: a quoted cell opens here"),
        "{err}"
    );
    // Told to go on: the line is skipped and said, every other row scored.
    let out = score_fixture(&c, &["--keep-going", "--only-results"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 line skipped (--keep-going): a quoted cell opened there never closed (first at line 2)")
            && stderr(&out).contains("199999 contacts scored"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).lines().nth(1).unwrap().starts_with("B,"));
}

/// A model whose journey id holds escape sequences that, printed raw, move the cursor up, erase
/// the line and print a fake all-clear; its touchpoint weights sum to 90%.
fn hostile_model(dir: &Path) -> PathBuf {
    let id = "j\\e[1A\\e[2K\\r0 errors, 0 warnings\\a";
    let text = format!(
        "name: x\nfields:\n  - {{ id: v, kind: number }}\njourneys:\n  - id: \"{id}\"\n    touchpoints:\n      - {{ id: t, weight: 90, pillars: [empathy], signals: [ {{ field: v, weight: 100, rule: {{ scale: {{ from: 0, to: 1 }} }} }} ] }}\nsegments:\n  - {{ name: all, action: a }}\n"
    );
    write_bytes(dir, "m.yaml", text.as_bytes())
}

#[test]
fn control_characters_in_model_and_data_text_are_escaped_when_printed() {
    let dir = tempfile::tempdir().unwrap();
    let m = hostile_model(dir.path());
    let escaped = "j\\u{1b}[1A\\u{1b}[2K\\r0 errors, 0 warnings\\u{7}";
    let out = bin().arg("check").arg(&m).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(!all.contains(['\u{1b}', '\r', '\u{7}']), "{all:?}");
    assert!(all.contains("weights sum to 90%"), "{all}");
    assert!(all.contains(escaped), "{all}");
    // A cell of the contacts, quoted in score's data-quality line.
    let c = write_bytes(
        dir.path(),
        "c.csv",
        b"id,visits\nA,\x1b[2J\x1b]0;pwned\x07\n",
    );
    let out = score_fixture(&c, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains(['\u{1b}', '\u{7}']),
        "{:?}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("holds '\\u{1b}[2J\\u{1b}]0;pwned\\u{7}'"),
        "{}",
        stderr(&out)
    );
    // The designer shows the escapes in the tree and the checks (the terminal library would
    // drop the control characters and show `[1A[2K0 errors, 0 warnings`).
    let file = scorewright::model::read_model(&m).unwrap();
    let mut app = scorewright::tui::App::from_file(file);
    let screen = common::app::render(&mut app, 200, 40);
    assert!(screen.contains("j\\u{1b}[1A"), "{screen}");
}

/// Issue 12, item 15 (the rest): the preview's "Why this score" side panel printed a contact's
/// id, its values and the model's names raw, so the terminal library dropped the control
/// characters and showed `[2J]0;pwned` (and a terminal would have obeyed them). It shows the
/// escapes, as the tree, the checks and the preview's cells do.
#[test]
fn the_explanation_panel_escapes_control_characters() {
    let dir = tempfile::tempdir().unwrap();
    let m = write_bytes(
        dir.path(),
        "m.yaml",
        b"name: x\nfields:\n  - { id: plan, kind: category }\njourneys:\n  - id: j\n    name: \"Fit\\e[1A\"\n    touchpoints:\n      - { id: t, name: \"Touch\\r\", weight: 100, pillars: [empathy], signals: [ { field: plan, weight: 100, rule: { match: { gold: 1, default: 0.5 } } } ] }\nsegments:\n  - { name: \"All\\a\", action: \"Call\\e]0;pwned\\a\" }\n",
    );
    let c = write_bytes(dir.path(), "c.csv", b"id,plan\nA\x1b[2J,\x1b]0;pwned\x07\n");
    let file = scorewright::model::read_model(&m).unwrap();
    let mut app = scorewright::tui::App::from_file(file).with_contacts(Some(c));
    common::app::press(&mut app, "p");
    let screen = common::app::render(&mut app, 200, 50);
    let panel: String = screen
        .lines()
        .skip_while(|l| !l.contains("Why this score"))
        .collect::<Vec<_>>()
        .join("\n");
    for shown in [
        "Contact A\\u{1b}[2J",
        "Fit\\u{1b}[1A",
        "Touch\\r",
        "plan = '\\u{1b}]0;pwned\\u{7}'",
        "All\\u{7}: Call\\u{1b}]0;pwned\\u{7}",
    ] {
        assert!(panel.contains(shown), "no {shown} in\n{panel}");
    }
}

/// Issue 12, item 18 (the rest): a file without an id column can be scored with its row number
/// as the id, `id_column: "#row"`: 1 for the first contact, the header not counted (for JSON
/// Lines, the record number), the same in `score` (CSV and JSON Lines, across the pieces it
/// streams in), `explain --id N`, `check` (no "missing column" warning) and the designer's
/// preview. The SQL export refuses it, saying why: a SQL table keeps no row order.
#[test]
fn a_row_number_is_the_id_of_a_file_without_one() {
    let dir = tempfile::tempdir().unwrap();
    let m = common::cli::write(
        dir.path(),
        "m.yaml",
        "name: rows\nid_column: \"#row\"\nfields:\n  - { id: age, kind: number }\njourneys:\n  - id: j\n    touchpoints:\n      - { id: t, weight: 100, pillars: [empathy], signals: [ { field: age, weight: 100, rule: { scale: { from: 0, to: 100 } } } ] }\nsegments:\n  - { name: all, action: a }\n",
    );
    // 60,000 rows (over a MB): `score` streams them in several pieces, numbered in order.
    let mut text = String::from("age,name\n");
    for i in 0..60_000 {
        text.push_str(&format!("{},n{i}\n", i % 90));
    }
    let c = common::cli::write(dir.path(), "ages.csv", &text);
    let out = bin()
        .arg("check")
        .arg(&m)
        .arg("--contacts")
        .arg(&c)
        .output()
        .unwrap();
    assert!(!stdout(&out).contains("no column"), "{}", stdout(&out));
    let out = bin().args(["score"]).arg(&m).arg(&c).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let csv = stdout(&out);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 60_001);
    assert!(
        lines[0].starts_with("#row,age,name,score_j,"),
        "{}",
        lines[0]
    );
    assert!(lines[1].starts_with("1,0,n0,0,"), "{}", lines[1]);
    assert!(
        lines[60_000].starts_with("60000,59,n59999,59,"),
        "{}",
        lines[60_000]
    );
    for (i, l) in lines.iter().enumerate().skip(1) {
        assert!(l.starts_with(&format!("{i},")), "line {i}: {l}");
    }
    let out = bin()
        .args(["score", "--only-results"])
        .arg(&m)
        .arg(&c)
        .output()
        .unwrap();
    assert!(
        stdout(&out).lines().nth(3).unwrap().starts_with("3,2,"),
        "{}",
        stdout(&out)
    );
    // JSON Lines: the record number, beside the explanation's own row (from 0).
    let j = common::cli::write(
        dir.path(),
        "ages.jsonl",
        "{\"age\": 10}\n{\"age\": 20}\n\n{\"age\": 30}\n",
    );
    let out = bin()
        .args(["score", "--format", "jsonl", "--explain"])
        .arg(&m)
        .arg(&j)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 3);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r["#row"], i as u64 + 1, "{r}");
        assert_eq!(r["explanation"]["row"], i as u64, "{r}");
    }
    assert_eq!(rows[2]["score_j"], 30.0);
    // explain: the n-th contact, by its line; a row number that is not one is refused.
    let out = bin()
        .args(["explain", "--id", "3"])
        .arg(&m)
        .arg(&c)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("#row 3 (line 4 of "),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("'2'"), "{}", stdout(&out));
    let out = bin()
        .args(["explain", "--id", "59999"])
        .arg(&m)
        .arg(&c)
        .output()
        .unwrap();
    assert!(
        stdout(&out).starts_with("#row 59999 (line 60000 of "),
        "{}",
        stdout(&out)
    );
    for bad in ["0", "x", "60001"] {
        let out = bin()
            .args(["explain", "--id", bad])
            .arg(&m)
            .arg(&c)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", stderr(&out));
        assert!(stderr(&out).contains(bad), "{}", stderr(&out));
    }
    // The export: refused, saying why and what to do, nothing written.
    let sql = dir.path().join("q.sql");
    let out = bin()
        .args(["export", "--sql", "-o"])
        .arg(&sql)
        .arg(&m)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("'#row' numbers contacts by their place in a file"));
    assert!(
        stderr(&out).contains("pass --id COLUMN"),
        "{}",
        stderr(&out)
    );
    assert!(!sql.exists());
    // The designer's preview numbers the rows the same way.
    let file = scorewright::model::read_model(&m).unwrap();
    let mut app = scorewright::tui::App::from_file(file).with_contacts(Some(j));
    common::app::press(&mut app, "p");
    let p = app.preview.as_ref().unwrap();
    assert_eq!(p.heading(scorewright::tui::preview::Col::Id), "#row");
    let ids: Vec<String> = (0..3)
        .map(|r| p.cell(r, scorewright::tui::preview::Col::Id))
        .collect();
    assert_eq!(ids, ["1", "2", "3"]);
}
