//! Files as the user's, through the real binary: an output that is one of the command's own
//! inputs is refused even with `--force`, `new` names every file it would overwrite, scoring a
//! scored file replaces its output columns, and a FIFO is refused where a file is read whole.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use assert_cmd::Command;
use std::path::PathBuf;

fn bin() -> Command {
    Command::cargo_bin("scorewright").unwrap()
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A model and its contacts copied into a fresh folder, so that a wrong write shows.
fn copies() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("m.yaml");
    let c = dir.path().join("c.csv");
    std::fs::copy(fixture("engine.yaml"), &m).unwrap();
    std::fs::copy(fixture("engine.csv"), &c).unwrap();
    (dir, m, c)
}

fn run(args: &[&std::ffi::OsStr]) -> std::process::Output {
    bin().args(args).output().unwrap()
}

#[test]
fn an_output_that_is_an_input_is_refused_even_with_force() {
    let (dir, m, c) = copies();
    let model = std::fs::read(&m).unwrap();
    let contacts = std::fs::read(&c).unwrap();
    // The model by another spelling, a symbolic link and a hard link name the same file.
    let dotted = dir.path().join(".").join("m.yaml");
    let link = dir.path().join("link.yaml");
    std::os::unix::fs::symlink(&m, &link).unwrap();
    let hard = dir.path().join("hard.csv");
    std::fs::hard_link(&c, &hard).unwrap();
    let (m, c) = (m.as_os_str(), c.as_os_str());
    let cases: Vec<Vec<&std::ffi::OsStr>> = vec![
        vec!["export".as_ref(), m, "--sql".as_ref(), "-o".as_ref(), m],
        vec![
            "export".as_ref(),
            m,
            "--sql".as_ref(),
            "--table".as_ref(),
            c,
            "-o".as_ref(),
            hard.as_os_str(),
        ],
        vec![
            "export".as_ref(),
            m,
            "--sql".as_ref(),
            "--contacts".as_ref(),
            c,
            "-o".as_ref(),
            c,
        ],
        vec!["report".as_ref(), m, "-o".as_ref(), link.as_os_str()],
        vec![
            "report".as_ref(),
            m,
            "--contacts".as_ref(),
            c,
            "-o".as_ref(),
            c,
        ],
        vec!["generate".as_ref(), m, "-o".as_ref(), dotted.as_os_str()],
        vec!["score".as_ref(), m, c, "-o".as_ref(), m],
        vec![
            "score".as_ref(),
            m,
            c,
            "-o".as_ref(),
            c,
            "--only-results".as_ref(),
        ],
        vec!["score".as_ref(), m, c, "-o".as_ref(), hard.as_os_str()],
        vec![
            "tune".as_ref(),
            m,
            c,
            "--outcome".as_ref(),
            "demo".as_ref(),
            "-o".as_ref(),
            m,
        ],
        vec![
            "tune".as_ref(),
            m,
            c,
            "--outcome".as_ref(),
            "demo".as_ref(),
            "-o".as_ref(),
            c,
        ],
    ];
    for mut args in cases {
        args.push("--force".as_ref());
        let out = run(&args);
        let e = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {e}");
        assert!(
            e.contains("is the same file as the input")
                && e.contains("refusing to overwrite it, even with --force"),
            "{args:?}: {e}"
        );
        assert_eq!(
            std::fs::read(m).unwrap(),
            model,
            "{args:?} changed the model"
        );
        assert_eq!(
            std::fs::read(c).unwrap(),
            contacts,
            "{args:?} changed the contacts"
        );
    }
    // Another file is still written with --force.
    let other = dir.path().join("out.sql");
    std::fs::write(&other, "old").unwrap();
    let out = run(&[
        "export".as_ref(),
        m,
        "--sql".as_ref(),
        "-o".as_ref(),
        other.as_os_str(),
        "--force".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(std::fs::read_to_string(&other).unwrap().contains("SELECT"));
}

#[test]
fn new_names_every_file_it_would_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("m2.yaml");
    let csv = dir.path().join("lead-fit-activity.csv");
    // A colleague's contacts file of that name, beside where the new model goes.
    std::fs::write(&csv, "id\ncolleague\n").unwrap();
    let out = run(&["new".as_ref(), m.as_os_str()]);
    let e = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{e}");
    assert!(
        e.contains(&format!("{} already exists: pass --force", csv.display())),
        "{e}"
    );
    assert!(!m.exists(), "nothing written");
    std::fs::write(&m, "name: old\n").unwrap();
    let out = run(&["new".as_ref(), m.as_os_str()]);
    let e = stderr(&out);
    assert!(
        e.contains(&format!(
            "{} and {} already exist: pass --force to overwrite them",
            m.display(),
            csv.display()
        )),
        "{e}"
    );
    // With --force, each file replaced is named as such.
    let out = run(&["new".as_ref(), m.as_os_str(), "--force".as_ref()]);
    let e = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{e}");
    assert!(
        e.contains(&format!("overwrote {} (--force)", m.display())),
        "{e}"
    );
    assert!(
        e.contains(&format!("overwrote {} (--force)", csv.display())),
        "{e}"
    );
    // A model named like the template's contacts file would be overwritten by them.
    let clash = dir.path().join("sub").join("lead-fit-activity.csv");
    let out = run(&["new".as_ref(), clash.as_os_str(), "--force".as_ref()]);
    let e = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{e}");
    assert!(
        e.contains("is where the template's sample contacts go"),
        "{e}"
    );
}

fn mkfifo(path: &std::path::Path) {
    let made = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo {}", path.display());
}

/// Runs `f` on a thread and fails the test when it has not returned within ten seconds: it
/// blocked opening the FIFO. The FIFO is then opened for writing, to let the thread go.
fn without_blocking<T: Send + 'static>(
    fifo: &std::path::Path,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(std::time::Duration::from_secs(10)) {
        Ok(v) => v,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            // Opened for writing on a thread of its own: with no reader it would block too.
            let fifo = fifo.to_path_buf();
            std::thread::spawn(move || std::fs::OpenOptions::new().write(true).open(fifo));
            panic!("blocked on the FIFO");
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            panic!("the designer's thread failed (see its panic above)")
        }
    }
}

