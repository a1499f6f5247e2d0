//! Event fields computed from an event log (issue 20), in one pass over the log.
//!
//! The log is read in chunks (CSV or JSON Lines, as contacts are) and each event is folded
//! into its contact's state the moment it is read, so memory grows with the contacts and the
//! event fields, never with the events. Held per contact: its id and first-seen place, and per
//! event field one accumulator (a count, a sum, the first and last event's day, and for
//! `points` one subtotal per cap period that has events). Held per event type: its matcher.
//!
//! The aggregates become columns of text on the contacts table, under the field's id, as the
//! file would have held them had a team reduced the log by hand: from there, the field is
//! typed, scored, explained, tuned and previewed as any other. Numbers are written in Rust's
//! shortest form that reads back to the same `f64`, so nothing is lost on the way.
//!
//! Only events strictly before `as_of` count: a score at a date never sees that day or later.

use crate::contacts::{ContactsError, ContactsReader, Table, TextColumn};
use crate::model::events::{Aggregate, EventSignal};
use crate::model::{Date, Model};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum EventsError {
    #[error(transparent)]
    Read(#[from] ContactsError),
    #[error("{file}: has no column '{column}' (the model's `events.{key}`){hint}")]
    NoColumn {
        file: String,
        column: String,
        key: &'static str,
        hint: String,
    },
}

/// What reading the log found wrong, or left out, for the run's report.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventReport {
    pub file: String,
    /// Rows read.
    pub rows: u64,
    /// Rows whose time is not a date, and the first one's line.
    pub bad_time: u64,
    pub first_bad_time: Option<u64>,
    /// Rows with no contact id.
    pub no_contact: u64,
    pub first_no_contact: Option<u64>,
    /// Rows whose value is not a number, where a `sum` field reads it.
    pub bad_value: u64,
    pub first_bad_value: Option<u64>,
    /// Rows on or after `as_of`: not read by any field.
    pub after: u64,
    /// The first and the last day of the events with a contact and a date (the log's history,
    /// which the rolling back-test spans by default): read by `span` only.
    pub first_day: Option<Date>,
    pub last_day: Option<Date>,
    /// Contacts with events before `as_of` that the contacts table does not have, and one of
    /// them (set by `attach`).
    pub unknown_contacts: usize,
    pub first_unknown: Option<String>,
}

impl EventReport {
    /// One line per thing to report, each saying what, where, and what was done.
    pub fn lines(&self) -> Vec<String> {
        let f = &self.file;
        let s = |n: u64| if n == 1 { "" } else { "s" };
        let mut out = Vec::new();
        if self.bad_time > 0 {
            out.push(format!(
                "{f}: {} event{} with a time that is not a date (first at line {}): skipped; \
                 write dates as YYYY-MM-DD",
                self.bad_time,
                s(self.bad_time),
                self.first_bad_time.unwrap_or(0)
            ));
        }
        if self.no_contact > 0 {
            out.push(format!(
                "{f}: {} event{} with no contact id (first at line {}): skipped",
                self.no_contact,
                s(self.no_contact),
                self.first_no_contact.unwrap_or(0)
            ));
        }
        if self.bad_value > 0 {
            out.push(format!(
                "{f}: {} event{} with a value that is not a number (first at line {}): not \
                 added to sums",
                self.bad_value,
                s(self.bad_value),
                self.first_bad_value.unwrap_or(0)
            ));
        }
        if self.unknown_contacts > 0 {
            out.push(format!(
                "{f}: {} contact{} with events {} not in the contacts (first: '{}'): their \
                 events are not scored",
                self.unknown_contacts,
                s(self.unknown_contacts as u64),
                if self.unknown_contacts == 1 {
                    "is"
                } else {
                    "are"
                },
                self.first_unknown.as_deref().unwrap_or("")
            ));
        }
        out
    }
}

/// One contact's state for one event field.
#[derive(Clone, Debug)]
struct Acc {
    count: u64,
    sum: f64,
    first: i32,
    last: i32,
    /// `points`: per cap period (0 = the `per` days before `as_of`), the points of its
    /// events after decay, in the order they were read.
    buckets: Vec<(u32, f64)>,
}

