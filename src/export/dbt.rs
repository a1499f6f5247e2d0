//! A model as a dbt package: the export's query as a dbt model reading a `source()` the user
//! names, its `schema.yml` (the model's note, one entry per output column with its
//! description and tests), a generic test for scores between 0 and 100, and the model's
//! personas as dbt unit tests.
//!
//! Invariants:
//! - the model's SQL is `to_sql`'s query with only its source replaced by `{{ source(..) }}`,
//!   so dbt computes what the engine computes, as the parity tests hold the query to;
//! - model text reaches Jinja only inside `{% raw %}` blocks, so a category value such as
//!   `{{x}}` is a literal, never a template;
//! - a persona's expectation that a dbt unit test cannot state (several acceptable values, a
//!   score range) is said in `notes` and in the schema file's header, never silently dropped.

use super::ExportError;
use super::sql::{Source, SqlOptions, stamped, to_sql, to_sql_with_reasons};
use crate::engine::output::output_columns;
use crate::engine::personas::persona_row;
use crate::model::{Model, OneOrMany};
use serde_json::{Map, Value, json};
use std::path::PathBuf;

/// Stands for the source in the query until the `{{ source() }}` call replaces it. The NUL
/// characters cannot come from the model: literals refuse them and comments blank them.
const SOURCE_MARK: &str = "\0scorewright-dbt-source\0";

/// The dbt versions the package is written for (`require-dbt-version`): unit tests came in
/// 1.8; the CI runs the version `.ci/install-engines` pins.
pub const DBT_VERSIONS: &str = ">=1.8.0, <2.0.0";

/// What to write and where the contacts come from.
#[derive(Clone, Debug, PartialEq)]
pub struct DbtOptions {
    /// The query's options; its `source` is replaced by the dbt source.
    pub sql: SqlOptions,
    /// The dbt source's name (its schema by default) and table: `source('crm', 'leads')`.
    pub source_name: String,
    pub source_table: String,
    /// Add `model_version` and `scored_at` after the outputs (`sql::stamped`).
    pub stamp: bool,
    /// Add `reasons` after the outputs (`sql::to_sql_with_reasons`).
    pub reasons: bool,
}

/// One file of the package, by its path inside the package's folder.
#[derive(Clone, Debug, PartialEq)]
pub struct DbtFile {
    pub path: PathBuf,
    pub text: String,
}

/// The package's files, and what it could not say (a persona's expectation that no unit test
/// can state).
#[derive(Clone, Debug, PartialEq)]
pub struct DbtPackage {
    pub files: Vec<DbtFile>,
    pub notes: Vec<String>,
}

/// The dbt name of a model: its name in lower case, each run of other characters one `_`
/// (`X Education lead scoring` is `x_education_lead_scoring`).
pub fn dbt_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_').to_string();
    match out.chars().next() {
        None => "scorewright_model".into(),
        Some(c) if c.is_ascii_digit() => format!("m_{out}"),
        Some(_) => out,
    }
}

/// A source or table name as dbt and every warehouse take it unquoted.
fn plain_name(name: &str, what: &str) -> Result<(), ExportError> {
    let ok = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(ExportError::Unsupported {
            at: format!("{what} '{name}'"),
            message: "a dbt source name must be letters, digits and _, not starting with a digit: \
                      name it so with --source NAME.TABLE"
                .into(),
        })
    }
}

