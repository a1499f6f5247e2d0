//! Driving the designer's `App` in tests: keys written as words, text typed, a frame drawn.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use scorewright::tui::{Action, App, view};

/// Presses keys written as words: `a`, `Enter`, `Ctrl-s`, `Shift-Up`, separated by spaces.
pub fn press(app: &mut App, keys: &str) {
    for k in keys.split_whitespace() {
        let (mods, name) = if let Some(rest) = k.strip_prefix("Ctrl-") {
            (KeyModifiers::CONTROL, rest)
        } else if let Some(rest) = k.strip_prefix("Shift-") {
            (KeyModifiers::SHIFT, rest)
        } else {
            (KeyModifiers::NONE, k)
        };
        let code = match name {
            "Enter" => KeyCode::Enter,
            "Esc" => KeyCode::Esc,
            "Tab" => KeyCode::Tab,
            "BackTab" => KeyCode::BackTab,
            "Up" => KeyCode::Up,
            "Down" => KeyCode::Down,
            "Left" => KeyCode::Left,
            "Right" => KeyCode::Right,
            "Del" => KeyCode::Delete,
            "Backspace" => KeyCode::Backspace,
            "Space" => KeyCode::Char(' '),
            s if s.chars().count() == 1 => KeyCode::Char(s.chars().next().unwrap()),
            other => panic!("unknown key {other}"),
        };
        let mods = if matches!(code, KeyCode::Char(c) if c.is_ascii_uppercase()) {
            mods | KeyModifiers::SHIFT
        } else {
            mods
        };
        app.handle_key(KeyEvent::new(code, mods));
    }
}

/// Types text into whatever has the keys, one character at a time.
pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
}

pub fn render(app: &mut App, w: u16, h: u16) -> String {
    app.update(Action::Resize(w, h));
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view::draw(f, app)).unwrap();
    t.backend().to_string()
}
