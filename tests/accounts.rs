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
    let out = bin()
        .arg("diff")
        .arg(fixture("accounts.yaml"))
        .arg(fixture("accounts.yaml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "accounts.yaml: `diff` reads the contact level only; its accounts block is left out"
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