/// Writes the package: `dbt_project.yml`, `models/NAME.sql`, `models/NAME.yml` and
/// `macros/scorewright_between.sql`.
pub fn to_dbt(model: &Model, opts: &DbtOptions) -> Result<DbtPackage, ExportError> {
    plain_name(&opts.source_name, "source")?;
    plain_name(&opts.source_table, "table")?;
    let name = dbt_name(&model.name);
    let mut sql_opts = opts.sql.clone();
    sql_opts.source = Source::Expression(SOURCE_MARK.into());
    let mut query = if opts.reasons {
        to_sql_with_reasons(model, &sql_opts)?
    } else {
        to_sql(model, &sql_opts)?
    };
    if opts.stamp {
        query = stamped(&query, model, sql_opts.dialect)?;
    }
    let source_call = format!(
        "{{{{ source('{}', '{}') }}}}",
        opts.source_name, opts.source_table
    );
    let (before, after) = match query.split_once(SOURCE_MARK) {
        Some((b, a)) if !a.contains(SOURCE_MARK) => (b, a),
        _ => {
            return Err(ExportError::Unsupported {
                at: "the query".into(),
                message: "its source is not read exactly once, so dbt cannot replace it".into(),
            });
        }
    };
    let sql = format!(
        "{{{{ config(materialized='table') }}}}\n{}{source_call}{}",
        raw(before)?,
        raw(after)?
    );

    let mut notes = Vec::new();
    let schema = schema(model, opts, &name, &mut notes);
    let mut yml = String::from(
        "# Written by `scorewright export --dbt`: the model's outputs, their tests, and its\n\
         # personas as unit tests. Change the model and export again rather than edit this.\n",
    );
    for n in &notes {
        yml.push_str(&format!("# not a unit test: {}\n", n.replace('\n', " ")));
    }
    // JSON, which is YAML too: dbt reads YAML 1.1, where a plain `No` or `on` is a boolean
    // and `1:20` a number; JSON quotes every string, so a persona's `No` stays text.
    yml.push_str(&serde_json::to_string_pretty(&schema).unwrap_or_default());
    yml.push('\n');

    let project = json!({
        "name": format!("scorewright_{name}"),
        "version": "1.0.0",
        "config-version": 2,
        "profile": "scorewright",
        "require-dbt-version": DBT_VERSIONS.split(", ").collect::<Vec<_>>(),
        "model-paths": ["models"],
        "macro-paths": ["macros"],
    });
    let between = "{% test scorewright_between(model, column_name, min_value, max_value) %}\n\
                   -- Rows whose value lies outside [min_value, max_value]; NULL is not_null's.\n\
                   select * from {{ model }}\n\
                   where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}\n\
                   {% endtest %}\n";
    Ok(DbtPackage {
        files: vec![
            DbtFile {
                path: "dbt_project.yml".into(),
                text: yaml(&project),
            },
            DbtFile {
                path: PathBuf::from("models").join(format!("{name}.sql")),
                text: sql,
            },
            DbtFile {
                path: PathBuf::from("models").join(format!("{name}.yml")),
                text: yml,
            },
            DbtFile {
                path: PathBuf::from("macros").join("scorewright_between.sql"),
                text: between.into(),
            },
        ],
        notes,
    })
}

/// Text that Jinja must leave as it is: in a `{% raw %}` block when it holds anything Jinja
/// reads. A model text holding `endraw` cannot be carried so and is refused.
fn raw(text: &str) -> Result<String, ExportError> {
    if !["{{", "{%", "{#"].iter().any(|m| text.contains(m)) {
        return Ok(text.to_string());
    }
    if text.contains("endraw") {
        return Err(ExportError::Unsupported {
            at: "the model's text".into(),
            message: "it holds both Jinja markers ({{, {% or {#) and the word 'endraw', which a \
                      dbt model cannot carry: reword it"
                .into(),
        });
    }
    Ok(format!("{{% raw %}}{text}{{% endraw %}}"))
}

fn yaml(v: &Value) -> String {
    yaml_serde::to_string(v).unwrap_or_default()
}

/// A column entry: quoted (ids such as `Prospect ID` hold spaces), described, tested.
fn column(name: &str, description: String, tests: Vec<Value>) -> Value {
    let mut c = Map::new();
    c.insert("name".into(), name.into());
    c.insert("description".into(), description.into());
    c.insert("quote".into(), true.into());
    if !tests.is_empty() {
        c.insert("data_tests".into(), Value::Array(tests));
    }
    Value::Object(c)
}

fn accepted(values: Vec<String>) -> Vec<Value> {
    if values.is_empty() {
        Vec::new()
    } else {
        vec![json!({ "accepted_values": { "values": values } })]
    }
}

