//! Parity of the SQL export with the engine, on real engines: DuckDB (its CLI), Spark SQL
//! (pyspark in local mode) and PostgreSQL (a server this test starts on loopback in a temporary
//! folder). Each query over the real `Leads.csv` must give the engine's results for every row:
//! scores within 1e-9, labels identical (an empty label and SQL NULL are the same).
//!
//! An engine that is missing fails its test with what to install (`.ci/install-engines`); it
//! never skips. The randomised test generates models and contacts full of awkward values
//! (quotes, semicolons, Unicode, placeholders, numbers Rust reads and SQL might not) and holds
//! DuckDB to the engine on all of them.

use scorewright::contacts::{Table, read_contacts};
use scorewright::engine::reasons::{REASONS, Reasons};
use scorewright::engine::{output_columns, output_row, score_table};
use scorewright::export::sql::to_sql_with_reasons;
use scorewright::export::{Dialect, Source, SqlOptions, to_sql};
use scorewright::model::{Model, Scalar, read_model};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const LEADS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/leads/Leads.csv"
);

fn x_education() -> Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/x-education.yaml");
    match read_model(&path) {
        Ok(m) => m.model,
        Err(e) => panic!("{e}"),
    }
}

fn leads() -> Table {
    read_contacts(Path::new(LEADS)).unwrap_or_else(|e| panic!("{e}"))
}

/// Rows by id: the output columns after the id, as text (NULL and empty alike are "").
struct Results {
    columns: Vec<String>,
    rows: HashMap<String, Vec<String>>,
}

fn engine_results(model: &Model, table: &Table, id: &str) -> Results {
    engine_results_as(model, table, id, false)
}

/// `engine_results`, with the `reasons` column after the outputs when `reasons` (as
/// `score --reasons` writes it).
fn engine_results_as(model: &Model, table: &Table, id: &str, reasons: bool) -> Results {
    // A model with accounts: each row adds its account's outputs (`account_*`).
    let mut plan = scorewright::engine::accounts::Plan::new(model);
    // An accounts file: a hand case names it by its absolute path, an example relative to
    // `examples/` (a `Model` does not know its file's folder).
    if let Some(p) = &mut plan {
        p.read_file(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/case.yaml"))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let (scored, accounts) = match &plan {
        Some(p) => {
            let (s, a) = scorewright::engine::accounts::score_with_accounts(p, table)
                .unwrap_or_else(|e| panic!("{e}"));
            (s, Some(a))
        }
        None => (score_table(model, table), None),
    };
    let texts = Reasons::new(model, &scored);
    let mut rows = HashMap::new();
    for r in 0..table.rows() {
        let key = table.cell(r, id).to_string();
        let mut row = output_row(model, &scored, r);
        if let (Some(p), Some(a)) = (&plan, &accounts) {
            let mut cells = Vec::new();
            let account =
                scorewright::engine::accounts::account_of(table, &p.accounts.id_column, r);
            a.contact_cells(p, account, &mut cells);
            row.extend(cells);
        }
        if reasons {
            row.push(texts.text(r));
        }
        assert!(
            rows.insert(key.clone(), row).is_none(),
            "duplicate id {key}"
        );
    }
    let mut columns = output_columns(model);
    columns.extend(plan.iter().flat_map(|p| p.contact_columns()));
    if reasons {
        columns.push(REASONS.to_string());
    }
    Results { columns, rows }
}

fn parse_csv(text: &str, engine: &str) -> Results {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .unwrap_or_else(|e| panic!("{engine}: {e}"))
        .iter()
        .map(String::from)
        .collect();
    let mut rows = HashMap::new();
    for rec in reader.records() {
        let rec = rec.unwrap_or_else(|e| panic!("{engine} output: {e}"));
        let cells: Vec<String> = rec.iter().map(String::from).collect();
        assert!(
            rows.insert(cells[0].clone(), cells[1..].to_vec()).is_none(),
            "{engine}: duplicate id {}",
            cells[0]
        );
    }
    Results {
        columns: headers[1..].to_vec(),
        rows,
    }
}

/// Compares an engine's results with the engine's; returns (rows compared, max score difference).
fn compare(expected: &Results, got: &Results, engine: &str) -> (usize, f64) {
    assert_eq!(got.columns, expected.columns, "{engine}: output columns");
    assert_eq!(got.rows.len(), expected.rows.len(), "{engine}: row count");
    let mut max_diff = 0.0f64;
    let mut mismatches = Vec::new();
    for (id, want) in &expected.rows {
        let Some(have) = got.rows.get(id) else {
            panic!("{engine}: no row for id '{id}'")
        };
        for ((col, w), h) in expected.columns.iter().zip(want).zip(have) {
            if w.is_empty() && h.is_empty() {
                // A contact without an account has no account score in either.
                continue;
            }
            if col.starts_with("score_") || col.starts_with("account_score_") {
                let (wv, hv) = (w.parse::<f64>(), h.parse::<f64>());
                let (Ok(wv), Ok(hv)) = (wv, hv) else {
                    mismatches.push(format!("id {id:?} {col}: engine {w:?}, {engine} {h:?}"));
                    continue;
                };
                let diff = (wv - hv).abs();
                max_diff = max_diff.max(diff);
                if diff > tolerance() {
                    mismatches.push(format!("id {id:?} {col}: engine {w}, {engine} {h}"));
                }
            } else if w != h {
                mismatches.push(format!("id {id:?} {col}: engine {w:?}, {engine} {h:?}"));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{engine}: {} differences, first: \n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(15)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    eprintln!(
        "{engine}: {} rows x {} outputs agree; max score difference {max_diff:e}",
        expected.rows.len(),
        expected.columns.len()
    );
    (expected.rows.len(), max_diff)
}

fn sql(model: &Model, dialect: Dialect, source: Source, allow_errors: bool) -> String {
    let opts = SqlOptions {
        dialect,
        source,
        id_column: None,
        allow_errors,
        headers: None,
        events: None,
        accounts: None,
    };
    to_sql(model, &opts).unwrap_or_else(|e| panic!("{dialect}: {e}"))
}

/// The query for a generated case, told the file's headers.
fn case_sql(c: &Case, dialect: Dialect, source: Source) -> String {
    case_sql_as(c, dialect, source, false)
}

/// `case_sql`, with the `reasons` column when `reasons`.
fn case_sql_as(c: &Case, dialect: Dialect, source: Source, reasons: bool) -> String {
    let opts = SqlOptions {
        dialect,
        source,
        id_column: None,
        allow_errors: true,
        headers: Some(c.columns.clone()),
        events: None,
        accounts: None,
    };
    let q = if reasons {
        to_sql_with_reasons(&c.model, &opts)
    } else {
        to_sql(&c.model, &opts)
    };
    q.unwrap_or_else(|e| panic!("{dialect}: {e}"))
}

/// The query for Leads.csv with `x-education.yaml`, with the `reasons` column.
fn leads_sql_with_reasons(dialect: Dialect, source: Source) -> String {
    to_sql_with_reasons(
        &x_education(),
        &SqlOptions {
            source,
            ..SqlOptions::new(dialect)
        },
    )
    .unwrap_or_else(|e| panic!("{dialect}: {e}"))
}

/// A program on PATH, or a failure that says how to install it.
fn require(program: &str, hint: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(program))
            .find(|c| c.is_file())
    });
    found.unwrap_or_else(|| panic!("{program} is not installed, so this parity test cannot run: {hint} (bash .ci/install-engines installs it)"))
}

fn run(cmd: &mut Command, stdin: &str, what: &str) -> String {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    if let Some(mut input) = child.stdin.take() {
        input
            .write_all(stdin.as_bytes())
            .unwrap_or_else(|e| panic!("{what}: {e}"));
    }
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr),
        tail(&text)
    );
    text
}

fn tail(s: &str) -> &str {
    let n = s.len();
    let mut start = n.saturating_sub(2000);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

// ---------------------------------------------------------------------------------------------
// DuckDB

/// Runs queries in one DuckDB CLI process; returns each query's CSV output.
fn duckdb(queries: &[String]) -> Vec<String> {
    let bin = require("duckdb", "pip install duckdb-cli");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut script = String::new();
    let mut outs = Vec::new();
    for (i, q) in queries.iter().enumerate() {
        let out = dir.path().join(format!("out{i}.csv"));
        script.push_str(&format!(
            "COPY (\n{q}\n) TO '{}' (FORMAT csv, HEADER true);\n",
            out.display()
        ));
        outs.push(out);
    }
    run(
        Command::new(bin).arg("-bail").arg(":memory:"),
        &script,
        "duckdb",
    );
    outs.iter()
        .map(|p| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .collect()
}

#[test]
fn duckdb_matches_the_engine_on_leads() {
    let model = x_education();
    let expected = engine_results(&model, &leads(), "Prospect ID");
    // As the issue asks: DuckDB's own type detection, and all text. Both must agree.
    let plain = sql(
        &model,
        Dialect::DuckDb,
        Source::Expression(format!("read_csv('{LEADS}')")),
        false,
    );
    let text = sql(
        &model,
        Dialect::DuckDb,
        Source::Expression(format!("read_csv('{LEADS}', all_varchar = true)")),
        false,
    );
    let outs = duckdb(&[plain, text]);
    let (rows, max) = compare(&expected, &parse_csv(&outs[0], "duckdb"), "duckdb");
    assert_eq!(rows, 9240);
    assert!(max <= 1e-9);
    compare(
        &expected,
        &parse_csv(&outs[1], "duckdb (all_varchar)"),
        "duckdb (all_varchar)",
    );
}

/// Issue 18 item 4: Leads.csv copied to Parquet by DuckDB with its own types (booleans,
/// bigints, doubles), read back by DuckDB running the exported query (`read_parquet`, as
/// `export --table x.parquet` writes it) and by `read_contacts` for the engine: every row is the
/// engine's on the CSV.
#[test]
fn duckdb_over_parquet_matches_the_engine_on_leads() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let pq = dir.path().join("leads.parquet");
    let model = x_education();
    let expected = engine_results(&model, &leads(), "Prospect ID");
    let copy = format!(
        "COPY (SELECT * FROM read_csv('{LEADS}')) TO '{}' (FORMAT parquet);",
        pq.display()
    );
    run(
        Command::new(require("duckdb", "pip install duckdb-cli"))
            .arg("-bail")
            .arg(":memory:"),
        &copy,
        "duckdb",
    );
    let source = Source::from_cli(Dialect::DuckDb, &pq.display().to_string())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        source,
        Source::Expression(format!("read_parquet('{}')", pq.display()))
    );
    let outs = duckdb(&[sql(&model, Dialect::DuckDb, source, false)]);
    let (rows, max) = compare(
        &expected,
        &parse_csv(&outs[0], "duckdb"),
        "duckdb (parquet)",
    );
    assert_eq!(rows, 9240);
    assert!(max <= 1e-9);
    // The engine on the Parquet file: the same results as on the CSV.
    let from_parquet = read_contacts(&pq).unwrap_or_else(|e| panic!("{e}"));
    let got = engine_results(&model, &from_parquet, "Prospect ID");
    assert_eq!(got.rows, expected.rows);
}

