//! Accounts (issue 19) as a user meets them through the binary: `score` with account columns on
//! every contact, `score --accounts`, `explain --account`, `check` at the block's lines, and the
//! bad input that stops or is reported. The model and contacts are `tests/fixtures/accounts.*`:
//! eight contacts in three accounts and one without, every roll-up kind and two roles.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::cli::{bin, fixture, stderr, stdout, write};

fn score(args: &[&str]) -> std::process::Output {
    bin()
        .arg("score")
        .arg(fixture("accounts.yaml"))
        .arg(fixture("accounts.csv"))
        .args(args)
        .output()
        .unwrap()
}

/// Scores by hand (visits 0 to 3 scale to 0..100; written to six decimals): 1 visit
/// 33.333333, 2 visits 66.666667, 3 visits 100.
/// Acme (a1 VP at 33.3 not engaged, a2 staff at 66.7 engaged, a3 staff at 0, a4 intern at 100):
/// group 40 x 50% (user only) = 20; heat 30 x (50% x top2 83.3333335 / 100 + 50% x mean 50 /
/// 100) = 20.000000025; reach 30 x (40% x share 0.5 + 20% x 2 of 2 + 20% x 200 of 200 + 10% x
/// best 1 + 10% x 4 of 4) = 24: 64, hot. Beta (b1 c-level at 100, b2 unknown level at 33.3):
/// 20 + 30 x 0.666666665 + 30 x 0.583333333 = 57.5, cold. Cobalt (c1 VP at 33.3, not engaged):
/// 0 + 9.9999999 + 2.74999998 = 12.75, cold. n1 has no company: empty account columns.
#[test]
fn score_writes_account_columns_on_every_contact() {
    let out = score(&["--only-results"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let want = "\
id,score_act,rating,tier,handover,segment,action,route,account_score_account,account_rating,account_tier,account_handover,account_segment,account_action,account_route
a1,33.333333,,,,,,,64,,hot,,rest,ads,marketing
b1,100,,,,,,,57.5,,cold,,rest,ads,marketing
a2,66.666667,,,,,,,64,,hot,,rest,ads,marketing
a3,0,,,,,,,64,,hot,,rest,ads,marketing
n1,100,,,,,,,,,,,,,
b2,33.333333,,,,,,,57.5,,cold,,rest,ads,marketing
c1,33.333333,,,,,,,12.75,,cold,,rest,ads,marketing
a4,100,,,,,,,64,,hot,,rest,ads,marketing
";
    assert_eq!(stdout(&out), want);
    let err = stderr(&out);
    assert!(
        err.contains(
            "accounts.csv: 1 contact has no account (column 'company' blank; first at line 6): \
             scored as contacts, with empty account columns"
        ),
        "{err}"
    );
    assert!(err.contains("8 contacts scored in 3 accounts"), "{err}");
}

/// One pass: in chunks of two rows, each contact's row (its own cells, quoted as CSV quotes
/// them, and its outputs) waits in a spill file under TMPDIR until its account is scored, and
/// the spill is gone afterwards. By hand (visits 0 to 3 scale to 0..100): "Acme, Inc." has a1
/// (VP, 33.333333, not engaged) and a2 (staff, 100, engaged): size 2, best 100, avg and top2
/// (33,333,333 plus 100,000,000) / 2 millionths = 66.6666665, total 133.333333, hot 1, share
/// 0.5, user only. Group 40 x 50% = 20; heat 30 x 0.666666665 = 19.99999995; reach 30 x (0.4 x
/// 0.5 plus 0.2 x 1/2 plus 0.2 x 133.333333/200 plus 0.1 x 1 plus 0.1 x 2/4) = 17.49999999.
/// In all 57.49999994, written 57.5, cold. Beta has b1 (c-level, 66.666667, engaged), dm only.
/// Group 20; heat 30 x 0.66666667 = 20.0000001; reach 30 x (0.4 plus 0.1 plus 0.2 x
/// 66.666667/200 plus 0.1 x 0.66666667 plus 0.1 x 1/4) = 19.75000002. In all 59.75000012,
/// written 59.75, cold.
#[test]
fn score_writes_every_row_from_one_pass_and_leaves_no_spill() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let contacts = write(
        dir.path(),
        "c.csv",
        "id,company,visits,level,note\n\
         a1,\"Acme, Inc.\",1,VP,\"said \"\"hi\"\"\"\n\
         a2,\"Acme, Inc.\",3,Staff,\n\
         b1,Beta,2,C-level,x\n\
         n1,,0,VP,\n",
    );
    let out = bin()
        .env("TMPDIR", tmp.path())
        .arg("score")
        .arg(fixture("accounts.yaml"))
        .arg(&contacts)
        .args(["--chunk", "2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let none = ",".repeat(6);
    let want = format!(
        "id,company,visits,level,note,score_act,rating,tier,handover,segment,action,route,\
         account_score_account,account_rating,account_tier,account_handover,account_segment,\
         account_action,account_route\n\
         a1,\"Acme, Inc.\",1,VP,\"said \"\"hi\"\"\",33.333333{none},57.5,,cold,,rest,ads,marketing\n\
         a2,\"Acme, Inc.\",3,Staff,,100{none},57.5,,cold,,rest,ads,marketing\n\
         b1,Beta,2,C-level,x,66.666667{none},59.75,,cold,,rest,ads,marketing\n\
         n1,,0,VP,,0{none},{none}\n"
    );
    assert_eq!(stdout(&out), want);
    assert!(
        stderr(&out).contains("4 contacts scored in 2 accounts"),
        "{}",
        stderr(&out)
    );
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "the spill is removed: {left:?}");

    // A file that breaks after the first chunk was spilled: exit 2, nothing written, no spill.
    let broken = write(
        dir.path(),
        "c.jsonl",
        "{\"id\": \"a1\", \"company\": \"Acme\", \"visits\": 1}\n\
         {\"id\": \"a2\", \"company\": \"Acme\", \"visits\": 2}\n\
         {\"id\": \"a3\", \"company\n",
    );
    let out = bin()
        .env("TMPDIR", tmp.path())
        .arg("score")
        .arg(fixture("accounts.yaml"))
        .arg(&broken)
        .args(["--chunk", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("line 3"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(
        left.is_empty(),
        "the spill is removed on failure too: {left:?}"
    );

    // A temporary folder that cannot be written: said, exit 2, nothing written.
    let out = bin()
        .env("TMPDIR", dir.path().join("no such folder"))
        .arg("score")
        .arg(fixture("accounts.yaml"))
        .arg(&contacts)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("cannot write the contacts' rows there while their accounts are rolled up")
            && stderr(&out).contains("set TMPDIR to a folder with room"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());

    // Numbered rows (`#row`) count on across chunks.
    let model = std::fs::read_to_string(fixture("accounts.yaml"))
        .unwrap()
        .replacen(
            "name: accounts\n",
            "name: accounts\nid_column: \"#row\"\n",
            1,
        );
    let model = write(dir.path(), "m.yaml", &model);
    let out = bin()
        .arg("score")
        .arg(&model)
        .arg(&contacts)
        .args(["--chunk", "3", "--only-results"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let first: Vec<String> = stdout(&out)
        .lines()
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    assert_eq!(first, ["#row", "1", "2", "3", "4"]);
}

/// One row per account, in the order first seen: the contact count, each roll-up (Acme's mean
/// is 200,000,000 millionths / 4 = 50; its top two 166,666,667 / 2 = 83.3333335, written as a
/// score is, six decimals rounded half up: 83.333334; Beta's mean and top two 133,333,333 / 2 =
/// 66.6666665, written 66.666667), each role, then the account outputs.
#[test]
fn score_accounts_writes_one_row_per_account() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("accounts.out.csv");
    let out = score(&["--accounts", "-o", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let want = "\
account,contacts,size,best,avg,total,top2,hot,hot_share,dm,user,score_account,rating,tier,handover,segment,action,route
Acme,4,4,100,50,200,83.333334,2,0.5,false,true,64,,hot,,rest,ads,marketing
Beta,2,2,100,66.666667,133.333333,66.666667,1,0.5,true,false,57.5,,cold,,rest,ads,marketing
Cobalt,1,1,33.333333,33.333333,33.333333,33.333333,0,0,false,false,12.75,,cold,,rest,ads,marketing
";
    assert_eq!(std::fs::read_to_string(&path).unwrap(), want);
}

#[test]
fn explain_account_lists_its_contacts_and_roles() {
    let out = bin()
        .arg("explain")
        .arg(fixture("accounts.yaml"))
        .arg(fixture("accounts.csv"))
        .args(["--account", "Beta"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("account Beta (2 contacts in "), "{text}");
    assert!(text.contains("\naccount: 57.5\n"), "{text}");
    assert!(
        text.contains("    dm = 'yes': attainment 1.00 x 20 = 20 points"),
        "{text}"
    );
    assert!(
        text.contains(
            "  id b1 (line 3): act 100; dm (engaged)\n  id b2 (line 7): act 33.333333; no role"
        ),
        "{text}"
    );
    let json = bin()
        .arg("explain")
        .arg(fixture("accounts.yaml"))
        .arg(fixture("accounts.csv"))
        .args(["--account", "Acme", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["account"], "Acme");
    assert_eq!(v["tier"], "hot");
    let ids: Vec<&str> = v["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["a1", "a2", "a3", "a4"]);
    assert_eq!(v["contacts"][0]["roles"][0], "dm");
    assert_eq!(v["contacts"][0]["engaged"], false);
}

#[test]
fn an_unknown_account_or_no_accounts_block_is_exit_2() {
    let out = bin()
        .arg("explain")
        .arg(fixture("accounts.yaml"))
        .arg(fixture("accounts.csv"))
        .args(["--account", "Nowhere"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no contact names account 'Nowhere' in column 'company'"),
        "{}",
        stderr(&out)
    );
    let out = bin()
        .arg("score")
        .arg(fixture("engine.yaml"))
        .arg(fixture("engine.csv"))
        .arg("--accounts")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--accounts needs an accounts: block in the model"),
        "{}",
        stderr(&out)
    );
}

/// A pipe can be read once, and contacts are sniffed then read from the start: refused, with
/// nothing written, rather than half read.
#[test]
fn accounts_refuse_contacts_that_can_be_read_only_once() {
    let out = bin()
        .arg("score")
        .arg(fixture("accounts.yaml"))
        .arg("/dev/stdin")
        .write_stdin(std::fs::read_to_string(fixture("accounts.csv")).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());
}

#[test]
fn contacts_without_the_account_column_are_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(dir.path(), "c.csv", "id,visits,level\na,1,VP\n");
    let out = bin()
        .arg("score")
        .arg(fixture("accounts.yaml"))
        .arg(&csv)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out)
            .contains("has no column 'company', which the model's accounts.id_column names"),
        "{}",
        stderr(&out)
    );
}

/// The account model is checked as any model, its findings at their line under `accounts`.
#[test]
fn check_places_account_errors_at_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("accounts.yaml"))
        .unwrap()
        .replace("journey: act, how: max", "journey: activity, how: max")
        .replace("{ id: group, weight: 40,", "{ id: group, weight: 45,")
        .replace("{ id: size, how: count }", "{ id: contacts, how: count }");
    let model = write(dir.path(), "m.yaml", &text);
    let out = bin().arg("check").arg(&model).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let line = |needle: &str| {
        text.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle}:\n{text}"))
            .to_string()
    };
    assert!(
        line("roll-up 'best'").contains(
            "m.yaml:14:19: error: roll-up 'best': no contact journey 'activity' (at accounts.rollups.best.journey)"
        ),
        "{text}"
    );
    assert!(
        line("touchpoint weights sum to 105%").contains("(at accounts.journeys.account"),
        "{text}"
    );
    assert!(
        line("'contacts' is the name of a column").contains("m.yaml:13:9: error: accounts: "),
        "{text}"
    );
}

/// The shipped example's accounts reach every account tier, grade and segment, as its
/// contacts do theirs (`tests/examples.rs`).
#[test]
fn the_example_reaches_every_account_tier_grade_and_segment() {
    let root = common::cli::root();
    let out = bin()
        .arg("score")
        .arg(root.join("examples/abm-buying-group.yaml"))
        .arg(root.join("examples/abm-buying-group.csv"))
        .arg("--accounts")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let headers = rows.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (tier, grade, segment) = (col("tier"), col("grade_fit"), col("segment"));
    let mut seen = std::collections::BTreeSet::new();
    for r in rows.records() {
        let r = r.unwrap();
        seen.insert(format!("tier {}", &r[tier]));
        seen.insert(format!("grade {}", &r[grade]));
        seen.insert(format!("segment {}", &r[segment]));
    }
    let want = [
        "grade A",
        "grade B",
        "grade C",
        "segment Buying group in",
        "segment Enterprise gone quiet",
        "segment Missing a decision maker",
        "segment Not yet",
        "segment Too few contacts",
        "tier cold",
        "tier hot",
        "tier warm",
    ];
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), want);
}

/// `generate` for a model with accounts adds the account column: one account per ten contacts
/// (200 for 2,000), most small and a few with dozens, and `score` reads it back.
#[test]
fn generate_makes_accounts_of_realistic_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("g.csv");
    let root = common::cli::root();
    let model = root.join("examples/abm-buying-group.yaml");
    let out = bin()
        .arg("generate")
        .arg(&model)
        .args(["-n", "2000", "--seed", "1", "-o"])
        .arg(&csv)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut reader = csv::Reader::from_path(&csv).unwrap();
    let at = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "Account ID")
        .expect("an Account ID column");
    let mut sizes: std::collections::BTreeMap<String, usize> = Default::default();
    for r in reader.records() {
        *sizes.entry(r.unwrap()[at].to_string()).or_default() += 1;
    }
    assert!(
        sizes
            .keys()
            .all(|k| ("A000001"..="A000200").contains(&k.as_str()))
    );
    let mut n: Vec<usize> = sizes.values().copied().collect();
    n.sort_unstable();
    assert!(n.len() > 150, "{} accounts", n.len());
    assert!(n[n.len() / 2] <= 8, "median {}", n[n.len() / 2]);
    assert!(n[n.len() - 1] >= 30, "largest {}", n[n.len() - 1]);
    let scored = bin()
        .arg("score")
        .arg(&model)
        .arg(&csv)
        .arg("--accounts")
        .output()
        .unwrap();
    assert_eq!(scored.status.code(), Some(0), "{}", stderr(&scored));
    // The generated accounts and, after them, the nine of the example's accounts file (A-100
    // to A-900), which no generated contact names: said, and scored with 0 contacts.
    assert_eq!(stdout(&scored).lines().count(), n.len() + 9 + 1);
    assert!(
        stderr(&scored).contains("abm-buying-group-accounts.csv: 9 accounts have no contact in "),
        "{}",
        stderr(&scored)
    );
}

/// The commands that do not read the account level yet say so, rather than leave it out
/// without a word.
#[test]
fn commands_that_read_contacts_only_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = backtest_with(dir.path(), "suggest", &[]);
    assert!(
        stderr(&out).contains(
            "best.yaml: `suggest` reads the contact level only; its accounts block is left out"
        ),
        "{}",
        stderr(&out)
    );
}