/// The schema file: the source, the model with its columns, and the personas as unit tests.
/// The matrix ratings a model can give: each row grade's band then each column grade's.
fn ratings(model: &Model) -> Vec<String> {
    model
        .matrix
        .as_ref()
        .map(|m| {
            let bands = |id: &str| {
                model
                    .grades
                    .iter()
                    .find(|g| g.id == id)
                    .map(|g| g.bands.keys().cloned().collect::<Vec<_>>())
                    .unwrap_or_default()
            };
            let cols = bands(&m.columns);
            bands(&m.rows)
                .iter()
                .flat_map(|r| cols.iter().map(move |c| format!("{r}{c}")))
                .collect()
        })
        .unwrap_or_default()
}

/// The account columns of each contact row, after its own outputs (`Plan::contact_columns`,
/// the export's `account_` columns), described from the account model; null for a contact
/// without an account, which `accepted_values` and `scorewright_between` let pass.
fn account_columns(plan: &crate::engine::accounts::Plan) -> Vec<Value> {
    let m = &plan.account_model;
    let name = |id: &str| {
        m.journeys
            .iter()
            .find(|j| j.id == id)
            .map(|j| j.title().to_string())
            .unwrap_or_else(|| id.to_string())
    };
    let none = "; null when the contact has no account.";
    let column_of = |suffix: &str, description: String, tests: Vec<Value>| {
        column(&format!("account_{suffix}"), description, tests)
    };
    let mut columns = Vec::new();
    for j in &m.journeys {
        columns.push(column_of(
            &format!("score_{}", j.id),
            format!(
                "The contact's account's {} score (the account model's, from the roll-ups of \
                 its contacts and their roles), 0 to 100, rounded to 6 decimals{none}",
                name(&j.id)
            ),
            vec![json!({ "scorewright_between": { "min_value": 0, "max_value": 100 } })],
        ));
    }
    for g in &m.grades {
        columns.push(column_of(
            &format!("grade_{}", g.id),
            format!(
                "The account's {} grade, from its {} score{none}",
                g.id,
                name(&g.journey)
            ),
            accepted(g.bands.keys().cloned().collect()),
        ));
    }
    columns.push(column_of(
        "rating",
        format!("The account's matrix rating{none}"),
        accepted(ratings(m)),
    ));
    let tiers: Vec<String> = m
        .tiers
        .iter()
        .flat_map(|t| t.levels.iter().map(|l| l.name.clone()))
        .collect();
    columns.push(column_of(
        "tier",
        format!("The account's tier (the marketing-qualified account), by its tier journey's score{none}"),
        accepted(tiers),
    ));
    columns.push(column_of(
        "handover",
        format!("Who takes the account over at its tier{none}"),
        Vec::new(),
    ));
    columns.push(column_of(
        "segment",
        format!("The first account segment whose condition holds{none}"),
        accepted(m.segments.iter().map(|s| s.name.clone()).collect()),
    ));
    columns.push(column_of(
        "action",
        format!("The account segment's next action{none}"),
        Vec::new(),
    ));
    columns.push(column_of(
        "route",
        format!("Where the account segment routes to{none}"),
        Vec::new(),
    ));
    debug_assert_eq!(columns.len(), plan.contact_columns().len());
    columns
}

