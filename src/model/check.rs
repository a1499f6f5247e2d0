//! The checks: every error and warning a model can have, each with a severity, a path in the
//! model and, when the model came from a file, a line and column.
//!
//! Errors make a model unfit to deploy (weights that do not sum to 100%, a signal on an unknown
//! field); warnings point at what a workshop probably did not mean (a touchpoint with no
//! pillar, a field no signal uses). The designer runs these on every edit, so they must stay
//! cheap: one pass over the model, no contacts beyond their column names.

use super::locate::{Path, Position, Seg, SourceMap};
use super::types::*;
use super::weight::{FULL, Weight};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One finding of the checks.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable name for the kind of finding (`weights-sum`), for tools and tests.
    pub code: &'static str,
    /// Where in the model, by ids: `journeys.expansion.touchpoints.qbr.weight`.
    pub at: String,
    /// Where in the model, as the file nests it (indices), for locating and navigating.
    #[serde(skip)]
    pub path: Path,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

impl Diagnostic {
    pub fn position(&self) -> Option<Position> {
        Some(Position {
            line: self.line?,
            column: self.column?,
        })
    }

    /// One readable line: `model.yaml:12:9: error: journey 'x': ... (at journeys.x.touchpoints)`.
    /// One line, whatever the model's text holds: ids and names in it have their control
    /// characters (line breaks too) escaped, so a hostile id cannot fake or erase lines.
    pub fn render(&self, file: Option<&str>) -> String {
        crate::printable::printable(&self.render_raw(file)).into_owned()
    }

    fn render_raw(&self, file: Option<&str>) -> String {
        let place = match (file, self.line, self.column) {
            (Some(f), Some(l), Some(c)) => format!("{f}:{l}:{c}: "),
            (Some(f), _, _) => format!("{f}: "),
            _ => String::new(),
        };
        if self.at.is_empty() {
            // About the whole model: there is no place to name.
            return format!("{place}{}: {}", self.severity, self.message);
        }
        format!(
            "{place}{}: {} (at {})",
            self.severity, self.message, self.at
        )
    }
}

/// A path being built: the file's nesting and the ids a person reads, side by side. Each step
/// points at the one before it, so going a level down costs one small allocation whatever the
/// depth; the path and its text are put together only for a diagnostic.
#[derive(Clone, Default)]
struct At(Option<std::rc::Rc<Step>>);

struct Step {
    up: At,
    seg: Seg,
    /// What a person reads for this step: the key, or the item's id (its number without one).
    name: String,
}

impl At {
    fn down(&self, seg: Seg, name: String) -> At {
        At(Some(std::rc::Rc::new(Step {
            up: self.clone(),
            seg,
            name,
        })))
    }
    fn key(&self, k: &str) -> At {
        self.down(Seg::Key(k.into()), k.into())
    }
    fn item(&self, i: usize, id: &str) -> At {
        let name = if id.is_empty() {
            i.to_string()
        } else {
            id.to_string()
        };
        self.down(Seg::Index(i), name)
    }
    fn steps(&self) -> Vec<&Step> {
        let mut out = Vec::new();
        let mut at = self;
        while let Some(step) = &at.0 {
            out.push(step.as_ref());
            at = &step.up;
        }
        out.reverse();
        out
    }
    fn path(&self) -> Path {
        self.steps().into_iter().map(|s| s.seg.clone()).collect()
    }
    fn text(&self) -> String {
        let names: Vec<&str> = self.steps().into_iter().map(|s| s.name.as_str()).collect();
        names.join(".")
    }
    /// Whether two places are the same step (not merely equal paths).
    fn same(&self, other: &At) -> bool {
        match (&self.0, &other.0) {
            (Some(a), Some(b)) => std::rc::Rc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }
}

struct Checker<'a> {
    model: &'a Model,
    fields: HashMap<&'a str, &'a Field>,
    journeys: HashSet<&'a str>,
    out: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn push(&mut self, severity: Severity, code: &'static str, at: &At, message: String) {
        self.out.push(Diagnostic {
            severity,
            code,
            at: at.text(),
            path: at.path(),
            message,
            line: None,
            column: None,
        });
    }
    fn error(&mut self, code: &'static str, at: &At, message: String) {
        self.push(Severity::Error, code, at, message);
    }
    fn warn(&mut self, code: &'static str, at: &At, message: String) {
        self.push(Severity::Warning, code, at, message);
    }
}

/// Checks a model. `columns`, when given, are the column names of its sample contacts.
/// Diagnostics come errors first, then warnings, each in line order (model order without a
/// source map).
pub fn check(
    model: &Model,
    columns: Option<&[String]>,
    map: Option<&SourceMap>,
) -> Vec<Diagnostic> {
    let mut c = Checker {
        model,
        fields: model.fields.iter().map(|f| (f.id.as_str(), f)).collect(),
        journeys: model.journeys.iter().map(|j| j.id.as_str()).collect(),
        out: Vec::new(),
    };
    let root = At::default();
    check_fields(&mut c, &root, columns);
    check_derived_cycles(&mut c, &root);
    check_derived_id(&mut c, &root);
    check_events(&mut c, &root);
    check_event_outcome(&mut c, &root);
    check_journeys(&mut c, &root);
    check_grades(&mut c, &root);
    check_tiers(&mut c, &root);
    check_segments(&mut c, &root);
    check_personas(&mut c, &root);
    check_columns(&mut c, &root, columns);
    check_tuning(&mut c, &root);
    check_numbers(&mut c, &root);
    let mut out = c.out;
    out.extend(super::accounts::check(model));
    if let Some(map) = map {
        for d in &mut out {
            if let Some(p) = map.locate(&d.path) {
                d.line = Some(p.line);
                d.column = Some(p.column);
            }
        }
    }
    // Errors first, then warnings, each in the file's line order (the checks run by theme, so
    // a field's warning about the contacts came after the journeys' warnings). Findings without
    // a place keep the checks' order, after those with one.
    out.sort_by_key(|d| (d.severity, d.line.is_none(), d.line, d.column));
    out
}

fn check_fields(c: &mut Checker, root: &At, columns: Option<&[String]>) {
    let at = root.key("fields");
    let mut seen = HashSet::new();
    let used = fields_used(c.model);
    for (i, f) in c.model.fields.iter().enumerate() {
        let fa = at.item(i, &f.id);
        if f.id.trim().is_empty() {
            c.error("empty-id", &fa, "a field has no id".into());
        } else if !seen.insert(f.id.as_str()) {
            c.error(
                "duplicate-id",
                &fa.key("id"),
                format!("field id '{}' is used twice", f.id),
            );
        }
        if !used.contains(f.id.as_str()) {
            c.warn(
                "unused-field",
                &fa,
                format!(
                    "field '{}' is not used by any signal, adjustment or segment",
                    f.id
                ),
            );
        }
        if f.expr.is_some() {
            check_derived(c, f, &fa);
        } else if f.events.is_some() {
            check_event_field(c, f, &fa);
        } else if let Some(cols) = columns {
            let col = f.column();
            if !cols.iter().any(|c| c == col) {
                let known: Vec<&str> = cols.iter().map(String::as_str).collect();
                let hint = match super::yaml::nearest(col, &known) {
                    Some(n) => format!(" (did you mean '{n}'?)"),
                    None => String::new(),
                };
                c.warn("missing-column", &fa, format!("field '{}': the sample contacts have no column '{col}'{hint}; it scores as missing", f.id));
            }
        }
    }
}

/// A derived field: its expression parses and types as the field's kind, and it has no
/// column of its own. Errors point at the expression, with the column in it.
fn check_derived(c: &mut Checker, f: &Field, fa: &At) {
    let Some(d) = &f.expr else { return };
    let at = fa.key("expr");
    if f.column.is_some() || !f.missing.is_empty() {
        c.error(
            "derived-field",
            fa,
            format!(
                "{}: a derived field is computed from its expression; it has no column and no missing placeholders",
                f.id
            ),
        );
    }
    if f.kind == FieldKind::Text {
        c.error(
            "derived-field",
            &fa.key("kind"),
            format!(
                "{}: a derived field is a number, boolean, date or category, not text",
                f.id
            ),
        );
        return;
    }
    let parsed = match &d.parsed {
        Ok(p) => p,
        Err(e) => {
            c.error("derived-expr", &at, format!("{}: {e}", f.id));
            return;
        }
    };
    let known: Vec<&str> = c.model.fields.iter().map(|f| f.id.as_str()).collect();
    let fields = &c.fields;
    let typed = parsed.expr.type_of(
        &parsed.columns,
        &|id| fields.get(id).map(|f| f.kind),
        &known,
    );
    match typed {
        Err(e) => c.error("derived-expr", &at, format!("{}: {e}", f.id)),
        Ok(t) if t.kind() != f.kind => c.error(
            "derived-expr",
            &at,
            format!(
                "{}: the expression gives a {}, but the field is a {}",
                f.id,
                t.name(),
                f.kind.name()
            ),
        ),
        Ok(_) => {}
    }
}

/// The events source (issue 20): its types have ids, once each; without a type column there
/// is exactly one type, the one every row is.
fn check_events(c: &mut Checker, root: &At) {
    let Some(ev) = &c.model.events else { return };
    let at = root.key("events");
    for (key, v) in [
        ("file", &ev.file),
        ("contact_column", &ev.contact_column),
        ("time_column", &ev.time_column),
    ] {
        if v.trim().is_empty() {
            c.error(
                "events-source",
                &at.key(key),
                format!("events: `{key}` is empty: name the events file's {key}"),
            );
        }
    }
    let mut seen = HashSet::new();
    for (i, t) in ev.types.iter().enumerate() {
        let ta = at.key("types").item(i, &t.id);
        if t.id.trim().is_empty() {
            c.error("empty-id", &ta, "an event type has no id".into());
        } else if !seen.insert(t.id.as_str()) {
            c.error(
                "duplicate-id",
                &ta.key("id"),
                format!("event type id '{}' is used twice", t.id),
            );
        }
        if t.pattern.is_some() && t.exact.is_some() {
            c.error(
                "events-source",
                &ta,
                format!(
                    "event type '{}': give `match` (a pattern) or `type` (an exact type), not both",
                    t.id
                ),
            );
        }
    }
    if ev.type_column.is_none() && ev.types.len() != 1 {
        c.error(
            "events-source",
            &at.key("types"),
            format!(
                "events: without a `type_column`, every event is of one type: declare exactly one \
                 (`types: [{{ id: purchase }}]`), not {}",
                ev.types.len()
            ),
        );
    }
    if ev.type_column.is_some() && ev.types.is_empty() {
        c.error(
            "events-source",
            &at.key("types"),
            "events: declare the event types the fields read (`types: [{ id: webinar, match: \"Webinar*\" }]`)".into(),
        );
    }
}

