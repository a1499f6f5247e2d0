//! The preview in the workshop room: it follows the journey just edited (or the one the room
//! picks with `>`), and its table gives the what-if columns the room they need.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::app::{press, render};
use scorewright::model::read_model;
use scorewright::tui::App;
use scorewright::tui::ops::Node;
use std::path::PathBuf;

/// The what-if on screen.
fn comparison(app: &App) -> &scorewright::engine::whatif::Comparison {
    &app.preview
        .as_ref()
        .unwrap()
        .result
        .as_ref()
        .unwrap()
        .comparison
}

fn b2b() -> App {
    let path = PathBuf::from("examples/b2b-customer.yaml");
    let file = read_model(&path).unwrap();
    App::new(file.model, path).with_contacts(Some(PathBuf::from("examples/b2b-customer.csv")))
}

#[test]
fn an_edit_of_the_attrition_journey_shows_its_what_if_and_the_key_cycles_journeys() {
    let mut app = b2b();
    // The replay: weigh "Usage falling" of the attrition journey up on the map.
    press(&mut app, "m Down Right Right");
    assert_eq!(
        app.node(),
        Node::Touchpoint {
            journey: 1,
            path: vec![1]
        }
    );
    press(&mut app, "> > > > > - - - - -");
    press(&mut app, "p");
    let c = comparison(&app);
    assert_eq!(c.journey, "attrition");
    assert!(c.changed > 0, "no contact's attrition score changed");
    assert!(c.delta.iter().any(|d| d.abs() > 1e-9));
    let screen = render(&mut app, 120, 40);
    assert!(screen.contains("change their attrition score"), "{screen}");
    assert!(screen.contains("what-if on attrition"), "{screen}");
    // Why this score: the journey the what-if is about is explained first, in view.
    let why = screen
        .lines()
        .skip_while(|l| !l.contains("Why this score"))
        .nth(2)
        .unwrap_or_default();
    assert!(why.contains("Attrition risk"), "{screen}");
    // What would move the selected contact is about attrition too.
    let d = app
        .preview
        .as_ref()
        .unwrap()
        .detail
        .clone()
        .expect("a contact is explained");
    assert!(!d.moves.is_empty(), "nothing would move the contact");
    {
        let attrition: Vec<String> = app.model.journeys[1]
            .touchpoints
            .iter()
            .map(|t| t.title().to_string())
            .collect();
        assert!(d.moves.iter().all(|m| {
            attrition.contains(&m.touchpoint)
                || app.model.journeys[1]
                    .adjustments
                    .iter()
                    .any(|a| a.name == m.touchpoint)
        }));
    }
    // `>` cycles to the next journey; the summary still lists the journey that changed.
    press(&mut app, ">");
    let c = comparison(&app);
    assert_eq!(c.journey, "revenue_icp");
    assert_eq!(c.changed, 0);
    let screen = render(&mut app, 120, 40);
    assert!(
        screen.contains("Other journeys changed: attrition"),
        "{screen}"
    );
    press(&mut app, "< <");
    let c = comparison(&app);
    assert_eq!(c.journey, "expansion");
}

#[test]
fn at_120x40_the_table_shows_the_what_if_tier_and_segment_and_z_widens_it() {
    let mut app = b2b();
    press(&mut app, "p");
    let screen = render(&mut app, 120, 40);
    let header = screen.lines().nth(2).unwrap();
    for col in ["account_id", "expansion", "Δ", "rank", "tier", "segment"] {
        assert!(header.contains(col), "{col} missing: {header}");
    }
    press(&mut app, "z");
    let screen = render(&mut app, 120, 40);
    let header = screen.lines().nth(2).unwrap();
    for col in ["account_name", "attrition", "revenue_icp"] {
        assert!(
            header.contains(col),
            "{col} missing in the wide table: {header}"
        );
    }
    // Sideways: the first optional column scrolls away, the what-if columns stay.
    press(&mut app, "Right");
    let screen = render(&mut app, 120, 40);
    let header = screen.lines().nth(2).unwrap();
    assert!(!header.contains("account_name"), "{header}");
    assert!(
        header.contains("Δ") && header.contains("segment"),
        "{header}"
    );
    press(&mut app, "Left z");
    assert!(!app.preview.as_ref().unwrap().wide);
}