impl Default for Acc {
    fn default() -> Acc {
        Acc {
            count: 0,
            sum: 0.0,
            first: i32::MAX,
            last: i32::MIN,
            buckets: Vec::new(),
        }
    }
}

/// An event field, ready to fold events into.
struct Spec<'a> {
    id: &'a str,
    signal: &'a EventSignal,
    /// Index of the type in `events.types`.
    ty: usize,
}

/// The event fields of a model, in model order, with their type's index.
fn specs(model: &Model) -> Vec<Spec<'_>> {
    let Some(ev) = &model.events else {
        return Vec::new();
    };
    model
        .fields
        .iter()
        .filter_map(|f| {
            let s = f.events.as_ref()?;
            let ty = match &s.event_type {
                Some(t) => ev.types.iter().position(|x| &x.id == t)?,
                None if ev.types.len() == 1 => 0,
                None => return None,
            };
            Some(Spec {
                id: &f.id,
                signal: s,
                ty,
            })
        })
        .collect()
}

/// The points one event gives after decay: `points x 0.5^(age / half_life)`.
pub fn decayed(s: &EventSignal, age: i32) -> f64 {
    let p = s.points.unwrap_or(0.0);
    match s.half_life {
        Some(h) => p * 0.5f64.powf(f64::from(age) / f64::from(h.0)),
        None => p,
    }
}

/// The cap period of an event `age` days old: 0 for ages 1 to `per`, 1 for the next `per`.
pub fn period(age: i32, per: u32) -> u32 {
    (age.max(1) as u32 - 1) / per.max(1)
}

/// The log, aggregated: per contact with an event before `as_of`, the event fields' values.
#[derive(Debug, Default)]
pub struct EventLog {
    /// The event fields' ids, in model order.
    pub fields: Vec<String>,
    aggregates: Vec<Aggregate>,
    /// Contacts with an event before `as_of`, in the order the log first names them.
    pub ids: Vec<String>,
    index: HashMap<String, usize>,
    values: Vec<f64>,
    /// The outcome column's name, when the model's outcome is read from the log, and per
    /// contact whether it happened.
    outcome: Option<String>,
    outcomes: Vec<bool>,
    pub report: EventReport,
}

/// The id column of contacts read from the log: the model's `id_column`, else the log's
/// contact column.
pub fn id_column_of_log(model: &Model) -> String {
    model
        .id_column
        .clone()
        .or_else(|| model.events.as_ref().map(|e| e.contact_column.clone()))
        .unwrap_or_else(|| "id".into())
}

/// The log of a model with `events:`, read as of its `as_of` (today without one); `None` for a
/// model without one. Every command and the designer read the log through this.
pub fn read_model_log(model: &Model, model_path: &Path) -> Result<Option<EventLog>, EventsError> {
    let Some(path) = events_path(model, model_path) else {
        return Ok(None);
    };
    let as_of = model.as_of.unwrap_or_else(Date::today);
    EventLog::read(model, &path, as_of).map(Some)
}

/// The events file of a model, resolved against the model's folder.
pub fn events_path(model: &Model, model_path: &Path) -> Option<PathBuf> {
    let ev = model.events.as_ref()?;
    let dir = model_path.parent().unwrap_or(Path::new(""));
    Some(dir.join(&ev.file))
}