/// An outcome read from the events: the model has an events source with that type.
fn check_event_outcome(c: &mut Checker, root: &At) {
    let Some((event, _)) = c.model.outcome.as_ref().and_then(|o| o.event.as_ref()) else {
        return;
    };
    let at = root.key("outcome").key("event");
    let ids: Vec<&str> = c
        .model
        .events
        .iter()
        .flat_map(|e| &e.types)
        .map(|t| t.id.as_str())
        .collect();
    if c.model.events.is_none() {
        c.error(
            "event-outcome",
            &at,
            format!("outcome: the event '{event}' is read from the events, but the model has no `events:` source"),
        );
    } else if !ids.contains(&event.as_str()) {
        let hint = match super::yaml::nearest(event, &ids) {
            Some(n) => format!(" (did you mean '{n}'?)"),
            None => format!(" (types: {})", ids.join(", ")),
        };
        c.error(
            "event-outcome",
            &at,
            format!("outcome: no event type '{event}'{hint}"),
        );
    }
}

/// An event field: the model has an events source, the type is one it declares, the
/// aggregate gives the field's kind, and the options fit the aggregate.
fn check_event_field(c: &mut Checker, f: &Field, fa: &At) {
    use super::events::Aggregate;
    let Some(e) = &f.events else { return };
    let at = fa.key("events");
    if f.column.is_some() || !f.missing.is_empty() {
        c.error(
            "event-field",
            fa,
            format!(
                "{}: an event field is computed from the events; it has no column and no missing placeholders",
                f.id
            ),
        );
    }
    let Some(ev) = &c.model.events else {
        c.error(
            "event-field",
            &at,
            format!(
                "{}: reads events, but the model has no `events:` source: name the events file \
                 (`events: {{ file, contact_column, time_column, types }}`)",
                f.id
            ),
        );
        return;
    };
    let ids: Vec<&str> = ev.types.iter().map(|t| t.id.as_str()).collect();
    match &e.event_type {
        Some(t) if !ids.contains(&t.as_str()) => {
            let hint = match super::yaml::nearest(t, &ids) {
                Some(n) => format!(" (did you mean '{n}'?)"),
                None => format!(" (types: {})", ids.join(", ")),
            };
            c.error(
                "event-field",
                &at.key("type"),
                format!("{}: no event type '{t}'{hint}", f.id),
            );
        }
        None if ids.len() > 1 => c.error(
            "event-field",
            &at,
            format!(
                "{}: the model has several event types: say which one (`type: {}`)",
                f.id, ids[0]
            ),
        ),
        _ => {}
    }
    let want = if e.aggregate.is_date() {
        FieldKind::Date
    } else {
        FieldKind::Number
    };
    if f.kind != want {
        c.error(
            "event-field",
            &fa.key("kind"),
            format!(
                "{}: `{}` gives a {}, but the field is a {}",
                f.id,
                e.aggregate.name(),
                want.name(),
                f.kind.name()
            ),
        );
    }
    let a = e.aggregate;
    if e.last.is_some() && !a.takes_window() {
        c.error(
            "event-field",
            &at.key("last"),
            format!(
                "{}: `{}` reads every earlier event; it takes no window (`last:`)",
                f.id,
                a.name()
            ),
        );
    }
    if a == Aggregate::Frequency && e.last.is_none() {
        c.error(
            "event-field",
            &at,
            format!(
                "{}: `frequency` is events per week over a window: give it one (`last: 90d`)",
                f.id
            ),
        );
    }
    if a == Aggregate::Sum && ev.value_column.is_none() {
        c.error(
            "event-field",
            &at,
            format!(
                "{}: `sum` adds the events' values, but `events:` names no `value_column`",
                f.id
            ),
        );
    }
    if a == Aggregate::Points {
        match e.points {
            None => c.error(
                "event-field",
                &at,
                format!(
                    "{}: `points` needs the points of one event (`points: 5`)",
                    f.id
                ),
            ),
            Some(p) if !p.is_finite() || p < 0.0 => c.error(
                "event-field",
                &at.key("points"),
                format!("{}: points per event must be 0 or more, not {p}", f.id),
            ),
            Some(_) => {}
        }
        if let Some(cap) = &e.cap
            && (!cap.points.is_finite() || cap.points < 0.0)
        {
            c.error(
                "event-field",
                &at.key("cap").key("points"),
                format!(
                    "{}: a cap is 0 points or more per period, not {}",
                    f.id, cap.points
                ),
            );
        }
    } else {
        for (key, set) in [
            ("points", e.points.is_some()),
            ("cap", e.cap.is_some()),
            ("half_life", e.half_life.is_some()),
        ] {
            if set {
                c.error(
                    "event-field",
                    &at.key(key),
                    format!(
                        "{}: `{key}` is for `aggregate: points`, not `{}`",
                        f.id,
                        a.name()
                    ),
                );
            }
        }
    }
}

/// Derived fields that read each other in a circle: one error per cycle, at its first field.
fn check_derived_cycles(c: &mut Checker, root: &At) {
    let derived: Vec<(usize, &Field)> = c
        .model
        .fields
        .iter()
        .enumerate()
        .filter(|(_, f)| f.expr.is_some())
        .collect();
    let index = |id: &str| derived.iter().position(|(_, f)| f.id == id);
    let reads = |i: usize| -> Vec<usize> {
        derived[i]
            .1
            .derived()
            .map(|e| e.fields().into_iter().filter_map(index).collect())
            .unwrap_or_default()
    };
    let (_, cycles) = super::expr::order(derived.len(), &reads);
    for cycle in cycles {
        let Some(&first) = cycle.first() else {
            continue;
        };
        let (i, f) = derived[first];
        let names: Vec<&str> = cycle.iter().map(|&k| derived[k].1.id.as_str()).collect();
        c.error(
            "derived-cycle",
            &root.key("fields").item(i, &f.id).key("expr"),
            format!(
                "{}: derived fields read each other in a cycle: {}",
                f.id,
                names.join(" -> ")
            ),
        );
    }
}

/// An `id_column` naming a derived field: the id is read from a column of the contacts and a
/// derived field has none, so `score` kept the file's own columns without a word and `explain
/// --id` found no id column.
fn check_derived_id(c: &mut Checker, root: &At) {
    let Some(id) = &c.model.id_column else { return };
    if c.fields.get(id.as_str()).is_some_and(|f| f.expr.is_some()) {
        c.error(
            "derived-field",
            &root.key("id_column"),
            format!(
                "id_column '{id}' is a derived field: an id is read from a column of the contacts, name that column instead"
            ),
        );
    }
}

/// Every field id the model reads: signals, decays, adjustments, segments.
pub fn fields_used(model: &Model) -> HashSet<&str> {
    let mut used = HashSet::new();
    fn cond<'a>(c: &'a Condition, used: &mut HashSet<&'a str>) {
        if let Some(f) = &c.field {
            used.insert(f.as_str());
        }
        for (_, other) in c.other_fields() {
            used.insert(other);
        }
        for s in c.all.iter().chain(&c.any) {
            cond(s, used);
        }
        if let Some(n) = &c.not {
            cond(n, used);
        }
    }
    fn tp<'a>(t: &'a Touchpoint, used: &mut HashSet<&'a str>) {
        for s in &t.signals {
            used.insert(s.field.as_str());
            if let Some(d) = &s.decay {
                used.insert(d.since.as_str());
            }
        }
        for ch in &t.touchpoints {
            tp(ch, used);
        }
    }
    // What a derived field reads is used (whether the derived field is, it says itself);
    // what one that does not parse names too: its error is the finding, not its inputs.
    for f in &model.fields {
        if let Some(d) = &f.expr {
            let names = d.names();
            used.extend(
                model
                    .fields
                    .iter()
                    .filter(|g| names.contains(&g.id))
                    .map(|g| g.id.as_str()),
            );
        }
    }
    for j in &model.journeys {
        for t in &j.touchpoints {
            tp(t, &mut used);
        }
        for a in &j.adjustments {
            cond(&a.when, &mut used);
        }
    }
    for s in &model.segments {
        if let Some(w) = &s.when {
            cond(w, &mut used);
        }
    }
    for r in model.accounts.iter().flat_map(|a| &a.roles) {
        cond(&r.when, &mut used);
    }
    // A roll-up of a contact field reads it.
    for r in model.accounts.iter().flat_map(|a| &a.rollups) {
        used.extend(r.field.as_deref());
    }
    used
}

fn weight_sum_message(what: &str, owner: &str, sum: i64) -> String {
    let total = Weight(sum);
    if sum < FULL {
        format!(
            "{owner}: {what} weights sum to {total}%, {}% unassigned",
            Weight(FULL - sum)
        )
    } else {
        format!(
            "{owner}: {what} weights sum to {total}%, {}% over",
            Weight(sum - FULL)
        )
    }
}

fn check_journeys(c: &mut Checker, root: &At) {
    let at = root.key("journeys");
    let mut seen = HashSet::new();
    if c.model.journeys.is_empty() {
        c.error(
            "no-journeys",
            root,
            "the model has no journeys: add one to score anything".into(),
        );
    }
    for (i, j) in c.model.journeys.iter().enumerate() {
        let ja = at.item(i, &j.id);
        if j.id.trim().is_empty() {
            c.error("empty-id", &ja, "a journey has no id".into());
        } else if !seen.insert(j.id.as_str()) {
            c.error(
                "duplicate-id",
                &ja.key("id"),
                format!("journey id '{}' is used twice", j.id),
            );
        }
        let owner = format!("journey '{}'", j.id);
        let tps = ja.key("touchpoints");
        if j.is_composite() {
            check_parts(c, j, &ja, &owner);
        } else if j.touchpoints.is_empty() {
            c.error(
                "empty",
                &ja,
                format!("{owner} has no touchpoints: add one, or parts (other journeys)"),
            );
        } else {
            let sum: i64 = j.touchpoints.iter().map(|t| t.weight.0).sum();
            if sum != FULL {
                c.error(
                    "weights-sum",
                    &tps,
                    weight_sum_message("touchpoint", &owner, sum),
                );
            }
        }
        let mut ids = HashSet::new();
        let mut field_owner: HashMap<&str, (String, At)> = HashMap::new();
        for (k, t) in j.touchpoints.iter().enumerate() {
            check_touchpoint(
                c,
                &j.id,
                t,
                &tps.item(k, &t.id),
                &mut ids,
                &mut field_owner,
                false,
            );
        }
        // Pillars that carry no weight in this journey.
        if !j.touchpoints.is_empty() {
            let shares = pillar_shares(j);
            let tagged = j.touchpoints.iter().any(|t| !t.pillars.is_empty());
            if tagged {
                let empty: Vec<&str> = Pillar::ALL
                    .iter()
                    .zip(shares)
                    .filter(|(_, s)| *s == 0.0)
                    .map(|(p, _)| p.name())
                    .collect();
                if !empty.is_empty() {
                    c.warn(
                        "pillar-unweighted",
                        &ja,
                        format!(
                            "{owner}: no weight on the pillar{} {}",
                            if empty.len() > 1 { "s" } else { "" },
                            empty.join(", ")
                        ),
                    );
                }
            }
        }
        for (k, a) in j.adjustments.iter().enumerate() {
            let aa = ja.key("adjustments").item(k, &a.name);
            if !a.points.is_finite() {
                c.error(
                    "bad-number",
                    &aa.key("points"),
                    format!("adjustment '{}': points must be a number", a.name),
                );
            }
            check_condition(c, &a.when, &aa.key("when"), false);
        }
    }
    if let (_, Some(cycle)) = c.model.journey_order()
        && let Some(i) = c.model.journeys.iter().position(|j| j.id == cycle[0])
    {
        c.error(
            "cycle",
            &at.item(i, &cycle[0]).key("parts"),
            format!(
                "journey '{}' is a part of itself: {}; take one of these parts out",
                cycle[0],
                cycle.join(" -> ")
            ),
        );
    }
}