/// Every shipped example with its own sample contacts (dates, decay, matrices, ratings).
#[test]
fn duckdb_matches_the_engine_on_every_example() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut cases = Vec::new();
    for name in [
        "b2b-customer",
        "lead-fit-activity",
        "b2c-hot-warm-cold",
        "abm-buying-group",
    ] {
        let file = read_model(&dir.join(format!("{name}.yaml"))).unwrap_or_else(|e| panic!("{e}"));
        let csv = file
            .contacts_path()
            .unwrap_or_else(|| panic!("{name} names no contacts"));
        let table = read_contacts(&csv).unwrap_or_else(|e| panic!("{e}"));
        let id = file.model.id_column.clone().unwrap_or_else(|| "id".into());
        let opts = SqlOptions {
            headers: Some(table.headers.clone()),
            source: Source::Expression(format!(
                "read_csv('{}', all_varchar = true)",
                csv.display()
            )),
            // `abm-buying-group`'s accounts file, read directly as the contacts are.
            accounts: file.model.accounts.as_ref().and_then(|a| {
                let path = scorewright::engine::accounts::file_path(a, &file.path)?;
                Some(Source::Expression(format!(
                    "read_csv('{}', all_varchar = true)",
                    path.display()
                )))
            }),
            ..SqlOptions::new(Dialect::DuckDb)
        };
        let q = to_sql(&file.model, &opts).unwrap_or_else(|e| panic!("{name}: {e}"));
        cases.push((name, engine_results(&file.model, &table, &id), q));
    }
    let outs = duckdb(&cases.iter().map(|c| c.2.clone()).collect::<Vec<_>>());
    for ((name, expected, _), out) in cases.iter().zip(outs) {
        compare(
            expected,
            &parse_csv(&out, name),
            &format!("duckdb ({name})"),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Spark SQL

/// Runs jobs in one Spark session: each line of the jobs file is `table<TAB>csv<TAB>query<TAB>out`.
const SPARK_RUNNER: &str = r#"
import csv, sys
from pyspark.sql import SparkSession
spark = (SparkSession.builder.master("local[2]").appName("scorewright-parity")
         .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
         .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
         .getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
for line in open(sys.argv[1], encoding="utf-8"):
    tables, paths, query_file, out_file = line.rstrip("\n").split("\t")
    # A job may load several tables: names and paths separated by "|".
    for table, path in zip(tables.split("|"), paths.split("|")):
        (spark.read.option("header", True).option("multiLine", True).option("escape", '"')
         .option("inferSchema", False).csv(path).createOrReplaceTempView(table))
    df = spark.sql(open(query_file, encoding="utf-8").read())
    rows = df.collect()
    with open(out_file, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(df.columns)
        for r in rows:
            w.writerow(["" if v is None else (repr(v) if isinstance(v, float) else str(v)) for v in r])
spark.stop()
"#;

/// Runs queries over CSV files in one Spark session; returns each query's CSV output.
fn spark(dir: &Path, jobs: &[(String, PathBuf, String)]) -> Vec<String> {
    let py = require("python3", "install Python 3");
    let check = Command::new(&py).args(["-c", "import pyspark"]).output();
    assert!(
        check.is_ok_and(|o| o.status.success()),
        "pyspark is not installed, so this parity test cannot run: pip install pyspark (bash .ci/install-engines installs it)"
    );
    require("java", "apt-get install openjdk-17-jre-headless");
    let write = |p: &Path, text: &str| {
        std::fs::write(p, text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    };
    let mut list = String::new();
    let mut outs = Vec::new();
    for (i, (table, csv, query)) in jobs.iter().enumerate() {
        let q = dir.join(format!("spark{i}.sql"));
        let out = dir.join(format!("spark{i}.csv"));
        write(&q, query);
        list.push_str(&format!(
            "{table}\t{}\t{}\t{}\n",
            csv.display(),
            q.display(),
            out.display()
        ));
        outs.push(out);
    }
    let (runner, jobs_file) = (dir.join("run.py"), dir.join("jobs.tsv"));
    write(&runner, SPARK_RUNNER);
    write(&jobs_file, &list);
    run(
        Command::new(&py)
            .arg(&runner)
            .arg(&jobs_file)
            .env("PYSPARK_PYTHON", &py),
        "",
        "spark",
    );
    outs.iter()
        .map(|p| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .collect()
}

/// Spark starts slowly, so one session runs Leads.csv and the generated models.
#[test]
fn spark_matches_the_engine_on_leads_and_generated_models() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let model = x_education();
    let expected = engine_results(&model, &leads(), "Prospect ID");
    // Spark plans each query for a second or two: a third of the generated cases is enough.
    let mut cases = generated_cases(dir.path());
    cases.truncate(SPARK_SEEDS);
    let mut jobs = vec![(
        "contacts".to_string(),
        PathBuf::from(LEADS),
        sql(
            &model,
            Dialect::Spark,
            Source::Table("contacts".into()),
            false,
        ),
    )];
    // Issue 18 item 2: Leads.csv again with reasons, and the generated models with them
    // (their outputs are the same columns as without, then `reasons`).
    jobs.push((
        "contacts".to_string(),
        PathBuf::from(LEADS),
        leads_sql_with_reasons(Dialect::Spark, Source::Table("contacts".into())),
    ));
    for c in &cases {
        let table = format!("contacts{}", c.seed);
        let q = case_sql_as(c, Dialect::Spark, Source::Table(table.clone()), true);
        jobs.push((table, c.csv.clone(), q));
    }
    let outs = spark(dir.path(), &jobs);
    let (rows, max) = compare(&expected, &parse_csv(&outs[0], "spark"), "spark");
    assert_eq!(rows, 9240);
    assert!(max <= 1e-9);
    let with_reasons = engine_results_as(&model, &leads(), "Prospect ID", true);
    let (rows, _) = compare(
        &with_reasons,
        &parse_csv(&outs[1], "spark (reasons)"),
        "spark (reasons)",
    );
    assert_eq!(rows, 9240);
    assert_eq!(
        compare_cases_as(&cases, &outs[2..], "spark (reasons)", true),
        SPARK_SEEDS * ROWS
    );
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

/// A PostgreSQL server in a temporary folder, on a free loopback port; stopped on drop.
struct Postgres {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    as_postgres: bool,
}

fn pg_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p).find(|d| d.join("pg_ctl").is_file() && d.join("initdb").is_file())
    }) {
        return p;
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path().join("bin"))
                .filter(|b| b.join("pg_ctl").is_file())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found.pop().unwrap_or_else(|| {
        panic!("PostgreSQL is not installed, so this parity test cannot run: apt-get install postgresql (bash .ci/install-engines installs it)")
    })
}

impl Postgres {
    fn start() -> Postgres {
        let bin = pg_bin();
        require("psql", "apt-get install postgresql-client");
        let uid = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default();
        // The server refuses to run as root: then it runs as the `postgres` user the package made.
        let as_postgres = uid == "0";
        let dir = tempfile::Builder::new()
            .prefix("sw-pg")
            .tempdir()
            .unwrap_or_else(|e| panic!("{e}"));
        if as_postgres {
            run(
                Command::new("chown").arg("postgres").arg(dir.path()),
                "",
                "chown",
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or(54329);
        let pg = Postgres {
            bin,
            dir,
            port,
            as_postgres,
        };
        let data = pg.dir.path().join("data");
        pg.run_as(
            &pg.bin.join("initdb"),
            &[
                "-D",
                &data.display().to_string(),
                "-U",
                "sw",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            "initdb",
        );
        let opts = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c fsync=off",
            pg.port,
            pg.dir.path().display()
        );
        let log = pg.dir.path().join("log");
        pg.run_as(
            &pg.bin.join("pg_ctl"),
            &[
                "-D",
                &data.display().to_string(),
                "-o",
                &opts,
                "-l",
                &log.display().to_string(),
                "-w",
                "-t",
                "60",
                "start",
            ],
            "pg_ctl start",
        );
        pg
    }

    fn run_as(&self, program: &Path, args: &[&str], what: &str) -> String {
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        cmd.args(args).current_dir(self.dir.path());
        run(&mut cmd, "", what)
    }

    fn psql(&self, script: &str) -> String {
        run(
            Command::new("psql")
                .args([
                    "-X",
                    "-q",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "sw",
                    "-d",
                    "postgres",
                    "-p",
                ])
                .arg(self.port.to_string()),
            script,
            "psql",
        )
    }

    /// Loads a CSV file into a table of text columns named by its header.
    fn load_csv(&self, table: &str, path: &str) {
        let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let headers: Vec<String> = reader
            .headers()
            .unwrap_or_else(|e| panic!("{e}"))
            .iter()
            .map(String::from)
            .collect();
        let cols: Vec<String> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let name = if h.is_empty() {
                    format!("_c{i}")
                } else {
                    h.clone()
                };
                format!(
                    "{} TEXT",
                    Dialect::Postgres
                        .ident(&name, "column")
                        .unwrap_or_else(|e| panic!("{e}"))
                )
            })
            .collect();
        let t = Dialect::Postgres
            .ident(table, "table")
            .unwrap_or_else(|e| panic!("{e}"));
        self.psql(&format!(
            "CREATE TABLE {t} ({});\n\\copy {t} FROM '{path}' WITH (FORMAT csv, HEADER true)\n",
            cols.join(", ")
        ));
    }

    fn query_csv(&self, query: &str) -> String {
        self.psql(&format!(
            "COPY (\n{query}\n) TO STDOUT WITH (FORMAT csv, HEADER true);\n"
        ))
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.path().join("data").display().to_string();
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"])
                .arg(self.bin.join("pg_ctl"));
            c
        } else {
            Command::new(self.bin.join("pg_ctl"))
        };
        let _ = cmd
            .args(["-D", &data, "-m", "immediate", "-w", "stop"])
            .output();
    }
}

#[test]
fn postgres_matches_the_engine_on_leads() {
    let pg = Postgres::start();
    pg.load_csv("contacts", LEADS);
    let model = x_education();
    let expected = engine_results(&model, &leads(), "Prospect ID");
    let out = pg.query_csv(&sql(
        &model,
        Dialect::Postgres,
        Source::Table("contacts".into()),
        false,
    ));
    let (rows, max) = compare(&expected, &parse_csv(&out, "postgres"), "postgres");
    assert_eq!(rows, 9240);
    assert!(max <= 1e-9);
}

// ---------------------------------------------------------------------------------------------
// Randomised: generated models and contacts, engine vs DuckDB.

/// xorshift64*: a small, seeded generator, so a failure names its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

const NUMBERS: &[&str] = &[
    "0",
    "1",
    "2.5",
    " 7 ",
    "-3",
    "+4",
    "1.",
    ".5",
    "+.5",
    "-.5e1",
    "1e3",
    "1E+2",
    "12.25",
    "300",
    "999.99",
    "1e400",
    "-1e400",
    "1e-400",
    "inf",
    "NaN",
    "1_000",
    "0x10",
    "abc",
    "",
    "  ",
    "n/a",
    "N/A",
    "Select",
    "1,5",
    "١",
    "5\u{a0}",
    "\u{3000}8",
    "\t9\n",
    "100000",
    "0.1",
    "0.2",
    "0.30000000000000004",
    "8\u{85}",
    "\u{1680}2",
    "4\u{1}",
    "~3",
    "6\u{2029}",
    // Plain decimals of 300 characters (PostgreSQL reads them directly as doubles) and 301.
    concat!(
        "0.",
        "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        "5"
    ),
    concat!(
        "1",
        "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    ),
    concat!(
        "1",
        "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        "0"
    ),
];
const BOOLS: &[&str] = &[
    "Yes",
    "no",
    " y ",
    "N",
    "TRUE",
    "false",
    "1",
    "0",
    "maybe",
    "",
    "Select",
    "YES\u{2003}",
    "no\u{85}",
    "\u{b}yes",
    "y\u{301}",
    "t",
];
const DATES: &[&str] = &[
    "2026-11-01",
    "2026-10-02",
    "2026/10/01",
    "2026-11-30",
    "2025-01-01T08:00:00Z",
    "2026-09-15 10:00",
    "2026-09-15t1",
    "2026-09-15x",
    "2026-02-29",
    "2024-02-29",
    "2024/02/30",
    "1999-12-31",
    "0000-01-01",
    "9999-12-31",
    "26-1-1",
    "2026-1-01",
    "",
    "n/a",
    " 2026-08-01 ",
    "2026-13-01",
    "2026-00-10",
    "2027-03-01",
    "2026-11-02",
    "2026-10-02\u{3000}",
    "\u{c}2026-10-03",
    "2026-10-04\u{1}",
    "2026-10-05T\u{2028}",
    "2026/10/06 ",
    "0000-02-29",
    "1900-02-29",
    "2000-02-29",
    // A time must be one of a day (issue 12, item 19).
    "2026-10-07T25:00:00",
    "2026-10-08 24:00",
    "2026-10-09T23:59:59Z",
    "2026-10-10T10:60",
    "2026-10-11 00:00",
    // Shapes DuckDB's own date cast reads but `Date::parse` does not: the GLOB patterns of the
    // DuckDB export must refuse them first.
    "2026-10/12",
    "2026/10-13",
    "2026-1a-14",
    "+026-10-15",
    "2026-10-16T1:00",
    "2026-10-17T09:5",
    "2026-10-18T09",
    "2026-10-19-",
];
const CATEGORIES: &[&str] = &[
    "Google",
    " google ",
    "GOOGLE",
    "Email",
    "O'Brien; DROP TABLE x; --",
    "naïve Café",
    "ÉCOLE",
    "\"quoted\"",
    "back\\slash",
    "",
    "Select",
    "select",
    "n/a",
    "Reference",
    "line\nbreak",
    "tab\there",
    "\u{a0}Google\u{a0}",
    "日本語",
    "emoji 🎉",
    "%_like",
    "Email\u{2029}",
    "\u{85}google",
    "~",
    "x\u{301}",
    "\u{1}ctl\u{1}",
    // Case folding beyond ASCII (issue 12, item 8): LOWER differs between Rust and the engines.
    "ΟΔΟΣ",
    "οδος",
    "İSTANBUL",
    "İstanbul",
    "istanbul",
    "STRASSE",
    "straße",
];
/// A column the generated contacts never have.
const ABSENT: &str = "Absent Column";
const COLUMN_NAMES: &[&str] = &[
    "plain",
    "Two Words",
    "it's",
    "semi;colon",
    "quo\"te",
    "back`tick",
    "ünïcødé",
    "dash-ed",
    "select",
    "x.y",
    "日本",
];

fn gen_contacts(rng: &mut Rng, model: &Model, rows: usize) -> Vec<Vec<(String, String)>> {
    (0..rows)
        .map(|r| {
            let mut row = vec![("id".to_string(), format!("c{r}"))];
            for (i, f) in model.fields.iter().enumerate() {
                if f.expr.is_some() {
                    // Computed, not read.
                    continue;
                }
                // The first field's column is written in capitals, which the engine (and the
                // query, told the headers) still finds; the absent column is not written.
                let col = match f.column() {
                    ABSENT => continue,
                    c if i == 0 => c.to_uppercase(),
                    c => c.to_string(),
                };
                if row.iter().any(|(c, _)| *c == col) {
                    continue;
                }
                let pool = match f.kind {
                    scorewright::model::FieldKind::Number => NUMBERS,
                    scorewright::model::FieldKind::Boolean => BOOLS,
                    scorewright::model::FieldKind::Date => DATES,
                    _ => CATEGORIES,
                };
                row.push((col, rng.pick(pool).to_string()));
            }
            row
        })
        .collect()
}

/// A model as YAML text, so that the generator exercises the file format too.
fn gen_model(rng: &mut Rng) -> Model {
    use std::fmt::Write as _;
    let kinds = ["number", "boolean", "date", "category", "text"];
    let nfields = 3 + rng.below(5);
    let mut fields: Vec<(String, &str)> = Vec::new();
    // One model in five has no as_of: ages then count from today, in SQL as in the engine.
    let as_of = if rng.chance(0.2) {
        ""
    } else {
        "as_of: 2026-11-01\n"
    };
    let mut y = format!("name: generated\n{as_of}fields:\n");
    let mut used_cols: Vec<String> = Vec::new();
    for i in 0..nfields {
        let kind = *rng.pick(&kinds);
        let id = format!("f{i}");
        let col = loop {
            let c = rng.pick(COLUMN_NAMES).to_string();
            if !used_cols
                .iter()
                .any(|u| u.to_lowercase() == c.to_lowercase())
            {
                break c;
            }
        };
        used_cols.push(col.clone());
        let missing = if rng.chance(0.5) {
            ", missing: [Select, ' N/A ']"
        } else {
            ""
        };
        let _ = writeln!(
            y,
            "  - {{ id: {id}, kind: {kind}, column: {}{missing} }}",
            serde_json::to_string(&col).unwrap_or_default()
        );
        fields.push((id, kind));
    }
    if rng.chance(0.3) {
        let kind = *rng.pick(&kinds);
        let _ = writeln!(y, "  - {{ id: fabs, kind: {kind}, column: {ABSENT} }}");
        fields.push(("fabs".to_string(), kind));
    }
    // Derived fields (issue 14) over the fields so far, and over each other.
    if rng.chance(0.6) {
        for i in 0..1 + rng.below(3) {
            let has = |k: &str| {
                fields
                    .iter()
                    .any(|(_, f)| *f == k || (k == "category" && *f == "text"))
            };
            let kinds: Vec<&str> = ["number", "number", "boolean", "date", "category"]
                .into_iter()
                .filter(|k| matches!(*k, "number" | "boolean") || has(k))
                .collect();
            let kind = *rng.pick(&kinds);
            let expr = gen_expr(rng, &fields, kind, 2);
            let _ = writeln!(
                y,
                "  - {{ id: d{i}, kind: {kind}, expr: {} }}",
                serde_json::to_string(&expr).unwrap_or_default()
            );
            fields.push((format!("d{i}"), kind));
        }
    }
    let rule = |rng: &mut Rng, kind: &str| -> String {
        let cat =
            |rng: &mut Rng| serde_json::to_string(rng.pick(CATEGORIES).trim()).unwrap_or_default();
        match kind {
            "number" => match rng.below(8) {
                // A number field that holds days.
                6 => format!("{{ recency: {{ half_life_days: {} }} }}", 1 + rng.below(60)),
                4 => "{ match: { 0: 1, 1: 0.6, 2.5: 0.3, '-3': 0.15, default: 0.05, missing: 0.55 } }".into(),
                0 => format!("{{ scale: {{ from: {}, to: {} }} }}", rng.below(5), 5 + rng.below(300)),
                1 => format!("{{ scale: {{ from: {}, to: 0 }} }}", 1 + rng.below(300)),
                2 => format!("{{ log_scale: {{ from: {}, to: {} }} }}", 1 + rng.below(5), 10 + rng.below(1000)),
                3 => format!("{{ log_scale: {{ from: {}, to: 0.5 }} }}", 2 + rng.below(300)),
                // A missing value's own attainment as the list's last entry.
                7 => "{ bands: [ { at_least: 0, value: 0.1 }, { at_least: 2.5, value: 0.45 }, { missing: 0.65 } ] }".into(),
                _ => "{ bands: [ { at_least: 0, value: 0.1 }, { at_least: 2.5, value: 0.45 }, { at_least: 300, value: 1 } ] }".into(),
            },
            "boolean" => match rng.below(10) {
                0..=4 => "flag".into(),
                5..=6 => "not_flag".into(),
                _ => "{ match: { 'yes': 0.8, 'no': 0.15, default: 0.5 } }".into(),
            },
            "date" => match rng.below(10) {
                0..=5 => format!("{{ recency: {{ half_life_days: {} }} }}", 1 + rng.below(60)),
                // Bands on a date read its age in days.
                6 => "{ bands: [ { at_least: -10, value: 0.9 }, { at_least: 7, value: 0.55 }, { at_least: 45.5, value: 0.2 } ] }".into(),
                7 => "{ bands: [ { at_least: -10, value: 0.9 }, { at_least: 45.5, value: 0.2 }, { missing: 0.45 } ] }".into(),
                _ => "present".into(),
            },
            _ => {
                if rng.chance(0.2) {
                    "present".into()
                } else {
                    // Three values that differ ignoring case: the model refuses a value twice.
                    let mut keys: Vec<String> = Vec::new();
                    while keys.len() < 3 {
                        let k = cat(rng);
                        if !keys.iter().any(|x| x.to_lowercase() == k.to_lowercase()) {
                            keys.push(k);
                        }
                    }
                    format!("{{ match: {{ {}: 1, {}: 0.35, {}: 0.7, default: 0.2 }} }}", keys[0], keys[1], keys[2])
                }
            }
        }
    };
    // Decay since a date, or since a number field that holds days.
    let dates: Vec<&String> = fields
        .iter()
        .filter(|(_, k)| *k == "date" || *k == "number")
        .map(|(id, _)| id)
        .collect();
    // Composite journeys: none, j2 of j0 and j1, or also j3 of j2 and j0 (a composite of a
    // composite); listed before or after their parts.
    let composites = rng.below(3);
    let journeys = 2 + composites;
    let cond = |rng: &mut Rng, depth: usize, scored: bool| -> String {
        fn leaf(rng: &mut Rng, fields: &[(String, &str)], scored: bool, journeys: usize) -> String {
            if scored && rng.chance(0.4) {
                return match rng.below(4) {
                    0 => format!(
                        "{{ journey: j{}, at_least: {} }}",
                        rng.below(journeys),
                        rng.below(80)
                    ),
                    1 => "{ grade: g0, in: [A, b] }".into(),
                    2 => "{ tier: [hot, Warm] }".into(),
                    _ => "{ rating: [A1, b2, C1] }".into(),
                };
            }
            let (id, kind) = &fields[rng.below(fields.len())];
            // One test in four compares the field with another of its kind (itself included,
            // where it has none): an order for numbers and dates, equality for all kinds.
            if rng.chance(0.25) {
                let text = |k: &str| matches!(k, "category" | "text");
                let peers: Vec<&String> = fields
                    .iter()
                    .filter(|(_, k)| k == kind || (text(k) && text(kind)))
                    .map(|(i, _)| i)
                    .collect();
                let other = peers[rng.below(peers.len())];
                let op = match (*kind, rng.below(3)) {
                    ("number" | "date", 0) => "at_least",
                    ("number" | "date", 1) => "below",
                    _ => "equals",
                };
                return format!("{{ field: {id}, {op}: {{ field: {other} }} }}");
            }
            let cat = serde_json::to_string(rng.pick(CATEGORIES).trim()).unwrap_or_default();
            match (*kind, rng.below(3)) {
                (_, 0) => format!("{{ field: {id}, present: {} }}", rng.chance(0.5)),
                ("number", 1) => {
                    format!("{{ field: {id}, at_least: {}, below: 400 }}", rng.below(10))
                }
                ("number", _) => {
                    format!("{{ field: {id}, in: [1, 2.5, '300', 0.30000000000000004] }}")
                }
                ("date", 1) => format!("{{ field: {id}, below: {} }}", rng.below(90)),
                ("date", _) => format!("{{ field: {id}, equals: '2026-10-02' }}"),
                ("boolean", _) => format!("{{ field: {id}, equals: {} }}", rng.chance(0.5)),
                (_, _) => format!("{{ field: {id}, in: [{cat}, 'Google'] }}"),
            }
        }
        match (depth, rng.below(5)) {
            (0, _) | (_, 0..=2) => leaf(rng, &fields, scored, journeys),
            (_, 3) => format!(
                "{{ any: [ {}, {} ] }}",
                leaf(rng, &fields, scored, journeys),
                leaf(rng, &fields, scored, journeys)
            ),
            _ => format!(
                "{{ not: {{ all: [ {}, {} ] }} }}",
                leaf(rng, &fields, scored, journeys),
                leaf(rng, &fields, scored, journeys)
            ),
        }
    };
    y.push_str("journeys:\n");
    let composites_first = rng.chance(0.5);
    let mut comp = String::new();
    for (c, parts) in [["j0", "j1"], ["j2", "j0"]]
        .iter()
        .take(composites)
        .enumerate()
    {
        let w = split(rng, 2);
        let _ = writeln!(
            comp,
            "  - id: j{}\n    parts: [ {{ journey: {}, weight: {} }}, {{ journey: {}, weight: {} }} ]",
            c + 2,
            parts[0],
            w[0],
            parts[1],
            w[1]
        );
        if rng.chance(0.6) {
            let points = *rng.pick(&["-10", "15", "-2.5", "40"]);
            let _ = writeln!(
                comp,
                "    adjustments:\n      - {{ name: a0, when: {}, points: {points} }}",
                cond(rng, 1, false)
            );
        }
    }
    if composites_first {
        y.push_str(&comp);
    }
    for j in 0..2 {
        let _ = writeln!(y, "  - id: j{j}\n    touchpoints:");
        let ntp = 1 + rng.below(3);
        let weights = split(rng, ntp);
        for (t, w) in weights.iter().enumerate() {
            let _ = writeln!(y, "      - id: t{t}\n        weight: {w}");
            if rng.chance(0.3) {
                // Children: a sub-model.
                let _ = writeln!(y, "        touchpoints:");
                let cw = split(rng, 2);
                for (c, w) in cw.iter().enumerate() {
                    let (id, kind) = &fields[rng.below(fields.len())];
                    let _ = writeln!(
                        y,
                        "          - {{ id: c{c}, weight: {w}, signals: [ {{ field: {id}, weight: 100, rule: {} }} ] }}",
                        rule(rng, kind)
                    );
                }
            } else {
                let _ = writeln!(y, "        signals:");
                let n = 1 + rng.below(3);
                let sw = split(rng, n);
                for w in sw {
                    let (id, kind) = &fields[rng.below(fields.len())];
                    let decay = match dates.first() {
                        Some(d) if rng.chance(0.25) => format!(
                            ", decay: {{ since: {d}, half_life_days: {} }}",
                            7 + rng.below(60)
                        ),
                        _ => String::new(),
                    };
                    // One signal in four gives a missing value its own attainment.
                    let missing = if rng.chance(0.25) {
                        ", missing: 0.35"
                    } else {
                        ""
                    };
                    let _ = writeln!(
                        y,
                        "          - {{ field: {id}, weight: {w}, rule: {}{decay}{missing} }}",
                        rule(rng, kind)
                    );
                }
            }
        }
        let _ = writeln!(y, "    adjustments:");
        for a in 0..1 + rng.below(3) {
            let points = *rng.pick(&["-10", "15", "-2.5", "40", "-100"]);
            let _ = writeln!(
                y,
                "      - {{ name: a{a}, when: {}, points: {points} }}",
                cond(rng, 1, false)
            );
        }
    }
    if !composites_first {
        y.push_str(&comp);
    }
    // Grades and tiers read a composite where there is one.
    let _ = writeln!(
        y,
        "grades:\n  - {{ id: g0, journey: j{}, bands: {{ A: 70, B: 40.5, C: 12.25 }} }}",
        rng.below(journeys)
    );
    y.push_str("  - { id: g1, journey: j1, bands: { '1': 50, '2': 25, '3': 0 } }\n");
    y.push_str("matrix: { rows: g0, columns: g1 }\n");
    let _ = write!(y, "tiers:\n  journey: j{}\n", rng.below(journeys));
    y.push_str("  levels:\n    - { name: Hot, at_least: 60, handover: \"sales; it's urgent\" }\n    - { name: warm, at_least: 30 }\n");
    y.push_str("segments:\n");
    for s in 0..3 {
        let _ = writeln!(
            y,
            "  - {{ name: \"s{s} 'quoted'\", when: {}, action: \"act; {s}\", route: r{s} }}",
            cond(rng, 1, true)
        );
    }
    if rng.chance(0.7) {
        y.push_str("  - { name: rest, action: newsletter, route: marketing }\n");
    }
    scorewright::model::parse_model(&y, "generated.yaml")
        .unwrap_or_else(|e| panic!("generated model does not parse: {e}\n{y}"))
}

/// A text literal of the expression language: in double quotes, `\` and `"` escaped.
fn expr_text(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A derived field's expression of a kind over `fields`, `depth` levels deep at most. Numbers
/// from fields are tamed (`ln(abs(x) + 1)`, under 710) so that no product or quotient
/// overflows or underflows: PostgreSQL raises an error where the engine would give missing.
fn gen_expr(rng: &mut Rng, fields: &[(String, &str)], kind: &str, depth: usize) -> String {
    let of = |k: &str| -> Vec<&String> {
        let text = |x: &str| matches!(x, "category" | "text");
        fields
            .iter()
            .filter(|(_, f)| *f == k || (text(k) && text(f)))
            .map(|(id, _)| id)
            .collect()
    };
    let leaf_or =
        |rng: &mut Rng, k: &str| depth == 0 || rng.chance(0.3) || of(k).is_empty() && k != "number";
    match kind {
        "number" => {
            if depth == 0 || rng.chance(0.25) {
                let nums = of("number");
                let dates = of("date");
                return match rng.below(4) {
                    0 | 1 if !nums.is_empty() => format!("ln(abs({}) + 1)", rng.pick(&nums)),
                    2 if !dates.is_empty() => {
                        format!("days_between({}, {})", rng.pick(&dates), rng.pick(&dates))
                    }
                    _ => rng.pick(&["0", "1", "2.5", "0.5", "300"]).to_string(),
                };
            }
            let a = gen_expr(rng, fields, "number", depth - 1);
            let b = gen_expr(rng, fields, "number", depth - 1);
            match rng.below(12) {
                0 => format!("({a}) + ({b})"),
                1 => format!("({a}) - ({b})"),
                2 => format!("({a}) * ({b})"),
                3 => format!("({a}) / ({b})"),
                4 => format!("-({a})"),
                5 => format!("min({a}, {b})"),
                6 => format!("max({a}, {b}, 1)"),
                7 => format!("abs(({a}) - ({b}))"),
                8 => format!("ln({a})"),
                9 => format!("log10(({a}) - 1)"),
                10 => format!("coalesce({a}, {b})"),
                _ => format!(
                    "if({}, {a}, {b})",
                    gen_expr(rng, fields, "boolean", depth - 1)
                ),
            }
        }
        "boolean" => {
            let bools = of("boolean");
            if leaf_or(rng, "boolean") {
                let cats = of("category");
                return match rng.below(3) {
                    0 if !bools.is_empty() => rng.pick(&bools).to_string(),
                    1 if !cats.is_empty() => format!(
                        "{} = {}",
                        rng.pick(&cats),
                        expr_text(rng.pick(CATEGORIES).trim())
                    ),
                    _ => {
                        let a = gen_expr(rng, fields, "number", 0);
                        let b = gen_expr(rng, fields, "number", 0);
                        let op = *rng.pick(&["<", "<=", ">", ">=", "=", "!="]);
                        format!("{a} {op} {b}")
                    }
                };
            }
            let a = gen_expr(rng, fields, "boolean", depth - 1);
            let b = gen_expr(rng, fields, "boolean", depth - 1);
            match rng.below(4) {
                0 => format!("({a}) and ({b})"),
                1 => format!("({a}) or ({b})"),
                2 => format!("not ({a})"),
                _ => format!("coalesce({a}, {b}, false)"),
            }
        }
        "date" => {
            // Only asked for when the model has a date.
            let dates = of("date");
            let (a, b) = (rng.pick(&dates), rng.pick(&dates));
            match rng.below(4) {
                0 => a.to_string(),
                1 => format!("max({a}, {b})"),
                2 => format!("min({a}, {b})"),
                _ => format!("coalesce({a}, {b})"),
            }
        }
        _ => {
            let cats = of("category");
            let lit = expr_text(rng.pick(CATEGORIES).trim());
            match cats.first() {
                Some(_) => format!(
                    "coalesce(if({}, {}, {lit}), \"none\")",
                    gen_expr(rng, fields, "boolean", 0),
                    rng.pick(&cats)
                ),
                None => lit,
            }
        }
    }
}

/// `n` weights that sum to exactly 100, with up to two decimals.
fn split(rng: &mut Rng, n: usize) -> Vec<String> {
    let mut cuts: Vec<u64> = (0..n - 1).map(|_| rng.next() % 10_001).collect();
    cuts.sort_unstable();
    let mut out = Vec::new();
    let mut prev = 0;
    for c in cuts.into_iter().chain([10_000]) {
        let w = c - prev;
        out.push(format!("{}.{:02}", w / 100, w % 100));
        prev = c;
    }
    out
}

/// One generated model with its contacts: in memory for the engine, as a CSV file for SQL.
struct Case {
    seed: u64,
    model: Model,
    table: Table,
    csv: PathBuf,
    columns: Vec<String>,
}

const SEEDS: u64 = 40;
const ROWS: usize = 60;
const SPARK_SEEDS: usize = 12;

fn generated_cases(dir: &Path) -> Vec<Case> {
    (1..=SEEDS)
        .map(|seed| {
            let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
            let model = gen_model(&mut rng);
            let rows = gen_contacts(&mut rng, &model, ROWS);
            // The engine reads the same cells from an in-memory table.
            let maps: Vec<indexmap::IndexMap<String, Scalar>> = rows
                .iter()
                .map(|r| {
                    r.iter()
                        .map(|(c, v)| (c.clone(), Scalar::Text(v.clone())))
                        .collect()
                })
                .collect();
            let table = Table::from_maps("generated", &maps);
            let csv = dir.join(format!("contacts{seed}.csv"));
            let mut w = csv::WriterBuilder::new()
                .quote_style(csv::QuoteStyle::Always)
                .from_path(&csv)
                .unwrap_or_else(|e| panic!("{e}"));
            let columns: Vec<String> = rows[0].iter().map(|(c, _)| c.clone()).collect();
            w.write_record(&columns).unwrap_or_else(|e| panic!("{e}"));
            for r in &rows {
                w.write_record(r.iter().map(|(_, v)| v.as_str()))
                    .unwrap_or_else(|e| panic!("{e}"));
            }
            w.flush().unwrap_or_else(|e| panic!("{e}"));
            Case {
                seed,
                model,
                table,
                csv,
                columns,
            }
        })
        .collect()
}

/// Compares every case's output with the engine's; on a difference, prints the model.
fn compare_cases(cases: &[Case], outs: &[String], engine: &str) -> usize {
    compare_cases_as(cases, outs, engine, false)
}

/// `compare_cases`, the `reasons` column included when `reasons`.
fn compare_cases_as(cases: &[Case], outs: &[String], engine: &str, reasons: bool) -> usize {
    let mut total = 0;
    for (case, out) in cases.iter().zip(outs) {
        let expected = engine_results_as(&case.model, &case.table, "id", reasons);
        let got = parse_csv(out, engine);
        let name = format!("{engine} (seed {})", case.seed);
        match std::panic::catch_unwind(|| compare(&expected, &got, &name)) {
            Ok((rows, _)) => total += rows,
            Err(e) => {
                eprintln!(
                    "seed {}: model\n{}",
                    case.seed,
                    scorewright::model::to_yaml(&case.model)
                );
                std::panic::resume_unwind(e)
            }
        }
    }
    total
}

/// A generated case's CSV file as DuckDB reads it: every column as text, no detection.
fn duckdb_case_source(c: &Case) -> Source {
    let columns: Vec<String> = c
        .columns
        .iter()
        .map(|name| format!("'{}': 'VARCHAR'", name.replace('\'', "''")))
        .collect();
    Source::Expression(format!(
        "read_csv('{}', header = true, delim = ',', quote = '\"', escape = '\"', auto_detect = false, columns = {{{}}})",
        c.csv.display(),
        columns.join(", ")
    ))
}

#[test]
fn duckdb_matches_the_engine_on_generated_models() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let cases = generated_cases(dir.path());
    let queries: Vec<String> = cases
        .iter()
        .map(|c| case_sql(c, Dialect::DuckDb, duckdb_case_source(c)))
        .collect();
    let outs = duckdb(&queries);
    assert_eq!(
        compare_cases(&cases, &outs, "duckdb"),
        SEEDS as usize * ROWS
    );
    // The generated models do compare fields with fields (issue 14).
    let compares = |c: &scorewright::model::Condition| !c.field_pairs().is_empty();
    let comparing = cases
        .iter()
        .filter(|c| {
            let m = &c.model;
            m.journeys
                .iter()
                .flat_map(|j| &j.adjustments)
                .any(|a| compares(&a.when))
                || m.segments
                    .iter()
                    .filter_map(|s| s.when.as_ref())
                    .any(compares)
        })
        .count();
    assert!(comparing >= SEEDS as usize / 4, "{comparing} of {SEEDS}");
    // And they have derived fields (issue 14) that the checks find sound, read by signals and
    // conditions.
    let used = |m: &Model| {
        let used = scorewright::model::check::fields_used(m);
        m.fields
            .iter()
            .filter(|f| f.expr.is_some() && used.contains(f.id.as_str()))
            .count()
    };
    let deriving = cases.iter().filter(|c| used(&c.model) > 0).count();
    assert!(deriving >= SEEDS as usize / 3, "{deriving} of {SEEDS}");
    for c in &cases {
        let bad: Vec<String> = scorewright::model::check::check(&c.model, None, None)
            .iter()
            .filter(|d| d.code.starts_with("derived"))
            .map(|d| d.render(None))
            .collect();
        assert!(bad.is_empty(), "seed {}: {bad:?}", c.seed);
    }
}

#[test]
fn postgres_matches_the_engine_on_generated_models() {
    let pg = Postgres::start();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let cases = generated_cases(dir.path());
    let mut outs = Vec::new();
    for c in &cases {
        let table = format!("contacts{}", c.seed);
        pg.load_csv(&table, &c.csv.display().to_string());
        let q = case_sql(c, Dialect::Postgres, Source::Table(table));
        outs.push(pg.query_csv(&q));
    }
    assert_eq!(
        compare_cases(&cases, &outs, "postgres"),
        SEEDS as usize * ROWS
    );
}

#[test]
fn nul_is_refused_and_errors_block_the_export() {
    let mut model = x_education();
    model.fields[0].column = Some("Lead\0Origin".into());
    let err = to_sql(&model, &SqlOptions::new(Dialect::DuckDb)).unwrap_err();
    assert!(
        err.to_string()
            .contains("column \"Lead\\0Origin\" holds a NUL character"),
        "{err}"
    );
    let mut broken = x_education();
    broken.journeys[0].touchpoints[0].weight = scorewright::model::Weight(4000);
    let err = to_sql(&broken, &SqlOptions::new(Dialect::Postgres)).unwrap_err();
    assert!(
        err.to_string().contains("check error") && err.to_string().contains("--allow-errors"),
        "{err}"
    );
    let opts = SqlOptions {
        allow_errors: true,
        ..SqlOptions::new(Dialect::Postgres)
    };
    assert!(to_sql(&broken, &opts).is_ok());
}

/// 1e-9, or exact with `SW_PARITY_EXACT=1` (to see where the last bits differ).
fn tolerance() -> f64 {
    if std::env::var_os("SW_PARITY_EXACT").is_some() {
        0.0
    } else {
        1e-9
    }
}

// ---------------------------------------------------------------------------------------------
// BigQuery and Snowflake cannot run here: their queries are at least parsed by sqlglot (PyPI),
// a parser that knows each dialect's literals, quoting and functions.

const SQLGLOT_RUNNER: &str = r#"
import sys, sqlglot
from sqlglot.errors import ErrorLevel
failed = 0
for line in open(sys.argv[1], encoding="utf-8"):
    dialect, path = line.rstrip("\n").split("\t")
    text = open(path, encoding="utf-8").read()
    try:
        parsed = sqlglot.parse(text, read=dialect, error_level=ErrorLevel.RAISE)
        if len([p for p in parsed if p is not None]) != 1:
            raise ValueError(f"{len(parsed)} statements, not one")
    except Exception as e:
        failed += 1
        print(f"{dialect} {path}: {e}"[:2000])
sys.exit(1 if failed else 0)
"#;

#[test]
fn every_dialect_parses_with_sqlglot() {
    let py = require("python3", "install Python 3");
    let check = Command::new(&py).args(["-c", "import sqlglot"]).output();
    assert!(
        check.is_ok_and(|o| o.status.success()),
        "sqlglot is not installed, so the BigQuery and Snowflake queries cannot be checked: pip install sqlglot (bash .ci/install-engines installs it)"
    );
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut models = vec![x_education()];
    models.extend(
        generated_cases(dir.path())
            .into_iter()
            .take(10)
            .map(|c| c.model),
    );
    let mut list = String::new();
    for (i, m) in models.iter().enumerate() {
        for d in Dialect::ALL {
            let name = if d == Dialect::DuckDb {
                "duckdb".to_string()
            } else {
                d.name().to_string()
            };
            let p = dir.path().join(format!("q{i}.{d}.sql"));
            let q = sql(m, d, Source::Table("analytics.contacts".into()), true);
            std::fs::write(&p, q).unwrap_or_else(|e| panic!("{e}"));
            list.push_str(&format!("{name}\t{}\n", p.display()));
            // With the `reasons` column (issue 18 item 2).
            let p = dir.path().join(format!("q{i}.{d}.reasons.sql"));
            let opts = SqlOptions {
                source: Source::Table("analytics.contacts".into()),
                allow_errors: true,
                ..SqlOptions::new(d)
            };
            let q = to_sql_with_reasons(m, &opts).unwrap_or_else(|e| panic!("{d}: {e}"));
            std::fs::write(&p, q).unwrap_or_else(|e| panic!("{e}"));
            list.push_str(&format!("{name}\t{}\n", p.display()));
        }
    }
    // Issue 19: account fields from an accounts table and from the contacts' rows (the vote's
    // window and PostgreSQL's COLLATE), in every dialect.
    let fields = include_str!("fixtures/accounts-fields.yaml");
    for (i, yaml) in [
        fields.to_string(),
        fields.replace("  file: accounts-firms.csv\n", ""),
    ]
    .iter()
    .enumerate()
    {
        let m =
            scorewright::model::parse_model(yaml, "case.yaml").unwrap_or_else(|e| panic!("{e}"));
        for d in Dialect::ALL {
            let name = if d == Dialect::DuckDb {
                "duckdb".to_string()
            } else {
                d.name().to_string()
            };
            let p = dir.path().join(format!("accounts{i}.{d}.sql"));
            let q = sql(&m, d, Source::Table("analytics.contacts".into()), false);
            std::fs::write(&p, q).unwrap_or_else(|e| panic!("{e}"));
            list.push_str(&format!("{name}\t{}\n", p.display()));
        }
    }
    let (runner, jobs) = (dir.path().join("parse.py"), dir.path().join("jobs.tsv"));
    std::fs::write(&runner, SQLGLOT_RUNNER).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&jobs, list).unwrap_or_else(|e| panic!("{e}"));
    run(Command::new(&py).arg(&runner).arg(&jobs), "", "sqlglot");
}

// ---------------------------------------------------------------------------------------------
// String literals: any text survives, in every dialect. DuckDB and PostgreSQL read the literals
// back (compared as UTF-8 bytes in hex); sqlglot reads the Spark, BigQuery and Snowflake ones.

const LITERAL_RUNNER: &str = r#"
import sys, json, sqlglot
failed = 0
for case in json.load(open(sys.argv[1], encoding="utf-8")):
    try:
        got = sqlglot.parse_one("SELECT " + case["sql"], read=case["dialect"]).expressions[0].this
    except Exception as e:
        got = f"<parse error: {e}>"
    if got != case["text"]:
        failed += 1
        print(json.dumps({"dialect": case["dialect"], "text": case["text"], "sql": case["sql"], "got": got})[:2000])
sys.exit(1 if failed else 0)
"#;

/// Text made to break literals: quotes of every kind, backslashes and escape letters, line
/// breaks, control characters, SQL comment and placeholder marks, and any Unicode but NUL.
fn awkward_text() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let special = prop::sample::select(vec![
        '\'', '"', '`', '\\', '\n', '\r', '\t', '\u{1}', '\u{1b}', '\u{7f}', '\u{85}', '\u{a0}',
        '\u{2028}', '\u{feff}', 'é', '😀', '$', '?', ';', '-', '/', '*', ':', '%', '_', 'E', 'x',
        'u', 'U', 'n', '0', 'a', 'F', '7', '{', '}', '@',
    ]);
    prop::collection::vec(
        prop_oneof![3 => special, 1 => any::<char>().prop_filter("not NUL", |c| *c != '\0')],
        0..24,
    )
    .prop_map(|cs| cs.into_iter().collect())
}

