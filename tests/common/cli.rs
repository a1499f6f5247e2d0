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
