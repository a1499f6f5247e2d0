//! The designer's frame, on the largest shipped model (`x-education`) at 120x40:
//!
//! - `frame`: drawing the whole screen once (tree, detail pane, checks, status bar), what
//!   every key press costs after its update.
//! - `nudge_and_frame`: one weight nudge as a key press makes it (the operation through the
//!   history, the checks and the tree rebuilt) and then a frame; undone every other time, so
//!   the model stays the same.
//!
//! Both must stay far below a frame at 60 Hz (16 ms) so that typing never waits for drawing.

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use scorewright::tui::ops::Node;
use scorewright::tui::{Action, App, view};
use std::hint::black_box;

fn app() -> Option<App> {
    let t = scorewright::templates::find("x-education")?;
    let model = scorewright::model::parse_model(t.model, t.file_name()).ok()?;
    let mut app = App::new(model, std::env::temp_dir().join("frame-bench.yaml"));
    app.update(Action::Resize(120, 40));
    app.select(&Node::Touchpoint {
        journey: 0,
        path: vec![0],
    });
    Some(app)
}

fn frame(c: &mut Criterion) {
    let (Some(mut app), Ok(mut term)) = (app(), Terminal::new(TestBackend::new(120, 40))) else {
        eprintln!("frame: the x-education template is not there; nothing to measure");
        return;
    };
    c.bench_function("frame", |b| {
        b.iter(|| {
            let _ = term.draw(|f| view::draw(f, black_box(&app)));
        })
    });
    let mut undo = false;
    c.bench_function("nudge_and_frame", |b| {
        b.iter(|| {
            app.update(if undo {
                Action::Undo
            } else {
                Action::Nudge(100)
            });
            undo = !undo;
            let _ = term.draw(|f| view::draw(f, black_box(&app)));
        })
    });
}

criterion_group!(benches, frame);
criterion_main!(benches);