#[test]
fn string_literals_survive_any_text_and_nul_is_refused() {
    use proptest::test_runner::{Config, TestCaseError, TestRunner};
    let pg = Postgres::start();
    let py = require("python3", "install Python 3");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let hex = |s: &str| s.bytes().map(|b| format!("{b:02X}")).collect::<String>();
    let mut runner = TestRunner::new(Config {
        cases: 10,
        failure_persistence: None,
        ..Config::default()
    });
    let batch = proptest::collection::vec(awkward_text(), 1..64);
    let result = runner.run(&batch, |texts| {
        let lit = |d: Dialect, t: &str| {
            d.string(t, "text")
                .map_err(|e| TestCaseError::fail(e.to_string()))
        };
        // DuckDB and PostgreSQL: the bytes each literal reads back as.
        for (d, query) in [
            (Dialect::DuckDb, "hex(encode(s))"),
            (
                Dialect::Postgres,
                "upper(encode(convert_to(s, 'UTF8'), 'hex'))",
            ),
        ] {
            let mut rows = Vec::new();
            for (i, t) in texts.iter().enumerate() {
                rows.push(format!("({i}, {})", lit(d, t)?));
            }
            let q = format!(
                "SELECT i, {query} AS h FROM (VALUES {}) AS t(i, s) ORDER BY i",
                rows.join(",\n")
            );
            let out = if d == Dialect::DuckDb {
                duckdb(&[q]).remove(0)
            } else {
                pg.query_csv(&q)
            };
            let got: Vec<String> = out
                .lines()
                .skip(1)
                .map(|l| {
                    l.split_once(',')
                        .map(|(_, h)| h.trim_matches('"').to_string())
                        .unwrap_or_default()
                })
                .collect();
            let want: Vec<String> = texts.iter().map(|t| hex(t)).collect();
            if got != want {
                return Err(TestCaseError::fail(format!(
                    "{d}: read back {got:?}, wrote {want:?}"
                )));
            }
        }
        // Spark, BigQuery, Snowflake: as sqlglot reads them.
        let mut cases = Vec::new();
        for d in [Dialect::Spark, Dialect::BigQuery, Dialect::Snowflake] {
            for t in &texts {
                cases.push(serde_json::json!({"dialect": d.name(), "sql": lit(d, t)?, "text": t}));
            }
        }
        let (runner_py, jobs) = (dir.path().join("lit.py"), dir.path().join("lit.json"));
        std::fs::write(&runner_py, LITERAL_RUNNER)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        std::fs::write(&jobs, serde_json::Value::Array(cases).to_string())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let out = Command::new(&py).arg(&runner_py).arg(&jobs).output();
        match out {
            Ok(o) if o.status.success() => {}
            Ok(o) => {
                return Err(TestCaseError::fail(
                    String::from_utf8_lossy(&o.stdout).into_owned(),
                ));
            }
            Err(e) => return Err(TestCaseError::fail(e.to_string())),
        }
        // A NUL anywhere is refused by every dialect, saying what holds it.
        for t in &texts {
            let with_nul = format!("{t}\0{t}");
            for d in Dialect::ALL {
                match d.string(&with_nul, "segment 'x' action") {
                    Err(e) if e.to_string().contains("segment 'x' action holds a NUL") => {}
                    other => return Err(TestCaseError::fail(format!("{d}: NUL gave {other:?}"))),
                }
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

// ---------------------------------------------------------------------------------------------
// Hand-made cases of issue 12, each run on DuckDB, Spark and PostgreSQL (a few rows each).

/// A case from a model's YAML and its contacts (the first column is `id`), written as CSV.
fn hand_case(dir: &Path, seed: u64, yaml: &str, rows: &[Vec<String>]) -> Case {
    let model =
        scorewright::model::parse_model(yaml, "case.yaml").unwrap_or_else(|e| panic!("{e}"));
    let errors: Vec<String> = scorewright::model::check::check(&model, None, None)
        .iter()
        .filter(|d| d.severity == scorewright::model::check::Severity::Error)
        .map(|d| d.render(None))
        .collect();
    assert!(errors.is_empty(), "check finds errors: {errors:?}");
    let columns = rows[0].clone();
    let maps: Vec<indexmap::IndexMap<String, Scalar>> = rows[1..]
        .iter()
        .map(|r| {
            columns
                .iter()
                .cloned()
                .zip(r.iter().map(|v| Scalar::Text(v.clone())))
                .collect()
        })
        .collect();
    let table = Table::from_maps("hand", &maps);
    let csv = dir.join(format!("contacts{seed}.csv"));
    let mut w = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_path(&csv)
        .unwrap_or_else(|e| panic!("{e}"));
    for r in rows {
        w.write_record(r).unwrap_or_else(|e| panic!("{e}"));
    }
    w.flush().unwrap_or_else(|e| panic!("{e}"));
    Case {
        seed,
        model,
        table,
        csv,
        columns,
    }
}

/// Runs each case on DuckDB, Spark (when `with_spark`) and PostgreSQL and holds each to the
/// engine; returns the rows compared per engine (0 for Spark when left out).
fn on_every_engine(dir: &Path, cases: &[Case], with_spark: bool) -> [usize; 3] {
    on_every_engine_as(dir, cases, with_spark, false)
}

/// `on_every_engine`, the `reasons` column included when `reasons`.
fn on_every_engine_as(dir: &Path, cases: &[Case], with_spark: bool, reasons: bool) -> [usize; 3] {
    let queries: Vec<String> = cases
        .iter()
        .map(|c| {
            let source = format!(
                "read_csv('{}', header = true, all_varchar = true)",
                c.csv.display()
            );
            case_sql_as(c, Dialect::DuckDb, Source::Expression(source), reasons)
        })
        .collect();
    let duck = compare_cases_as(cases, &duckdb(&queries), "duckdb", reasons);
    let jobs: Vec<(String, PathBuf, String)> = cases
        .iter()
        .map(|c| {
            let table = format!("contacts{}", c.seed);
            let q = case_sql_as(c, Dialect::Spark, Source::Table(table.clone()), reasons);
            (table, c.csv.clone(), q)
        })
        .collect();
    let spark = if with_spark {
        compare_cases_as(cases, &spark(dir, &jobs), "spark", reasons)
    } else {
        0
    };
    let pg = Postgres::start();
    let mut outs = Vec::new();
    for c in cases {
        let table = format!("contacts{}", c.seed);
        pg.load_csv(&table, &c.csv.display().to_string());
        let q = case_sql_as(c, Dialect::Postgres, Source::Table(table), reasons);
        outs.push(pg.query_csv(&q));
    }
    let postgres = compare_cases_as(cases, &outs, "postgres", reasons);
    [duck, spark, postgres]
}

/// Issue 12, item 14: a journey of about 1,000 touchpoints gave SQL that DuckDB refused ("Max
/// expression depth limit of 1000 exceeded"). 2,000 touchpoints and 1,000 adjustments now run
/// on DuckDB and PostgreSQL with the engine's scores. Not on Spark: its optimizer merges the
/// steps back into one expression and overflows its stack, and kept apart (a rand() barrier)
/// the query ran out of heap or ran past 5 minutes on this machine (see the README).
#[test]
fn a_journey_of_2000_touchpoints_runs_on_every_engine() {
    use std::fmt::Write as _;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut y = String::from(
        "name: wide\nas_of: 2026-11-01\nfields:\n  - { id: visits, kind: number }\n  - { id: pages, kind: number }\njourneys:\n  - id: wide\n    touchpoints:\n",
    );
    for i in 0..2000 {
        let field = if i % 2 == 0 { "visits" } else { "pages" };
        let _ = writeln!(
            y,
            "      - {{ id: t{i}, pillars: [empathy], weight: 0.05, signals: [ {{ field: {field}, weight: 100, rule: {{ scale: {{ from: {}, to: {} }} }} }} ] }}",
            i % 7,
            10 + i % 13
        );
    }
    y.push_str("    adjustments:\n");
    for i in 0..1000 {
        let _ = writeln!(
            y,
            "      - {{ name: a{i}, when: {{ field: visits, at_least: {} }}, points: 0.03 }}",
            i % 11
        );
    }
    let mut rows = vec![vec!["id".to_string(), "visits".into(), "pages".into()]];
    for r in 0..12 {
        rows.push(vec![
            format!("c{r}"),
            format!("{}", r * 3 % 17),
            format!("{}.5", r),
        ]);
    }
    rows.push(vec!["empty".into(), String::new(), "x".into()]);
    let cases = [hand_case(dir.path(), 1, &y, &rows)];
    assert_eq!(on_every_engine(dir.path(), &cases, false), [13, 0, 13]);
    // Issue 18 item 2: with reasons too (four chunks of keys; every touchpoint is worth under
    // half a point and every adjustment 0.03, so every row's text is empty, as the engine's).
    assert_eq!(
        on_every_engine_as(dir.path(), &cases, false, true),
        [13, 0, 13]
    );
}

/// Issue 12, item 8: `ΟΔΟΣ`, `İSTANBUL`, `İstanbul` matched a category in `score` and fell to
/// the default in DuckDB and PostgreSQL (each folds Unicode case its own way). "Ignoring case"
/// is now A-Z as a-z and nothing else, in the engine and every dialect.
#[test]
fn case_is_ignored_for_ascii_letters_only_in_the_engine_and_every_dialect() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let yaml = r#"
name: folding
fields:
  - { id: city, kind: category, missing: [ΚΕΝΟ] }
  - { id: road, kind: text }
journeys:
  - id: j
    touchpoints:
      - id: t
        weight: 100
        pillars: [empathy]
        signals:
          - { field: city, weight: 50, rule: { match: { İstanbul: 1, istanbul: 0.5, ΟΔΟΣ: 0.25, default: 0.1 } } }
          - { field: road, weight: 50, rule: { match: { straße: 1, STRASSE: 0.5, default: 0 } } }
    adjustments:
      - { name: odos, when: { field: city, equals: οδος }, points: 7 }
"#;
    let mut rows = vec![vec!["id".to_string(), "city".into(), "road".into()]];
    for (i, (city, road)) in [
        ("İstanbul", "straße"),
        ("İSTANBUL", "STRASSE"),
        ("ISTANBUL", "Straße"),
        ("istanbul", "strasse"),
        (" İstanbul ", "STRAßE"),
        ("ΟΔΟΣ", "x"),
        ("οδος", "ς"),
        ("Οδος", "Σ"),
        ("κενο", ""),
        ("ΚΕΝΟ", "y"),
        ("KENO", "z"),
    ]
    .iter()
    .enumerate()
    {
        rows.push(vec![format!("r{i}"), city.to_string(), road.to_string()]);
    }
    let case = hand_case(dir.path(), 2, yaml, &rows);
    // What the engine gives (and every dialect must): only A-Z fold.
    let scored = score_table(&case.model, &case.table);
    let scores: Vec<f64> = scored.scores[0].clone();
    assert_eq!(
        scores,
        [
            100.0, 75.0, 75.0, 50.0, 100.0, 12.5, 12.0, 5.0, 5.0, 0.0, 5.0
        ],
        "the engine's scores"
    );
    assert_eq!(on_every_engine(dir.path(), &[case], true), [11, 11, 11]);
}

/// Issue 14: conditions that compare a field with another field (numbers, dates, a category
/// with a text, booleans; missing on either side) give the engine's results in every dialect.
#[test]
fn fields_compared_with_fields_agree_in_the_engine_and_every_dialect() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let yaml = include_str!("fixtures/compared.yaml");
    let rows: Vec<Vec<String>> = include_str!("fixtures/compared.csv")
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    let case = hand_case(dir.path(), 3, yaml, &rows);
    // Worked out in tests/cli.rs `conditions_compare_a_field_with_another_field`.
    let scored = score_table(&case.model, &case.table);
    assert_eq!(
        scored.scores[0],
        [39.0, 63.0, 82.0, 60.0, 59.0],
        "the engine's scores"
    );
    assert_eq!(on_every_engine(dir.path(), &[case], true), [5, 5, 5]);
}

/// Issue 18 item 3: `export --stamp` adds `model_version` and `scored_at` after the outputs,
/// on DuckDB and PostgreSQL the same text as `score --stamp` writes (the engine's
/// `model_version` and `scored_at`): the model's `as_of`, else today, as `YYYY-MM-DD`.
#[test]
fn stamped_rows_carry_the_model_version_on_every_engine() {
    use scorewright::engine::version::{model_version, scored_at};
    use scorewright::export::sql::stamped;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let yaml = "name: s\nas_of: 2026-11-01\nfields:\n  - { id: visits, kind: number }\njourneys:\n  - id: j\n    touchpoints:\n      - { id: t, weight: 100, signals: [ { field: visits, weight: 100, rule: { scale: { from: 0, to: 10 } } } ] }\n";
    let rows = [
        vec!["id".to_string(), "visits".to_string()],
        vec!["a".to_string(), "3".to_string()],
        vec!["b".to_string(), "12".to_string()],
    ];
    let cases = [
        hand_case(dir.path(), 1, yaml, &rows),
        hand_case(
            dir.path(),
            2,
            &yaml.replace("as_of: 2026-11-01\n", ""),
            &rows,
        ),
    ];
    let check = |c: &Case, out: &str, engine: &str| {
        let mut lines = out.lines();
        let header = lines.next().unwrap_or_default();
        assert_eq!(
            header, "id,score_j,rating,tier,handover,segment,action,route,model_version,scored_at",
            "{engine}"
        );
        let stamp = format!(",{},{}", model_version(&c.model), scored_at(&c.model));
        let n = lines
            .map(|l| assert!(l.ends_with(&stamp), "{engine}: {l}"))
            .count();
        assert_eq!(n, 2, "{engine}: {out}");
    };
    let queries: Vec<String> = cases
        .iter()
        .map(|c| {
            let source = format!("read_csv('{}', all_varchar = true)", c.csv.display());
            let q = case_sql(c, Dialect::DuckDb, Source::Expression(source));
            stamped(&q, &c.model, Dialect::DuckDb).unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    for (c, out) in cases.iter().zip(duckdb(&queries)) {
        check(c, &out, "duckdb");
    }
    let pg = Postgres::start();
    for c in &cases {
        let table = format!("contacts{}", c.seed);
        pg.load_csv(&table, &c.csv.display().to_string());
        let q = case_sql(c, Dialect::Postgres, Source::Table(table));
        let q = stamped(&q, &c.model, Dialect::Postgres).unwrap_or_else(|e| panic!("{e}"));
        check(c, &pg.query_csv(&q), "postgres");
    }
    assert_eq!(scored_at(&cases[0].model), "2026-11-01");
}

/// Issue 14, item 1: `log_scale`, the rule kind added as one definition plus its kernel and
/// lowering, gives the engine's attainments on every engine: 0 and below give 0 (no LN of
/// them), the ends clamp, each multiple counts the same, and it runs both ways.
#[test]
fn log_scale_matches_on_every_engine() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let yaml = r#"
name: logs
fields:
  - { id: revenue, kind: number }
  - { id: tickets, kind: number }
journeys:
  - id: j
    touchpoints:
      - id: t
        weight: 100
        pillars: [empathy]
        signals:
          - { field: revenue, weight: 60, rule: { log_scale: { from: 1, to: 1000 } } }
          - { field: tickets, weight: 40, rule: { log_scale: { from: 100, to: 0.5 } } }
"#;
    let mut rows = vec![vec!["id".to_string(), "revenue".into(), "tickets".into()]];
    for (i, (r, t)) in [
        ("10", "100"),
        ("100", "10"),
        ("1000", "0.5"),
        ("5000", "0.1"),
        ("1", "200"),
        ("0", "0"),
        ("-5", "-1"),
        ("", ""),
        ("31.6227766", "7.0710678"),
        ("1e-300", "1e300"),
    ]
    .iter()
    .enumerate()
    {
        rows.push(vec![format!("r{i}"), r.to_string(), t.to_string()]);
    }
    let case = hand_case(dir.path(), 3, yaml, &rows);
    let scored = score_table(&case.model, &case.table);
    let scores: Vec<f64> = scored.scores[0].iter().map(|s| s.round()).collect();
    // 10 on 1..1000 is a third (20 of 60 points); 100 tickets on 100..0.5 gives 0.
    assert_eq!(
        scores,
        [20.0, 57.0, 100.0, 100.0, 0.0, 0.0, 0.0, 0.0, 50.0, 0.0],
        "the engine's scores"
    );
    assert_eq!(on_every_engine(dir.path(), &[case], true), [10, 10, 10]);
}

/// Issue 14, item 3: `match` on a number field compares exact values as numbers (`1`, ` 1 `,
/// `1.0` and `+1` are one value), identically in the engine and on every engine.
#[test]
fn match_on_a_number_field_compares_numbers_on_every_engine() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let yaml = r#"
name: calls
fields:
  - { id: campaign, kind: number, missing: [-1] }
journeys:
  - id: j
    touchpoints:
      - id: t
        weight: 100
        pillars: [empathy]
        signals:
          - { field: campaign, weight: 100, rule: { match: { 1: 1, 2: 0.6, 2.5: 0.4, 1e3: 0.3, default: 0.2 } } }
"#;
    let mut rows = vec![vec!["id".to_string(), "campaign".into()]];
    for (i, v) in [
        "1", " 1 ", "1.0", "+1", "2", "2.50", "1000", "3", "0", "-1", "",
    ]
    .iter()
    .enumerate()
    {
        rows.push(vec![format!("r{i}"), v.to_string()]);
    }
    let case = hand_case(dir.path(), 4, yaml, &rows);
    let scored = score_table(&case.model, &case.table);
    assert_eq!(
        scored.scores[0],
        [
            100.0, 100.0, 100.0, 100.0, 60.0, 40.0, 30.0, 20.0, 20.0, 0.0, 0.0
        ],
        "the engine's scores"
    );
    assert_eq!(on_every_engine(dir.path(), &[case], true), [11, 11, 11]);
}

/// Issue 14, items 1 to 3 of the rule language: a missing value's own attainment (on the
/// signal and as a `match` entry), `bands` on a date (its age in days), and `recency` and
/// `decay` on a number field that holds days, identically in the engine and on every engine.
#[test]
fn missing_attainments_date_bands_and_days_as_numbers_on_every_engine() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let yaml = r#"
name: language
as_of: 2026-11-01
fields:
  - { id: source, kind: category, missing: [Select] }
  - { id: visits, kind: number }
  - { id: last_seen, kind: date }
  - { id: idle_days, kind: number }
journeys:
  - id: j
    touchpoints:
      - id: t
        weight: 100
        pillars: [empathy]
        signals:
          - { field: source, weight: 25, rule: { match: { Google: 1, default: 0.2, missing: 0.6 } } }
          - { field: visits, weight: 25, rule: { scale: { from: 0, to: 10 } }, missing: 0.4, decay: { since: idle_days, half_life_days: 10 } }
          - { field: last_seen, weight: 25, rule: { bands: [ { at_least: 0, value: 1 }, { at_least: 7, value: 0.5 }, { at_least: 30, value: 0.1 } ] } }
          - { field: idle_days, weight: 25, rule: { recency: { half_life_days: 10 } } }
"#;
    let mut rows = vec![vec![
        "id".to_string(),
        "source".into(),
        "visits".into(),
        "last_seen".into(),
        "idle_days".into(),
    ]];
    for (i, r) in [
        ["Google", "5", "2026-11-01", "0"],
        ["Select", "", "2026-10-25", "10"],
        ["Email", "10", "2026-09-01", ""],
        ["", "20", "", "-5"],
        ["google", "0", "2026-12-01", "2.5"],
    ]
    .iter()
    .enumerate()
    {
        let mut row = vec![format!("r{i}")];
        row.extend(r.iter().map(|c| c.to_string()));
        rows.push(row);
    }
    let case = hand_case(dir.path(), 5, yaml, &rows);
    let scored = score_table(&case.model, &case.table);
    let scores: Vec<f64> = scored.scores[0]
        .iter()
        .map(|s| (s * 10.0).round() / 10.0)
        .collect();
    // Row 0: 25 x (1 + 0.5 + 1 + 1). Row 1: source missing 0.6, visits missing 0.4 decayed
    // by 0.5 (10 idle days) = 0.2, 7 days old 0.5, 10 idle days 0.5: 25 x 1.8. Row 2: 0.2, no
    // idle days so no visits and no recency, 61 days old 0.1: 25 x 0.3. Row 3: missing source
    // 0.6, 20 visits 1 (not decayed: -5 days), no date 0, -5 days 1: 25 x 2.6. Row 4: 1, 0,
    // a future date is below every band 0, 2.5 days 0.5^0.25 = 0.8409: 25 x 1.8409 = 46.0.
    assert_eq!(scores, [87.5, 45.0, 7.5, 65.0, 46.0], "the engine's scores");
    assert_eq!(on_every_engine(dir.path(), &[case], true), [5, 5, 5]);
}

/// Issue 15: DuckDB types a number, boolean or date column from its cells as read when they are
/// spelled the usual way (`Dialect::fast_text`), and every other cell the engine's full way.
/// The cells where the two could part: DuckDB's own cast reads `+-1`, `1_0` and `inf`, which
/// the engine refuses; a placeholder holding a digit (`0`, `1900-01-01`) or a boolean word
/// (`no`) must still mean missing, padded or not; padding of any white space is trimmed.
/// Spark's export is unchanged by it and left out; PostgreSQL holds the same numbers.
#[test]
fn cells_typed_as_read_agree_with_the_full_reading_on_every_engine() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let yaml = r#"
name: as read
as_of: 2026-11-01
fields:
  - { id: n, kind: number, missing: ["0"] }
  - { id: m, kind: number }
  - { id: b, kind: boolean, missing: ["no"] }
  - { id: c, kind: boolean }
  - { id: e, kind: date, missing: ["2026-10-31"] }
journeys:
  - id: j
    touchpoints:
      - id: t
        weight: 100
        pillars: [empathy]
        signals:
          - { field: n, weight: 20, rule: { scale: { from: 10, to: 0 } } }
          - { field: m, weight: 20, rule: { scale: { from: 0, to: 10 } } }
          - { field: b, weight: 20, rule: not_flag }
          - { field: c, weight: 20, rule: flag }
          - { field: e, weight: 20, rule: { recency: { half_life_days: 1 } } }
"#;
    let mut rows = vec![vec![
        "id".to_string(),
        "n".into(),
        "m".into(),
        "b".into(),
        "c".into(),
        "e".into(),
    ]];
    for (i, r) in [
        ["5", "5", "yes", "Yes", "2026-11-01"],
        ["0", "+-5", "no", "TRUE", "2026-10-31"],
        [" 0 ", "1_0", "n", " no", "2026-11-01 "],
        ["-0", " 7 ", "Y", "maybe", "\u{3000}2026-11-01"],
        ["10", "inf", "1", "0", "2026-10-3x"],
        ["12", "\t3", "FALSE", "", "2026-10-30"],
    ]
    .iter()
    .enumerate()
    {
        let mut row = vec![format!("r{i}")];
        row.extend(r.iter().map(|c| c.to_string()));
        rows.push(row);
    }
    let case = hand_case(dir.path(), 7, yaml, &rows);
    let scored = score_table(&case.model, &case.table);
    let scores: Vec<f64> = scored.scores[0]
        .iter()
        .map(|s| (s * 10.0).round() / 10.0)
        .collect();
    // Each signal is 20 points; each cell that could be misread would add points: n runs from
    // 10 down to 0 (a placeholder 0 read as 0 would be 1), b is not_flag (the placeholder "no"
    // read as false would be 1). Row 0: n 0.5, m 0.5, b 0, c 1, e today 1: 3. Row 1: "0" is a
    // placeholder, "+-5" unreadable (not 0.5), "no" a placeholder, TRUE 1, "2026-10-31" a
    // placeholder (not 0.5): 1. Row 2: " 0 " the placeholder, "1_0" unreadable (not 1), "n"
    // false so b 1, " no" false 0, the padded date today 1: 2. Row 3: -0 is a number, n 1;
    // " 7 " 0.7, Y so b 0, maybe unreadable, the date after U+3000 today 1: 2.7. Row 4: 10 is
    // n 0, inf unreadable (not 1), b 0, "0" false, no date: 0. Row 5: 12 is n 0, tab 3 is 0.3,
    // FALSE so b 1, blank 0, two days old 0.25: 1.55.
    assert_eq!(
        scores,
        [60.0, 20.0, 40.0, 54.0, 0.0, 31.0],
        "the engine's scores"
    );
    assert_eq!(on_every_engine(dir.path(), &[case], false), [6, 0, 6]);
}

/// Issue 15 item 2: category and text cells typed as read on DuckDB (`fast_value`): a cell
/// equal to a value the model spells is that value's key, a plain ASCII cell is its own lower
/// case, and only blank, padded or non-ASCII cells are trimmed and folded; every path gives the
/// engine's reading, placeholders and blanks included, on DuckDB and PostgreSQL.
#[test]
fn category_cells_typed_as_read_agree_with_the_full_reading_on_every_engine() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let yaml = r#"
name: categories as read
fields:
  - { id: src, kind: category, missing: [Select, "N/A"] }
  - { id: mail, kind: text, missing: ["-"] }
journeys:
  - id: j
    touchpoints:
      - id: t
        weight: 100
        pillars: [empathy]
        signals:
          - { field: src, weight: 50, rule: { match: { Google: 1, " Direct Traffic ": 0.5, default: 0.2 } } }
          - { field: mail, weight: 50, rule: present }
    adjustments:
      - { name: road, when: { field: src, equals: Straße }, points: 10 }
"#;
    let mut rows = vec![vec!["id".to_string(), "src".into(), "mail".into()]];
    for (i, (src, mail)) in [
        ("Google", "a@b.c"),
        ("google", "-"),
        (" GOOGLE ", " - "),
        ("Direct Traffic", "x"),
        ("select", "\u{3000}"),
        ("Select", ""),
        ("N/A", "\tm\t"),
        ("Straße", "é"),
        ("STRAßE", ""),
        ("Other", "\u{ff2d}"),
        ("Google\u{a0}", "n/a"),
    ]
    .iter()
    .enumerate()
    {
        rows.push(vec![format!("r{i}"), src.to_string(), mail.to_string()]);
    }
    let case = hand_case(dir.path(), 8, yaml, &rows);
    let scored = score_table(&case.model, &case.table);
    // src carries 50 points (Google 1, Direct Traffic 0.5, any other value 0.2, missing 0),
    // mail 50 when present, Straße 10 more. Row 0: a spelling and an address, 50 + 50. Row 1:
    // "google" is plain ASCII, its lower case matches (50); "-" is the placeholder as spelled
    // (0). Row 2: both padded, trimmed and folded: Google (50), the placeholder (0). Row 3:
    // the model spells " Direct Traffic " padded, the cell is it trimmed: 25 + 50. Row 4:
    // "select" folds to the placeholder (0), U+3000 alone trims to blank (0). Row 5: the
    // placeholder as spelled, and a blank: 0. Row 6: "N/A" as spelled is missing (0), a mail
    // padded with tabs is present (50). Row 7: Straße as the condition spells it: any other
    // value (10), the adjustment (10), "é" present (50): 70. Row 8: "STRAßE" folds A-Z only,
    // to straße: 10 + 10, blank mail 0. Row 9: "Other" 10, a full-width M present: 60. Row 10:
    // Google and a no-break space trims to Google (50); "n/a" is no placeholder of mail (50).
    assert_eq!(
        scored.scores[0],
        [
            100.0, 50.0, 50.0, 75.0, 0.0, 0.0, 50.0, 70.0, 20.0, 60.0, 100.0
        ],
        "the engine's scores"
    );
    assert_eq!(on_every_engine(dir.path(), &[case], false), [11, 0, 11]);
}