/// `--reasons` on a model with accounts is refused, exit 2, nothing written: it was dropped
/// without a word (exit 0, no `reasons` column).
#[test]
fn reasons_on_a_model_with_accounts_are_refused_not_dropped() {
    let out = bin()
        .arg("score")
        .arg(fixture("accounts.yaml"))
        .arg(fixture("accounts.csv"))
        .arg("--reasons")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--reasons is not written"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());
}

/// A model whose account score is its best contact's score, so that each account's score is
/// read off its contacts: a contact scores 10 x visits; an account scores its `best`.
const BEST: &str = r#"name: best
fields:
  - { id: visits, kind: number }
journeys:
  - id: act
    touchpoints:
      - { id: t, weight: 100, pillars: [empathy], signals: [ { field: visits, weight: 100, rule: { scale: { from: 0, to: 10 } } } ] }
accounts:
  id_column: company
  rollups:
    - { id: best, journey: act, how: max }
  journeys:
    - id: acct
      touchpoints:
        - { id: b, weight: 100, pillars: [empathy], signals: [ { field: best, weight: 100, rule: { scale: { from: 0, to: 100 } } } ] }
  tiers:
    journey: acct
    levels:
      - { name: hot, at_least: 60 }
      - { name: cold, at_least: 0 }
"#;

/// Six accounts and one contact without one (lines 2 to 11). Best scores: A 90, B 70, C 50,
/// D 30, E 10, F 40. By "any contact converted" (`won`): A yes (a2), B no (b1 no, b2 blank), C
/// yes (c1), D no, E unknown (blank), F yes. By the account column `deal`: A yes, B no, C's
/// rows disagree (yes at line 6, no at line 7), D no, E and F unknown.
const BEST_CSV: &str = "id,company,visits,won,deal\n\
    a1,A,9,0,yes\n\
    a2,A,2,1,yes\n\
    b1,B,7,0,no\n\
    b2,B,1,,\n\
    c1,C,5,1,yes\n\
    c2,C,3,0,no\n\
    d1,D,3,0,no\n\
    e1,E,1,,\n\
    n1,,10,1,yes\n\
    f1,F,4,1,\n";

fn backtest(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    backtest_with(dir, "backtest", args)
}

/// `command` (one that reads an outcome) on `BEST` and `BEST_CSV` against `won`.
fn backtest_with(dir: &std::path::Path, command: &str, args: &[&str]) -> std::process::Output {
    let model = write(dir, "best.yaml", BEST);
    let csv = write(dir, "best.csv", BEST_CSV);
    bin()
        .arg(command)
        .arg(&model)
        .arg(&csv)
        .args(["--outcome", "won"])
        .args(args)
        .output()
        .unwrap()
}