/// Opens the events file with only the columns the model reads, each checked to be there.
fn open(model: &Model, path: &Path) -> Result<Option<(ContactsReader, [usize; 4])>, EventsError> {
    let Some(ev) = &model.events else {
        return Ok(None);
    };
    let mut r = ContactsReader::open(path)?;
    let headers = r.headers().to_vec();
    let find = |name: &str| {
        headers.iter().position(|h| h == name).or_else(|| {
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(name.trim()))
        })
    };
    let mut wanted: Vec<(&'static str, &str)> = vec![
        ("contact_column", &ev.contact_column),
        ("time_column", &ev.time_column),
    ];
    if let Some(t) = &ev.type_column {
        wanted.push(("type_column", t));
    }
    if let Some(v) = &ev.value_column {
        wanted.push(("value_column", v));
    }
    let known: Vec<&str> = headers.iter().map(String::as_str).collect();
    for (key, col) in &wanted {
        if find(col).is_none() {
            return Err(EventsError::NoColumn {
                file: path.display().to_string(),
                column: col.to_string(),
                key,
                hint: match crate::model::yaml::nearest(col, &known) {
                    Some(n) => format!(": did you mean '{n}'?"),
                    None => format!(": it has {}", known.join(", ")),
                },
            });
        }
    }
    let names: Vec<&str> = wanted.iter().map(|(_, c)| *c).collect();
    r.keep_columns(&names);
    // After `keep_columns`, chunks hold the kept columns in the order named; absent optional
    // columns are marked past the end.
    let mut at = [usize::MAX; 4];
    for (i, (key, _)) in wanted.iter().enumerate() {
        let slot = match *key {
            "contact_column" => 0,
            "time_column" => 1,
            "type_column" => 2,
            _ => 3,
        };
        at[slot] = i;
    }
    Ok(Some((r, at)))
}

/// One event as the log holds it, for `scan`'s visitor.
struct Event<'a> {
    id: &'a str,
    day: Date,
    kind: &'a str,
    /// The value cell, when the log has a value column.
    value: &'a str,
    line: u64,
}

/// Reads every row of the log once, in file order, and hands each event with a contact and a
/// date to `visit`; rows without either are counted in `rep` and skipped.
fn scan(
    model: &Model,
    path: &Path,
    rep: &mut EventReport,
    mut visit: impl FnMut(&Event, &mut EventReport),
) -> Result<(), EventsError> {
    let Some((mut reader, at)) = open(model, path)? else {
        return Ok(());
    };
    let empty = TextColumn::new();
    while let Some(t) = reader.next_chunk(50_000)? {
        let col = |i: usize| t.columns.get(i).unwrap_or(&empty);
        let (ids, times, kinds, values) = (col(at[0]), col(at[1]), col(at[2]), col(at[3]));
        for row in 0..t.rows() {
            rep.rows += 1;
            let line = t.lines[row];
            let id = ids.get(row).trim();
            if id.is_empty() {
                rep.no_contact += 1;
                rep.first_no_contact.get_or_insert(line);
                continue;
            }
            let Some(day) = Date::parse(times.get(row)) else {
                rep.bad_time += 1;
                rep.first_bad_time.get_or_insert(line);
                continue;
            };
            let e = Event {
                id,
                day,
                kind: kinds.get(row),
                value: values.get(row),
                line,
            };
            visit(&e, rep);
        }
    }
    Ok(())
}

/// Which of the model's event types an event is of: all of them (there is one) when the log
/// has no type column.
fn match_types(model: &Model, kind: &str, out: &mut Vec<bool>) {
    out.clear();
    if let Some(ev) = &model.events {
        let typed = ev.type_column.is_some();
        out.extend(ev.types.iter().map(|t| !typed || t.matches(kind)));
    }
}

/// The outcome read from the log: the type's index and the window's days.
fn outcome_of(model: &Model) -> Option<(usize, u32)> {
    let (event, within) = model.outcome.as_ref()?.event.as_ref()?;
    let ty = model
        .events
        .as_ref()?
        .types
        .iter()
        .position(|t| &t.id == event)?;
    Some((ty, within.0))
}

/// One event of a contact, as an explanation lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct Traced {
    pub day: Date,
    /// The event's type as the log says it.
    pub kind: String,
    /// Days before `as_of`.
    pub age: i32,
    /// Whether it is inside the field's window.
    pub in_window: bool,
    /// `sum`: the value cell, as the log holds it.
    pub value: Option<String>,
    /// `points`: its points after decay, and the points it gave after the cap.
    pub points: f64,
    pub counted: f64,
}

/// The events of one contact behind one event field.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldTrace {
    pub field: String,
    pub signal: EventSignal,
    pub events: Vec<Traced>,
}