/// Issue 14 (leftover): a `missing` entry in `bands`, on a number and on a date, and the
/// signal's own `missing` winning over it, identically in the engine and on every engine.
#[test]
fn a_missing_entry_in_bands_on_every_engine() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let yaml = r#"
name: bands
as_of: 2026-11-01
fields:
  - { id: visits, kind: number, missing: [n/a] }
  - { id: seen, kind: date }
journeys:
  - id: j
    touchpoints:
      - id: t
        weight: 100
        pillars: [empathy]
        signals:
          - { field: visits, weight: 50, rule: { bands: [ { at_least: 0, value: 0.1 }, { at_least: 5, value: 0.5 }, { at_least: 10, value: 1 }, { missing: 0.4 } ] } }
          - { field: seen, weight: 50, rule: { bands: [ { at_least: 0, value: 1 }, { at_least: 7, value: 0.5 }, { missing: 0.3 } ] }, missing: 0.8 }
"#;
    let mut rows = vec![vec!["id".to_string(), "visits".into(), "seen".into()]];
    for (i, r) in [
        ["12", "2026-11-01"],
        ["", "2026-10-20"],
        ["7", ""],
        ["n/a", "2026-12-01"],
        ["", ""],
        ["-1", "2026-10-31"],
    ]
    .iter()
    .enumerate()
    {
        let mut row = vec![format!("r{i}")];
        row.extend(r.iter().map(|c| c.to_string()));
        rows.push(row);
    }
    let case = hand_case(dir.path(), 6, yaml, &rows);
    let scores: Vec<f64> = score_table(&case.model, &case.table).scores[0]
        .iter()
        .map(|s| (s * 10.0).round() / 10.0)
        .collect();
    // r0: 50 x 1 + 50 x 1. r1: blank 0.4, 12 days 0.5. r2: 7 visits 0.5, no date: the
    // signal's 0.8 (not the entry's 0.3). r3: `n/a` 0.4, a future date 0. r4: 0.4 and 0.8.
    // r5: -1 visits below every band 0, one day old 1.
    assert_eq!(
        scores,
        [100.0, 45.0, 65.0, 20.0, 60.0, 50.0],
        "the engine's scores"
    );
    assert_eq!(on_every_engine(dir.path(), &[case], true), [6, 6, 6]);
}

