//! The fuzz targets' bodies, shared by the proptest-driven fuzzing of the normal test run
//! (`tests/fuzz.rs`) and by the cargo-fuzz targets of this folder's crate (`fuzz_targets/`).
//!
//! Each target takes arbitrary bytes and either returns `Ok(())` or says which property broke;
//! a panic anywhere below is a finding too. The properties are what a user relies on:
//! - model loader: any text is a model or a located error; a model that loads can be checked,
//!   scored (every score within 0..100), written, and read back equal;
//! - contacts reader: any bytes are a table or an error naming the file; reading in small
//!   chunks gives the same rows as reading at once; typing and scoring never panic and keep
//!   every score within 0..100;
//! - designer: any key sequence (with clicks, wheel and resizes) leaves a model that saves and
//!   loads back equal, and undoing everything gives back the model it started from.

#![allow(dead_code)]

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use scorewright::contacts::typed::typed;
use scorewright::contacts::{ContactsReader, Table};
use scorewright::engine::score_table;
use scorewright::model::check::check;
use scorewright::model::{
    Field, FieldKind, Journey, Model, Rule, Signal, Touchpoint, Weight, parse_model, to_yaml,
};
use scorewright::tui::keys::KeyMap;
use scorewright::tui::{Action, App, view};
use std::io::Cursor;
use std::path::Path;

/// The model loader on arbitrary bytes.
pub fn model_loader(data: &[u8]) -> Result<(), String> {
    let Ok(text) = std::str::from_utf8(data) else {
        return Ok(());
    };
    let model = match parse_model(text, "fuzz.yaml") {
        Ok(m) => m,
        Err(e) => {
            let msg = e.to_string();
            if !msg.starts_with("fuzz.yaml") {
                return Err(format!("an error that does not name the file: {msg}"));
            }
            return Ok(());
        }
    };
    let _ = check(&model, None, None);
    model_round_trips(&model)?;
    score_in_range(&model, &sample_table(&model))
}

/// A model written and read back is the same model.
pub fn model_round_trips(model: &Model) -> Result<(), String> {
    let written = to_yaml(model);
    match parse_model(&written, "written.yaml") {
        Ok(back) if &back == model => Ok(()),
        Ok(back) => Err(format!(
            "written and read back, the model differs:\n{written}\nread back as:\n{}",
            to_yaml(&back)
        )),
        Err(e) => Err(format!("the written model does not load: {e}\n{written}")),
    }
}

/// A few rows with a column per field, of values of every kind.
fn sample_table(model: &Model) -> Table {
    let cells = ["", "3", "-1e308", "yes", "2026-10-01", "N/A", "x", "1e400"];
    let headers: Vec<String> = model
        .fields
        .iter()
        .map(|f| f.column().to_string())
        .collect();
    let mut text = String::new();
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    text.push_str(
        &headers
            .iter()
            .map(|h| quote(h))
            .collect::<Vec<_>>()
            .join(","),
    );
    text.push('\n');
    for r in 0..cells.len() {
        let row: Vec<String> = (0..headers.len())
            .map(|c| quote(cells[(r + c) % cells.len()]))
            .collect();
        text.push_str(&row.join(","));
        text.push('\n');
    }
    let read = ContactsReader::from_reader("sample.csv", Box::new(Cursor::new(text.into_bytes())))
        .and_then(|mut r| r.next_chunk(usize::MAX));
    match read {
        Ok(Some(t)) => t,
        _ => Table::default(),
    }
}

fn score_in_range(model: &Model, table: &Table) -> Result<(), String> {
    let scored = score_table(model, table);
    for col in &scored.scores {
        for &v in col {
            if !(0.0..=100.0).contains(&v) {
                return Err(format!("a score of {v}, outside 0..100"));
            }
        }
    }
    Ok(())
}

