//! The designer: an interactive terminal app in which a workshop maps journeys and
//! touchpoints, tags pillars, and weighs them live.
//!
//! Shape (ratatui's Elm architecture): `App` holds the state, `Action` says what the user
//! means, `App::update` is the one place state changes, and `view` draws `&App`. Every change
//! to the model is an `ops::Op` applied through `history::History`, which is what undo and
//! redo replay. Keys live in one table (`keys`), from which help and the status-bar hints
//! are generated. Colours come from the theme's roles (`theme`).
//!
//! The loop is synchronous: poll for an event with a timeout, update, redraw only after an
//! event. `ratatui::init` installs the panic hook that restores the terminal.
//!
//! Entry points: [`edit`] for `scorewright edit MODEL`, [`run_text`] for the built-in example,
//! [`run`] for a model already read; tests build an [`App`] from a `Model` with `App::new` and
//! draw it into a `TestBackend` with `view::draw`.

pub mod accounts;
pub mod app;
pub mod history;
pub mod keys;
pub mod map;
pub mod ops;
pub mod popups;
pub mod preview;
pub mod props;
pub mod recovery;
pub mod signals;
pub mod theme;
pub mod tree;
pub mod tuning;
pub mod view;
pub mod widgets;

pub use app::{Action, App, Focus, Screen};

use crate::model::{ModelError, ModelFile, SourceMap, parse_model, read_model};
use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event};
use ratatui::crossterm::execute;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Opens the designer on a model read from a file (`scorewright edit MODEL`), and runs it
/// until the user quits. `contacts` overrides the model's own sample contacts, whose column
/// names the checks compare the fields with.
pub fn run(file: ModelFile, contacts: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    // A model's own contacts file that is not there is said in the preview, not as an error.
    let absent = file.contacts_path().filter(|p| !p.exists());
    let contacts = contacts.or_else(|| file.contacts_path().filter(|p| p.exists()));
    let guard = recovery::Guard::new(&file.path, std::fs::read(&file.path).ok().as_deref());
    let mut app = App::from_file(file)
        .with_contacts(contacts)
        .with_guard(guard);
    if let Some(p) = absent
        && app.preview.is_none()
        && app.loading.is_none()
    {
        app.preview_error = Some(format!(
            "the model's contacts file {} does not exist",
            p.display()
        ));
    }
    run_app(app)
}

/// `scorewright edit MODEL [--contacts FILE]`: opens the model file in the designer. A file
/// that does not exist is created from a template the user picks (nothing is written if they
/// cancel); a file that does not parse opens nothing: its located error goes to stderr and
/// the exit code is 2. A model with check errors opens normally, with its errors listed.
pub fn edit(path: &Path, contacts: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    if !path.exists() {
        let guard = recovery::Guard::new(path, None);
        return run_app(
            App::choose_template(path.to_path_buf())
                .with_contacts(contacts)
                .with_guard(guard),
        );
    }
    match read_model(path) {
        Ok(file) => run(file, contacts),
        Err(e) => {
            eprintln!("{e}");
            Ok(ExitCode::from(2))
        }
    }
}

/// Runs a designer in the terminal until the user quits.
pub fn run_app(app: App) -> anyhow::Result<ExitCode> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        eprintln!(
            "the designer needs a terminal: run it without redirecting its input or output (for scripts: check, score, explain)"
        );
        return Ok(ExitCode::from(2));
    }
    let app = app.with_themes(theme::Themes::load());
    let mut terminal = ratatui::init();
    // Mouse capture is ours to undo, on a panic as on a normal exit.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(std::io::stdout(), DisableMouseCapture);
        hook(info);
        if let Some(note) = recovery::panic_note() {
            eprintln!("{note}");
        }
    }));
    let result = execute!(std::io::stdout(), EnableMouseCapture)
        .map_err(anyhow::Error::from)
        .and_then(|()| run_loop(&mut terminal, app));
    let _ = execute!(std::io::stdout(), DisableMouseCapture);
    ratatui::restore();
    result.map(|_| ExitCode::SUCCESS)
}

/// Opens the designer on model text that is not a file yet (the built-in example when
/// `scorewright` runs with no model); Ctrl-s writes it to `save_to`. The text must parse.
pub fn run_text(
    text: &str,
    save_to: PathBuf,
    contacts: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let file = model_file_from_text(text, save_to)?;
    run(file, contacts)
}

/// A `ModelFile` for text that has not been read from `path` (yet).
pub fn model_file_from_text(text: &str, path: PathBuf) -> Result<ModelFile, ModelError> {
    let model = parse_model(text, &path.display().to_string())?;
    Ok(ModelFile {
        path,
        model,
        source: text.to_string(),
        map: SourceMap::new(text),
    })
}

/// The event loop: draw after every event, poll with a timeout, stop when the app says so.
fn run_loop(terminal: &mut DefaultTerminal, mut app: App) -> anyhow::Result<App> {
    let size = terminal.size()?;
    app.update(Action::Resize(size.width, size.height));
    // The file on disk is watched while a person works on it (tests start it themselves).
    app.disk.watching = true;
    let mut redraw = true;
    while !app.should_quit {
        if redraw {
            terminal.draw(|f| view::draw(f, &app))?;
            redraw = false;
        }
        // While scoring or tuning runs in the background, look for its answer often: the
        // wait is part of what a user sees between a key and its numbers (50 ms here once
        // added half of the preview's latency at a million contacts); a look costs microseconds.
        let wait = if app.busy() { 4 } else { 500 };
        if !event::poll(Duration::from_millis(wait))? {
            redraw = app.tick();
            continue;
        }
        match event::read()? {
            Event::Key(k) => app.handle_key(k),
            Event::Mouse(m) => app.handle_mouse(m),
            Event::Resize(w, h) => app.update(Action::Resize(w, h)),
            _ => continue,
        }
        app.tick();
        app.keep_recovery();
        redraw = true;
    }
    Ok(app)
}