/// Issue 14, derived fields: every operator and function of the expression language (`+ - * /`
/// and unary minus, the six comparisons, `and`/`or`/`not`, `min`, `max`, `abs`, `ln`, `log10`,
/// `coalesce`, `days_between`, `if`), a division by zero, the log of 0 and of a negative number,
/// missing inputs, dates and a derived field that reads derived fields, used by signals (scale,
/// recency, decay, flag, match), adjustments and a segment: the engine's results in DuckDB,
/// Spark and PostgreSQL.
#[test]
fn derived_fields_agree_in_the_engine_and_every_dialect() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let yaml = include_str!("fixtures/derived.yaml");
    let rows: Vec<Vec<String>> = include_str!("fixtures/derived.csv")
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    let case = hand_case(dir.path(), 5, yaml, &rows);
    let scored = score_table(&case.model, &case.table);
    let rounded: Vec<f64> = scored.scores[0]
        .iter()
        .map(|s| (s * 1000.0).round() / 1000.0)
        .collect();
    assert_eq!(
        rounded,
        [88.987, 38.745, 6.75, 0.75, 45.003, 58.083, 26.736],
        "the engine's scores"
    );
    assert_eq!(on_every_engine(dir.path(), &[case], true), [7, 7, 7]);
}

/// Issue 14, item 3: a composite journey (listed before its parts) scores 40% of fit and 60%
/// of a composite of activity and fit, plus its own adjustment, clamped; its grade, the tier
/// and a segment read it. The engine's scores by hand, then the same on every engine.
#[test]
fn composite_journeys_match_on_every_engine() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let yaml = r#"
name: composite
fields:
  - { id: size, kind: number }
  - { id: visits, kind: number }
  - { id: spam, kind: boolean }