/// The contacts reader on arbitrary bytes: chunks of 3 rows, then the same file at once.
pub fn contacts_reader(data: &[u8]) -> Result<(), String> {
    let open = || ContactsReader::from_reader("fuzz.csv", Box::new(Cursor::new(data.to_vec())));
    let mut reader = match open() {
        Ok(r) => r,
        Err(e) => return names_the_file(&e.to_string()),
    };
    let model = model_for(reader.headers(), data);
    let mut rows = 0usize;
    let chunked = loop {
        match reader.next_chunk(3) {
            Ok(Some(t)) => {
                if t.rows() > 3 || t.lines.len() != t.rows() {
                    return Err(format!("a chunk of {} rows asked for 3", t.rows()));
                }
                rows += t.rows();
                for f in &model.fields {
                    let (values, _quality) = typed(&t, f);
                    if values.len() != t.rows() {
                        return Err(format!(
                            "{} typed values for {} rows",
                            values.len(),
                            t.rows()
                        ));
                    }
                }
                score_in_range(&model, &t)?;
            }
            Ok(None) => break Ok(rows),
            Err(e) => {
                names_the_file(&e.to_string())?;
                break Err(());
            }
        }
    };
    // Reading the same bytes at once gives the same rows (or fails the same way).
    let whole = open()
        .map_err(|e| format!("opened once, not twice: {e}"))?
        .next_chunk(usize::MAX);
    match (chunked, whole) {
        (Ok(n), Ok(t)) if n == t.as_ref().map_or(0, Table::rows) => Ok(()),
        (Err(()), Err(_)) => Ok(()),
        (c, w) => Err(format!(
            "in chunks of 3: {c:?} rows; at once: {:?}",
            w.map(|t| t.map(|t| t.rows()))
        )),
    }
}

fn names_the_file(msg: &str) -> Result<(), String> {
    if msg.starts_with("fuzz.csv") {
        Ok(())
    } else {
        Err(format!("an error that does not name the file: {msg}"))
    }
}

/// A model that reads up to four of the columns, each as a kind the data's bytes pick.
fn model_for(headers: &[String], data: &[u8]) -> Model {
    let mut model = Model {
        name: "fuzz".into(),
        ..Model::default()
    };
    let mut journey = Journey::new("j");
    let n = headers.len().min(4);
    for (i, h) in headers.iter().take(n).enumerate() {
        let pick = data.get(i).copied().unwrap_or(0) as usize;
        let kind = FieldKind::ALL[pick % FieldKind::ALL.len()];
        let mut field = Field::new(&format!("f{i}"), kind);
        field.column = Some(h.clone());
        field.missing = vec!["N/A".into()];
        let rule = match kind {
            FieldKind::Number => Rule::Scale {
                from: 0.0,
                to: 10.0,
            },
            FieldKind::Boolean => Rule::Flag,
            FieldKind::Date => Rule::Recency {
                half_life_days: 30.0,
            },
            FieldKind::Category | FieldKind::Text => Rule::Present,
        };
        let weight = if i + 1 == n {
            10_000 - (n as i64 - 1) * (10_000 / n as i64)
        } else {
            10_000 / n as i64
        };
        let mut t = Touchpoint::new(&format!("t{i}"), Weight(weight));
        t.signals.push(Signal {
            field: field.id.clone(),
            weight: Weight(10_000),
            rule,
            missing: None,
            decay: None,
            note: None,
        });
        journey.touchpoints.push(t);
        model.fields.push(field);
    }
    model.journeys.push(journey);
    model
}