/// A composite journey: parts that name other journeys, weights that sum to 100%, and no
/// touchpoints beside them (its score is its parts'). Cycles are checked over all journeys.
fn check_parts(c: &mut Checker, j: &Journey, ja: &At, owner: &str) {
    let pa = ja.key("parts");
    if !j.touchpoints.is_empty() {
        c.error(
            "parts-and-touchpoints",
            &ja.key("touchpoints"),
            format!(
                "{owner} has both parts and touchpoints: a composite journey's score is its parts'; move the touchpoints into a journey of their own and make it a part"
            ),
        );
    }
    let sum: i64 = j.parts.iter().map(|p| p.weight.0).sum();
    if sum != FULL {
        c.error("weights-sum", &pa, weight_sum_message("part", owner, sum));
    }
    let known: Vec<&str> = c.model.journeys.iter().map(|j| j.id.as_str()).collect();
    let mut seen = HashSet::new();
    for (k, p) in j.parts.iter().enumerate() {
        let at = pa.item(k, &p.journey);
        if !c.journeys.contains(p.journey.as_str()) {
            let hint = super::yaml::nearest(&p.journey, &known)
                .map(|n| format!(": did you mean '{n}'?"))
                .unwrap_or_default();
            c.error(
                "unknown-journey",
                &at.key("journey"),
                format!("{owner}: part names unknown journey '{}'{hint}", p.journey),
            );
        } else if !seen.insert(p.journey.as_str()) {
            c.error(
                "duplicate-id",
                &at.key("journey"),
                format!(
                    "{owner}: journey '{}' is a part twice: give it one part with the sum of the weights",
                    p.journey
                ),
            );
        }
    }
}

/// The share of a journey's weight that each of the Six Pillars carries, in percent, in the
/// order of `Pillar::ALL`. A touchpoint's weight is split evenly over its pillars; child
/// touchpoints with pillars of their own split their part of the parent's weight.
pub fn pillar_shares(j: &Journey) -> [f64; 6] {
    let mut out = [0.0; 6];
    for t in &j.touchpoints {
        for (o, s) in out.iter_mut().zip(touchpoint_pillar_shares(t)) {
            *o += s;
        }
    }
    out
}

/// The part of its journey's weight (in percent) that one top-level touchpoint carries for
/// each pillar, in the order of `Pillar::ALL`: the rows of the Six Pillars grid, whose sums
/// are `pillar_shares`.
pub fn touchpoint_pillar_shares(t: &Touchpoint) -> [f64; 6] {
    fn walk(t: &Touchpoint, share: f64, out: &mut [f64; 6]) {
        let children_tagged = t.touchpoints.iter().any(|c| !c.pillars.is_empty());
        if children_tagged {
            for c in &t.touchpoints {
                walk(c, share * c.weight.fraction(), out);
            }
            return;
        }
        let n = t.pillars.len();
        if n == 0 {
            return;
        }
        for p in &t.pillars {
            if let Some(i) = Pillar::ALL.iter().position(|q| q == p) {
                out[i] += share / n as f64;
            }
        }
    }
    let mut out = [0.0; 6];
    walk(t, t.weight.percent(), &mut out);
    out
}

/// A pillar carries "most of the weight" of a journey above this share (percent).
pub const DOMINANT_PILLAR: f64 = 50.0;

/// The pillar that carries most of a journey's weight (more than `DOMINANT_PILLAR`), if one
/// does: a gap of the other kind, where the room leans on one pillar.
pub fn dominant_pillar(shares: &[f64; 6]) -> Option<(Pillar, f64)> {
    Pillar::ALL
        .iter()
        .zip(shares)
        .find(|(_, s)| **s > DOMINANT_PILLAR)
        .map(|(p, s)| (*p, *s))
}

/// The gaps of a journey's pillars in words: the pillars no touchpoint serves, and a pillar
/// carrying most of the weight. Empty when there are none.
pub fn pillar_gaps(j: &Journey) -> Vec<String> {
    let shares = pillar_shares(j);
    let none: Vec<&str> = Pillar::ALL
        .iter()
        .zip(shares)
        .filter(|(_, s)| *s == 0.0)
        .map(|(p, _)| p.label())
        .collect();
    let mut parts = Vec::new();
    if !none.is_empty() {
        parts.push(format!("no touchpoint serves {}", none.join(", ")));
    }
    if let Some((p, s)) = dominant_pillar(&shares) {
        parts.push(format!(
            "{} carries {}% of the weight",
            p.label(),
            (s * 10.0).round() / 10.0
        ));
    }
    parts
}

fn check_touchpoint<'a>(
    c: &mut Checker<'a>,
    journey: &str,
    t: &'a Touchpoint,
    ta: &At,
    ids: &mut HashSet<String>,
    field_owner: &mut HashMap<&'a str, (String, At)>,
    tagged_above: bool,
) {
    let owner = format!("touchpoint '{}'", t.id);
    if t.id.trim().is_empty() {
        c.error("empty-id", ta, "a touchpoint has no id".into());
    } else if !ids.insert(t.id.clone()) {
        c.error(
            "duplicate-id",
            &ta.key("id"),
            format!(
                "journey '{journey}': touchpoint id '{}' is used twice",
                t.id
            ),
        );
    }
    if t.weight == Weight::ZERO {
        c.warn(
            "zero-weight",
            &ta.key("weight"),
            format!("{owner} has a weight of 0: it never counts"),
        );
    }
    if !tagged_above && t.pillars.is_empty() && t.touchpoints.iter().all(|ch| ch.pillars.is_empty())
    {
        c.warn(
            "no-pillar",
            &ta.key("pillars"),
            format!("{owner} is tagged with no pillar"),
        );
    }
    if !t.signals.is_empty() && !t.touchpoints.is_empty() {
        c.error(
            "signals-and-children",
            ta,
            format!("{owner} has both signals and child touchpoints: keep one"),
        );
    }
    if t.signals.is_empty() && t.touchpoints.is_empty() {
        c.error(
            "empty",
            ta,
            format!("{owner} has no signals: add one, or child touchpoints"),
        );
    }
    if !t.signals.is_empty() {
        let sum: i64 = t.signals.iter().map(|s| s.weight.0).sum();
        if sum != FULL {
            c.error(
                "weights-sum",
                &ta.key("signals"),
                weight_sum_message("signal", &owner, sum),
            );
        }
    }
    if !t.touchpoints.is_empty() {
        let sum: i64 = t.touchpoints.iter().map(|s| s.weight.0).sum();
        if sum != FULL {
            c.error(
                "weights-sum",
                &ta.key("touchpoints"),
                weight_sum_message("child touchpoint", &owner, sum),
            );
        }
    }
    let mut in_this = HashSet::new();
    for (i, s) in t.signals.iter().enumerate() {
        let sa = ta.key("signals").item(i, &s.field);
        if !in_this.insert(s.field.as_str()) {
            c.error(
                "duplicate-id",
                &sa.key("field"),
                format!("{owner}: field '{}' is used by two signals", s.field),
            );
        } else if let Some((first, place)) = field_owner.get(s.field.as_str()) {
            if !place.same(ta) {
                c.warn(
                    "field-twice",
                    &sa.key("field"),
                    format!(
                        "journey '{journey}': field '{}' serves both '{first}' and '{}'",
                        s.field, t.id
                    ),
                );
            }
        } else {
            field_owner.insert(s.field.as_str(), (t.id.clone(), ta.clone()));
        }
        if s.weight == Weight::ZERO {
            c.warn(
                "zero-weight",
                &sa.key("weight"),
                format!("{owner}: signal '{}' has a weight of 0", s.field),
            );
        }
        check_signal(c, s, &sa);
    }
    for (i, ch) in t.touchpoints.iter().enumerate() {
        check_touchpoint(
            c,
            journey,
            ch,
            &ta.key("touchpoints").item(i, &ch.id),
            ids,
            field_owner,
            tagged_above || !t.pillars.is_empty(),
        );
    }
}