journeys:
  - id: lead
    parts: [ { journey: fit, weight: 40 }, { journey: mix, weight: 60 } ]
    adjustments:
      - { name: Spam, when: { field: spam, equals: true }, points: -30 }
  - id: fit
    touchpoints:
      - { id: t, weight: 100, pillars: [empathy], signals: [ { field: size, weight: 100, rule: { scale: { from: 0, to: 100 } } } ] }
  - id: mix
    parts: [ { journey: activity, weight: 75 }, { journey: fit, weight: 25 } ]
  - id: activity
    touchpoints:
      - { id: t, weight: 100, pillars: [empathy], signals: [ { field: visits, weight: 100, rule: { scale: { from: 0, to: 10 } } } ] }
    adjustments:
      - { name: Busy, when: { field: visits, at_least: 20 }, points: 50 }
grades:
  - { id: g, journey: lead, bands: { A: 60, B: 30, C: 0 } }
tiers:
  journey: mix
  levels:
    - { name: hot, at_least: 50 }
    - { name: cold, at_least: 0 }
segments:
  - { name: top, when: { journey: lead, at_least: 70 }, action: call, route: sales }
  - { name: rest, action: mail, route: marketing }
"#;
    let rows: Vec<Vec<String>> = [
        ["id", "size", "visits", "spam"],
        ["a", "50", "5", "no"],
        ["b", "100", "30", "no"],
        ["c", "0", "0", "yes"],
        ["d", "80", "", "yes"],
        ["e", "", "10", ""],
    ]
    .iter()
    .map(|r| r.iter().map(|s| s.to_string()).collect())
    .collect();
    let case = hand_case(dir.path(), 7, yaml, &rows);
    let s = score_table(&case.model, &case.table);
    // a: fit 50, activity 50, mix 0.75 x 50 + 0.25 x 50 = 50, lead 0.4 x 50 + 0.6 x 50 = 50.
    // b: fit 100, activity 100 + 50 clamped to 100, mix 100, lead 100.
    // c: all 0, lead 0 - 30 clamped to 0. d: fit 80, mix 20, lead 32 + 12 - 30 = 14.
    // e: fit 0, activity 100, mix 75, lead 45.
    let want = [
        [50.0, 50.0, 50.0, 50.0],
        [100.0, 100.0, 100.0, 100.0],
        [0.0, 0.0, 0.0, 0.0],
        [14.0, 80.0, 20.0, 0.0],
        [45.0, 0.0, 75.0, 100.0],
    ];
    for (row, w) in want.iter().enumerate() {
        let got: Vec<f64> = (0..4).map(|j| s.scores[j][row]).collect();
        for (g, w) in got.iter().zip(w) {
            assert!((g - w).abs() < 1e-9, "row {row}: {got:?} != {w:?}");
        }
    }
    assert_eq!(s.grade(&case.model, 0, 0), Some("B"));
    assert_eq!(s.tier(&case.model, 4).map(|t| t.name.as_str()), Some("hot"));
    assert_eq!(
        s.segment(&case.model, 1).map(|t| t.name.as_str()),
        Some("top")
    );
    assert_eq!(on_every_engine(dir.path(), &[case], true), [5, 5, 5]);
}

// ---------------------------------------------------------------------------------------------
// Issue 18 item 2: the `reasons` column, the engine's text (`engine::reasons`) in every dialect.