/// The keys the fuzzer presses: every key of the key map, letters, digits and the keys a
/// text box reads.
pub fn key_alphabet() -> Vec<KeyEvent> {
    let mut keys: Vec<KeyEvent> = Vec::new();
    for b in KeyMap::default().bindings {
        for k in b.keys {
            let e = KeyEvent::new(k.code, k.mods);
            if !keys.contains(&e) {
                keys.push(e);
            }
        }
    }
    for c in "abcxyz019.-: {}[],'\"#&*é✓".chars() {
        keys.push(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    for code in [
        KeyCode::Backspace,
        KeyCode::Delete,
        KeyCode::Left,
        KeyCode::Right,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::Enter,
        KeyCode::Esc,
        KeyCode::Tab,
    ] {
        keys.push(KeyEvent::new(code, KeyModifiers::NONE));
    }
    keys
}

const SIZES: [(u16, u16); 5] = [(100, 30), (20, 5), (40, 12), (160, 50), (1, 1)];

/// The designer on a key sequence: each byte is a key, or (from 0xF0 on) a click, the wheel or
/// a resize whose place the next bytes give. The app saves into `folder`.
pub fn designer(
    model: &Model,
    data: &[u8],
    keys: &[KeyEvent],
    folder: &Path,
) -> Result<(), String> {
    let mut app = App::new(model.clone(), folder.join("fuzz.yaml"));
    app.update(Action::Resize(100, 30));
    let mut bytes = data.iter().copied();
    let mut pressed = 0usize;
    while let Some(b) = bytes.next() {
        if app.should_quit {
            break;
        }
        let mut next = || bytes.next().unwrap_or(0) as u16;
        match b {
            0xF0..=0xF3 => {
                let (column, row) = (next() % 110, next() % 40);
                let kind = match b {
                    0xF0 | 0xF1 => MouseEventKind::Down(MouseButton::Left),
                    0xF2 => MouseEventKind::ScrollDown,
                    _ => MouseEventKind::ScrollUp,
                };
                app.handle_mouse(MouseEvent {
                    kind,
                    column,
                    row,
                    modifiers: KeyModifiers::NONE,
                });
            }
            0xF4..=0xF7 => {
                let (w, h) = SIZES[next() as usize % SIZES.len()];
                app.update(Action::Resize(w, h));
                draw(&app, w, h)?;
            }
            _ => {
                app.handle_key(keys[b as usize % keys.len()]);
                pressed += 1;
                if pressed.is_multiple_of(16) {
                    draw(&app, app.size.0, app.size.1)?;
                }
            }
        }
    }
    draw(&app, 100, 30)?;
    model_round_trips(&app.model)?;
    // Close what is open, then undo everything: the model is back where it started.
    while !app.popups.is_empty() {
        app.update(Action::Cancel);
    }
    let mut undos = 0;
    while app.can_undo() {
        app.update(Action::Undo);
        undos += 1;
        if undos > 100_000 {
            return Err("undo never ends".into());
        }
    }
    if &app.model != model {
        return Err(format!(
            "undoing everything does not give back the model:\n{}",
            to_yaml(&app.model)
        ));
    }
    Ok(())
}

fn draw(app: &App, w: u16, h: u16) -> Result<(), String> {
    let mut t = Terminal::new(TestBackend::new(w.max(1), h.max(1))).map_err(|e| e.to_string())?;
    t.draw(|f| view::draw(f, app)).map_err(|e| e.to_string())?;
    Ok(())
}

/// The models the designer target starts from: the shipped examples.
const MODELS: [&str; 4] = [
    include_str!("../examples/lead-fit-activity.yaml"),
    include_str!("../examples/b2b-customer.yaml"),
    include_str!("../examples/b2c-hot-warm-cold.yaml"),
    include_str!("../examples/x-education.yaml"),
];

/// The designer target on bytes: the first picks the model, the rest are keys.
pub fn designer_bytes(data: &[u8], folder: &Path) -> Result<(), String> {
    use std::sync::OnceLock;
    static SETUP: OnceLock<(Vec<Model>, Vec<KeyEvent>)> = OnceLock::new();
    let (models, keys) = SETUP.get_or_init(|| {
        let models = MODELS
            .iter()
            .filter_map(|t| parse_model(t, "example.yaml").ok())
            .collect();
        (models, key_alphabet())
    });
    let Some((&first, rest)) = data.split_first() else {
        return Ok(());
    };
    match models.get(first as usize % models.len().max(1)) {
        Some(m) => designer(m, rest, keys, folder),
        None => Err("no example model loads".into()),
    }
}