/// Any contact converted: 6 accounts, 5 known (E is not), 3 converted (A, C, F): base rate 60%.
/// AUC: of the 3 x 2 pairs of a converted and a not-converted account, A (90) outranks B (70)
/// and D (30), C (50) outranks D, F (40) outranks D: 4 of 6. Hot (60 and up): A and B, one
/// converted, 50%, lift 0.5 / 0.6 = 0.83x; cold: C, D, E, F, 2 of 3 known, 66.7%, 1.11x. The
/// contact without an account (n1) is left out and counted.
#[test]
fn backtest_measures_the_accounts_on_any_contact_converted() {
    let dir = tempfile::tempdir().unwrap();
    let out = backtest(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("contact level only"),
        "{}",
        stderr(&out)
    );
    let text = stdout(&out);
    // The contacts' back-test first, as before: 10 contacts, 8 known, 4 converted.
    assert!(
        text.contains("10 contacts, 8 with a known outcome, 4 converted: base rate 50.0%"),
        "{text}"
    );
    let accounts = &text[text.find("\nAccounts: ").expect("an account section")..];
    assert!(
        accounts.contains("Accounts: an account converted when any of its contacts did ('won')\n1 contact without an account left out\n"),
        "{accounts}"
    );
    assert!(
        accounts.contains("6 accounts, 5 with a known outcome, 3 converted: base rate 60.0%"),
        "{accounts}"
    );
    assert!(
        accounts.contains("Journey acct (acct)\n  AUC 0.6667\n"),
        "{accounts}"
    );
    assert!(accounts.contains("Tiers (on acct)"), "{accounts}");
    let hot = accounts
        .lines()
        .find(|l| l.trim_start().starts_with("hot "))
        .unwrap();
    let cells: Vec<&str> = hot.split_whitespace().collect();
    assert_eq!(cells, ["hot", "2", "1", "50.0%", "0.83x"], "{accounts}");
    let cold = accounts
        .lines()
        .find(|l| l.trim_start().starts_with("cold "))
        .unwrap();
    let cells: Vec<&str> = cold.split_whitespace().collect();
    assert_eq!(cells, ["cold", "4", "2", "66.7%", "1.11x"], "{accounts}");

    let json = backtest(dir.path(), &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let a = &v["accounts"];
    assert_eq!(a["without_account"], 1);
    assert_eq!(a["backtest"]["contacts"], 6);
    assert_eq!(a["backtest"]["known"], 5);
    assert_eq!(a["backtest"]["converted"], 3);
    assert!((a["backtest"]["journeys"][0]["auc"].as_f64().unwrap() - 4.0 / 6.0).abs() < 1e-12);
    assert_eq!(a["backtest"]["tiers"][0]["contacts"], 2);

    let csv = backtest(dir.path(), &["--format", "csv"]);
    let text = stdout(&csv);
    assert!(
        text.contains(&format!("\naccount_auc,acct,,,,,,,{},,\n", 4.0_f64 / 6.0)),
        "{text}"
    );
    assert!(text.contains("\naccount_tier,acct,cold,,,4,3,2,"), "{text}");
    // The contacts' rows come first, unprefixed.
    assert!(text.contains("\nauc,act,"), "{text}");
}

/// `--account-outcome deal`: A yes, B no (its blank row ignored), C left out (its rows
/// disagree, said with their lines), D no; E and F have no value. 3 known, 1 converted: A
/// (90) outranks B (70) and D (30): AUC 1. `--min-auc` with the account journey's id holds the
/// account level to it; on "any contact converted" (AUC 0.6667) 0.7 fails, exit 1.
#[test]
fn backtest_reads_an_account_outcome_column_and_holds_accounts_to_min_auc() {
    let dir = tempfile::tempdir().unwrap();
    let out = backtest(
        dir.path(),
        &[
            "--account-outcome",
            "deal",
            "--min-auc",
            "0.7",
            "--journey",
            "acct",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "Accounts: each account's own outcome, column 'deal' of its contacts' rows\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "1 account left out: its rows disagree on 'deal'\n  C: yes at line 6, no at line 7\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("6 accounts, 3 with a known outcome, 1 converted: base rate 33.3%"),
        "{text}"
    );
    assert!(
        text.contains("Journey acct (acct)\n  AUC 1.0000\n"),
        "{text}"
    );
    assert!(
        stderr(&out).contains("account journey 'acct': AUC 1.0000, at least 0.7"),
        "{}",
        stderr(&out)
    );

    let out = backtest(
        dir.path(),
        &["--min-auc", "0.7", "--journey", "accounts.acct"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("account journey 'acct': AUC 0.6667 is below --min-auc 0.7"),
        "{}",
        stderr(&out)
    );
    // The contact journey is still the default.
    let out = backtest(dir.path(), &["--min-auc", "0.5"]);
    assert!(
        stderr(&out).contains("journey 'act': AUC"),
        "{}",
        stderr(&out)
    );
}

/// Bad input at the account level: an unknown account outcome column (exit 2, the nearest
/// named), `--account-outcome` without an accounts block (exit 2), contacts without the
/// account column (exit 2), and an account outcome of one class (said; the contacts' back-test
/// is still given, exit 0).
#[test]
fn backtest_account_level_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = backtest(dir.path(), &["--account-outcome", "dael"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("has no outcome column 'dael' (did you mean 'deal'?)"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());

    let plain = write(
        dir.path(),
        "plain.yaml",
        &BEST[..BEST.find("accounts:").unwrap()],
    );
    let csv = write(dir.path(), "c.csv", BEST_CSV);
    let out = bin()
        .arg("backtest")
        .arg(&plain)
        .arg(&csv)
        .args(["--outcome", "won", "--account-outcome", "deal"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--account-outcome needs an accounts: block in the model"),
        "{}",
        stderr(&out)
    );

    let model = write(dir.path(), "best.yaml", BEST);
    let nocol = write(dir.path(), "n.csv", "id,visits,won\na,1,1\nb,2,0\n");
    let out = bin()
        .arg("backtest")
        .arg(&model)
        .arg(&nocol)
        .args(["--outcome", "won"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out)
            .contains("has no column 'company', which the model's accounts.id_column names"),
        "{}",
        stderr(&out)
    );

    // Every account converted: the account level cannot be measured, the contacts' can.
    let one = write(
        dir.path(),
        "one.csv",
        "id,company,visits,won\na,A,1,1\nb,B,2,1\nc,B,3,0\n",
    );
    let out = bin()
        .arg("backtest")
        .arg(&model)
        .arg(&one)
        .args(["--outcome", "won"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "(accounts): outcome column 'won (any contact)' has 2 yes and 0 no: a back-test needs both; the account level is left out"
        ),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("3 contacts, 3 with a known outcome"));
    assert!(!stdout(&out).contains("Accounts:"));
}

fn diff_best(dir: &std::path::Path, old: &str, new: &str, args: &[&str]) -> std::process::Output {
    let (o, n) = (write(dir, "old.yaml", old), write(dir, "new.yaml", new));
    let csv = write(dir, "best.csv", BEST_CSV);
    bin()
        .arg("diff")
        .arg(&o)
        .arg(&n)
        .arg("--contacts")
        .arg(&csv)
        .args(args)
        .output()
        .unwrap()
}

/// The account rule's scale to 80 instead of 100: each account scores best x 1.25, at most
/// 100. A 90 -> 100 (+10), B 70 -> 87.5 (+17.5), C 50 -> 62.5 (+12.5), D 30 -> 37.5 (+7.5), E 10
/// -> 12.5 (+2.5), F 40 -> 50 (+10): six moved, mean +60 / 6 = +10, the order kept (rank
/// correlation 1). C passes 60: one account becomes hot. The contacts do not move; the
/// accounts do, so the versions differ: exit 1.
#[test]
fn diff_counts_account_moves() {
    let dir = tempfile::tempdir().unwrap();
    let new = BEST.replace(
        "rule: { scale: { from: 0, to: 100 } } } ] }",
        "rule: { scale: { from: 0, to: 80 } } } ] }",
    );
    assert_ne!(new, BEST);
    let out = diff_best(dir.path(), BEST, &new, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("contact level only"),
        "{}",
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(text.contains("(10 contacts): 0 change an output"), "{text}");
    let accounts = &text[text.find("\nAccounts\n").expect("an accounts part")..];
    assert!(
        accounts.contains("\n  1 account becomes hot\n"),
        "{accounts}"
    );
    assert!(accounts.contains("(6 accounts): 6 change an output\n  acct: 6 scores moved, mean +10; rank correlation 1.0000\n    B: 70 -> 87.5 (+17.5)\n    C: 50 -> 62.5 (+12.5)\n    A: 90 -> 100 (+10)\n    F: 40 -> 50 (+10)\n"), "{accounts}");
    assert!(
        accounts.contains(
            "  tiers: 1 hotter, 0 colder\n    cold -> hot: 1\n  segments: 0 accounts move"
        ),
        "{accounts}"
    );

    let json = diff_best(dir.path(), BEST, &new, &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let a = &v["accounts"]["impact"];
    assert_eq!(a["contacts"], 6);
    assert_eq!(a["tier_up"], 1);
    assert_eq!(a["tier_moves"][0]["from"], "cold");
    assert_eq!(a["journeys"][0]["mean_delta"], 10.0);
    let csv = diff_best(dir.path(), BEST, &new, &["--format", "csv"]);
    assert!(
        stdout(&csv).contains("\naccount_tier,,cold,hot,1\n"),
        "{}",
        stdout(&csv)
    );
    assert!(
        stdout(&csv).contains("\naccount_score,acct.B,70,87.5,\n"),
        "{}",
        stdout(&csv)
    );

    // The same model: nothing moves, exit 0.
    let same = diff_best(dir.path(), BEST, BEST, &[]);
    assert_eq!(same.status.code(), Some(0), "{}", stdout(&same));
    assert!(
        stdout(&same).contains("(6 accounts): 0 change an output"),
        "{}",
        stdout(&same)
    );
}

/// A model with accounts against one without: said in words, and its six accounts counted
/// as added (or removed), so the versions differ (`score` writes account columns with one and
/// not the other). Without contacts, the note alone.
#[test]
fn diff_of_a_model_with_accounts_against_one_without_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let plain = &BEST[..BEST.find("accounts:").unwrap()];
    let out = diff_best(dir.path(), plain, BEST, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("new.yaml has an accounts block: "), "{text}");
    assert!(text.contains("old.yaml scores contacts only, so no account moves are counted\n  6 accounts only the new scoring has, 0 only the old"), "{text}");
    let out = diff_best(dir.path(), BEST, plain, &[]);
    assert!(
        stdout(&out).contains("0 accounts only the new scoring has, 6 only the old"),
        "{}",
        stdout(&out)
    );
    let o = write(dir.path(), "o.yaml", plain);
    let n = write(dir.path(), "n.yaml", BEST);
    let out = bin().arg("diff").arg(&o).arg(&n).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("only "), "{}", stdout(&out));
    assert!(
        !stdout(&out).contains("accounts only the new"),
        "{}",
        stdout(&out)
    );
}

/// `tune --level account` on `tests/fixtures/tune-accounts.*`: an account scores b x best /
/// 100 + s x contacts / 4 (b + s = 100%). Converted: Y1 (2 contacts, best 60), Y2 (3, best 0),
/// Y3 (2, best 20); not: X1 and X2 (1 contact, best 90 each); n0 has no account. Y ranks above
/// an X when b / (b + s) is below (its share of contacts over the X's) / (that plus the X's
/// best over its own): 0.25 / 0.55 = 0.4545 for Y1, 0.5 / 1.4 = 0.357 for Y2, 0.25 / 0.95 =
/// 0.263 for Y3. At 50/50 no Y outranks an X (AUC 0); each step of 10% from b to s raises the
/// AUC (40: Y1, 1/3; 30: Y1 and Y2, 2/3) until 20/80 ranks every Y first (AUC 1), after which
/// nothing raises it: b 20%, s 80%. Written as a patch of the file: only the two weights.
#[test]
fn tune_proposes_account_weights_from_the_accounts_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let out_model = dir.path().join("tuned.yaml");
    let run = |format: &str, out: Option<&std::path::Path>| {
        let mut cmd = bin();
        cmd.arg("tune")
            .arg(fixture("tune-accounts.yaml"))
            .arg(fixture("tune-accounts.csv"))
            .args(["--outcome", "won", "--level", "account", "--weights-only"])
            .args(["--folds", "2", "--format", format]);
        if let Some(o) = out {
            cmd.arg("-o").arg(o);
        }
        cmd.output().unwrap()
    };
    let out = run("json", Some(&out_model));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("accounts: an account converted when any of its contacts did ('won')")
            && err.contains("1 contact without an account left out"),
        "{err}"
    );
    assert!(!err.contains("contact level only"), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["rows"].as_u64(), v["positives"].as_u64()),
        (Some(5), Some(3))
    );
    assert_eq!(v["level"], "account");
    let j = &v["journeys"][0];
    assert_eq!(j["journey"], "acct");
    assert_eq!(
        (j["fit_before"].as_f64(), j["fit_after"].as_f64()),
        (Some(0.0), Some(1.0))
    );
    let weight = |at: &str| {
        let w = j["weights"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["at"] == at)
            .unwrap();
        (w["before"].to_string(), w["after"].to_string())
    };
    assert_eq!(weight("acct.b"), ("50".into(), "20".into()));
    assert_eq!(weight("acct.s"), ("50".into(), "80".into()));
    let original = std::fs::read_to_string(fixture("tune-accounts.yaml")).unwrap();
    let want = original
        .replace("{ id: b, weight: 50,", "{ id: b, weight: 20,")
        .replace("{ id: s, weight: 50,", "{ id: s, weight: 80,");
    assert_ne!(want, original);
    assert_eq!(std::fs::read_to_string(&out_model).unwrap(), want);

    let text = stdout(&run("text", None));
    assert!(
        text.contains("tuned on 5 accounts (3 with outcome yes)"),
        "{text}"
    );
    assert!(
        text.contains("\naccount journey acct: cross-validated AUC"),
        "{text}"
    );
}

/// `--level account` without an accounts block, `--account-outcome` at the contact level, and
/// too few accounts for the folds: exit 2, nothing written.
#[test]
fn tune_account_level_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let plain = write(
        dir.path(),
        "plain.yaml",
        &BEST[..BEST.find("accounts:").unwrap()],
    );
    let csv = write(dir.path(), "c.csv", BEST_CSV);
    let out = bin()
        .arg("tune")
        .arg(&plain)
        .arg(&csv)
        .args(["--outcome", "won", "--level", "account"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--level account needs an accounts: block"),
        "{}",
        stderr(&out)
    );
    let out = bin()
        .arg("tune")
        .arg(&plain)
        .arg(&csv)
        .args(["--outcome", "won", "--account-outcome", "deal"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--account-outcome is for --level account"),
        "{}",
        stderr(&out)
    );
    // Contacts without the account column.
    let nocol = write(dir.path(), "n.csv", "id,visits,won\na,1,1\nb,2,0\n");
    let out = bin()
        .arg("tune")
        .arg(write(dir.path(), "best.yaml", BEST))
        .arg(&nocol)
        .args(["--outcome", "won", "--level", "account"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out)
            .contains("has no column 'company', which the model's accounts.id_column names"),
        "{}",
        stderr(&out)
    );
    // BEST's accounts by any contact: 3 yes, 2 no; five folds need five of each.
    let model = write(dir.path(), "best.yaml", BEST);
    let written = dir.path().join("t.yaml");
    let out = bin()
        .arg("tune")
        .arg(&model)
        .arg(&csv)
        .args(["--outcome", "won", "--level", "account", "-o"])
        .arg(&written)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "c.csv (accounts): too few contacts for 5 folds: 3 positive and 2 negative outcomes"
        ),
        "{}",
        stderr(&out)
    );
    assert!(!written.exists());
}

/// `report` of a model with accounts: after the contact model, the account level as a contact
/// model has it (roll-ups, the account journey, tiers) and, with contacts, the accounts per
/// tier (hot 60 and up: A 90 and B 70; cold: C, D, E, F) and the account back-test (AUC 4/6,
/// as `backtest` gives: `backtest_measures_the_accounts_on_any_contact_converted`). Text from
/// the model is escaped.
#[test]
fn report_shows_the_account_level() {
    let dir = tempfile::tempdir().unwrap();
    let model = BEST.replace(
        "{ id: best, journey: act, how: max }",
        "{ id: best, journey: act, how: max, note: \"<b>the keenest</b>\" }",
    );
    let model = write(dir.path(), "best.yaml", &model);
    let csv = write(dir.path(), "best.csv", BEST_CSV);
    let out = bin()
        .arg("report")
        .arg(&model)
        .args(["--outcome", "won", "--contacts"])
        .arg(&csv)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("contact level only"),
        "{}",
        stderr(&out)
    );
    let html = stdout(&out);
    let at = |needle: &str| {
        html.find(needle)
            .unwrap_or_else(|| panic!("no {needle} in the report"))
    };
    assert!(at("<h2>Journey: act</h2>") < at("<h2>Accounts</h2>"));
    assert!(html.contains(
        "<tr><td>best</td><td>max</td><td>act</td><td></td><td class=\"note\">&lt;b&gt;the keenest&lt;/b&gt;</td></tr>"
    ));
    assert!(at("<h2>Accounts</h2>") < at("<h2>Account journey: acct</h2>"));
    assert!(html.contains("<h2>Account tiers and handovers</h2>"));
    assert!(html.contains("<p>6 accounts from 10 contacts of "));
    assert!(html.contains("; 1 contact without an account.</p>"));
    assert!(html.contains(
        "<tr><td>hot</td><td class=\"num\">2</td></tr>\n<tr><td>cold</td><td class=\"num\">4</td></tr>"
    ));
    assert!(html.contains(
        "<h2>Back-test against 'won (any contact)'</h2><p>5 accounts with a known outcome, 3 converted (60.0%).</p>\n<h3>acct: AUC 0.667</h3>"
    ));
}