#[test]
fn a_fifo_is_refused_where_a_file_is_read_whole() {
    use scorewright::tui::{Action, App};
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.csv");
    mkfifo(&fifo);

    // The model's `contacts:` is a FIFO: the designer opens, saying so in the preview.
    let text = std::fs::read_to_string(fixture("engine.yaml"))
        .unwrap()
        .replacen("name:", "contacts: pipe.csv\nname:", 1);
    let m = dir.path().join("m.yaml");
    std::fs::write(&m, &text).unwrap();
    let model_path = m.clone();
    let said = without_blocking(&fifo, move || {
        let file = scorewright::model::read_model(&model_path).unwrap();
        let contacts = file.contacts_path();
        let app = App::from_file(file).with_contacts(contacts);
        (app.preview_error.clone(), app.preview.is_none())
    });
    let err = said.0.unwrap_or_default();
    assert!(
        err.contains("pipe.csv: is a FIFO (named pipe), not a regular file"),
        "{err}"
    );
    assert!(said.1, "no preview of a FIFO");

    // `o` in the preview with a FIFO: refused in the path box, the preview as it was.
    let path = fifo.display().to_string();
    let (popup_open, rows, message) = without_blocking(&fifo, move || {
        let model = scorewright::model::read_model(&fixture("engine.yaml"))
            .unwrap()
            .model;
        let mut app = App::new(model, PathBuf::from("/nonexistent/model.yaml"))
            .with_contacts(Some(fixture("engine.csv")));
        app.update(Action::Resize(120, 32));
        common::app::press(&mut app, "p o");
        for _ in 0..200 {
            common::app::press(&mut app, "Backspace");
        }
        common::app::type_text(&mut app, &path);
        common::app::press(&mut app, "Enter");
        let screen = common::app::render(&mut app, 120, 32);
        (
            !app.popups.is_empty(),
            app.preview.as_ref().map(|p| p.table.rows()),
            screen,
        )
    });
    assert!(popup_open, "the path box stays open with the error");
    assert_eq!(rows, Some(4), "the old contacts are still previewed");
    assert!(message.contains("is a FIFO"), "{message}");

    // A FIFO as the model: refused by name, exit 2, at once.
    let model_fifo = dir.path().join("model.yaml");
    mkfifo(&model_fifo);
    // Each command: its exit code and the words its stderr must hold.
    let cases = [
        (
            "check",
            &model_fifo,
            2,
            "model.yaml: is a FIFO (named pipe), not a regular file",
        ),
        (
            "edit",
            &model_fifo,
            2,
            "model.yaml: is a FIFO (named pipe), not a regular file",
        ),
        // The model's `contacts:` is a FIFO: checked without them, and said.
        ("check", &m, 0, "contacts not checked: "),
        // `report` likewise: the page without contacts, and said.
        (
            "report",
            &m,
            0,
            "is a FIFO (named pipe), not a regular file",
        ),
    ];
    for (cmd, path, code, words) in cases {
        let out = bin()
            .arg(cmd)
            .arg(path)
            .timeout(std::time::Duration::from_secs(10))
            .output()
            .unwrap();
        let e = stderr(&out);
        assert_eq!(out.status.code(), Some(code), "{cmd}: {e}");
        assert!(e.contains(words) && e.contains("FIFO"), "{cmd}: {e}");
    }
}

#[test]
fn a_scored_file_scored_again_has_its_output_columns_replaced() {
    let (dir, m, c) = copies();
    let once = dir.path().join("once.csv");
    let out = bin()
        .arg("score")
        .arg(&m)
        .arg(&c)
        .arg("-o")
        .arg(&once)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let first = std::fs::read_to_string(&once).unwrap();
    for (format, name) in [("csv", "twice.csv"), ("jsonl", "twice.jsonl")] {
        let twice = dir.path().join(name);
        let out = bin()
            .arg("score")
            .arg(&m)
            .arg(&once)
            .arg("-o")
            .arg(&twice)
            .args(["--format", format])
            .output()
            .unwrap();
        let e = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{e}");
        assert!(
            e.contains(
                "once.csv: already has the output columns score_j1, score_j2, grade_g, rating, \
                 tier, handover, segment, action, route (a scored file?): replaced by this run's"
            ),
            "{e}"
        );
        let text = std::fs::read_to_string(&twice).unwrap();
        if format == "csv" {
            // The same file again: every column once, the same scores.
            assert_eq!(text, first);
        }
        // scorewright reads its own output again.
        let out = bin()
            .arg("score")
            .arg(&m)
            .arg(&twice)
            .arg("--only-results")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{format}: {}", stderr(&out));
    }
    // With --explain, an old explanation column is replaced too.
    let explained = dir.path().join("explained.csv");
    let again = dir.path().join("again.csv");
    for (from, to) in [(&c, &explained), (&explained, &again)] {
        let out = bin()
            .arg("score")
            .arg(&m)
            .arg(from)
            .arg("-o")
            .arg(to)
            .arg("--explain")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let header = std::fs::read_to_string(&again).unwrap();
    let header = header.lines().next().unwrap();
    assert_eq!(header.matches("explanation").count(), 1, "{header}");
    assert_eq!(header.matches("score_j1").count(), 1, "{header}");
}