/// The events that one contact's event fields read, for its explanation: a second pass over
/// the log, for that contact only. For `points`, each event's points after decay, and what
/// the cap left of them: a period's events are counted in file order until the cap is
/// reached, the event that reaches it in part.
pub fn trace(
    model: &Model,
    path: &Path,
    as_of: Date,
    contact: &str,
) -> Result<Vec<FieldTrace>, EventsError> {
    let specs = specs(model);
    let types = model
        .events
        .as_ref()
        .map(|e| e.types.as_slice())
        .unwrap_or(&[]);
    let typed = model
        .events
        .as_ref()
        .is_some_and(|e| e.type_column.is_some());
    let mut out: Vec<FieldTrace> = specs
        .iter()
        .map(|s| {
            let mut signal = s.signal.clone();
            signal.event_type = types.get(s.ty).map(|t| t.id.clone());
            FieldTrace {
                field: s.id.to_string(),
                signal,
                events: Vec::new(),
            }
        })
        .collect();
    let mut matched = Vec::new();
    let mut rep = EventReport::default();
    let contact = contact.trim();
    scan(model, path, &mut rep, |e, _| {
        if e.id != contact || e.day >= as_of {
            return;
        }
        match_types(model, e.kind, &mut matched);
        let age = as_of.0 - e.day.0;
        for (s, o) in specs.iter().zip(&mut out) {
            if !matched.get(s.ty).copied().unwrap_or(false) {
                continue;
            }
            let in_window = s.signal.last.is_none_or(|w| age <= w.0 as i32);
            let points = if s.signal.aggregate == Aggregate::Points && in_window {
                decayed(s.signal, age)
            } else {
                0.0
            };
            o.events.push(Traced {
                day: e.day,
                // Without a type column, the one type's id says what the event was.
                kind: if typed {
                    e.kind.trim().to_string()
                } else {
                    types.get(s.ty).map_or(String::new(), |t| t.id.clone())
                },
                value: (s.signal.aggregate == Aggregate::Sum).then(|| e.value.trim().to_string()),
                age,
                in_window,
                points,
                counted: points,
            });
        }
    })?;
    for o in &mut out {
        let Some(cap) = &o.signal.cap else { continue };
        let mut used: HashMap<u32, f64> = HashMap::new();
        for t in o.events.iter_mut().filter(|t| t.in_window) {
            let u = used.entry(period(t.age, cap.per.0)).or_insert(0.0);
            t.counted = t.points.min((cap.points - *u).max(0.0));
            *u += t.points;
        }
    }
    Ok(out)
}

/// The first and the last day of the log's events (rows with a contact and a date), and the
/// report of the rows it could not read; `None` when the model names no log.
pub fn span(model: &Model, model_path: &Path) -> Result<Option<EventReport>, EventsError> {
    let Some(path) = events_path(model, model_path) else {
        return Ok(None);
    };
    let mut rep = EventReport {
        file: path.display().to_string(),
        ..EventReport::default()
    };
    scan(model, &path, &mut rep, |e, rep| {
        rep.first_day = Some(rep.first_day.map_or(e.day, |d| d.min(e.day)));
        rep.last_day = Some(rep.last_day.map_or(e.day, |d| d.max(e.day)));
    })?;
    Ok(Some(rep))
}

/// Per contact, the day of its first event of type `type_id` on or after the day `since`
/// gives it (`None`: not a contact, skipped) and before `until`: the rolling back-test's
/// conversion dates, read in one more pass over the log.
pub fn first_events(
    model: &Model,
    model_path: &Path,
    type_id: &str,
    since: impl Fn(&str) -> Option<Date>,
    until: Date,
) -> Result<HashMap<String, Date>, EventsError> {
    let mut out: HashMap<String, Date> = HashMap::new();
    let Some(path) = events_path(model, model_path) else {
        return Ok(out);
    };
    let Some((ev, ty)) = model
        .events
        .as_ref()
        .and_then(|ev| Some((ev, ev.types.iter().find(|t| t.id == type_id)?)))
    else {
        return Ok(out);
    };
    // Only this type is asked about (as `match_types` decides it for every type).
    let typed = ev.type_column.is_some();
    let mut rep = EventReport::default();
    scan(model, &path, &mut rep, |e, _| {
        if e.day >= until || since(e.id).is_none_or(|s| e.day < s) {
            return;
        }
        if typed && !ty.matches(e.kind) {
            return;
        }
        out.entry(e.id.to_string())
            .and_modify(|d| *d = (*d).min(e.day))
            .or_insert(e.day);
    })?;
    Ok(out)
}