/// How many of the texts show what the rules must get right: a tie in whole points between two
/// listed contributions, a negative adjustment, and the empty text.
fn reason_coverage(texts: &[String]) -> (usize, usize, usize) {
    let points = |item: &str| {
        item.rsplit_once(' ')
            .and_then(|(_, p)| p.parse::<i64>().ok())
    };
    let tied = texts
        .iter()
        .filter(|t| {
            let listed: Vec<i64> = t
                .split("; ")
                .filter_map(points)
                .filter(|p| *p > 0)
                .collect();
            listed.windows(2).any(|w| w[0] == w[1])
        })
        .count();
    let negative = texts
        .iter()
        .filter(|t| t.split("; ").filter_map(points).any(|p| p < 0))
        .count();
    let empty = texts.iter().filter(|t| t.is_empty()).count();
    (tied, negative, empty)
}

/// Every row's engine text of a set of results.
fn reason_texts(r: &Results) -> Vec<String> {
    let k = r.columns.len() - 1;
    r.rows.values().map(|row| row[k].clone()).collect()
}

/// `SELECT count(*)` of a query's rows whose `reasons` is NULL (it never is: empty is '').
fn null_reasons(q: &str) -> String {
    format!("SELECT count(*) AS nulls FROM (\n{q}\n) AS sw_check WHERE reasons IS NULL")
}

#[test]
fn reasons_match_the_engine_on_leads_in_duckdb_and_postgres() {
    let model = x_education();
    let expected = engine_results_as(&model, &leads(), "Prospect ID", true);
    let q = leads_sql_with_reasons(
        Dialect::DuckDb,
        Source::Expression(format!("read_csv('{LEADS}', all_varchar = true)")),
    );
    let outs = duckdb(&[q.clone(), null_reasons(&q)]);
    let (rows, _) = compare(&expected, &parse_csv(&outs[0], "duckdb"), "duckdb");
    assert_eq!(rows, 9240);
    assert_eq!(outs[1].trim(), "nulls\n0");
    let pg = Postgres::start();
    pg.load_csv("contacts", LEADS);
    let q = leads_sql_with_reasons(Dialect::Postgres, Source::Table("contacts".into()));
    let (rows, _) = compare(
        &expected,
        &parse_csv(&pg.query_csv(&q), "postgres"),
        "postgres",
    );
    assert_eq!(rows, 9240);
    assert_eq!(pg.query_csv(&null_reasons(&q)).trim(), "nulls\n0");
    // The texts name the leaf touchpoints and the adjustments, and tie often.
    let texts = reason_texts(&expected);
    let (tied, negative, _) = reason_coverage(&texts);
    assert!(
        tied > 100 && negative > 100,
        "{tied} tied, {negative} negative"
    );
    assert!(
        texts.iter().any(|t| t.contains("Last logged activity +")),
        "{:?}",
        &texts[..5]
    );
}

#[test]
fn reasons_match_the_engine_on_generated_models_in_duckdb_and_postgres() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let cases = generated_cases(dir.path());
    let mut queries = Vec::new();
    for c in &cases {
        let q = case_sql_as(c, Dialect::DuckDb, duckdb_case_source(c), true);
        queries.push(null_reasons(&q));
        queries.push(q);
    }
    let outs = duckdb(&queries);
    let (nulls, rows): (Vec<String>, Vec<String>) =
        outs.chunks(2).map(|p| (p[0].clone(), p[1].clone())).unzip();
    assert_eq!(
        compare_cases_as(&cases, &rows, "duckdb", true),
        SEEDS as usize * ROWS
    );
    assert!(nulls.iter().all(|n| n.trim() == "nulls\n0"), "{nulls:?}");
    let pg = Postgres::start();
    let mut outs = Vec::new();
    for c in &cases {
        let table = format!("contacts{}", c.seed);
        pg.load_csv(&table, &c.csv.display().to_string());
        outs.push(pg.query_csv(&case_sql_as(
            c,
            Dialect::Postgres,
            Source::Table(table),
            true,
        )));
    }
    assert_eq!(
        compare_cases_as(&cases, &outs, "postgres", true),
        SEEDS as usize * ROWS
    );
    // The generated models give ties, negative adjustments (-2.5 written -3) and empty texts.
    let texts: Vec<String> = cases
        .iter()
        .flat_map(|c| reason_texts(&engine_results_as(&c.model, &c.table, "id", true)))
        .collect();
    let (tied, negative, empty) = reason_coverage(&texts);
    assert!(
        tied > 20 && negative > 20 && empty > 20,
        "{tied} tied, {negative} negative, {empty} empty"
    );
    assert!(
        texts.iter().any(|t| t.contains(" -3")),
        "no -2.5 adjustment fired"
    );
}

/// A journey of more contributions than one chunk of keys (500): the top three are found in
/// each chunk and merged. 597 touchpoints of 0.1% (never a whole point) and three of about
/// 13.4% at places 10, 550 and 599, in two chunks.
#[test]
fn reasons_of_a_journey_wider_than_a_chunk_agree_on_duckdb_and_postgres() {
    use std::fmt::Write as _;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut y = String::from(
        "name: wide reasons\nfields:\n  - { id: small, kind: number }\n  - { id: b1, kind: number }\n  - { id: b2, kind: number }\n  - { id: b3, kind: number }\njourneys:\n  - id: wide\n    touchpoints:\n",
    );
    for i in 0..600 {
        let (field, weight) = match i {
            10 => ("b1", "13.43"),
            550 => ("b2", "13.43"),
            599 => ("b3", "13.44"),
            _ => ("small", "0.1"),
        };
        let _ = writeln!(
            y,
            "      - {{ id: t{i}, pillars: [empathy], weight: {weight}, signals: [ {{ field: {field}, weight: 100, rule: {{ scale: {{ from: 0, to: 10 }} }} }} ] }}"
        );
    }
    y.push_str("tiers:\n  journey: wide\n  levels:\n    - { name: hot, at_least: 30 }\n    - { name: cold, at_least: 0 }\n");
    let cell = |v: &str| v.to_string();
    let rows = vec![
        ["id", "small", "b1", "b2", "b3"].map(cell).to_vec(),
        // 13.43, 13.43 and 13.44 are 13 each: tied, in the file's order.
        ["all", "0", "10", "10", "10"].map(cell).to_vec(),
        // t599 13.44 x 1 = 13, t550 13.43 x 0.5 = 6.715, 7.
        ["late", "0", "0", "5", "10"].map(cell).to_vec(),
        // t10 13, t599 13.44 x 0.5 = 6.72, 7: the first chunk's best, then the second's.
        ["split", "0", "10", "0", "5"].map(cell).to_vec(),
        // 597 x 0.1 points: none reaches a whole point.
        ["small", "10", "0", "0", "0"].map(cell).to_vec(),
    ];
    let cases = [hand_case(dir.path(), 1, &y, &rows)];
    let engine = engine_results_as(&cases[0].model, &cases[0].table, "id", true);
    let text = |id: &str| engine.rows[id].last().cloned().unwrap_or_default();
    assert_eq!(text("all"), "t10 +13; t550 +13; t599 +13");
    assert_eq!(text("late"), "t599 +13; t550 +7");
    assert_eq!(text("split"), "t10 +13; t599 +7");
    assert_eq!(text("small"), "");
    assert_eq!(
        on_every_engine_as(dir.path(), &cases, false, true),
        [4, 0, 4]
    );
}

/// Labels are literals in the query: quotes, a semicolon, a backslash and Unicode come out as
/// written, on DuckDB, Spark and PostgreSQL; a NUL in a label is refused, naming it.
#[test]
fn reasons_carry_any_label_text_on_every_engine() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let yaml = r#"
name: labels
fields:
  - { id: a, kind: number }
  - { id: b, kind: number }
  - { id: flag, kind: boolean }
journeys:
  - id: j
    touchpoints:
      - { id: t1, name: "It's \"quoted\"; ΟΔΟΣ", pillars: [empathy], weight: 60, signals: [ { field: a, weight: 100, rule: { scale: { from: 0, to: 10 } } } ] }
      - { id: t2, name: 'back\slash %_ 100%', pillars: [empathy], weight: 40, signals: [ { field: b, weight: 100, rule: { scale: { from: 0, to: 10 } } } ] }
    adjustments:
      - { name: "Straße -- not a comment", when: { field: flag, equals: true }, points: -12.5 }
"#;
    let rows = vec![
        vec!["id".to_string(), "a".into(), "b".into(), "flag".into()],
        // 60 x 5/10 = 30, 40 x 10/10 = 40; -12.5 is -13.
        vec!["x".into(), "5".into(), "10".into(), "yes".into()],
        vec!["y".into(), "10".into(), "".into(), "no".into()],
    ];
    let cases = [hand_case(dir.path(), 1, yaml, &rows)];
    let engine = engine_results_as(&cases[0].model, &cases[0].table, "id", true);
    let text = |id: &str| engine.rows[id].last().cloned().unwrap_or_default();
    assert_eq!(
        text("x"),
        "back\\slash %_ 100% +40; It's \"quoted\"; ΟΔΟΣ +30; Straße -- not a comment -13"
    );
    assert_eq!(text("y"), "It's \"quoted\"; ΟΔΟΣ +60");
    assert_eq!(
        on_every_engine_as(dir.path(), &cases, true, true),
        [2, 2, 2]
    );
    let mut model = cases[0].model.clone();
    model.journeys[0].touchpoints[0].name = "a\0b".into();
    let err = to_sql_with_reasons(&model, &SqlOptions::new(Dialect::DuckDb)).unwrap_err();
    assert!(err.to_string().contains("the reason label"), "{err}");
    assert!(to_sql(&model, &SqlOptions::new(Dialect::DuckDb)).is_ok());
}

// ---------------------------------------------------------------------------------------------
// Issue 20: event fields, aggregated from an events table and joined to the contacts.

/// The engine's results for a model with event fields: the log read as `score` reads it, its
/// aggregates attached to the contacts (or, with `contacts` None, to the log's own contacts).
fn engine_event_results(model: &Model, log: &Path, contacts: Option<&Path>, id: &str) -> Results {
    use scorewright::engine::events::EventLog;
    let as_of = model
        .as_of
        .unwrap_or_else(|| panic!("the model has no as_of"));
    let log = EventLog::read(model, log, as_of).unwrap_or_else(|e| panic!("{e}"));
    let mut table = match contacts {
        Some(p) => read_contacts(p).unwrap_or_else(|e| panic!("{e}")),
        None => log.contacts(id),
    };
    log.attach(&mut table, id, &mut []);
    engine_results(model, &table, id)
}

fn event_sql(model: &Model, dialect: Dialect, contacts: Source, events: Source) -> String {
    let opts = SqlOptions {
        source: contacts,
        events: Some(events),
        ..SqlOptions::new(dialect)
    };
    to_sql(model, &opts).unwrap_or_else(|e| panic!("{dialect}: {e}"))
}

/// Every event signal (count, sum, frequency, recency, first_seen, points with decay and a
/// cap per period), the type matching (exact, a pattern, the id; ignoring case), bad times,
/// bad values, contacts without events and events of unknown contacts: the 14-row fixture
/// (whose values `tests/events.rs` computes by hand) on DuckDB, Spark and PostgreSQL, and the
/// real CDNOW log (69,659 purchases, the contacts from the log) on DuckDB and PostgreSQL.
#[test]
fn event_fields_agree_in_the_engine_and_every_dialect() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let model = read_model(&fixtures.join("events.yaml"))
        .unwrap_or_else(|e| panic!("{e}"))
        .model;
    let (log, contacts) = (
        fixtures.join("events-log.csv"),
        fixtures.join("events-contacts.csv"),
    );
    let expected = engine_event_results(&model, &log, Some(&contacts), "id");
    assert_eq!(
        expected.rows["a"][..6],
        ["6.220971", "1", "0", "2", "0", "79.994133"],
        "the engine's scores for a (by hand in tests/events.rs)"
    );
    let cdnow_file =
        read_model(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/cdnow-repeat.yaml"))
            .unwrap_or_else(|e| panic!("{e}"));
    let cdnow = &cdnow_file.model;
    let cdnow_log =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/events/CDNOW_master.csv");
    let cdnow_expected = engine_event_results(cdnow, &cdnow_log, None, "customer_id");
    assert_eq!(cdnow_expected.rows.len(), 23570);

    let read_csv = |p: &Path| {
        Source::Expression(format!(
            "read_csv('{}', header = true, all_varchar = true)",
            p.display()
        ))
    };
    let outs = duckdb(&[
        event_sql(&model, Dialect::DuckDb, read_csv(&contacts), read_csv(&log)),
        // Without `--table`, a model without contacts scores the log's contact ids.
        event_sql(
            cdnow,
            Dialect::DuckDb,
            Source::Table("contacts".into()),
            read_csv(&cdnow_log),
        ),
    ]);
    assert_eq!(
        compare(&expected, &parse_csv(&outs[0], "duckdb"), "duckdb").0,
        4
    );
    assert_eq!(
        compare(
            &cdnow_expected,
            &parse_csv(&outs[1], "duckdb cdnow"),
            "duckdb cdnow"
        )
        .0,
        23570
    );

    let pg = Postgres::start();
    pg.load_csv("ev_contacts", &contacts.display().to_string());
    pg.load_csv("ev_log", &log.display().to_string());
    pg.load_csv("cdnow", &cdnow_log.display().to_string());
    let out = pg.query_csv(&event_sql(
        &model,
        Dialect::Postgres,
        Source::Table("ev_contacts".into()),
        Source::Table("ev_log".into()),
    ));
    assert_eq!(
        compare(&expected, &parse_csv(&out, "postgres"), "postgres").0,
        4
    );
    let out = pg.query_csv(&event_sql(
        cdnow,
        Dialect::Postgres,
        Source::Table("contacts".into()),
        Source::Table("cdnow".into()),
    ));
    assert_eq!(
        compare(
            &cdnow_expected,
            &parse_csv(&out, "postgres cdnow"),
            "postgres cdnow"
        )
        .0,
        23570
    );

    // Spark keeps each job's table as a view for the jobs after it: the log first.
    let outs = spark(
        dir.path(),
        &[
            ("ev_log".into(), log.clone(), "SELECT 1 AS one".into()),
            (
                "ev_contacts".into(),
                contacts.clone(),
                event_sql(
                    &model,
                    Dialect::Spark,
                    Source::Table("ev_contacts".into()),
                    Source::Table("ev_log".into()),
                ),
            ),
        ],
    );
    assert_eq!(
        compare(&expected, &parse_csv(&outs[1], "spark"), "spark").0,
        4
    );
}

/// Issue 18 item 5: a HubSpot contacts export's columns, named in words with spaces, and its
/// dates written `2024-03-05 14:22` (the time of day is not read: a date is its day), beside ISO
/// date-times, a time past 23:59 and a cut time (no dates: missing), read by recency, a date
/// condition and date bands: the engine's results in DuckDB, Spark and PostgreSQL. By hand,
/// as of 2024-03-10: `2024-03-01 14:22` is 9 days old (recency 0.5, 25 points), bands give
/// 1 under 7 days, 0.5 under 30, else 0.1 (30 points), and `Create Date` under 14 days adds 5.
#[test]
fn hubspot_dates_with_a_time_of_day_agree_on_every_engine() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let yaml = r#"
name: hubspot
as_of: 2024-03-10
fields:
  - { id: created, kind: date, column: Create Date }
  - { id: last_activity, kind: date, column: Last Activity Date }
  - { id: stage, kind: category, column: Lifecycle Stage }