fn schema(model: &Model, opts: &DbtOptions, name: &str, notes: &mut Vec<String>) -> Value {
    let id = opts.sql.id_name(model);
    let journey_name = |id: &str| {
        model
            .journeys
            .iter()
            .find(|j| j.id == id)
            .map(|j| {
                if j.name.is_empty() {
                    j.id.clone()
                } else {
                    j.name.clone()
                }
            })
            .unwrap_or_else(|| id.to_string())
    };
    let mut columns = vec![column(
        &id,
        "The contact's id, as the source holds it.".into(),
        vec![json!("not_null"), json!("unique")],
    )];
    for j in &model.journeys {
        columns.push(column(
            &format!("score_{}", j.id),
            format!(
                "The {} score, 0 to 100, rounded to 6 decimals.",
                journey_name(&j.id)
            ),
            vec![
                json!("not_null"),
                json!({ "scorewright_between": { "min_value": 0, "max_value": 100 } }),
            ],
        ));
    }
    for g in &model.grades {
        columns.push(column(
            &format!("grade_{}", g.id),
            format!(
                "The {} grade, from the {} score.",
                g.id,
                journey_name(&g.journey)
            ),
            accepted(g.bands.keys().cloned().collect()),
        ));
    }
    let ratings = ratings(model);
    columns.push(column(
        "rating",
        "The matrix rating: the row grade then the column grade.".into(),
        accepted(ratings),
    ));
    let tiers: Vec<String> = model
        .tiers
        .iter()
        .flat_map(|t| t.levels.iter().map(|l| l.name.clone()))
        .collect();
    columns.push(column(
        "tier",
        "The tier, by the tier journey's score.".into(),
        accepted(tiers),
    ));
    columns.push(column(
        "handover",
        "Who takes the contact over at its tier.".into(),
        Vec::new(),
    ));
    columns.push(column(
        "segment",
        "The first segment whose condition holds.".into(),
        accepted(model.segments.iter().map(|s| s.name.clone()).collect()),
    ));
    columns.push(column(
        "action",
        "The segment's next action.".into(),
        Vec::new(),
    ));
    columns.push(column(
        "route",
        "Where the segment routes to.".into(),
        Vec::new(),
    ));
    debug_assert_eq!(columns.len(), output_columns(model).len() + 1);
    if let Some(plan) = crate::engine::accounts::Plan::new(model) {
        columns.extend(account_columns(&plan));
    }
    if opts.reasons {
        columns.push(column(
            crate::engine::reasons::REASONS,
            "Why the contact has its tier: the top three contributions to the tier journey's \
             score with their whole points, then the adjustments that fired (`Requested a demo \
             +35; Competitor -50`); empty, never null, when there are none."
                .into(),
            vec![json!("not_null")],
        ));
    }
    if opts.stamp {
        columns.push(column(
            "model_version",
            format!(
                "The model's version ({}): a hash of what it computes, as `scorewright check` \
                 prints it.",
                crate::engine::version::model_version(model)
            ),
            vec![json!("not_null")],
        ));
        columns.push(column(
            "scored_at",
            "The day ages are counted from: the model's as_of, else the day of the run.".into(),
            vec![json!("not_null")],
        ));
    }

    let description = model
        .note
        .clone()
        .unwrap_or_else(|| format!("{}, scored by scorewright.", model.name));
    let mut doc = Map::new();
    doc.insert("version".into(), 2.into());
    doc.insert(
        "sources".into(),
        json!([{
            "name": opts.source_name,
            "tables": [{ "name": opts.source_table }],
        }]),
    );
    doc.insert(
        "models".into(),
        json!([{
            "name": name,
            "description": description,
            "columns": columns,
        }]),
    );
    let tests = unit_tests(model, opts, name, notes);
    if !tests.is_empty() {
        doc.insert("unit_tests".into(), Value::Array(tests));
    }
    Value::Object(doc)
}