impl EventLog {
    /// Reads the log at `path` once and aggregates the model's event fields per contact, as
    /// of `as_of`. A bad row is counted in the report, never the end of the run.
    pub fn read(model: &Model, path: &Path, as_of: Date) -> Result<EventLog, EventsError> {
        let specs = specs(model);
        let mut log = EventLog {
            fields: specs.iter().map(|s| s.id.to_string()).collect(),
            aggregates: specs.iter().map(|s| s.signal.aggregate).collect(),
            outcome: model
                .outcome
                .as_ref()
                .filter(|o| o.event.is_some())
                .map(|o| o.column.clone()),
            report: EventReport {
                file: path.display().to_string(),
                ..EventReport::default()
            },
            ..EventLog::default()
        };
        let outcome = outcome_of(model);
        let reads_value = specs.iter().any(|s| s.signal.aggregate == Aggregate::Sum);
        let nf = specs.len();
        let mut accs: Vec<Acc> = Vec::new();
        // Outcomes of contacts not (yet) known: an event after `as_of` makes no contact.
        let mut later: std::collections::HashSet<String> = std::collections::HashSet::new();
        let mut matched = Vec::new();
        let (index, ids) = (&mut log.index, &mut log.ids);
        scan(model, path, &mut log.report, |e, rep| {
            if e.day >= as_of {
                rep.after += 1;
                // Read for the outcome only, never for a field.
                if let Some((ty, within)) = outcome
                    && e.day.0 - as_of.0 < within as i32
                {
                    match_types(model, e.kind, &mut matched);
                    if matched.get(ty).copied().unwrap_or(false) {
                        later.insert(e.id.to_string());
                    }
                }
                return;
            }
            let age = as_of.0 - e.day.0;
            let c = match index.get(e.id) {
                Some(&c) => c,
                None => {
                    let c = ids.len();
                    index.insert(e.id.to_string(), c);
                    ids.push(e.id.to_string());
                    accs.resize_with(accs.len() + nf, Acc::default);
                    c
                }
            };
            match_types(model, e.kind, &mut matched);
            let value = if reads_value {
                let v = crate::contacts::typed::parse_number(e.value);
                let summed = specs
                    .iter()
                    .any(|s| s.signal.aggregate == Aggregate::Sum && matched[s.ty]);
                if v.is_none() && summed {
                    rep.bad_value += 1;
                    rep.first_bad_value.get_or_insert(e.line);
                }
                v
            } else {
                None
            };
            for (s, acc) in specs.iter().zip(&mut accs[c * nf..(c + 1) * nf]) {
                if !matched[s.ty] {
                    continue;
                }
                acc.first = acc.first.min(e.day.0);
                acc.last = acc.last.max(e.day.0);
                if s.signal.last.is_some_and(|w| age > w.0 as i32) {
                    continue;
                }
                acc.count += 1;
                if let Some(v) = value {
                    acc.sum += v;
                }
                if s.signal.aggregate == Aggregate::Points {
                    let b = s
                        .signal
                        .cap
                        .as_ref()
                        .map_or(0, |cap| period(age, cap.per.0));
                    let p = decayed(s.signal, age);
                    match acc.buckets.iter_mut().find(|(k, _)| *k == b) {
                        Some((_, sum)) => *sum += p,
                        None => acc.buckets.push((b, p)),
                    }
                }
            }
        })?;
        log.values = accs
            .iter()
            .enumerate()
            .map(|(i, acc)| value(&specs[i % nf.max(1)], acc, as_of))
            .collect();
        log.outcomes = log.ids.iter().map(|id| later.contains(id)).collect();
        Ok(log)
    }