/// `export --dbt` of a model with accounts describes each `account_` column (from the account
/// model: its journey's name, grades, tiers, segments) and tests it as the contact columns are
/// tested, letting the null of a contact without an account pass; `dbt build` (dbt-duckdb)
/// runs it on the fixture's contacts. The table dbt built has the account tiers computed by
/// hand in `score_writes_account_columns_on_every_contact`: Acme's four contacts hot, Beta's
/// two and Cobalt's one cold, n1 (no account) null. A schema that accepts only `cold` for
/// `account_tier` fails the build on that test.
#[test]
fn export_dbt_describes_and_tests_the_account_columns() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("pkg");
    let (ok, log) = common::cli::dbt_build_on(
        &fixture("accounts.yaml"),
        &pkg,
        &fixture("accounts.csv"),
        "contacts",
    );
    assert!(ok, "{log}");
    assert!(
        log.contains("accepted_values_accounts__account_tier___hot__cold"),
        "{log}"
    );
    assert!(
        log.contains("scorewright_between_accounts__account_score_account___100__0"),
        "{log}"
    );
    assert!(log.contains("ERROR=0"), "{log}");
    let schema_path = std::fs::read_dir(pkg.join("models"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "yml"))
        .unwrap();
    let schema_text = std::fs::read_to_string(&schema_path).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        schema_text
            .lines()
            .skip_while(|l| l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
            .as_str(),
    )
    .unwrap();
    let columns = schema["models"][0]["columns"].as_array().unwrap();
    let names: Vec<&str> = columns
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    let first = names
        .iter()
        .position(|n| *n == "account_score_account")
        .unwrap();
    assert_eq!(
        names[first..first + 8],
        [
            "account_score_account",
            "account_rating",
            "account_tier",
            "account_handover",
            "account_segment",
            "account_action",
            "account_route",
            "model_version",
        ]
    );
    assert_eq!(names[first - 1], "route");
    let tier = &columns[first + 2];
    assert_eq!(
        tier["description"],
        "The account's tier (the marketing-qualified account), by its tier journey's score; null when the contact has no account."
    );
    assert!(
        columns[first]["description"]
            .as_str()
            .unwrap()
            .starts_with("The contact's account's account score (the account model's")
    );
    let built = std::process::Command::new("duckdb")
        .args(["-csv", "-readonly"])
        .arg(pkg.join("w.duckdb"))
        .arg("SELECT coalesce(account_tier, 'null') AS t, count(*) AS n FROM main.accounts GROUP BY t ORDER BY t")
        .output()
        .unwrap();
    assert_eq!(
        stdout(&built),
        "t,n\ncold,3\nhot,4\nnull,1\n",
        "{}",
        stderr(&built)
    );

    let narrowed = schema_text.replacen("\"hot\",\n", "", 1);
    assert_ne!(narrowed, schema_text);
    std::fs::write(&schema_path, narrowed).unwrap();
    let (ok, log) = common::cli::dbt_build_again(&pkg);
    assert!(!ok, "{log}");
    // One value (hot) outside the accepted ones.
    assert!(
        log.contains("FAIL 1 accepted_values_accounts__account_tier___cold"),
        "{log}"
    );
}