/// One unit test per persona: given its values as the one row of the source, expect what
/// the room agreed on.
fn unit_tests(model: &Model, opts: &DbtOptions, name: &str, notes: &mut Vec<String>) -> Vec<Value> {
    let mut tests = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for p in &model.personas {
        let mut expect = Map::new();
        let mut one = |col: String, want: &OneOrMany, what: &str| match want.items() {
            [v] => {
                expect.insert(col, v.clone().into());
            }
            many => notes.push(format!(
                "persona '{}': {what} is {}, which a unit test cannot state",
                p.name,
                many.join(" or ")
            )),
        };
        if let Some(t) = &p.expect.tier {
            one("tier".into(), t, "tier");
        }
        if let Some(s) = &p.expect.segment {
            one("segment".into(), s, "segment");
        }
        if let Some(r) = &p.expect.rating {
            one("rating".into(), r, "rating");
        }
        for (g, want) in &p.expect.grades {
            one(format!("grade_{g}"), want, &format!("grade {g}"));
        }
        for j in p.expect.scores.keys() {
            notes.push(format!(
                "persona '{}': its {j} score range is checked by `scorewright check`, not dbt",
                p.name
            ));
        }
        if expect.is_empty() {
            notes.push(format!(
                "persona '{}' has nothing a unit test can expect",
                p.name
            ));
            continue;
        }
        let mut row = Map::new();
        for (col, v) in persona_row(model, p) {
            let col = opts.sql.resolve(&col).unwrap_or(&col).to_string();
            row.insert(col, v.to_string().into());
        }
        let base = format!("persona_{}", dbt_name(&p.name));
        let mut test_name = base.clone();
        let mut k = 2;
        while names.contains(&test_name) {
            test_name = format!("{base}_{k}");
            k += 1;
        }
        names.push(test_name.clone());
        let mut description = format!("Persona '{}'", p.name);
        if let Some(n) = &p.note {
            description.push_str(": ");
            description.push_str(n);
        }
        tests.push(json!({
            "name": test_name,
            "description": description,
            "model": name,
            "given": [{
                "input": format!("source('{}', '{}')", opts.source_name, opts.source_table),
                "rows": [row],
            }],
            "expect": { "rows": [expect] },
        }));
    }
    tests
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::Dialect;

    fn package(yaml: &str) -> DbtPackage {
        let model = crate::model::yaml::parse_model(yaml, "m.yaml").unwrap();
        let opts = DbtOptions {
            sql: SqlOptions::new(Dialect::DuckDb),
            source_name: "crm".into(),
            source_table: "leads".into(),
            stamp: false,
            reasons: false,
        };
        to_dbt(&model, &opts).unwrap()
    }

    const MODEL: &str = "name: Tést {{x}} model\nfields:\n  - { id: src, kind: category }\njourneys:\n  - id: j\n    touchpoints:\n      - { id: t, weight: 100, signals: [ { field: src, weight: 100, rule: { match: { '{{ boom }}': 1 } } } ] }\ntiers: { journey: j, levels: [ { name: hot, at_least: 50 }, { name: cold, at_least: 0 } ] }\npersonas:\n  - { name: Boom, values: { src: '{{ boom }}' }, expect: { tier: hot } }\n  - { name: Either, values: { src: x }, expect: { tier: [hot, cold] } }\n";

    #[test]
    fn names_are_dbt_identifiers() {
        assert_eq!(
            dbt_name("X Education lead scoring"),
            "x_education_lead_scoring"
        );
        assert_eq!(dbt_name("  2024: B2B!"), "m_2024_b2b");
        assert_eq!(dbt_name("***"), "scorewright_model");
    }

    #[test]
    fn model_text_reaches_jinja_only_as_raw_text() {
        let p = package(MODEL);
        let sql = &p.files[1].text;
        assert_eq!(p.files[1].path, PathBuf::from("models/t_st_x_model.sql"));
        // The only Jinja outside raw blocks: the config and the source.
        let outside: String = sql
            .split("{% raw %}")
            .map(|part| {
                part.split_once("{% endraw %}")
                    .map_or(part, |(_, after)| after)
            })
            .collect();
        assert_eq!(outside.matches("{{").count(), 2, "{sql}");
        assert!(outside.contains("{{ source('crm', 'leads') }}"));
        assert!(sql.contains("'{{ boom }}'"));
    }

    #[test]
    fn a_persona_with_several_answers_is_noted_not_dropped() {
        let p = package(MODEL);
        assert_eq!(
            p.notes,
            vec![
                "persona 'Either': tier is hot or cold, which a unit test cannot state",
                "persona 'Either' has nothing a unit test can expect"
            ]
        );
        let yml = &p.files[2].text;
        assert!(yml.contains("# not a unit test: persona 'Either'"));
        assert!(yml.contains("\"name\": \"persona_boom\""));
        assert!(!yml.contains("persona_either"));
    }

    #[test]
    fn persona_values_stay_text_in_yaml_1_1() {
        let p = package(&MODEL.replace("values: { src: '{{ boom }}' }", "values: { src: 'No' }"));
        assert!(
            p.files[2].text.contains("\"src\": \"No\""),
            "{}",
            p.files[2].text
        );
    }

    #[test]
    fn a_source_name_must_be_plain() {
        let model = crate::model::yaml::parse_model(MODEL, "m.yaml").unwrap();
        let opts = DbtOptions {
            sql: SqlOptions::new(Dialect::DuckDb),
            source_name: "crm; drop".into(),
            source_table: "leads".into(),
            stamp: false,
            reasons: false,
        };
        assert!(matches!(
            to_dbt(&model, &opts),
            Err(ExportError::Unsupported { .. })
        ));
    }
}