    /// The contacts of the log itself: one column `id_column` of the distinct ids with an
    /// event before `as_of`, in the order the log first names them.
    pub fn contacts(&self, id_column: &str) -> Table {
        let mut col = TextColumn::with_capacity(self.ids.len(), 0);
        for id in &self.ids {
            col.push(id);
        }
        Table {
            source: self.report.file.clone(),
            headers: vec![id_column.to_string()],
            columns: vec![col],
            lines: (1..=self.ids.len() as u64).collect(),
            ..Table::default()
        }
    }

    /// Adds (or replaces) a column per event field to `table`, read by the contact id in
    /// `id_column`, and marks in `found` (one flag per contact of the log) those it has.
    /// `attach`, for a table whose contacts the log need not all find (the designer's).
    pub fn attach_to(&self, model: &Model, table: &mut Table) {
        let id = crate::engine::output::id_column(model, &table.headers);
        let mut found = vec![false; self.ids.len()];
        self.attach(table, &id, &mut found);
    }

    pub fn attach(&self, table: &mut Table, id_column: &str, found: &mut [bool]) {
        let n = table.rows();
        let ids: Vec<&str> = match table.column(id_column) {
            Some(c) => c.iter().map(str::trim).collect(),
            None => vec![""; n],
        };
        let rows: Vec<Option<usize>> = ids.iter().map(|id| self.index.get(*id).copied()).collect();
        for &c in rows.iter().flatten() {
            if let Some(f) = found.get_mut(c) {
                *f = true;
            }
        }
        let nf = self.fields.len();
        let mut cols = Vec::with_capacity(nf);
        for (f, name) in self.fields.iter().enumerate() {
            let is_date = self.aggregates[f].is_date();
            let mut col = TextColumn::with_capacity(n, n * 4);
            for r in &rows {
                let v = match r {
                    Some(c) => self.values[c * nf + f],
                    None => self.none(f),
                };
                let text = if v.is_nan() {
                    String::new()
                } else if is_date {
                    Date(v as i32).to_string()
                } else {
                    format!("{v}")
                };
                col.push(&text);
            }
            cols.push((name, col));
        }
        if let Some(name) = &self.outcome {
            let mut col = TextColumn::with_capacity(n, n);
            for r in &rows {
                let yes = r.is_some_and(|c| self.outcomes.get(c).copied().unwrap_or(false));
                col.push(if yes { "1" } else { "0" });
            }
            cols.push((name, col));
        }
        for (name, col) in cols {
            match table.headers.iter().position(|h| h == name) {
                Some(i) => table.columns[i] = col,
                None => {
                    table.headers.push(name.clone());
                    table.columns.push(col);
                }
            }
        }
    }

    /// Counts in the report the log's contacts that no contact of the table matched.
    pub fn count_unknown(&mut self, found: &[bool]) {
        let mut unknown = self.ids.iter().zip(found).filter(|(_, f)| !**f);
        self.report.first_unknown = unknown.next().map(|(id, _)| id.clone());
        self.report.unknown_contacts =
            usize::from(self.report.first_unknown.is_some()) + unknown.count();
    }

    /// What a contact the log does not name gets: 0 for counts, sums and points; missing for
    /// recency and dates.
    fn none(&self, f: usize) -> f64 {
        match self.aggregates[f] {
            Aggregate::Count | Aggregate::Sum | Aggregate::Frequency | Aggregate::Points => 0.0,
            Aggregate::Recency | Aggregate::FirstSeen | Aggregate::LastSeen => f64::NAN,
        }
    }
}

/// The value of an accumulator.
fn value(s: &Spec, acc: &Acc, as_of: Date) -> f64 {
    match s.signal.aggregate {
        Aggregate::Count => acc.count as f64,
        Aggregate::Sum => acc.sum,
        Aggregate::Frequency => {
            let days = s.signal.last.map_or(1, |w| w.0);
            acc.count as f64 * 7.0 / f64::from(days)
        }
        Aggregate::Recency if acc.last != i32::MIN => f64::from(as_of.0 - acc.last),
        Aggregate::FirstSeen if acc.first != i32::MAX => f64::from(acc.first),
        Aggregate::LastSeen if acc.last != i32::MIN => f64::from(acc.last),
        Aggregate::Recency | Aggregate::FirstSeen | Aggregate::LastSeen => f64::NAN,
        Aggregate::Points => {
            // Periods from the most recent back, each capped, then added in that order.
            let mut b = acc.buckets.clone();
            b.sort_by_key(|(k, _)| *k);
            let cap = s.signal.cap.as_ref().map_or(f64::INFINITY, |c| c.points);
            b.iter().map(|(_, p)| p.min(cap)).sum()
        }
    }
}