fn check_signal(c: &mut Checker, s: &Signal, sa: &At) {
    let ra = sa.key("rule");
    match c.fields.get(s.field.as_str()).copied() {
        None => {
            let known: Vec<&str> = c.model.fields.iter().map(|f| f.id.as_str()).collect();
            let hint = super::yaml::nearest(&s.field, &known)
                .map(|n| format!(": did you mean '{n}'?"))
                .unwrap_or_default();
            c.error(
                "unknown-field",
                &sa.key("field"),
                format!("signal on unknown field '{}'{hint}", s.field),
            );
        }
        Some(f) => {
            if let (Rule::Match(m), FieldKind::Boolean) = (&s.rule, f.kind) {
                for (k, _) in m.values.iter().filter(|(k, _)| !super::is_boolean_word(k)) {
                    c.warn(
                        "never-matches",
                        &ra.key("match").key(k),
                        format!(
                            "signal '{}': '{k}' can never match the boolean field '{}', whose values are yes/no, true/false, y/n or 1/0",
                            s.field, f.id
                        ),
                    );
                }
            }
            if let (Rule::Match(m), FieldKind::Number) = (&s.rule, f.kind) {
                let numbers = m.number_keys().len();
                for (k, _) in m
                    .values
                    .iter()
                    .filter(|(k, _)| !k.trim().parse::<f64>().is_ok_and(f64::is_finite))
                {
                    c.error(
                        "bad-rule",
                        &ra.key("match").key(k),
                        format!(
                            "signal '{}': '{k}' is not a number, and the number field '{}' is matched by number ({numbers} of the values are); write the number, or make the field a category",
                            s.field, f.id
                        ),
                    );
                }
            }
            if !s.rule.fits(f.kind) {
                c.error(
                    "rule-kind",
                    &ra,
                    format!(
                        "rule '{}' does not fit field '{}', which is a {}",
                        s.rule.kind_name(),
                        f.id,
                        f.kind.name()
                    ),
                );
            }
        }
    }
    let unit = |v: f64| (0.0..=1.0).contains(&v);
    match &s.rule {
        Rule::Scale { from, to } => {
            // A number that is not finite is said by `check_numbers`.
            if from == to {
                c.error(
                    "bad-rule",
                    &ra,
                    format!(
                        "signal '{}': scale needs two different numbers, from {} to {}",
                        s.field,
                        compact(*from),
                        compact(*to)
                    ),
                );
            }
        }
        Rule::Bands(BandRule { bands, missing: _ }) => {
            if bands.is_empty() {
                c.error(
                    "bad-rule",
                    &ra,
                    format!("signal '{}': bands has no band", s.field),
                );
            }
            for (i, w) in bands.windows(2).enumerate() {
                if w[1].at_least <= w[0].at_least {
                    let ba = ra.key("bands").item(i + 1, "");
                    c.error("bands-order", &ba, format!("signal '{}': bands out of order: {} comes after {}; list them from the lowest up", s.field, compact(w[1].at_least), compact(w[0].at_least)));
                }
            }
            for (i, b) in bands.iter().enumerate() {
                if b.value.is_finite() && !unit(b.value) {
                    c.error(
                        "bad-rule",
                        &ra.key("bands").item(i, ""),
                        format!(
                            "signal '{}': band value {} is outside 0 to 1",
                            s.field,
                            compact(b.value)
                        ),
                    );
                }
            }
        }
        Rule::Match(m) => {
            let mut seen = HashSet::new();
            for (k, v) in &m.values {
                if v.is_finite() && !unit(*v) {
                    c.error(
                        "bad-rule",
                        &ra.key("match").key(k),
                        format!(
                            "signal '{}': match value for '{k}' is {}, outside 0 to 1",
                            s.field,
                            compact(*v)
                        ),
                    );
                }
                if !seen.insert(k.trim().to_ascii_lowercase()) {
                    c.error(
                        "duplicate-id",
                        &ra.key("match").key(k),
                        format!(
                            "signal '{}': '{k}' is matched twice (matching ignores case)",
                            s.field
                        ),
                    );
                }
            }
            if m.default.is_finite() && !unit(m.default) {
                c.error(
                    "bad-rule",
                    &ra.key("match").key("default"),
                    format!(
                        "signal '{}': match default {} is outside 0 to 1",
                        s.field,
                        compact(m.default)
                    ),
                );
            }
            if m.values.is_empty() {
                c.warn(
                    "empty-match",
                    &ra,
                    format!(
                        "signal '{}': match lists no values, so every contact gets the default",
                        s.field
                    ),
                );
            }
        }
        Rule::Recency { half_life_days } => {
            if let Some(m) = half_life_fault(*half_life_days) {
                c.error(
                    "bad-rule",
                    &ra,
                    format!("signal '{}': half_life_days {m}", s.field),
                );
            }
        }
        Rule::LogScale { from, to } => {
            // A number that is not finite is said by `check_numbers`.
            if *from <= 0.0 || *to <= 0.0 {
                c.error(
                    "bad-rule",
                    &ra,
                    format!(
                        "signal '{}': log_scale from {} to {}: both must be more than 0, as a logarithm needs",
                        s.field,
                        compact(*from),
                        compact(*to)
                    ),
                );
            } else if from == to {
                c.error(
                    "bad-rule",
                    &ra,
                    format!(
                        "signal '{}': log_scale needs two different numbers, from {} to {}",
                        s.field,
                        compact(*from),
                        compact(*to)
                    ),
                );
            }
        }
        Rule::Flag | Rule::NotFlag | Rule::Present => {}
    }
    check_missing(c, s, sa);
    if let Some(d) = &s.decay {
        let da = sa.key("decay");
        match c.fields.get(d.since.as_str()) {
            None => c.error(
                "unknown-field",
                &da.key("since"),
                format!(
                    "signal '{}': decay since unknown field '{}'",
                    s.field, d.since
                ),
            ),
            // A date, or a number field that holds days (`days_since_last_login`).
            Some(f) if !matches!(f.kind, FieldKind::Date | FieldKind::Number) => c.error(
                "rule-kind",
                &da.key("since"),
                format!(
                    "signal '{}': decay since '{}', which is a {}, not a date or a number of days",
                    s.field,
                    f.id,
                    f.kind.name()
                ),
            ),
            _ => {}
        }
        if let Some(m) = half_life_fault(d.half_life_days) {
            c.error(
                "bad-rule",
                &da,
                format!("signal '{}': decay half_life_days {m}", s.field),
            );
        }
    }
}

/// What is wrong with a half-life, if anything: it is a finite number of days, more than 0.
fn half_life_fault(days: f64) -> Option<String> {
    if !days.is_finite() {
        Some(format!(
            "is {}: write a finite number of days, more than 0",
            yaml_number(days)
        ))
    } else if days <= 0.0 {
        Some(format!("is {}: it must be more than 0 days", compact(days)))
    } else {
        None
    }
}

/// The tests of a condition on `field` that compare it with another field: the other field
/// must exist and be of the same kind (category and text compare as text), and only numbers
/// and dates have an order.
fn check_other_fields(c: &mut Checker, cond: &Condition, field: &Field, at: &At) {
    let text = |k: FieldKind| matches!(k, FieldKind::Category | FieldKind::Text);
    for (op, other) in cond.other_fields() {
        let oa = at.key(op.key()).key("field");
        let Some(o) = c.fields.get(other).copied() else {
            let known: Vec<&str> = c.model.fields.iter().map(|f| f.id.as_str()).collect();
            let hint = super::yaml::nearest(other, &known)
                .map(|n| format!(": did you mean '{n}'?"))
                .unwrap_or_default();
            c.error(
                "unknown-field",
                &oa,
                format!(
                    "condition on field '{}' compares it with unknown field '{other}'{hint}",
                    field.id
                ),
            );
            continue;
        };
        if o.kind != field.kind && !(text(o.kind) && text(field.kind)) {
            c.error(
                "rule-kind",
                &oa,
                format!(
                    "condition compares field '{}' (a {}) with field '{other}' (a {}): compare fields of the same kind",
                    field.id,
                    field.kind.name(),
                    o.kind.name()
                ),
            );
        }
    }
}

