//! The real binary, run as a user runs it, and the files the tests hand it.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

pub fn bin() -> Command {
    Command::cargo_bin("scorewright").unwrap()
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures").join(name)
}

pub fn leads() -> PathBuf {
    root().join("../shared/data/leads/Leads.csv")
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    write_bytes(dir, name, text.as_bytes())
}

pub fn write_bytes(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `scorewright score` of the test model (`tests/fixtures/engine.yaml`) on `contacts`, with
/// more arguments.
pub fn score_fixture(contacts: &Path, args: &[&str]) -> std::process::Output {
    bin()
        .arg("score")
        .arg(fixture("engine.yaml"))
        .arg(contacts)
        .args(args)
        .output()
        .unwrap()
}

/// Exports `model` as a dbt package into `pkg` (`--stamp`, source `crm.SOURCE`), loads
/// `contacts` (as text, as `score` reads them) into that source in a DuckDB file there, and
/// runs `dbt build` on it: whether it passed, and its log.
pub fn dbt_build_on(model: &Path, pkg: &Path, contacts: &Path, source: &str) -> (bool, String) {
    let out = bin()
        .arg("export")
        .arg(model)
        .arg("--dbt")
        .arg(pkg)
        .args([
            "--stamp",
            "--source",
            &format!("crm.{source}"),
            "--contacts",
        ])
        .arg(contacts)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let load = std::process::Command::new("duckdb")
        .arg(pkg.join("w.duckdb"))
        .arg(format!(
            "CREATE SCHEMA crm; CREATE TABLE crm.{source} AS SELECT * FROM read_csv('{}', all_varchar = true)",
            contacts.display()
        ))
        .output()
        .expect("duckdb is installed (bash .ci/install-engines)");
    assert!(load.status.success(), "{}", stderr(&load));
    write(
        pkg,
        "profiles.yml",
        "scorewright:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: w.duckdb\n      threads: 1\n",
    );
    dbt_build_again(pkg)
}

/// `dbt build` of the package in `pkg` (after `dbt_build_on` made it): whether it passed,
/// and its log.
pub fn dbt_build_again(pkg: &Path) -> (bool, String) {
    let run = std::process::Command::new("dbt")
        .args(["build", "--profiles-dir", ".", "--project-dir", "."])
        .current_dir(pkg)
        .env("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        .output()
        .expect("dbt is installed (dbt-duckdb, bash .ci/install-engines)");
    (
        run.status.success(),
        format!("{}{}", stdout(&run), stderr(&run)),
    )
}