/// The most events an explanation lists per field; the rest are counted.
const TRACE_LINES: usize = 50;

/// The traces as text, for `explain`: per event field, the events it read, newest first, with
/// their age, whether the window held them, and for `points` the points after decay and
/// where the cap cut.
pub fn render_traces(traces: &[FieldTrace]) -> String {
    use std::fmt::Write as _;
    // Four decimals: enough to see decay, short enough to read.
    let format_number = |v: f64| crate::contacts::typed::format_number((v * 1e4).round() / 1e4);
    let mut out = String::new();
    for t in traces {
        let inside = t.events.iter().filter(|e| e.in_window).count();
        let _ = write!(out, "events of {}: {}: ", t.field, t.signal);
        let _ = match (t.events.len(), inside) {
            (0, _) => writeln!(out, "no events"),
            (n, i) if n == i => writeln!(out, "{n} event{}", if n == 1 { "" } else { "s" }),
            (n, i) => writeln!(out, "{i} of {n} events in the window"),
        };
        let mut events: Vec<&Traced> = t.events.iter().collect();
        events.sort_by_key(|e| e.age);
        for e in events.iter().take(TRACE_LINES) {
            let _ = write!(
                out,
                "  {} {} ({} day{} before)",
                e.day,
                e.kind,
                e.age,
                if e.age == 1 { "" } else { "s" }
            );
            if !e.in_window {
                let _ = write!(out, ": outside the window");
            } else if let Some(v) = &e.value {
                let _ = match crate::contacts::typed::parse_number(v) {
                    Some(_) => write!(out, ": value {v}"),
                    None => write!(out, ": value '{v}' is not a number, not added"),
                };
            } else if t.signal.aggregate == Aggregate::Points {
                let _ = write!(out, ": {} points", format_number(e.points));
                if e.counted < e.points {
                    let _ = write!(out, ", the cap cut it to {}", format_number(e.counted));
                }
            }
            out.push('\n');
        }
        if events.len() > TRACE_LINES {
            let _ = writeln!(out, "  and {} more", events.len() - TRACE_LINES);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::events::{Cap, Days};

    fn points(half_life: Option<u32>) -> EventSignal {
        EventSignal {
            event_type: None,
            aggregate: Aggregate::Points,
            last: None,
            points: Some(8.0),
            cap: Some(Cap {
                points: 10.0,
                per: Days(7),
            }),
            half_life: half_life.map(Days),
        }
    }

    #[test]
    fn periods_count_back_from_the_day_before_as_of() {
        // Ages 1 to 7 are the first week, 8 to 14 the second.
        assert_eq!([1, 7, 8, 14, 15].map(|a| period(a, 7)), [0, 0, 1, 1, 2]);
        assert_eq!(period(1, 1), 0);
        assert_eq!(period(2, 1), 1);
    }

    #[test]
    fn points_decay_by_half_lives_of_age() {
        assert_eq!(decayed(&points(None), 30), 8.0);
        assert_eq!(decayed(&points(Some(10)), 10), 4.0);
        assert_eq!(decayed(&points(Some(10)), 20), 2.0);
        assert_eq!(decayed(&points(Some(10)), 0), 8.0);
    }

    #[test]
    fn capped_periods_are_added_most_recent_first() {
        let s = points(None);
        let spec = Spec {
            id: "p",
            signal: &s,
            ty: 0,
        };
        // Week 1 holds 8 + 8 (capped to 10), week 3 holds 8.
        let acc = Acc {
            buckets: vec![(2, 8.0), (0, 16.0)],
            ..Acc::default()
        };
        assert_eq!(value(&spec, &acc, Date(100)), 18.0);
    }
}
