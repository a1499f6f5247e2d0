//! The designer's frame, on the largest shipped model (`x-education`) at 120x40:
//!
//! - `frame`: drawing the whole screen once (tree, detail pane, checks, status bar), what
//!   every key press costs after its update.
//! - `nudge_and_frame`: one weight nudge as a key press makes it (the operation through the
//!   history, the checks and the tree rebuilt) and then a frame; undone every other time, so
//!   the model stays the same.
//!
//! - `first_frame`: the designer's start on the built-in example, from the model text to the
//!   first frame drawn (target: within 50 ms).
//! - `preview_frame_100k`: a frame of the preview with 100,000 contacts loaded, at 200x60
//!   (target: at most 5 ms); only the visible rows are drawn.
//!
//! All must stay far below a frame at 60 Hz (16 ms) so that typing never waits for drawing.

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

fn first_frame(c: &mut Criterion) {
    let t = scorewright::templates::builtin();
    let Ok(mut term) = Terminal::new(TestBackend::new(120, 40));
    c.bench_function("first_frame", |b| {
        b.iter(|| {
            let Ok(model) = scorewright::model::parse_model(black_box(t.model), t.file_name())
            else {
                return;
            };
            let mut app = App::new(model, std::env::temp_dir().join("first-frame-bench.yaml"));
            app.update(Action::Resize(120, 40));
            let _ = term.draw(|f| view::draw(f, &app));
        })
    });
}

/// 100,000 contacts: the built-in example's sample rows over and over, with fresh ids.
fn contacts_100k() -> Option<std::path::PathBuf> {
    let t = scorewright::templates::builtin();
    let csv = t.contacts?;
    let mut lines = csv.lines();
    let header = lines.next()?;
    let rows: Vec<&str> = lines.filter(|l| !l.trim().is_empty()).collect();
    let mut out = String::with_capacity(rows.len() * 100_000 / rows.len().max(1) * 120);
    out.push_str(header);
    out.push('\n');
    for i in 0..100_000 {
        let row = rows[i % rows.len()];
        let rest = row.split_once(',').map_or("", |(_, r)| r);
        out.push_str(&format!("L-{i:06},{rest}\n"));
    }
    let p = std::env::temp_dir().join("scorewright-preview-bench-100k.csv");
    std::fs::write(&p, out).ok()?;
    Some(p)
}

fn preview_frame(c: &mut Criterion) {
    let t = scorewright::templates::builtin();
    let (Some(csv), Ok(model), Ok(mut term)) = (
        contacts_100k(),
        scorewright::model::parse_model(t.model, t.file_name()),
        Terminal::new(TestBackend::new(200, 60)),
    ) else {
        return;
    };
    let mut app =
        App::new(model, std::env::temp_dir().join("preview-bench.yaml")).with_contacts(Some(csv));
    app.update(Action::Resize(200, 60));
    app.update(Action::TogglePreview);
    // Wait for the background load and scoring to finish.
    let start = std::time::Instant::now();
    while app.busy() && start.elapsed().as_secs() < 60 {
        app.tick();
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let rows = app.preview.as_ref().map_or(0, |p| p.table.rows());
    eprintln!("preview_frame_100k: {rows} contacts loaded");
    c.bench_function("preview_frame_100k", |b| {
        b.iter(|| {
            let _ = term.draw(|f| view::draw(f, black_box(&app)));
        })
    });
}

criterion_group!(benches, frame, first_frame, preview_frame);
criterion_main!(benches);