journeys:
  - id: j
    touchpoints:
      - id: t
        weight: 100
        pillars: [empathy]
        signals:
          - { field: last_activity, weight: 50, rule: { recency: { half_life_days: 9 } } }
          - { field: created, weight: 30, rule: { bands: [ { at_least: 0, value: 1 }, { at_least: 7, value: 0.5 }, { at_least: 30, value: 0.1 } ] } }
          - { field: stage, weight: 20, rule: { match: { lead: 1, default: 0 } } }
    adjustments:
      - { name: New, when: { field: created, below: 14 }, points: 5 }
"#;
    // `hand_case` keys rows on a first column named `id` (HubSpot's is `Record ID`).
    let mut rows = vec![vec![
        "id".to_string(),
        "Create Date".into(),
        "Last Activity Date".into(),
        "Lifecycle Stage".into(),
    ]];
    for (i, (created, last)) in [
        ("2024-03-05 14:22", "2024-03-01 14:22"),
        ("2024-03-10 00:00", "2024-03-10 23:59"),
        ("2024-02-09 09:05", "2024-03-11 00:01"),
        ("2023-11-30 23:59", "2024-03-05T14:22:00Z"),
        ("2024-03-05 24:00", "2024-03-01 14:2"),
        ("2024-03-05", ""),
    ]
    .iter()
    .enumerate()
    {
        rows.push(vec![
            format!("{}", 101 + i),
            created.to_string(),
            last.to_string(),
            "lead".into(),
        ]);
    }
    let case = hand_case(dir.path(), 18, yaml, &rows);
    let scored = score_table(&case.model, &case.table);
    let scores: Vec<f64> = scored.scores[0]
        .iter()
        .map(|s| (s * 1000.0).round() / 1000.0)
        .collect();
    // 101: 25 + 30 (5 days) + 20 + 5. 102: active today 50 + 30 + 20 + 5 = 105, clamped.
    // 103: a future date is 1 (50), 30 days old 0.1 (3), 20, not new. 104: 5 days, 0.5^(5/9) = 0.6804 (34.020),
    // 101 days old 3, 20. 105: no date either side (24:00 and a cut time): 20. 106: 30 + 20 + 5.
    assert_eq!(
        scores,
        [80.0, 100.0, 73.0, 57.02, 20.0, 55.0],
        "the engine's scores"
    );
    assert_eq!(on_every_engine(dir.path(), &[case], true), [6, 6, 6]);
}

/// Issue 19: every roll-up kind and the buying-group roles, computed by hand, then the same
/// contacts and account columns on DuckDB, Spark and PostgreSQL (GROUP BY the account, joined
/// back). Scores are chosen so that sums of written scores are not short decimals (a third),
/// and the accounts come in interleaved rows, so that neither the order nor the float sums of
/// a database can hide a difference.
#[test]
fn accounts_roll_up_and_score_alike_on_every_engine() {
    use scorewright::engine::accounts::{Plan, score_with_accounts};
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let yaml = include_str!("fixtures/accounts.yaml");
    let rows: Vec<Vec<String>> = include_str!("fixtures/accounts.csv")
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    let case = hand_case(dir.path(), 19, yaml, &rows);
    let plan = Plan::new(&case.model).unwrap_or_else(|| panic!("no accounts"));
    let (_, accounts) = score_with_accounts(&plan, &case.table).unwrap_or_else(|e| panic!("{e}"));
    // Scores (written): 1 visit 33.333333, 2 visits 66.666667, 3 visits 100, 0 visits 0.
    let third = 33_333_333i64;
    let two_thirds = 66_666_667i64;
    assert_eq!(accounts.book.ids, ["Acme", "Beta", "Cobalt"]);
    assert_eq!(accounts.book.without_account, 1);
    // Acme: 33.333333 (VP, not engaged), 66.666667 (staff, engaged), 0 (staff), 100 (intern).
    let acme_sum = third + two_thirds + 100_000_000;
    let acme = accounts.book.values(&plan, 0);
    assert_eq!(
        acme,
        [
            4.0,
            100.0,
            acme_sum as f64 / 4.0 / 1e6,
            acme_sum as f64 / 1e6,
            (100_000_000 + two_thirds) as f64 / 2.0 / 1e6,
            2.0,
            0.5
        ]
    );
    assert_eq!(accounts.book.states[0].roles, [false, true]);
    // Beta: 100 (c-level, engaged), 33.333333 (level missing).
    let beta = accounts.book.values(&plan, 1);
    let beta_sum = 100_000_000 + third;
    assert_eq!(
        beta,
        [
            2.0,
            100.0,
            beta_sum as f64 / 2.0 / 1e6,
            beta_sum as f64 / 1e6,
            beta_sum as f64 / 2.0 / 1e6,
            1.0,
            0.5
        ]
    );
    assert_eq!(accounts.book.states[1].roles, [true, false]);
    // Cobalt: one VP at 33.333333, not engaged: top 2 of 1 is that one.
    let cobalt = accounts.book.values(&plan, 2);
    assert_eq!(
        cobalt,
        [1.0, 33.333333, 33.333333, 33.333333, 33.333333, 0.0, 0.0]
    );
    assert_eq!(accounts.book.states[2].roles, [false, false]);
    // Acme's account score: group 40 x 50% = 20; heat 30 x (50% x 0.8333333335 + 50% x
    // 0.5000000000) = 20.000000; reach 30 x (40% x 0.5 + 20% x 1 + 20% x 1 + 10% x 1 + 10% x 1)
    // = 24: 64.000000, hot; no engaged decision maker, so segment rest.
    let s = &accounts.scored;
    assert!((s.scores[0][0] - 64.0).abs() < 1e-6, "{}", s.scores[0][0]);
    assert_eq!(
        s.tier(&plan.account_model, 0).map(|t| t.name.as_str()),
        Some("hot")
    );
    assert_eq!(
        s.segment(&plan.account_model, 0).map(|t| t.name.as_str()),
        Some("rest")
    );
    // Beta: group 20; heat 30 x (0.6666666665) = 20; reach 30 x (0.2 + 0.1 + 0.1333333 +
    // 0.1 + 0.05) = 17.5: 57.5, cold.
    assert!((s.scores[0][1] - 57.5).abs() < 1e-6, "{}", s.scores[0][1]);
    assert_eq!(
        s.tier(&plan.account_model, 1).map(|t| t.name.as_str()),
        Some("cold")
    );
    assert_eq!(on_every_engine(dir.path(), &[case], true), [8, 8, 8]);
}

/// Issue 19: contact segments that read their account (`account: { tier: hot }`), decided after
/// the join back, give the engine's segment, action and route on DuckDB, Spark and PostgreSQL.
/// By hand, with the accounts of `accounts_roll_up_and_score_alike_on_every_engine` (Acme 64
/// hot, no engaged decision maker; Beta 57.5 cold with one; Cobalt 12.75 cold without): a2 and
/// a4 (at least 50, Acme hot) are `dinner`; b1 and b2 (Beta's decision maker), c1 (Cobalt under
/// 20) and n1 (no account: the account part is false, so `not` of it holds) are `dm_account`;
/// a1 and a3 (Acme without a decision maker and over 20) are `rest`.
#[test]
fn contact_segments_read_their_account_alike_on_every_engine() {
    use scorewright::engine::accounts::{Plan, score_with_accounts};
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let segments = "segments:\n  \
        - { name: dinner, when: { all: [ { journey: act, at_least: 50 }, { account: { tier: hot } } ] }, action: invite to the executive dinner, route: AE }\n  \
        - { name: dm_account, when: { any: [ { account: { field: dm, equals: true } }, { not: { account: { journey: account, at_least: 20 } } } ] }, action: brief, route: SDR }\n  \
        - { name: rest, action: newsletter, route: marketing }\n";
    let yaml = include_str!("fixtures/accounts.yaml").replacen(
        "accounts:\n",
        &format!("{segments}accounts:\n"),
        1,
    );
    let rows: Vec<Vec<String>> = include_str!("fixtures/accounts.csv")
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    let case = hand_case(dir.path(), 20, &yaml, &rows);
    let plan = Plan::new(&case.model).unwrap_or_else(|| panic!("no accounts"));
    let (scored, _) = score_with_accounts(&plan, &case.table).unwrap_or_else(|e| panic!("{e}"));
    let got: Vec<(&str, &str)> = (0..case.table.rows())
        .map(|r| {
            let seg = scored
                .segment(&case.model, r)
                .map_or("", |s| s.name.as_str());
            (case.table.cell(r, "id"), seg)
        })
        .collect();
    assert_eq!(
        got,
        [
            ("a1", "rest"),
            ("b1", "dm_account"),
            ("a2", "dinner"),
            ("a3", "rest"),
            ("n1", "dm_account"),
            ("b2", "dm_account"),
            ("c1", "dm_account"),
            ("a4", "dinner"),
        ]
    );
    assert_eq!(on_every_engine(dir.path(), &[case], true), [8, 8, 8]);
}

/// Issue 19: roll-ups of a contact field (`max`, `min`, `mean`, `sum` of a number field, missing
/// values skipped, a value beyond ±10^9 left out), `min` of a journey score, and `count_recent`
/// of a date field (engaged contacts only) give the engine's account columns on DuckDB, Spark
/// and PostgreSQL. The values by hand are in `tests/accounts.rs`
/// `field_rollups_and_count_recent_by_hand`; here the rows of Acme come interleaved with the
/// others, and the sums are in millionths, so neither order nor float sums can differ.
#[test]
fn field_rollups_and_count_recent_alike_on_every_engine() {
    use scorewright::engine::accounts::{Plan, score_with_accounts};
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let yaml = include_str!("fixtures/account_fields.yaml");
    let rows: Vec<Vec<String>> = include_str!("fixtures/account_fields.csv")
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    let case = hand_case(dir.path(), 21, yaml, &rows);
    let plan = Plan::new(&case.model).unwrap_or_else(|| panic!("no accounts"));
    let (_, accounts) = score_with_accounts(&plan, &case.table).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(accounts.book.ids, ["Acme", "Beta", "Cobalt"]);
    let acme = accounts.book.values(&plan, 0);
    assert_eq!(acme, [10.5, 0.1, 5.3, 10.6, 33.333333, 1.0]);
    let beta = accounts.book.values(&plan, 1);
    assert!(beta[..3].iter().all(|v| v.is_nan()), "{beta:?}");
    assert_eq!(beta[3..], [0.0, 0.0, 1.0]);
    assert_eq!(accounts.book.beyond, [1, 1, 1, 1, 0, 0]);
    assert_eq!(on_every_engine(dir.path(), &[case], true), [7, 7, 7]);
}

/// Issue 19 item 1: account fields from an accounts file (joined on the trimmed id; an account
/// the file lacks keeps them missing) and from the contacts' rows (the most common value, a
/// tie to the smallest in byte order, which PostgreSQL's collation would order otherwise), on
/// DuckDB, Spark and PostgreSQL, against the engine's scores computed by hand in
/// `tests/accounts.rs` (`account_fields_from_a_file_are_joined_on_the_trimmed_id`,
/// `account_fields_from_the_contacts_rows_take_the_most_common_value`).
#[test]
fn account_fields_agree_on_every_engine() {
    use scorewright::engine::accounts::{Plan, score_with_accounts};
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let firms = fixtures.join("accounts-firms.csv");
    let yaml = include_str!("fixtures/accounts-fields.yaml");
    let rows = |text: &str| -> Vec<Vec<String>> {
        text.lines()
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect()
    };
    let from_file = hand_case(
        dir.path(),
        31,
        &yaml.replace(
            "file: accounts-firms.csv",
            &format!("file: {}", firms.display()),
        ),
        &rows(include_str!("fixtures/accounts-fields.csv")),
    );
    let from_rows = hand_case(
        dir.path(),
        32,
        &yaml.replace("  file: accounts-firms.csv\n", ""),
        &rows(include_str!("fixtures/accounts-rows.csv")),
    );
    let account_scores = |c: &Case| -> Vec<(String, f64)> {
        let mut plan = Plan::new(&c.model).unwrap_or_else(|| panic!("no accounts"));
        plan.read_file(Path::new("case.yaml"))
            .unwrap_or_else(|e| panic!("{e}"));
        let (_, a) = score_with_accounts(&plan, &c.table).unwrap_or_else(|e| panic!("{e}"));
        a.book
            .ids
            .iter()
            .zip(&a.scored.scores[0])
            .map(|(id, s)| (id.clone(), (s * 1e6).round() / 1e6))
            .collect()
    };
    let want = |v: &[(&str, f64)]| -> Vec<(String, f64)> {
        v.iter().map(|(id, s)| (id.to_string(), *s)).collect()
    };
    assert_eq!(
        account_scores(&from_file),
        want(&[
            ("Acme", 65.0),
            ("Beta", 40.0),
            ("Zeta", 10.0),
            ("Gamma", 15.3)
        ])
    );
    assert_eq!(
        account_scores(&from_rows),
        want(&[("Acme", 75.0), ("Beta", 75.0), ("Zeta", 20.3)])
    );
    let cases = [from_file, from_rows];
    let opts = |c: &Case, dialect: Dialect, source: Source, accounts: Source| SqlOptions {
        dialect,
        source,
        id_column: None,
        allow_errors: false,
        headers: Some(c.columns.clone()),
        events: None,
        accounts: Some(accounts),
    };
    let query = |o: &SqlOptions, c: &Case| to_sql(&c.model, o).unwrap_or_else(|e| panic!("{e}"));
    let queries: Vec<String> = cases
        .iter()
        .map(|c| {
            let accounts = Source::Expression(format!(
                "read_csv('{}', header = true, all_varchar = true)",
                firms.display()
            ));
            query(
                &opts(c, Dialect::DuckDb, duckdb_case_source(c), accounts),
                c,
            )
        })
        .collect();
    assert_eq!(compare_cases(&cases, &duckdb(&queries), "duckdb"), 14);
    let jobs: Vec<(String, PathBuf, String)> = cases
        .iter()
        .map(|c| {
            let table = format!("contacts{}", c.seed);
            let o = opts(
                c,
                Dialect::Spark,
                Source::Table(table.clone()),
                Source::Table("firms".into()),
            );
            (
                format!("{table}|firms"),
                PathBuf::from(format!("{}|{}", c.csv.display(), firms.display())),
                query(&o, c),
            )
        })
        .collect();
    assert_eq!(
        compare_cases(&cases, &spark(dir.path(), &jobs), "spark"),
        14
    );
    let pg = Postgres::start();
    pg.load_csv("firms", &firms.display().to_string());
    let mut outs = Vec::new();
    for c in &cases {
        let table = format!("contacts{}", c.seed);
        pg.load_csv(&table, &c.csv.display().to_string());
        let o = opts(
            c,
            Dialect::Postgres,
            Source::Table(table),
            Source::Table("firms".into()),
        );
        outs.push(pg.query_csv(&query(&o, c)));
    }
    assert_eq!(compare_cases(&cases, &outs, "postgres"), 14);
}