/// `new --template abm-buying-group` writes the example and its sample contacts, byte for byte,
/// and the new model scores its accounts as the shipped one does: 8 accounts (A-100 to A-800)
/// of 28 of its 29 contacts, the freelancer having none.
#[test]
fn new_starts_from_the_abm_template_and_scores_its_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("abm.yaml");
    let out = bin()
        .arg("new")
        .arg(&model)
        .args(["--template", "abm-buying-group"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let root = common::cli::root();
    for (written, shipped) in [
        (model.clone(), "examples/abm-buying-group.yaml"),
        (
            dir.path().join("abm-buying-group.csv"),
            "examples/abm-buying-group.csv",
        ),
        (
            dir.path().join("abm-buying-group-accounts.csv"),
            "examples/abm-buying-group-accounts.csv",
        ),
    ] {
        assert_eq!(
            std::fs::read(&written).unwrap(),
            std::fs::read(root.join(shipped)).unwrap(),
            "{shipped}"
        );
    }
    let out = bin()
        .arg("score")
        .arg(&model)
        .arg("--accounts")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let shipped = bin()
        .arg("score")
        .arg(root.join("examples/abm-buying-group.yaml"))
        .arg("--accounts")
        .output()
        .unwrap();
    assert_eq!(stdout(&out), stdout(&shipped));
    let ids: Vec<String> = stdout(&out)
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    // The eight companies, then the accounts file's target account no contact names yet.
    let want: Vec<String> = (1..=9).map(|k| format!("A-{k}00")).collect();
    assert_eq!(ids, want);
    assert!(
        stderr(&out).contains("29 contacts scored in 9 accounts"),
        "{}",
        stderr(&out)
    );
}

/// The fixture's model with three contact segments, two of them reading the contact's account
/// (issue 19, item 2: "contact of a hot account: invite to the executive dinner").
fn with_account_segments(dir: &std::path::Path) -> std::path::PathBuf {
    let segments = "segments:\n  \
        - { name: dinner, when: { all: [ { journey: act, at_least: 50 }, { account: { tier: hot } } ] }, action: invite to the executive dinner, route: AE }\n  \
        - { name: dm_account, when: { any: [ { account: { field: dm, equals: true } }, { not: { account: { journey: account, at_least: 20 } } } ] }, action: brief, route: SDR }\n  \
        - { name: rest, action: newsletter, route: marketing }\n";
    let yaml = std::fs::read_to_string(fixture("accounts.yaml"))
        .unwrap()
        .replacen("accounts:\n", &format!("{segments}accounts:\n"), 1);
    write(dir, "segments.yaml", &yaml)
}

/// Segments decided once the accounts are scored. By hand (the accounts as in
/// `score_writes_account_columns_on_every_contact`: Acme 64 hot with no engaged decision
/// maker, Beta 57.5 cold with one, Cobalt 12.75 cold without): a2 (66.7) and a4 (100) reach 50
/// in a hot account: `dinner`; a1 and a3 do not, and Acme has no decision maker and is over
/// 20: `rest`; b1 and b2 are in Beta (its decision maker): `dm_account`; c1's Cobalt is under
/// 20, so `not` of the part holds: `dm_account`; n1 has no account: every account part fails,
/// so `not` of one holds: `dm_account`. In chunks of three rows, so the segments' contact parts
/// cross the spill from the first half of the run to the second.
#[test]
fn contact_segments_read_their_account_in_score_and_explain() {
    let dir = tempfile::tempdir().unwrap();
    let model = with_account_segments(dir.path());
    let out = bin()
        .arg("score")
        .arg(&model)
        .arg(fixture("accounts.csv"))
        .args(["--only-results", "--chunk", "3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let want = "\
id,score_act,rating,tier,handover,segment,action,route,account_score_account,account_rating,account_tier,account_handover,account_segment,account_action,account_route
a1,33.333333,,,,rest,newsletter,marketing,64,,hot,,rest,ads,marketing
b1,100,,,,dm_account,brief,SDR,57.5,,cold,,rest,ads,marketing
a2,66.666667,,,,dinner,invite to the executive dinner,AE,64,,hot,,rest,ads,marketing
a3,0,,,,rest,newsletter,marketing,64,,hot,,rest,ads,marketing
n1,100,,,,dm_account,brief,SDR,,,,,,,
b2,33.333333,,,,dm_account,brief,SDR,57.5,,cold,,rest,ads,marketing
c1,33.333333,,,,dm_account,brief,SDR,12.75,,cold,,rest,ads,marketing
a4,100,,,,dinner,invite to the executive dinner,AE,64,,hot,,rest,ads,marketing
";
    assert_eq!(stdout(&out), want);

    let explain = |id: &str| {
        let out = bin()
            .arg("explain")
            .arg(&model)
            .arg(fixture("accounts.csv"))
            .args(["--id", id])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
    };
    let a2 = explain("a2");
    assert!(
        a2.contains(
            "segment: dinner: invite to the executive dinner (route: AE)\n  \
             account Acme (account 64, tier hot): { tier: hot } holds\n  \
             account Acme (account 64, tier hot): { field: dm, equals: true } does not hold\n  \
             account Acme (account 64, tier hot): { journey: account, at_least: 20 } holds\n"
        ),
        "{a2}"
    );
    let n1 = explain("n1");
    assert!(
        n1.contains(
            "segment: dm_account: brief (route: SDR)\n  \
             no account (so every account part fails): { tier: hot } does not hold\n"
        ),
        "{n1}"
    );
}

/// `account:` in an adjustment or a role would make a cycle (the account is scored from its
/// contacts' scores and roles); without an accounts block, or in the account model's own
/// segments, there is no account to read; inside, the condition is checked against the account
/// model. Each is an error at its line.
#[test]
fn account_conditions_outside_contact_segments_are_check_errors() {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(with_account_segments(dir.path())).unwrap();
    let check = |yaml: &str| {
        let path = write(dir.path(), "bad.yaml", yaml);
        let out = bin().arg("check").arg(&path).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
        stdout(&out)
    };
    let adjusted = base.replace(
        "rule: { scale: { from: 0, to: 3 } } } ] }\n",
        "rule: { scale: { from: 0, to: 3 } } } ] }\n    adjustments:\n      - { name: hot account, when: { account: { tier: hot } }, points: 5 }\n",
    );
    let text = check(&adjusted);
    assert!(
        text.contains(
            "bad.yaml:10:38: error: an adjustment's or a role's condition cannot read the contact's account"
        ),
        "{text}"
    );
    let role = base.replace(
        "{ id: user, when: { field: level, equals: Staff } }",
        "{ id: user, when: { account: { tier: hot } } }",
    );
    let text = check(&role);
    assert!(
        text.contains("error: accounts: role 'user': an adjustment's or a role's condition cannot read the contact's account"),
        "{text}"
    );
    let inner = base.replace("account: { field: dm,", "account: { field: dms,");
    let text = check(&inner);
    assert!(
        text.contains("bad.yaml:11:53: error: account: condition on unknown field 'dms'"),
        "{text}"
    );
    let own = base.replace(
        "when: { all: [ { tier: hot }, { field: dm, equals: true } ] }",
        "when: { account: { tier: hot } }",
    );
    let text = check(&own);
    assert!(
        text.contains(
            "error: accounts: account: reads the contact's account, which needs an accounts: block"
        ),
        "{text}"
    );
    let nan = base.replace(
        "journey: account, at_least: 20",
        "journey: account, at_least: .nan",
    );
    let text = check(&nan);
    assert!(
        text.contains("bad.yaml:11:120: error: condition at_least is .nan, not a number"),
        "{text}"
    );
    let tested = base.replace(
        "{ account: { tier: hot } }",
        "{ account: { tier: hot }, present: true }",
    );
    let text = check(&tested);
    assert!(
        text.contains(
            "error: account: holds a whole condition of the account model; put the test inside it"
        ),
        "{text}"
    );
}

/// Roll-ups of a contact field and `count_recent` (issue 19, items 2 and 3), on
/// `tests/fixtures/account_fields.*` (as of 2026-11-01, engaged at act 40). By hand, values in
/// millionths: Acme's team 10.5 and 0.1 (a3's `-` is missing, skipped): max 10.5, min 0.1, sum
/// 10,600,000 = 10.6, mean 10,600,000 / 2 given = 5.3; its lowest act score 33.333333 (a1);
/// recent: a2 (seen 29 days before, engaged at 100) only: a1 is 12 days but not engaged (33.3),
/// a3 is 30 days, not within. Beta gives no team: max, min and mean empty, sum 0; b1's visit
/// 4 days after as_of counts (a future day is recent, as recency reads it as today); b2 none.
/// Cobalt's team of 2,000,000,000 is beyond ±10^9, left out and said; 61 days is not recent.
/// Account scores: Acme size 50 x (50% x 0.106 + 50% x 0.53) = 15.9, recency 50 x (40% x 0.5 +
/// 20% x 0.2625 + 20% x 0.01 + 20% x 0.33333333) = 16.0583333: 31.958333, hot; Beta 50 x 40% x
/// 0.5 = 10; Cobalt 50 x 20% x 0.66666667 = 6.666667.
#[test]
fn field_rollups_and_count_recent_by_hand() {
    let out = bin()
        .arg("score")
        .arg(fixture("account_fields.yaml"))
        .arg(fixture("account_fields.csv"))
        .arg("--accounts")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let want = "\
account,contacts,biggest,smallest,avg_team,staff,low,recent,score_account,rating,tier,handover,segment,action,route
Acme,3,10.5,0.1,5.3,10.6,33.333333,1,31.958333,,hot,,,,
Beta,2,,,,0,0,1,10,,cold,,,,
Cobalt,1,,,,0,66.666667,0,6.666667,,cold,,,,
";
    assert_eq!(stdout(&out), want);
    assert!(
        stderr(&out).contains(
            "account_fields.csv: 1 value of field 'team' beyond ±1000000000 left out of \
             roll-ups biggest, smallest, avg_team, staff"
        ),
        "{}",
        stderr(&out)
    );
    // Each contact row carries its account's outputs; the file's order does not matter.
    let out = bin()
        .arg("score")
        .arg(fixture("account_fields.yaml"))
        .arg(fixture("account_fields.csv"))
        .args(["--only-results", "--chunk", "2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows: Vec<String> = stdout(&out)
        .lines()
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            format!("{} {}", cells[0], cells[8])
        })
        .collect();
    assert_eq!(
        rows,
        [
            "id account_score_account",
            "a1 31.958333",
            "b1 10",
            "a2 31.958333",
            "c1 6.666667",
            "a3 31.958333",
            "n1 ",
            "b2 10"
        ]
    );
}

/// A field roll-up's field must exist and be of the kind its `how` reads; `count_recent` needs
/// a date field and `days`; `days` is for `count_recent` only.
#[test]
fn field_rollup_errors_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(fixture("account_fields.yaml")).unwrap();
    let check = |yaml: &str| {
        let path = write(dir.path(), "bad.yaml", yaml);
        let out = bin().arg("check").arg(&path).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
        stdout(&out)
    };
    let text = check(&base.replace("field: team, how: max", "field: teams, how: max"));
    assert!(
        text.contains(
            "bad.yaml:15:22: error: roll-up 'biggest': no contact field 'teams' (did you mean 'team'?)"
        ),
        "{text}"
    );
    let text = check(&base.replace("field: team, how: sum", "field: seen, how: sum"));
    assert!(
        text.contains("error: roll-up 'staff': sum reads a number field, and 'seen' is a date"),
        "{text}"
    );
    let text = check(&base.replace(
        "field: seen, how: count_recent",
        "field: team, how: count_recent",
    ));
    assert!(
        text.contains(
            "error: roll-up 'recent': count_recent reads a date field, and 'team' is a number"
        ),
        "{text}"
    );
    let text = check(&base.replace("how: count_recent, days: 30", "how: count_recent"));
    assert!(
        text.contains("error: roll-up 'recent': count_recent needs days"),
        "{text}"
    );
    let text = check(&base.replace("field: team, how: min", "field: team, how: min, days: 3"));
    assert!(
        text.contains("error: roll-up 'smallest': days is for count_recent only, not min"),
        "{text}"
    );
    let text = check(&base.replace("field: team, how: mean", "field: team, how: top_mean, n: 2"));
    assert!(
        text.contains("error: roll-up 'avg_team': top_mean reads journey scores, not a field"),
        "{text}"
    );
}

// Issue 19 item 1: account fields, from an accounts file and from the contacts' rows. The
// model is `tests/fixtures/accounts-fields.yaml`: account score = fit 60 (industry 50%:
// software 1, retail 0.5, else 0; employees 50%: 0 to 1000) + reach 40 (contacts 0 to 4).

/// `accounts-fields.yaml` without its `file:` (its fields are then read from the contacts'
/// rows), changed by `edit`, written to `dir` as `m.yaml`.
fn rows_model(dir: &std::path::Path, edit: impl Fn(String) -> String) -> std::path::PathBuf {
    let text = std::fs::read_to_string(fixture("accounts-fields.yaml"))
        .unwrap()
        .replace("  file: accounts-firms.csv\n", "");
    write(dir, "m.yaml", &edit(text))
}

fn score_fields(
    model: &std::path::Path,
    contacts: &std::path::Path,
    args: &[&str],
) -> std::process::Output {
    bin()
        .arg("score")
        .arg(model)
        .arg(contacts)
        .args(args)
        .output()
        .unwrap()
}

/// The file (`accounts-firms.csv`: " Acme " Software 500, Beta Select 2000, Gamma Retail 10)
/// joined on the trimmed id. Acme (a1, " Acme "): 30 (software) + 15 (500 of 1000) + 20 (2 of
/// 4 contacts) = 65, hot, segment software. Beta: industry Select is missing: 0 + 30 (2000,
/// capped) + 10 = 40, cold. Zeta is not in the file: both fields missing, 0 + 0 + 10 = 10,
/// reported, not dropped. Gamma has no contact: listed after the others with 0 contacts (a
/// target account not reached yet): 15 (retail) + 0.3 (10 of 1000) + 0 = 15.3, cold.
#[test]
fn account_fields_from_a_file_are_joined_on_the_trimmed_id() {
    let out = score_fields(
        &fixture("accounts-fields.yaml"),
        &fixture("accounts-fields.csv"),
        &["--accounts"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let want = "\
account,contacts,size,industry,employees,score_account,rating,tier,handover,segment,action,route
Acme,2,2,Software,500,65,,hot,,software,call,AE
Beta,1,1,Select,2000,40,,cold,,rest,ads,marketing
Zeta,1,1,,,10,,cold,,rest,ads,marketing
Gamma,0,0,Retail,10,15.3,,cold,,rest,ads,marketing
";
    assert_eq!(stdout(&out), want);
    let err = stderr(&out);
    assert!(
        err.contains(
            "accounts-fields.csv: 1 contact in 1 account not in "
        ) && err.contains(
            "accounts-firms.csv (first: account 'Zeta', line 5): scored with the account fields missing"
        ),
        "{err}"
    );
    assert!(
        err.contains("accounts-firms.csv: 1 account has no contact in ")
            && err.contains(
                "(first: 'Gamma'): scored with 0 contacts, their roll-ups of scores missing"
            ),
        "{err}"
    );
    // Each contact row carries its account's outputs.
    let out = score_fields(
        &fixture("accounts-fields.yaml"),
        &fixture("accounts-fields.csv"),
        &["--only-results"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let scores: Vec<String> = stdout(&out)
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            format!("{} {} {}", c[0], c[8], c[12])
        })
        .collect();
    assert_eq!(
        scores,
        [
            "a1 65 software",
            "b1 40 rest",
            "a2 65 software",
            "z1 10 rest",
            "n1  "
        ]
    );
    // explain --account shows the field values the signals read.
    let out = bin()
        .arg("explain")
        .arg(fixture("accounts-fields.yaml"))
        .arg(fixture("accounts-fields.csv"))
        .args(["--account", "Beta"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("    industry = missing: attainment 0.00 x 30 = 0 points")
            && text.contains("    employees = '2000': attainment 1.00 x 30 = 30 points"),
        "{text}"
    );
    // An account of the file without contacts is explained too, and one the file lacks says so.
    let explain = |account: &str| {
        let out = bin()
            .arg("explain")
            .arg(fixture("accounts-fields.yaml"))
            .arg(fixture("accounts-fields.csv"))
            .args(["--account", account])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
    };
    let text = explain("Gamma");
    assert!(
        text.starts_with("account Gamma (0 contacts in ")
            && text.contains("\naccount: 15.3\n")
            && text.ends_with("contacts: none\n"),
        "{text}"
    );
    let text = explain("Zeta");
    assert!(
        text.contains("account fields: missing, as ")
            && text.contains("accounts-firms.csv has no row for account 'Zeta'"),
        "{text}"
    );
}

/// The same accounts file as JSON Lines and as Parquet (written by DuckDB, `employees` a
/// BIGINT column), named by `file_id_column`: the same accounts as the CSV.
#[test]
fn an_accounts_file_of_each_format_gives_the_same_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let jsonl = write(
        dir.path(),
        "firms.jsonl",
        "{\"Account ID\": \" Acme \", \"Industry\": \"Software\", \"employees\": 500}\n\
         {\"Account ID\": \"Beta\", \"Industry\": \"Select\", \"employees\": 2000}\n\
         {\"Account ID\": \"Gamma\", \"Industry\": \"Retail\", \"employees\": 10}\n",
    );
    let parquet = dir.path().join("firms.parquet");
    let sql = format!(
        "COPY (SELECT \"Account ID\", Industry, CAST(employees AS BIGINT) AS employees FROM read_json('{}')) TO '{}' (FORMAT parquet)",
        jsonl.display(),
        parquet.display()
    );
    let duck = std::process::Command::new("duckdb")
        .arg("-c")
        .arg(&sql)
        .output()
        .expect("the duckdb CLI (bash .ci/install-engines installs it)");
    assert!(duck.status.success(), "{}", stderr(&duck));
    let contacts = std::fs::read_to_string(fixture("accounts-fields.csv")).unwrap();
    let contacts = write(dir.path(), "c.csv", &contacts);
    let want = "\
account,contacts,size,industry,employees,score_account,rating,tier,handover,segment,action,route
Acme,2,2,Software,500,65,,hot,,software,call,AE
Beta,1,1,Select,2000,40,,cold,,rest,ads,marketing
Zeta,1,1,,,10,,cold,,rest,ads,marketing
Gamma,0,0,Retail,10,15.3,,cold,,rest,ads,marketing
";
    for file in ["firms.jsonl", "firms.parquet"] {
        let model = std::fs::read_to_string(fixture("accounts-fields.yaml"))
            .unwrap()
            .replace(
                "  file: accounts-firms.csv\n",
                &format!("  file: {file}\n  file_id_column: Account ID\n"),
            );
        let model = write(dir.path(), "m.yaml", &model);
        let out = score_fields(&model, &contacts, &["--accounts"]);
        assert_eq!(out.status.code(), Some(0), "{file}: {}", stderr(&out));
        assert_eq!(stdout(&out), want, "{file}");
    }
}

/// A repeated id (trimmed: " Acme " and "Acme") is exit 2 naming both lines; so is a blank id,
/// a file that is not there, and a column the file lacks; nothing is written.
#[test]
fn a_bad_accounts_file_is_exit_2_with_its_line_or_column() {
    let dir = tempfile::tempdir().unwrap();
    let contacts = std::fs::read_to_string(fixture("accounts-fields.csv")).unwrap();
    let contacts = write(dir.path(), "c.csv", &contacts);
    let model = std::fs::read_to_string(fixture("accounts-fields.yaml"))
        .unwrap()
        .replace("accounts-firms.csv", "firms.csv");
    let model = write(dir.path(), "m.yaml", &model);
    let cases = [
        (
            "company,Industry,employees\n Acme ,Software,500\nBeta,Retail,9\nAcme,Retail,10\n",
            "firms.csv line 4: account 'Acme' again (first at line 2): the accounts file holds one row per account",
        ),
        (
            "company,Industry,employees\nAcme,Software,500\n  ,Retail,9\n",
            "firms.csv line 3: the id column 'company' is blank",
        ),
        (
            "company,Sector,employees\nAcme,Software,500\n",
            "firms.csv: has no column 'Industry', which account field 'industry' reads: add the column, or name the one that holds it (its columns: company, Sector, employees)",
        ),
        (
            "Account,Industry,employees\nAcme,Software,500\n",
            "firms.csv: has no column 'company', which accounts.id_column names (or set file_id_column)",
        ),
    ];
    for (text, says) in cases {
        write(dir.path(), "firms.csv", text);
        for args in [&["--accounts"][..], &[][..]] {
            let out = score_fields(&model, &contacts, args);
            assert_eq!(out.status.code(), Some(2), "{text}: {}", stderr(&out));
            assert!(stderr(&out).contains(says), "{text}: {}", stderr(&out));
            assert!(stdout(&out).is_empty());
        }
    }
    std::fs::remove_file(dir.path().join("firms.csv")).unwrap();
    let out = score_fields(&model, &contacts, &["--accounts"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("firms.csv: cannot read it:"),
        "{}",
        stderr(&out)
    );
    // `check` says the file is not there, at the `file:` line.
    let out = bin().arg("check").arg(&model).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("m.yaml:10:3: error: accounts: file 'firms.csv' is not there"),
        "{}",
        stdout(&out)
    );
}

/// Without a file, each field is read from the contacts' rows (`accounts-rows.csv`), one value
/// per account: the most common trimmed value, blanks and placeholders left out, a tie to the
/// smallest in byte order. Acme: Software once, " retail " once (a3 blank): a tie, "Software"
/// < "retail" in bytes (S is 0x53, r 0x72), so Software; employees 500 twice against "n/a"
/// once: 500. 30 + 15 + 30 (3 contacts) = 75, hot, software. Beta: Retail twice, Software
/// once: Retail; 2000 twice (b1 blank): 15 + 30 + 30 = 75, hot, rest. Zeta: Select (a
/// placeholder) and blank: industry missing; employees 10: 0 + 0.3 + 20 = 20.3, cold.
#[test]
fn account_fields_from_the_contacts_rows_take_the_most_common_value() {
    let dir = tempfile::tempdir().unwrap();
    let model = rows_model(dir.path(), |t| t);
    let out = score_fields(&model, &fixture("accounts-rows.csv"), &["--accounts"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let want = "\
account,contacts,size,industry,employees,score_account,rating,tier,handover,segment,action,route
Acme,3,3,Software,500,75,,hot,,software,call,AE
Beta,3,3,Retail,2000,75,,hot,,rest,ads,marketing
Zeta,2,2,,10,20.3,,cold,,rest,ads,marketing
";
    assert_eq!(stdout(&out), want);
    assert!(
        stderr(&out).contains(
            "accounts-rows.csv: 2 accounts have contacts whose rows disagree on an account field (first: account 'Acme', field 'industry'): each takes its most common value, a tie the smallest"
        ),
        "{}",
        stderr(&out)
    );
    // A field whose column the contacts lack would be missing for every account: exit 2.
    let csv = write(
        dir.path(),
        "c.csv",
        "id,company,visits,Industry\na1,Acme,1,Retail\n",
    );
    let out = score_fields(&model, &csv, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("c.csv: has no column 'employees', which account field 'employees' reads (from the contacts' rows"),
        "{}",
        stderr(&out)
    );
}

/// An account field's id may not be a roll-up's, a role's, `account` or `contacts`, and is
/// read, not computed.
#[test]
fn check_refuses_account_fields_that_clash_or_are_computed() {
    let dir = tempfile::tempdir().unwrap();
    let model = rows_model(dir.path(), |t| {
        t.replace(
            "{ id: employees, kind: number }",
            "{ id: size, kind: number }\n    - { id: contacts, kind: number }\n    - { id: twice, kind: number, expr: \"size * 2\" }",
        )
    });
    let out = bin().arg("check").arg(&model).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    for want in [
        "m.yaml:14:9: error: accounts: field id 'size' is used twice (at accounts.fields.size.id)",
        "m.yaml:15:9: error: accounts: 'contacts' is the name of a column `score --accounts` writes itself",
        "error: accounts: field 'twice': an account field is read from a column (of the accounts file, or of its contacts' rows), not computed: remove expr",
    ] {
        assert!(text.contains(want), "{want}\n{text}");
    }
}

/// `generate` for a model whose account fields come from the contacts' rows writes each
/// field's column with one value per account, on every contact of it, so that the rows agree
/// and `score` reads them back (without the column it refused the file, exit 2).
#[test]
fn generate_writes_one_value_per_account_for_fields_from_the_contacts_rows() {
    let dir = tempfile::tempdir().unwrap();
    let model = rows_model(dir.path(), |t| t);
    let csv = dir.path().join("g.csv");
    let out = bin()
        .arg("generate")
        .arg(&model)
        .args(["-n", "300", "--seed", "5", "-o"])
        .arg(&csv)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut reader = csv::Reader::from_path(&csv).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (company, industry, employees) = (col("company"), col("Industry"), col("employees"));
    let mut seen: std::collections::HashMap<String, (String, String)> = Default::default();
    for r in reader.records() {
        let r = r.unwrap();
        let values = (r[industry].to_string(), r[employees].to_string());
        let first = seen.entry(r[company].to_string()).or_insert(values.clone());
        assert_eq!(*first, values, "account {}", &r[company]);
    }
    assert!(seen.len() > 10, "{} accounts", seen.len());
    let out = score_fields(&model, &csv, &["--accounts"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("disagree"), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), seen.len() + 1);
}

/// `backtest`, `diff` and `report` read the block's accounts file as `score` does (they were
/// written beside it, and scored the accounts with their file fields missing). By hand, on
/// `accounts-fields.yaml` with `accounts-firms.csv`: Acme fit 60 x (software 50% + 500 of 1000
/// x 50%) = 45, reach 40 x 2/4 = 20: 65, hot at 50 but cold at 70; without the file Acme would
/// be 20, cold either way, and no account would move or be hot.
#[test]
fn backtest_diff_and_report_read_the_accounts_file() {
    let dir = tempfile::tempdir().unwrap();
    let model = std::fs::read_to_string(fixture("accounts-fields.yaml")).unwrap();
    let old = write(dir.path(), "old.yaml", &model);
    let new = write(
        dir.path(),
        "new.yaml",
        &model.replace("{ name: hot, at_least: 50 }", "{ name: hot, at_least: 70 }"),
    );
    std::fs::copy(
        fixture("accounts-firms.csv"),
        dir.path().join("accounts-firms.csv"),
    )
    .unwrap();
    let csv = write(
        dir.path(),
        "c.csv",
        "id,company,visits,won\na1,Acme,4,1\nb1,Beta,2,0\na2, Acme ,0,0\nz1,Zeta,1,0\nn1,,3,0\n",
    );
    let out = bin()
        .arg("backtest")
        .arg(&old)
        .arg(&csv)
        .args(["--outcome", "won"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let tiers = &text[text.rfind("Tiers (on account)").expect("the account tiers")..];
    assert!(
        tiers.contains("hot                      1         1   100.0%"),
        "{text}"
    );
    let out = bin()
        .arg("diff")
        .arg(&old)
        .arg(&new)
        .arg("--contacts")
        .arg(&csv)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("1 account becomes cold"),
        "{}",
        stdout(&out)
    );
    let out = bin()
        .arg("report")
        .arg(&old)
        .arg("--contacts")
        .arg(&csv)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(
            "<p><b>Accounts per tier</b></p>\n<table><tr><th>Tier</th><th class=\"num\">Accounts</th></tr>\n<tr><td>hot</td><td class=\"num\">1</td></tr>"
        ),
        "{}",
        stdout(&out)
    );
    // A file that is not there: the accounts are not compared, and the diff says why.
    std::fs::remove_file(dir.path().join("accounts-firms.csv")).unwrap();
    let out = bin()
        .arg("diff")
        .arg(&old)
        .arg(&new)
        .arg("--contacts")
        .arg(&csv)
        .output()
        .unwrap();
    assert!(
        stdout(&out).contains("the accounts are not compared: ")
            && stdout(&out).contains("accounts-firms.csv"),
        "{}",
        stdout(&out)
    );
    // `report` says it in the page and on standard error.
    let out = bin()
        .arg("report")
        .arg(&old)
        .arg("--contacts")
        .arg(&csv)
        .output()
        .unwrap();
    assert!(
        stderr(&out).contains("accounts-firms.csv")
            && stderr(&out)
                .contains("the report's account level is shown without the accounts file's fields"),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("The accounts file could not be read"),
        "{}",
        stdout(&out)
    );
}

/// `diff` decides a contact segment that reads its account as `score` does (it scored the
/// contacts as if none had an account, so `{ tier: hot }` of the account never held). On the
/// segments of `with_account_segments`: Acme (64) is hot at 60 and cold at 70, so a2 and a4
/// (act at least 50) leave the dinner for `rest` (Acme scores at least 20 and has no engaged
/// decision maker); nobody else moves.
#[test]
fn diff_moves_contacts_between_segments_that_read_their_account() {
    let dir = tempfile::tempdir().unwrap();
    let old = with_account_segments(dir.path());
    let text = std::fs::read_to_string(&old).unwrap();
    let raised = text.replace("{ name: hot, at_least: 60 }", "{ name: hot, at_least: 70 }");
    assert_ne!(raised, text);
    let new = write(dir.path(), "raised.yaml", &raised);
    let out = bin()
        .arg("diff")
        .arg(&old)
        .arg(&new)
        .arg("--contacts")
        .arg(fixture("accounts.csv"))
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let moves = &json["impact"]["segment_moves"];
    assert_eq!(
        moves,
        &serde_json::json!([{ "from": "dinner", "to": "rest", "contacts": 2 }]),
        "{}",
        stdout(&out)
    );
}

/// `tune -o` into another folder moves the accounts file's path as it moves `contacts:`, so the
/// tuned model still reads its accounts file (it kept `file: firms.csv`, which then named a
/// file beside the tuned model that is not there).
#[test]
fn tune_into_another_folder_keeps_the_accounts_file_reachable() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    let output = dir.path().join("out");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::create_dir_all(&output).unwrap();
    let text = std::fs::read_to_string(fixture("tune-accounts.yaml"))
        .unwrap()
        .replace(
            "  id_column: company\n",
            "  id_column: company\n  file: firms.csv\n  fields:\n    - { id: industry, kind: category }\n",
        );
    let model = write(&input, "m.yaml", &text);
    write(
        &input,
        "firms.csv",
        "company,industry\nY1,a\nY2,b\nY3,a\nN1,b\nN2,a\n",
    );
    let tuned = output.join("tuned.yaml");
    let out = bin()
        .arg("tune")
        .arg(&model)
        .arg(fixture("tune-accounts.csv"))
        .args(["--outcome", "won", "--level", "account", "--weights-only"])
        .args(["--folds", "2", "-o"])
        .arg(&tuned)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = std::fs::read_to_string(&tuned).unwrap();
    assert!(written.contains("  file: ../in/firms.csv\n"), "{written}");
    let out = bin()
        .arg("score")
        .arg(&tuned)
        .arg(fixture("tune-accounts.csv"))
        .arg("--accounts")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out)
            .lines()
            .any(|l| l.ends_with(",a") || l.contains(",a,")),
        "{}",
        stdout(&out)
    );
}

/// `export --accounts-table` on a model whose accounts block names no accounts file is refused,
/// not ignored: the query would read no such table.
#[test]
fn an_accounts_table_for_a_model_without_an_accounts_file_is_refused() {
    let out = bin()
        .arg("export")
        .arg(fixture("accounts.yaml"))
        .args(["--accounts-table", "firms"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("--accounts-table: the model's accounts block names no accounts file"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());
    let out = bin()
        .arg("export")
        .arg(fixture("accounts-fields.yaml"))
        .args(["--accounts-table", "firms"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("firms"), "{}", stdout(&out));
}

/// `backtest` refuses contacts that lack the column an account field is voted from, as `score`
/// does (it gave an account AUC of scores with the field missing for every account).
#[test]
fn backtest_refuses_contacts_without_an_account_fields_column() {
    let dir = tempfile::tempdir().unwrap();
    let model = rows_model(dir.path(), |t| t);
    let csv = write(
        dir.path(),
        "c.csv",
        "id,company,visits,employees,won\na1,Acme,4,10,1\nb1,Beta,2,20,0\n",
    );
    let out = bin()
        .arg("backtest")
        .arg(&model)
        .arg(&csv)
        .args(["--outcome", "won"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("has no column 'Industry', which account field 'industry' reads"),
        "{}",
        stderr(&out)
    );
}

/// `tune --level account --account-outcome COL` needs no contacts' outcome column: the account
/// column is all it reads (it asked for `--outcome` and stopped). On `tune-accounts.csv` with
/// `won` replaced by each account's own outcome (Y1 to Y3 won, X1 and X2 not), the accounts and
/// their outcomes are those of "any contact converted": 5 accounts, 3 yes.
#[test]
fn tune_reads_only_the_account_outcome_column_when_given() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("tune-accounts.csv")).unwrap();
    let mut lines = text.lines();
    let mut csv = String::from("id,company,visits,account_won\n");
    assert_eq!(lines.next(), Some("id,company,visits,won"));
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let won = if cells[1].starts_with('Y') { "1" } else { "0" };
        csv.push_str(&format!("{},{},{},{won}\n", cells[0], cells[1], cells[2]));
    }
    let contacts = write(dir.path(), "c.csv", &csv);
    let out = bin()
        .arg("tune")
        .arg(fixture("tune-accounts.yaml"))
        .arg(&contacts)
        .args(["--level", "account", "--account-outcome", "account_won"])
        .args(["--weights-only", "--folds", "2", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["rows"].as_u64(), v["positives"].as_u64()),
        (Some(5), Some(3))
    );
    assert_eq!(v["level"], "account");
}