fn check_condition(c: &mut Checker, cond: &Condition, at: &At, scores_allowed: bool) {
    let subjects = [
        cond.field.is_some(),
        cond.journey.is_some(),
        cond.grade.is_some(),
        cond.tier.is_some(),
        cond.rating.is_some(),
        cond.account.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    let combos = usize::from(!cond.all.is_empty())
        + usize::from(!cond.any.is_empty())
        + usize::from(cond.not.is_some());
    if subjects + combos != 1 {
        c.error("bad-condition", at, "a condition names exactly one of field, journey, grade, tier, rating, account, or one of all, any, not".into());
        return;
    }
    if let Some(inner) = &cond.account {
        check_account_condition(c, cond, inner, at, scores_allowed);
        return;
    }
    let tests = [
        cond.at_least.is_some(),
        cond.below.is_some(),
        cond.equals.is_some(),
        cond.one_of.is_some(),
        cond.present.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if let Some(f) = &cond.field {
        match c.fields.get(f.as_str()).copied() {
            None => c.error(
                "unknown-field",
                &at.key("field"),
                format!("condition on unknown field '{f}'"),
            ),
            Some(field) => {
                check_other_fields(c, cond, field, at);
                if (cond.at_least.is_some() || cond.below.is_some())
                    && !matches!(field.kind, FieldKind::Number | FieldKind::Date)
                {
                    c.error(
                        "rule-kind",
                        at,
                        format!(
                            "condition compares field '{f}' as a number, but it is a {}",
                            field.kind.name()
                        ),
                    );
                }
            }
        }
        if tests == 0 {
            c.error("bad-condition", at, format!("condition on field '{f}' tests nothing: add at_least, below, equals, in or present"));
        }
    }
    if let Some(j) = &cond.journey {
        if !scores_allowed {
            c.error(
                "bad-condition",
                at,
                "an adjustment's condition reads fields, not journey scores".into(),
            );
        } else if !c.journeys.contains(j.as_str()) {
            c.error(
                "unknown-journey",
                &at.key("journey"),
                format!("condition names journey '{j}', which does not exist"),
            );
        }
        if cond.at_least.is_none() && cond.below.is_none() {
            c.error(
                "bad-condition",
                at,
                format!("condition on journey '{j}' needs at_least or below"),
            );
        }
        for (op, other) in cond.other_fields() {
            c.error(
                "bad-condition",
                &at.key(op.key()),
                format!("condition on journey '{j}' compares its score with field '{other}': a score compares with a number (at_least: 60)"),
            );
        }
    }
    if let Some(g) = &cond.grade {
        if !scores_allowed {
            c.error(
                "bad-condition",
                at,
                "an adjustment's condition reads fields, not grades".into(),
            );
        } else if !c.model.grades.iter().any(|x| &x.id == g) {
            c.error(
                "unknown-grade",
                &at.key("grade"),
                format!("condition names grade '{g}', which does not exist"),
            );
        }
        if cond.equals.is_none() && cond.one_of.is_none() {
            c.error(
                "bad-condition",
                at,
                format!("condition on grade '{g}' needs equals or in"),
            );
        }
        if let Some(grade) = c.model.grades.iter().find(|x| &x.id == g) {
            if let Some(other) = cond.equals.as_ref().and_then(|e| e.field()) {
                c.error(
                    "bad-condition",
                    &at.key("equals"),
                    format!("condition on grade '{g}' compares it with field '{other}': a grade equals one of its bands"),
                );
            }
            for v in cond
                .equals_value()
                .into_iter()
                .chain(cond.one_of.iter().flatten())
            {
                let label = v.to_string();
                if !grade
                    .bands
                    .keys()
                    .any(|b| b.trim().eq_ignore_ascii_case(label.trim()))
                {
                    let known: Vec<&str> = grade.bands.keys().map(String::as_str).collect();
                    c.error("unknown-grade", at, format!("condition names grade {g} '{label}', which is not one of its bands ({})", known.join(", ")));
                }
            }
        }
    }
    if let Some(t) = &cond.tier {
        if !scores_allowed {
            c.error(
                "bad-condition",
                at,
                "an adjustment's condition reads fields, not tiers".into(),
            );
        }
        let names: Vec<&str> = c
            .model
            .tiers
            .iter()
            .flat_map(|t| t.levels.iter().map(|l| l.name.as_str()))
            .collect();
        for name in t.items() {
            if !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                c.error(
                    "unknown-tier",
                    &at.key("tier"),
                    format!("condition names tier '{name}', which does not exist"),
                );
            }
        }
    }
    if cond.rating.is_some() && !scores_allowed {
        c.error(
            "bad-condition",
            at,
            "an adjustment's condition reads fields, not ratings".into(),
        );
    }
    if cond.rating.is_some() && c.model.matrix.is_none() {
        c.error(
            "bad-condition",
            &at.key("rating"),
            "condition names a rating, but the model has no matrix".into(),
        );
    }
    if let Some(r) = &cond.rating {
        let cells = matrix_cells(c.model);
        for cell in r.items() {
            if !cells.is_empty() && !cells.iter().any(|x| x.eq_ignore_ascii_case(cell.trim())) {
                c.error(
                    "unknown-cell",
                    &at.key("rating"),
                    format!("condition names rating '{cell}', which the matrix does not have"),
                );
            }
        }
    }
    for (i, s) in cond.all.iter().enumerate() {
        check_condition(c, s, &at.key("all").item(i, ""), scores_allowed);
    }
    for (i, s) in cond.any.iter().enumerate() {
        check_condition(c, s, &at.key("any").item(i, ""), scores_allowed);
    }
    if let Some(n) = &cond.not {
        check_condition(c, n, &at.key("not"), scores_allowed);
    }
}

/// `account: { ... }`: allowed in a contact model's segments only, where the accounts are
/// scored before the segments are decided. In an adjustment or a role it would be a cycle (the
/// account is scored from its contacts' scores and roles). The inner condition is checked as a
/// segment's condition of the account model, its findings placed under `account`.
fn check_account_condition(
    c: &mut Checker,
    cond: &Condition,
    inner: &Condition,
    at: &At,
    scores_allowed: bool,
) {
    let tests = cond.at_least.is_some()
        || cond.below.is_some()
        || cond.equals.is_some()
        || cond.one_of.is_some()
        || cond.present.is_some();
    if tests {
        c.error(
            "bad-condition",
            at,
            "account: holds a whole condition of the account model; put the test inside it \
             (account: { journey: account, at_least: 65 })"
                .into(),
        );
    }
    if !scores_allowed {
        c.error(
            "bad-condition",
            &at.key("account"),
            "an adjustment's or a role's condition cannot read the contact's account: the \
             account is scored from its contacts' scores and roles, so this would be a cycle; \
             read the account in a segment"
                .into(),
        );
        return;
    }
    let Some(accounts) = &c.model.accounts else {
        c.error(
            "bad-condition",
            &at.key("account"),
            "account: reads the contact's account, which needs an accounts: block in the model \
             (an account model's own conditions read its fields, scores and tier directly)"
                .into(),
        );
        return;
    };
    let am = accounts.account_model(c.model);
    let mut sub = Checker {
        model: &am,
        fields: am.fields.iter().map(|f| (f.id.as_str(), f)).collect(),
        journeys: am.journeys.iter().map(|j| j.id.as_str()).collect(),
        out: Vec::new(),
    };
    check_condition(&mut sub, inner, &at.key("account"), true);
    for mut d in sub.out {
        d.message = format!("account: {}", d.message);
        c.out.push(d);
    }
}

/// A number as messages print it: as written for everyday sizes, in exponent form beyond
/// (`1e308`, not its 309 digits), so that a message stays one readable line.
pub fn compact(v: f64) -> String {
    let a = v.abs();
    if a != 0.0 && a.is_finite() && !(1e-6..1e15).contains(&a) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// The most points one adjustment may give or take: far past the 0..100 of a score, and small
/// enough that no sum of adjustments overflows (a SQL engine raises where a double overflows).
pub const MAX_POINTS: f64 = 1e6;

/// Every number of the model is finite (YAML reads `.nan` and `.inf` as numbers, and a
/// threshold of NaN is silently never reached); each one that is not is an error at its line.
fn check_numbers(c: &mut Checker, root: &At) {
    fn finite(c: &mut Checker, at: &At, v: f64, what: &str) -> bool {
        if v.is_finite() {
            return true;
        }
        c.error(
            "not-finite",
            at,
            format!(
                "{what} is {}, not a number: write a finite number",
                yaml_number(v)
            ),
        );
        false
    }
    fn cond(c: &mut Checker, k: &Condition, at: &At) {
        for (key, v) in [("at_least", k.at_least_value()), ("below", k.below_value())] {
            if let Some(v) = v {
                finite(c, &at.key(key), v, &format!("condition {key}"));
            }
        }
        if let Some(Scalar::Float(v)) = k.equals_value() {
            finite(c, &at.key("equals"), *v, "condition equals");
        }
        for (i, v) in k.one_of.iter().flatten().enumerate() {
            if let Scalar::Float(v) = v {
                finite(c, &at.key("in").item(i, ""), *v, "condition in");
            }
        }
        for (key, list) in [("all", &k.all), ("any", &k.any)] {
            for (i, x) in list.iter().enumerate() {
                cond(c, x, &at.key(key).item(i, ""));
            }
        }
        if let Some(n) = &k.not {
            cond(c, n, &at.key("not"));
        }
        if let Some(a) = &k.account {
            cond(c, a, &at.key("account"));
        }
    }
    fn tp(c: &mut Checker, t: &Touchpoint, at: &At) {
        for (i, s) in t.signals.iter().enumerate() {
            let sa = at.key("signals").item(i, &s.field);
            let ra = sa.key("rule");
            let what = format!("signal '{}'", s.field);
            match &s.rule {
                Rule::Scale { from, to } => {
                    let sc = ra.key("scale");
                    finite(c, &sc.key("from"), *from, &format!("{what}: scale from"));
                    finite(c, &sc.key("to"), *to, &format!("{what}: scale to"));
                }
                Rule::LogScale { from, to } => {
                    let sc = ra.key("log_scale");
                    finite(
                        c,
                        &sc.key("from"),
                        *from,
                        &format!("{what}: log_scale from"),
                    );
                    finite(c, &sc.key("to"), *to, &format!("{what}: log_scale to"));
                }
                Rule::Bands(BandRule { bands, missing: _ }) => {
                    for (b, band) in bands.iter().enumerate() {
                        let ba = ra.key("bands").item(b, "");
                        finite(
                            c,
                            &ba.key("at_least"),
                            band.at_least,
                            &format!("{what}: band at_least"),
                        );
                        finite(
                            c,
                            &ba.key("value"),
                            band.value,
                            &format!("{what}: band value"),
                        );
                    }
                }
                Rule::Match(m) => {
                    for (k, v) in &m.values {
                        finite(
                            c,
                            &ra.key("match").key(k),
                            *v,
                            &format!("{what}: match value for '{k}'"),
                        );
                    }
                    finite(
                        c,
                        &ra.key("match").key("default"),
                        m.default,
                        &format!("{what}: match default"),
                    );
                }
                // Half-lives are checked with the rule: finite and more than 0.
                Rule::Recency { .. } | Rule::Flag | Rule::NotFlag | Rule::Present => {}
            }
        }
        for (i, child) in t.touchpoints.iter().enumerate() {
            tp(c, child, &at.key("touchpoints").item(i, &child.id));
        }
    }
    let model = c.model;
    for (i, j) in model.journeys.iter().enumerate() {
        let ja = root.key("journeys").item(i, &j.id);
        for (k, t) in j.touchpoints.iter().enumerate() {
            tp(c, t, &ja.key("touchpoints").item(k, &t.id));
        }
        for (k, a) in j.adjustments.iter().enumerate() {
            let aa = ja.key("adjustments").item(k, &a.name);
            let what = format!("adjustment '{}': points", a.name);
            if finite(c, &aa.key("points"), a.points, &what) && a.points.abs() > MAX_POINTS {
                c.error(
                    "not-finite",
                    &aa.key("points"),
                    format!(
                        "{what} are {}: at most {} either way (a score is 0 to 100)",
                        compact(a.points),
                        compact(MAX_POINTS)
                    ),
                );
            }
            cond(c, &a.when, &aa.key("when"));
        }
    }
    for (i, g) in model.grades.iter().enumerate() {
        let ga = root.key("grades").item(i, &g.id);
        for (label, v) in &g.bands {
            finite(
                c,
                &ga.key("bands").key(label),
                *v,
                &format!("grade '{}': band '{label}'", g.id),
            );
        }
    }
    if let Some(t) = &model.tiers {
        for (i, l) in t.levels.iter().enumerate() {
            let la = root.key("tiers").key("levels").item(i, &l.name);
            finite(
                c,
                &la.key("at_least"),
                l.at_least,
                &format!("tier '{}': at_least", l.name),
            );
        }
    }
    for (i, s) in model.segments.iter().enumerate() {
        if let Some(w) = &s.when {
            cond(c, w, &root.key("segments").item(i, &s.name).key("when"));
        }
    }
    for (i, p) in model.personas.iter().enumerate() {
        let pa = root.key("personas").item(i, &p.name);
        for (k, v) in &p.values {
            if let Scalar::Float(v) = v {
                finite(
                    c,
                    &pa.key("values").key(k),
                    *v,
                    &format!("persona '{}': value of '{k}'", p.name),
                );
            }
        }
        for (j, r) in &p.expect.scores {
            let ra = pa.key("expect").key("scores").key(j);
            for (key, v) in [("at_least", r.at_least), ("at_most", r.at_most)] {
                if let Some(v) = v {
                    finite(
                        c,
                        &ra.key(key),
                        v,
                        &format!("persona '{}': {j} {key}", p.name),
                    );
                }
            }
        }
    }
}

/// How YAML spells a number that is not finite, as the user wrote it.
fn yaml_number(v: f64) -> &'static str {
    if v.is_nan() {
        ".nan"
    } else if v > 0.0 {
        ".inf"
    } else {
        "-.inf"
    }
}

fn check_grades(c: &mut Checker, root: &At) {
    let at = root.key("grades");
    let mut seen = HashSet::new();
    for (i, g) in c.model.grades.iter().enumerate() {
        let ga = at.item(i, &g.id);
        if !seen.insert(g.id.as_str()) {
            c.error(
                "duplicate-id",
                &ga.key("id"),
                format!("grade id '{}' is used twice", g.id),
            );
        }
        if !c.journeys.contains(g.journey.as_str()) {
            c.error(
                "unknown-journey",
                &ga.key("journey"),
                format!(
                    "grade '{}' names journey '{}', which does not exist",
                    g.id, g.journey
                ),
            );
        }
        if g.bands.is_empty() {
            c.error(
                "empty",
                &ga.key("bands"),
                format!("grade '{}' has no bands", g.id),
            );
        }
        let bands: Vec<(&String, &f64)> = g.bands.iter().collect();
        for w in bands.windows(2) {
            if w[1].1 >= w[0].1 {
                c.error("thresholds-order", &ga.key("bands").key(w[1].0), format!("grade '{}': thresholds out of order: {} ({}) should be below {} ({}); list them from the highest down", g.id, w[1].0, compact(*w[1].1), w[0].0, compact(*w[0].1)));
            }
        }
        if let Some((name, low)) = bands.last()
            && **low > 0.0
        {
            c.warn("no-floor", &ga.key("bands"), format!("grade '{}': the lowest band '{name}' starts at {}, so scores below it get no grade", g.id, compact(**low)));
        }
    }
    if let Some(m) = &c.model.matrix {
        let ma = root.key("matrix");
        for (key, id) in [("rows", &m.rows), ("columns", &m.columns)] {
            if !c.model.grades.iter().any(|g| &g.id == id) {
                c.error(
                    "unknown-grade",
                    &ma.key(key),
                    format!("matrix {key} name grade '{id}', which does not exist"),
                );
            }
        }
        let cells = matrix_cells(c.model);
        for (key, list) in [("green", &m.green), ("amber", &m.amber)] {
            for cell in list {
                if !cells.is_empty() && !cells.iter().any(|x| x == cell) {
                    c.error(
                        "unknown-cell",
                        &ma.key(key),
                        format!("matrix {key} names cell '{cell}', which the grades do not make"),
                    );
                }
            }
        }
    }
}

/// The matrix cells (`A1`..`D4`) the model's grades make, rows first.
pub fn matrix_cells(model: &Model) -> Vec<String> {
    let Some(m) = &model.matrix else {
        return Vec::new();
    };
    let find = |id: &str| model.grades.iter().find(|g| g.id == id);
    let (Some(r), Some(col)) = (find(&m.rows), find(&m.columns)) else {
        return Vec::new();
    };
    r.bands
        .keys()
        .flat_map(|a| col.bands.keys().map(move |b| format!("{a}{b}")))
        .collect()
}

fn check_tiers(c: &mut Checker, root: &At) {
    let Some(t) = &c.model.tiers else { return };
    let at = root.key("tiers");
    if !c.journeys.contains(t.journey.as_str()) {
        c.error(
            "unknown-journey",
            &at.key("journey"),
            format!("tiers name journey '{}', which does not exist", t.journey),
        );
    }
    if t.levels.is_empty() {
        c.error("empty", &at.key("levels"), "tiers list no levels".into());
    }
    let mut seen = HashSet::new();
    for (i, l) in t.levels.iter().enumerate() {
        let la = at.key("levels").item(i, &l.name);
        if !seen.insert(l.name.to_lowercase()) {
            c.error(
                "duplicate-id",
                &la.key("name"),
                format!("tier '{}' is named twice", l.name),
            );
        }
        if let Some(cap) = &l.capacity {
            check_capacity(c, &la.key("capacity"), &l.name, cap);
        }
        if i > 0 && l.at_least >= t.levels[i - 1].at_least {
            c.error("thresholds-order", &la.key("at_least"), format!("tier thresholds out of order: '{}' at {} should be below '{}' at {}; list tiers from the hottest down", l.name, compact(l.at_least), t.levels[i - 1].name, compact(t.levels[i - 1].at_least)));
        }
    }
    if let Some(last) = t.levels.last()
        && last.at_least > 0.0
    {
        c.warn(
            "no-floor",
            &at.key("levels"),
            format!(
                "the lowest tier '{}' starts at {}, so lower scores get no tier",
                last.name,
                compact(last.at_least)
            ),
        );
    }
}

/// A capacity needs contacts to hand over, and a date column exactly when it is per day, week
/// or month.
fn check_capacity(c: &mut Checker, at: &At, tier: &str, cap: &crate::model::Capacity) {
    use crate::model::Period;
    if cap.contacts == 0 {
        c.error(
            "capacity",
            &at.key("contacts"),
            format!("tier '{tier}' has a capacity of 0 contacts: give how many sales can take per period (400)"),
        );
    }
    match (cap.per, &cap.date) {
        (Period::File, Some(d)) => c.error(
            "capacity",
            &at.key("date"),
            format!("tier '{tier}': capacity per file reads no date column ('{d}'): write per: day, week or month, or leave the date out"),
        ),
        (Period::Day | Period::Week | Period::Month, None) => c.error(
            "capacity",
            &at.key("per"),
            format!("tier '{tier}': capacity per {} needs the date column that places each contact in a {} (date: Created)", cap.per.name(), cap.per.name()),
        ),
        (Period::File, None) | (Period::Day | Period::Week | Period::Month, Some(_)) => {}
    }
}

fn check_segments(c: &mut Checker, root: &At) {
    let at = root.key("segments");
    let mut seen = HashSet::new();
    for (i, s) in c.model.segments.iter().enumerate() {
        let sa = at.item(i, &s.name);
        if !seen.insert(s.name.to_lowercase()) {
            c.error(
                "duplicate-id",
                &sa.key("name"),
                format!("segment '{}' is named twice", s.name),
            );
        }
        match &s.when {
            Some(w) => check_condition(c, w, &sa.key("when"), true),
            None if i + 1 < c.model.segments.len() => {
                c.warn(
                    "unreachable",
                    &sa,
                    format!(
                        "segment '{}' catches everyone, so the segments after it never match",
                        s.name
                    ),
                );
            }
            None => {}
        }
    }
    if !c.model.segments.is_empty() && c.model.segments.last().is_some_and(|s| s.when.is_some()) {
        c.warn("no-catch-all", &at, "no catch-all segment: the last segment has a condition, so some contacts get no segment".into());
    }
}

/// The id and preview columns the model names, against the contacts' columns.
fn check_columns(c: &mut Checker, root: &At, columns: Option<&[String]>) {
    let Some(cols) = columns else { return };
    let known: Vec<&str> = cols.iter().map(String::as_str).collect();
    let has = |name: &str| {
        cols.iter()
            .any(|h| h == name || h.trim().eq_ignore_ascii_case(name.trim()))
    };
    let hint = |name: &str| {
        super::yaml::nearest(name, &known)
            .map(|n| format!(" (did you mean '{n}'?)"))
            .unwrap_or_default()
    };
    let mut named: Vec<(&str, At)> = Vec::new();
    // `#row` names the row number, not a column.
    if let Some(id) = c
        .model
        .id_column
        .as_ref()
        .filter(|id| *id != crate::engine::ROW_ID)
    {
        named.push((id, root.key("id_column")));
    }
    for (i, s) in c.model.show.iter().enumerate() {
        named.push((s, root.key("show").item(i, "")));
    }
    if let Some(o) = c.model.outcome.as_ref().filter(|o| o.event.is_none()) {
        named.push((&o.column, root.key("outcome")));
    }
    for (name, at) in named {
        if !has(name) {
            let h = hint(name);
            c.warn(
                "missing-column",
                &at,
                format!("the sample contacts have no column '{name}'{h}"),
            );
        }
    }
}

/// Every number a `tuning` limit names must exist, and its bounds must be of that number's
/// kind: a weight's in percent (0 to 100, two decimals), an attainment's from 0 to 1.
fn check_tuning(c: &mut Checker, root: &At) {
    let paths = tuning_paths(c.model);
    for (i, l) in c.model.tuning.iter().enumerate() {
        let la = root.key("tuning").item(i, &l.at);
        let Some((_, kind)) = paths.iter().find(|(p, _)| p == &l.at) else {
            let known: Vec<&str> = paths.iter().map(|(p, _)| p.as_str()).collect();
            let hint = super::yaml::nearest(&l.at, &known)
                .map(|n| format!(": did you mean '{n}'?"))
                .unwrap_or_default();
            c.error(
                "unknown-weight",
                &la.key("at"),
                format!(
                    "tuning names weight '{}', which the model does not have{hint}",
                    l.at
                ),
            );
            continue;
        };
        for (key, v) in [("min", l.min), ("max", l.max)] {
            let Some(v) = v else { continue };
            let wrong = match kind {
                TunedKind::Weight => Weight::from_percent(v).err(),
                TunedKind::Attainment => (!(0.0..=1.0).contains(&v)).then(|| {
                    format!(
                        "{} is outside 0 to 1, the range of an attainment",
                        fmt_limit(v)
                    )
                }),
                TunedKind::Number => (!v.is_finite()).then(|| "not a finite number".to_string()),
            };
            if let Some(why) = wrong {
                c.error(
                    "bad-limit",
                    &la.key(key),
                    format!("tuning '{}': {key} {why}", l.at),
                );
            }
        }
        if let (Some(lo), Some(hi)) = (l.min, l.max)
            && lo > hi
        {
            c.error(
                "bad-limit",
                &la,
                format!(
                    "tuning '{}': min {} is above max {}",
                    l.at,
                    fmt_limit(lo),
                    fmt_limit(hi)
                ),
            );
        }
    }
}

/// A number as a person writes it: at most four decimals, no trailing zeros.
pub fn fmt_limit(v: f64) -> String {
    let t = format!("{v:.4}");
    t.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// What a tuning path names, for the form of its bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TunedKind {
    Weight,
    Attainment,
    /// A `scale` end point or an adjustment's points: any number.
    Number,
}

/// Every path a `tuning` limit may name, with what it names: each weight, each attainment
/// of a `match` or `bands` rule, each `scale` end point and each adjustment's points.
pub fn tuning_paths(model: &Model) -> Vec<(String, TunedKind)> {
    fn walk(t: &Touchpoint, label: &str, out: &mut Vec<(String, TunedKind)>) {
        let here = format!("{label}.{}", t.id);
        for s in &t.signals {
            let at = format!("{here}.{}", s.field);
            for key in attainment_keys(&s.rule) {
                let kind = if key == "from" || key == "to" {
                    TunedKind::Number
                } else {
                    TunedKind::Attainment
                };
                out.push((format!("{at}.{key}"), kind));
            }
            // A missing value's attainment is tuned where the model gives one.
            if s.missing.or(s.rule.missing_entry()).is_some() {
                out.push((format!("{at}.missing"), TunedKind::Attainment));
            }
            out.push((at, TunedKind::Weight));
        }
        for ch in &t.touchpoints {
            walk(ch, &here, out);
        }
        out.push((here, TunedKind::Weight));
    }
    let mut paths = Vec::new();
    for j in &model.journeys {
        for t in &j.touchpoints {
            walk(t, &j.id, &mut paths);
        }
        // A composite's part weights, by the part's journey id: `lead.fit`.
        for p in &j.parts {
            paths.push((format!("{}.{}", j.id, p.journey), TunedKind::Weight));
        }
        for a in &j.adjustments {
            paths.push((
                format!("{}.adjustments.{}", j.id, a.name),
                TunedKind::Number,
            ));
        }
    }
    paths
}

/// The names of a rule's tunable numbers, after its signal's path: each `match` value as
/// written and `default`, each band by its `at_least`, a scale's `from` and `to`.
/// A missing value's own attainment: 0 to 1, and given once (the signal's `missing` wins
/// over the rule's entry, so a second one is redundant, or a mistake when they differ).
fn check_missing(c: &mut Checker, s: &Signal, sa: &At) {
    let rule = sa.key("rule").key(s.rule.kind_name());
    // `match` holds the entry under its key; `bands` as the list's last item.
    let ra = match &s.rule {
        Rule::Bands(b) => rule.item(b.bands.len(), "missing"),
        Rule::Match(_)
        | Rule::Scale { .. }
        | Rule::Flag
        | Rule::NotFlag
        | Rule::Present
        | Rule::Recency { .. }
        | Rule::LogScale { .. } => rule.key("missing"),
    };
    for (v, at) in [
        (s.missing, sa.key("missing")),
        (s.rule.missing_entry(), ra.clone()),
    ] {
        if let Some(v) = v.filter(|v| !(0.0..=1.0).contains(v)) {
            c.error(
                "bad-rule",
                &at,
                format!(
                    "signal '{}': a missing value's attainment is {}, outside 0 to 1",
                    s.field,
                    compact(v)
                ),
            );
        }
    }
    if let (Some(own), Some(entry)) = (s.missing, s.rule.missing_entry()) {
        let what = if own == entry {
            "says the same twice: keep one"
        } else {
            "is overridden by it: remove one"
        };
        c.warn(
            "missing-twice",
            &ra,
            format!(
                "signal '{}' gives a missing value {} and its rule's `missing` entry {} {what}",
                s.field,
                compact(own),
                compact(entry)
            ),
        );
    }
}

pub fn attainment_keys(rule: &Rule) -> Vec<String> {
    match rule {
        Rule::Match(m) => m
            .values
            .iter()
            .map(|(k, _)| k.clone())
            .chain(std::iter::once("default".to_string()))
            .collect(),
        Rule::Bands(b) => b.bands.iter().map(|b| fmt_limit(b.at_least)).collect(),
        Rule::Scale { .. } | Rule::LogScale { .. } => vec!["from".into(), "to".into()],
        Rule::Flag | Rule::NotFlag | Rule::Present | Rule::Recency { .. } => Vec::new(),
    }
}

fn check_personas(c: &mut Checker, root: &At) {
    let at = root.key("personas");
    for (i, p) in c.model.personas.iter().enumerate() {
        let pa = at.item(i, &p.name);
        for key in p.values.keys() {
            if c.fields.get(key.as_str()).is_some_and(|f| f.expr.is_some()) {
                c.error(
                    "derived-field",
                    &pa.key("values").key(key),
                    format!(
                        "persona '{}' gives a value for '{key}', a derived field: it is computed from its expression; give the fields it reads instead",
                        p.name
                    ),
                );
            } else if !c.fields.contains_key(key.as_str())
                && !c.model.fields.iter().any(|f| f.column() == key)
            {
                c.error(
                    "unknown-field",
                    &pa.key("values").key(key),
                    format!(
                        "persona '{}' gives a value for '{key}', which is not a field",
                        p.name
                    ),
                );
            }
        }
        for j in p.expect.scores.keys() {
            if !c.journeys.contains(j.as_str()) {
                c.error(
                    "unknown-journey",
                    &pa.key("expect").key("scores").key(j),
                    format!(
                        "persona '{}' expects a score for journey '{j}', which does not exist",
                        p.name
                    ),
                );
            }
        }
        for g in p.expect.grades.keys() {
            if !c.model.grades.iter().any(|x| &x.id == g) {
                c.error(
                    "unknown-grade",
                    &pa.key("expect").key("grades").key(g),
                    format!(
                        "persona '{}' expects grade '{g}', which does not exist",
                        p.name
                    ),
                );
            }
        }
    }
}

/// Counts of errors and warnings.
pub fn counts(diags: &[Diagnostic]) -> (usize, usize) {
    let e = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    (e, diags.len() - e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{SourceMap, parse_model};

    /// A model with one of every finding. Line numbers are counted in the text below.
    const BROKEN: &str = r#"name: Broken
fields:
  - { id: visits, kind: number }
  - { id: visits, kind: number }
  - { id: source, kind: category }
  - { id: unused, kind: text }
  - { id: seen, kind: date }
journeys:
  - id: j
    touchpoints:
      - id: a
        weight: 50
        pillars: [empathy]
        signals:
          - { field: visits, weight: 60, rule: { bands: [ { at_least: 5, value: 0.5 }, { at_least: 1, value: 1 } ] } }
          - { field: nope, weight: 40, rule: flag }
      - id: a
        weight: 40
        signals:
          - { field: visits, weight: 100, rule: flag }
      - id: z
        weight: 0
        pillars: [integrity]
        signals:
          - { field: source, weight: 100, rule: { recency: { half_life_days: 30 } } }
grades:
  - { id: g, journey: nowhere, bands: { A: 50, B: 75, C: 0 } }
tiers:
  journey: j
  levels:
    - { name: warm, at_least: 40 }
    - { name: hot, at_least: 70 }
segments:
  - { name: Hot, when: { tier: hot }, action: Call }
  - { name: Odd, when: { journey: missing, at_least: 5 }, action: Wait }
"#;

    fn find<'a>(d: &'a [Diagnostic], code: &str, text: &str) -> &'a Diagnostic {
        d.iter()
            .find(|x| x.code == code && x.message.contains(text))
            .unwrap_or_else(|| {
                panic!(
                    "no {code} with '{text}' in:\n{}",
                    d.iter()
                        .map(|x| x.render(None))
                        .collect::<Vec<_>>()
                        .join("\n")
                )
            })
    }

    #[test]
    fn every_finding_with_its_message_and_place() {
        let model = parse_model(BROKEN, "b.yaml").unwrap();
        let map = SourceMap::new(BROKEN);
        let cols = vec!["visits".to_string(), "source".to_string()];
        let d = check(&model, Some(&cols), Some(&map));
        let at = |x: &Diagnostic| (x.severity, x.line.unwrap_or(0));
        // Errors.
        let x = find(
            &d,
            "weights-sum",
            "journey 'j': touchpoint weights sum to 90%, 10% unassigned",
        );
        assert_eq!(
            (at(x), x.at.as_str()),
            ((Severity::Error, 10), "journeys.j.touchpoints")
        );
        assert_eq!(
            at(find(&d, "duplicate-id", "field id 'visits' is used twice")),
            (Severity::Error, 4)
        );
        assert_eq!(
            at(find(&d, "duplicate-id", "touchpoint id 'a' is used twice")),
            (Severity::Error, 17)
        );
        assert_eq!(
            at(find(&d, "unknown-field", "signal on unknown field 'nope'")),
            (Severity::Error, 16)
        );
        assert_eq!(
            at(find(
                &d,
                "rule-kind",
                "rule 'flag' does not fit field 'visits', which is a number"
            )),
            (Severity::Error, 20)
        );
        assert_eq!(
            at(find(
                &d,
                "rule-kind",
                "rule 'recency' does not fit field 'source', which is a category"
            )),
            (Severity::Error, 25)
        );
        assert_eq!(
            at(find(
                &d,
                "bands-order",
                "bands out of order: 1 comes after 5"
            )),
            (Severity::Error, 15)
        );
        assert_eq!(
            at(find(
                &d,
                "thresholds-order",
                "grade 'g': thresholds out of order: B (75) should be below A (50)"
            )),
            (Severity::Error, 27)
        );
        assert_eq!(
            at(find(
                &d,
                "thresholds-order",
                "tier thresholds out of order: 'hot' at 70 should be below 'warm' at 40"
            )),
            (Severity::Error, 32)
        );
        assert_eq!(
            at(find(
                &d,
                "unknown-journey",
                "grade 'g' names journey 'nowhere'"
            )),
            (Severity::Error, 27)
        );
        assert_eq!(
            at(find(
                &d,
                "unknown-journey",
                "condition names journey 'missing'"
            )),
            (Severity::Error, 35)
        );
        // Warnings.
        assert_eq!(
            at(find(
                &d,
                "field-twice",
                "field 'visits' serves both 'a' and 'a'"
            )),
            (Severity::Warning, 20)
        );
        assert_eq!(
            at(find(
                &d,
                "no-pillar",
                "touchpoint 'a' is tagged with no pillar"
            ))
            .0,
            Severity::Warning
        );
        // Integrity is only on 'z', whose weight is 0.
        let p = find(
            &d,
            "pillar-unweighted",
            "no weight on the pillars integrity, resolution, expectations, time_and_effort, personalisation",
        );
        assert_eq!(at(p), (Severity::Warning, 9));
        assert_eq!(
            at(find(&d, "zero-weight", "touchpoint 'z' has a weight of 0")),
            (Severity::Warning, 22)
        );
        assert_eq!(
            at(find(&d, "no-catch-all", "no catch-all segment")),
            (Severity::Warning, 33)
        );
        assert_eq!(
            at(find(&d, "unused-field", "field 'unused' is not used")),
            (Severity::Warning, 6)
        );
        assert_eq!(
            at(find(
                &d,
                "missing-column",
                "field 'seen': the sample contacts have no column 'seen'"
            )),
            (Severity::Warning, 7)
        );
        // Errors come first.
        let first_warning = d
            .iter()
            .position(|x| x.severity == Severity::Warning)
            .unwrap();
        assert!(
            d[first_warning..]
                .iter()
                .all(|x| x.severity == Severity::Warning)
        );
    }

    /// A derived field of kind text, and a persona giving a value for a derived field (it would
    /// be computed over, silently): both errors. A derived field's inputs count as used, and a
    /// derived field is never missing from the contacts' columns.
    #[test]
    fn derived_fields_are_not_text_not_given_by_personas_and_have_no_column() {
        let text = "name: d\nfields:\n  - { id: visits, kind: number }\n  - { id: label, kind: text, expr: '\"x\"' }\n  - { id: twice, kind: number, expr: visits * 2 }\njourneys:\n  - id: j\n    touchpoints:\n      - { id: t, weight: 100, pillars: [empathy], signals: [ { field: twice, weight: 100, rule: { scale: { from: 0, to: 10 } } } ] }\npersonas:\n  - { name: P, values: { twice: 4 }, expect: { scores: { j: { at_least: 0 } } } }\n";
        let model = parse_model(text, "d.yaml").unwrap();
        let cols = vec!["visits".to_string()];
        let d = check(&model, Some(&cols), None);
        let messages: Vec<&str> = d.iter().map(|x| x.message.as_str()).collect();
        assert!(
            messages.contains(
                &"label: a derived field is a number, boolean, date or category, not text"
            ),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("persona 'P' gives a value for 'twice', a derived field")),
            "{messages:?}"
        );
        assert!(
            !messages.iter().any(
                |m| m.contains("no column 'twice'") || m.contains("field 'visits' is not used")
            ),
            "{messages:?}"
        );
    }

    /// A derived field as the `id_column` was accepted by `check` (exit 0), though no column
    /// holds it: now an error at `id_column`.
    #[test]
    fn a_derived_field_is_not_an_id_column() {
        let text = "name: d\nid_column: twice\nfields:\n  - { id: visits, kind: number }\n  - { id: twice, kind: number, expr: visits * 2 }\njourneys:\n  - id: j\n    touchpoints:\n      - { id: t, weight: 100, pillars: [empathy], signals: [ { field: twice, weight: 100, rule: { scale: { from: 0, to: 10 } } } ] }\n";
        let model = parse_model(text, "d.yaml").unwrap();
        let d = check(&model, None, None);
        find(
            &d,
            "derived-field",
            "id_column 'twice' is a derived field: an id is read from a column of the contacts, name that column instead",
        );
    }

    /// Issue 14 (leftover): a field read only by a derived field whose expression does not
    /// parse was called "not used": it is referenced, and the expression's error is the
    /// finding. A field the text does not name (nor inside a text literal) still is unused.
    #[test]
    fn a_field_read_by_an_unparsable_derived_field_is_used() {
        let text = "name: d\nfields:\n  - { id: visits, kind: number }\n  - { id: mails, kind: number }\n  - { id: other, kind: number }\n  - { id: broken, kind: number, expr: \"visits + * `mails` + 'other'\" }\njourneys:\n  - id: j\n    touchpoints:\n      - { id: t, weight: 100, pillars: [empathy], signals: [ { field: broken, weight: 100, rule: { scale: { from: 0, to: 10 } } } ] }\n";
        let model = parse_model(text, "d.yaml").unwrap();
        let d = check(&model, None, None);
        find(&d, "derived-expr", "broken: expected a value, found '*'");
        let unused: Vec<&str> = d
            .iter()
            .filter(|x| x.code == "unused-field")
            .map(|x| x.message.as_str())
            .collect();
        assert_eq!(
            unused,
            ["field 'other' is not used by any signal, adjustment or segment"]
        );
    }

    #[test]
    fn references_that_do_not_exist() {
        let text = format!(
            "{BROKEN}  - {{ name: G, when: {{ grade: g, in: [A, Z] }}, action: x }}\n  - {{ name: R, when: {{ rating: [E9] }}, action: x }}\n\
tuning:\n  - {{ at: j.a.visit, fixed: true }}\n  - {{ at: j.a, min: 60, max: 40 }}\n  - {{ at: j.a.visits.5, max: 1.5 }}\n  - {{ at: j.a.visits.1, min: 0.25 }}\n  - {{ at: j.z, max: 120 }}\nid_column: Contact\nshow: [Company]\n"
        );
        let model = parse_model(&text, "b.yaml").unwrap();
        let cols = vec!["visits".to_string(), "Contact ID".to_string()];
        let d = check(&model, Some(&cols), None);
        find(
            &d,
            "unknown-grade",
            "condition names grade g 'Z', which is not one of its bands (A, B, C)",
        );
        find(
            &d,
            "bad-condition",
            "names a rating, but the model has no matrix",
        );
        find(
            &d,
            "unknown-weight",
            "tuning names weight 'j.a.visit', which the model does not have: did you mean 'j.a.visits'?",
        );
        find(&d, "bad-limit", "tuning 'j.a': min 60 is above max 40");
        // A band's attainment is named by its `at_least` and bounded within 0 to 1; a weight's
        // limits are weights.
        find(
            &d,
            "bad-limit",
            "tuning 'j.a.visits.5': max 1.5 is outside 0 to 1, the range of an attainment",
        );
        find(&d, "bad-limit", "tuning 'j.z': max weight 120 is over 100%");
        assert!(
            !d.iter().any(|x| x.message.contains("j.a.visits.1")),
            "{d:?}"
        );
        find(
            &d,
            "missing-column",
            "no column 'Contact' (did you mean 'Contact ID'?)",
        );
        find(&d, "missing-column", "no column 'Company'");
    }

    #[test]
    fn over_100_says_how_much_over() {
        let text = BROKEN.replace(
            "weight: 40\n        signals:\n          - { field: visits, weight: 100, rule: flag }",
            "weight: 55\n        signals:\n          - { field: visits, weight: 100, rule: flag }",
        );
        let d = check(&parse_model(&text, "b.yaml").unwrap(), None, None);
        find(&d, "weights-sum", "touchpoint weights sum to 105%, 5% over");
    }

    #[test]
    fn a_match_key_a_boolean_never_has_is_a_warning() {
        let text = "name: m\nfields:\n  - { id: active, kind: boolean }\njourneys:\n  - id: j\n    touchpoints:\n      - id: t\n        weight: 100\n        pillars: [empathy]\n        signals:\n          - { field: active, weight: 100, rule: { match: { \"yes\": 1, maybe: 0.5, N: 0 } } }\n";
        let d = check(&parse_model(text, "m.yaml").unwrap(), None, None);
        let w = find(
            &d,
            "never-matches",
            "'maybe' can never match the boolean field 'active'",
        );
        assert_eq!(w.severity, Severity::Warning);
        // `yes` and `N` are boolean spellings: only `maybe` is flagged.
        assert_eq!(d.iter().filter(|x| x.code == "never-matches").count(), 1);
    }

    #[test]
    fn a_log_scale_needs_two_different_numbers_above_0() {
        let model = |rule: &str| {
            format!(
                "name: m\nfields:\n  - {{ id: revenue, kind: number }}\n  - {{ id: seen, kind: date }}\njourneys:\n  - id: j\n    touchpoints:\n      - id: t\n        weight: 100\n        pillars: [empathy]\n        signals:\n          - {{ field: revenue, weight: 100, rule: {rule} }}\n"
            )
        };
        let errors = |rule: &str| {
            let d = check(&parse_model(&model(rule), "m.yaml").unwrap(), None, None);
            d.into_iter()
                .filter(|x| x.severity == Severity::Error)
                .map(|x| x.message)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            errors("{ log_scale: { from: 1, to: 1000 } }"),
            Vec::<String>::new()
        );
        assert_eq!(
            errors("{ log_scale: { from: 0, to: 1000 } }"),
            [
                "signal 'revenue': log_scale from 0 to 1000: both must be more than 0, as a logarithm needs"
            ]
        );
        assert_eq!(
            errors("{ log_scale: { from: 5, to: 5 } }"),
            ["signal 'revenue': log_scale needs two different numbers, from 5 to 5"]
        );
        assert_eq!(
            errors("{ match: { 1: 1, '2.5': 0.6, two: 0.3, default: 0.1 } }"),
            [
                "signal 'revenue': 'two' is not a number, and the number field 'revenue' is matched by number (2 of the values are); write the number, or make the field a category"
            ]
        );
        let on_date =
            model("{ log_scale: { from: 1, to: 10 } }").replace("field: revenue", "field: seen");
        let d = check(&parse_model(&on_date, "m.yaml").unwrap(), None, None);
        find(
            &d,
            "rule-kind",
            "rule 'log_scale' does not fit field 'seen', which is a date",
        );
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod numbers {
    use super::*;
    use crate::model::parse_model;

    /// Issue 12, item 9: `.nan` and `.inf` passed `check` (a tier or grade then never given);
    /// item 19: a half-life of `.inf` said "must be more than 0", and messages printed the 309
    /// digits of 1e308.
    const NOT_FINITE: &str = r#"name: n
fields:
  - { id: visits, kind: number }
  - { id: seen, kind: date }
journeys:
  - id: j
    touchpoints:
      - id: a
        weight: 50
        pillars: [empathy]
        signals:
          - { field: visits, weight: 50, rule: { scale: { from: .nan, to: 10 } } }
          - { field: seen, weight: 50, rule: { recency: { half_life_days: .inf } } }
      - id: b
        weight: 50
        pillars: [empathy]
        signals:
          - { field: visits, weight: 100, rule: { bands: [ { at_least: -.inf, value: 0.5 } ] }, decay: { since: seen, half_life_days: -3 } }
    adjustments:
      - { name: big, when: { field: visits, at_least: .nan }, points: 1e308 }
grades:
  - { id: g, journey: j, bands: { A: .inf, B: 0 } }
tiers:
  journey: j
  levels:
    - { name: hot, at_least: .nan }
    - { name: cold, at_least: 1e308 }
"#;

    #[test]
    fn every_number_is_finite_and_located_and_printed_compactly() {
        let model = parse_model(NOT_FINITE, "n.yaml").unwrap();
        let map = SourceMap::new(NOT_FINITE);
        let d = check(&model, None, Some(&map));
        let lines: Vec<String> = d.iter().map(|x| x.render(Some("n.yaml"))).collect();
        let has = |needle: &str| {
            assert!(
                lines.iter().any(|l| l.contains(needle)),
                "no '{needle}' in:\n{}",
                lines.join("\n")
            )
        };
        has("n.yaml:12:");
        has("signal 'visits': scale from is .nan, not a number: write a finite number");
        has("n.yaml:13:");
        has("signal 'seen': half_life_days is .inf: write a finite number of days, more than 0");
        has("n.yaml:18:");
        has("band at_least is -.inf, not a number");
        has("decay half_life_days is -3: it must be more than 0 days");
        has("n.yaml:20:");
        has("condition at_least is .nan, not a number");
        has("adjustment 'big': points are 1e308: at most 1000000 either way");
        has("n.yaml:22:");
        has("grade 'g': band 'A' is .inf, not a number");
        has("n.yaml:26:");
        has("tier 'hot': at_least is .nan, not a number");
        // No number is printed with hundreds of digits.
        assert!(lines.iter().all(|l| l.len() < 300), "{lines:#?}");
        assert!(!lines.iter().any(|l| l.contains("NaN")), "{lines:#?}");
    }

    #[test]
    fn warnings_come_in_line_order() {
        // Issue 12, item 19: a field the contacts lack (line 3) was listed after the journeys'
        // warnings (line 6 on).
        let text = "name: w\nfields:\n  - { id: visits, kind: number }\njourneys:\n  - id: j\n    touchpoints:\n      - { id: a, weight: 100, signals: [ { field: visits, weight: 100, rule: flag } ] }\n";
        let model = parse_model(text, "w.yaml").unwrap();
        let d = check(
            &model,
            Some(&["other".to_string()]),
            Some(&SourceMap::new(text)),
        );
        let warnings: Vec<usize> = d
            .iter()
            .filter(|x| x.severity == Severity::Warning)
            .map(|x| x.line.unwrap_or(0))
            .collect();
        assert!(warnings.len() >= 2, "{d:#?}");
        assert!(warnings.windows(2).all(|w| w[0] <= w[1]), "{warnings:?}");
    }

    #[test]
    fn numbers_print_compactly() {
        assert_eq!(compact(1e308), "1e308");
        assert_eq!(compact(-2.5e20), "-2.5e20");
        assert_eq!(compact(41.4), "41.4");
        assert_eq!(compact(0.0), "0");
        assert_eq!(compact(1e-9), "1e-9");
        assert_eq!(compact(123456.0), "123456");
    }
}
