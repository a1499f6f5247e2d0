//! The designer at the account level (issue 19): the account model's journeys, touchpoints
//! and signals in the tree under "Accounts", with the contact level's gauges, nudges, undo
//! and format-preserving save; the preview's accounts table with its drill-down to the
//! contacts; the what-if counted in accounts. Every number below is worked out by hand on a
//! fixture small enough to follow.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/lines.rs"]
mod lines;

use common::app::{press, render, type_text};
use scorewright::model::{Model, parse_model};
use scorewright::tui::ops::Node;
use scorewright::tui::{Action, App};
use std::path::{Path, PathBuf};

/// Contacts score `act` = 10 x visits (a scale from 0 to 10). Accounts roll up the best
/// `act` (`best`) and whether a VP is among their contacts (`dm`); the account journey is
/// 50% `dm` (a flag) and 50% `best` (a scale from 0 to 100); hot from 60.
const MODEL: &str = r#"name: Accounts in the room
as_of: 2026-11-01
id_column: id
fields:
  - { id: visits, kind: number }
  - { id: level, kind: category }
journeys:
  - id: act
    name: Activity
    touchpoints:
      - id: web
        name: Visits
        pillars: [time_and_effort]
        weight: 100
        signals:
          - { field: visits, weight: 100, rule: { scale: { from: 0, to: 10 } } }
tiers:
  journey: act
  levels:
    - { name: hot, at_least: 70 }
    - { name: cold, at_least: 0 }
segments:
  - { name: Everyone, action: Newsletter, route: marketing }
accounts:
  id_column: company
  rollups:
    - { id: best, journey: act, how: max }
  roles:
    - { id: dm, when: { field: level, equals: VP } }
  journeys:
    - id: account
      name: Account
      touchpoints:
        # The buying group: is a decision maker there?
        - id: group
          name: Buying group
          pillars: [empathy]
          weight: 50
          signals:
            - { field: dm, weight: 100, rule: flag }
        - id: heat
          name: Heat
          pillars: [time_and_effort]
          weight: 50
          signals:
            - { field: best, weight: 100, rule: { scale: { from: 0, to: 100 } } }
  tiers:
    journey: account
    levels:
      - { name: hot, at_least: 60, handover: account executive }
      - { name: cold, at_least: 0, handover: ads }
  segments:
    - { name: Hot account, when: { tier: hot }, action: Executive briefing, route: AE }
    - { name: Other account, action: Account ads, route: marketing }
"#;

/// By hand, with the model as written (group 50%, heat 50%):
/// A: c1 (VP, 4 visits: act 40), c2 (Staff, 2: 20): best 40, dm: 50 + 20 = 70, hot.
/// B: c3 (Staff, 8: 80): best 80, no dm: 40, cold.
/// C: c4 (Staff, 10: 100), c5 (VP, 0: 0): best 100, dm: 100, hot.
/// D: c6 (Staff, 7: 70): 35, cold.
/// E: c7 (Staff, 9: 90): 45, cold.
/// c8 has no account.
const CONTACTS: &str = "id,company,level,visits
c1,A,VP,4
c2,A,Staff,2
c3,B,Staff,8
c4,C,Staff,10
c5,C,VP,0
c6,D,Staff,7
c7,E,Staff,9
c8,,Staff,5
";

fn model() -> Model {
    parse_model(MODEL, "m.yaml").unwrap()
}

/// The model and its contacts written to a folder of the test's own, removed when the first
/// value is dropped.
fn files() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("m.yaml");
    let c = dir.path().join("contacts.csv");
    std::fs::write(&m, MODEL).unwrap();
    std::fs::write(&c, CONTACTS).unwrap();
    (dir, m, c)
}

fn app_on(path: &Path, contacts: Option<&Path>) -> App {
    let mut app =
        App::new(model(), path.to_path_buf()).with_contacts(contacts.map(Path::to_path_buf));
    app.update(Action::Resize(120, 40));
    app
}

fn account(node: Node) -> Node {
    Node::Account(Box::new(node))
}

fn account_tp(i: usize) -> Node {
    account(Node::Touchpoint {
        journey: 0,
        path: vec![i],
    })
}

fn account_weights(app: &App) -> Vec<i64> {
    app.model.accounts.as_ref().unwrap().journeys[0]
        .touchpoints
        .iter()
        .map(|t| t.weight.0)
        .collect()
}

/// The tree pane's rows, as drawn, at 120x60.
fn tree_lines(app: &mut App) -> Vec<String> {
    render(app, 120, 60)
        .lines()
        .map(|l| l.trim_matches('"').chars().take(66).collect::<String>())
        .collect()
}

fn line_with<'a>(lines: &'a [String], text: &str) -> &'a str {
    lines
        .iter()
        .find(|l| l.contains(text))
        .unwrap_or_else(|| panic!("no line with {text:?}:\n{}", lines.join("\n")))
}

/// Item 1: the account model is in the tree under "Accounts" (after the contact level), its
/// journey with the live gauge of its touchpoints, each touchpoint with its signals' gauge
/// and its weight, its tiers and segments, and its roll-ups and roles (read-only, saying what
/// each one is).
#[test]
fn the_tree_shows_the_account_model_under_accounts_with_its_gauges() {
    let mut app = app_on(Path::new("/nonexistent/m.yaml"), None);
    let lines = tree_lines(&mut app);
    assert!(line_with(&lines, "Accounts  by company").starts_with("│Accounts"));
    let journey = line_with(&lines, "◆ Account ");
    assert!(journey.contains("Σ 100%"), "{journey}");
    let group = line_with(&lines, "● Buying group");
    assert!(
        group.contains("Σ 100%") && group.trim_end().ends_with("50%│"),
        "{group}"
    );
    assert!(line_with(&lines, "· dm").contains("flag"));
    assert!(line_with(&lines, "· best").contains("scale"));
    assert!(line_with(&lines, "Tiers  of account").starts_with("│  Tiers"));
    assert!(line_with(&lines, "hot  from 60").contains("account executive"));
    assert!(line_with(&lines, "2. Other account").contains("everyone else"));
    assert!(line_with(&lines, "Roll-ups and roles").starts_with("│  Roll-ups"));
    assert!(line_with(&lines, "• best").contains("roll-up: max of act"));
    assert!(line_with(&lines, "• dm").contains("role: level is VP"));
    // The rows are the account model's nodes, addressed in it.
    let nodes: Vec<Node> = app
        .all_rows
        .iter()
        .map(|r| r.node.clone())
        .skip_while(|n| !n.is_account())
        .take(6)
        .collect();
    assert_eq!(
        nodes,
        [
            account(Node::Journeys),
            account(Node::Journey(0)),
            account_tp(0),
            account(Node::Signal {
                journey: 0,
                touchpoint: vec![0],
                index: 0
            }),
            account_tp(1),
            account(Node::Signal {
                journey: 0,
                touchpoint: vec![1],
                index: 0
            }),
        ]
    );
    // A roll-up is read-only: no property to edit, and `a`, `r`, `x` are not offered.
    app.select(&account(Node::Field(0)));
    assert!(app.props().is_empty());
    press(&mut app, "x r a");
    assert_eq!(app.model, model());
    assert!(app.popups.is_empty());
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .text
            .contains("at the account level"),
        "{:?}",
        app.message
    );
}

/// Item 1: an account touchpoint's weight is nudged as a contact touchpoint's (`+`, `-`; a
/// run of nudges is one undo step), the live check says when the account journey leaves 100%,
/// a weight typed from a digit is one more edit, undo and redo walk back and forth, and the
/// save patches the file: `diff -u` of the saved file against the original shows only the two
/// changed numbers (the comment above them and everything else stay byte for byte).
#[test]
fn an_account_weight_is_nudged_typed_undone_and_saved_changing_only_its_number() {
    let (_dir, m, _) = files();
    let original = m.with_file_name("original.yaml");
    std::fs::copy(&m, &original).unwrap();
    let mut app = app_on(&m, None);
    app.select(&account_tp(0));
    press(&mut app, "+ + + + + + + + + +");
    assert_eq!(account_weights(&app), [6000, 5000]);
    let errors: Vec<&str> = app
        .diagnostics
        .iter()
        .filter(|d| d.severity == scorewright::model::check::Severity::Error)
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("sum to 110%"), "{errors:?}");
    assert!(
        app.diagnostics
            .iter()
            .any(|d| d.at.starts_with("accounts.journeys.account")),
        "{:?}",
        app.diagnostics
    );
    // The detail pane's gauge says it too.
    let screen = render(&mut app, 120, 60);
    assert!(screen.contains("Account touchpoint"), "{screen}");
    assert!(screen.contains("110%"), "{screen}");
    // Heat typed as 40 (the digit opens the box and stays): 100% again, no error.
    app.select(&account_tp(1));
    press(&mut app, "4");
    type_text(&mut app, "0");
    press(&mut app, "Enter");
    assert_eq!(account_weights(&app), [6000, 4000]);
    assert_eq!(app.errors(), 0, "{:?}", app.diagnostics);
    // Two steps: the typed weight, then the run of ten nudges.
    press(&mut app, "u");
    assert_eq!(account_weights(&app), [6000, 5000]);
    assert_eq!(app.node(), account_tp(1));
    press(&mut app, "u");
    assert_eq!(app.model, model());
    assert_eq!(app.node(), account_tp(0));
    press(&mut app, "Ctrl-r Ctrl-r");
    assert_eq!(account_weights(&app), [6000, 4000]);
    press(&mut app, "Ctrl-s");
    assert!(!app.is_dirty(), "{:?}", app.message);
    let changed = lines::diff_u(&original, &m);
    assert_eq!(
        changed,
        [
            "-          weight: 50",
            "+          weight: 60",
            "-          weight: 50",
            "+          weight: 40",
        ],
        "{changed:?}"
    );
    let saved = scorewright::model::read_model(&m).unwrap().model;
    assert_eq!(saved, app.model);
}

/// Balancing works on the account journey's touchpoints from the journey's row (`b`: equal
/// shares), and the account level refuses what it does not edit (the message says so).
#[test]
fn balance_on_an_account_journey_shares_its_touchpoints() {
    let mut app = app_on(Path::new("/nonexistent/m.yaml"), None);
    app.select(&account_tp(0));
    press(&mut app, "+ + + + +");
    assert_eq!(account_weights(&app), [5500, 5000]);
    app.select(&account(Node::Journey(0)));
    press(&mut app, "b");
    assert_eq!(account_weights(&app), [5000, 5000]);
    press(&mut app, "v");
    assert_eq!(account_weights(&app), [5000, 5000]);
    press(&mut app, "u u");
    assert_eq!(app.model, model());
}

/// The screen's lines, without the quotes `TestBackend` writes around each.
fn screen_lines(app: &mut App) -> Vec<String> {
    render(app, 120, 40)
        .lines()
        .map(|l| l.trim_matches('"').to_string())
        .collect()
}

/// The table pane's rows (the left 66 columns), trimmed, from the heading on.
fn table_rows(app: &mut App) -> Vec<String> {
    screen_lines(app)
        .iter()
        .skip(2)
        .take_while(|l| !l.starts_with('└'))
        .map(|l| {
            l.chars()
                .skip(1)
                .take(64)
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .filter(|l| !l.is_empty())
        .collect()
}

/// The what-if pane's line about accounts.
fn accounts_line(app: &mut App) -> String {
    screen_lines(app)
        .into_iter()
        .find(|l| l.contains("│Accounts: "))
        .unwrap_or_default()
}

fn comparison(app: &App) -> scorewright::engine::whatif::Comparison {
    let p = app.preview.as_ref().unwrap();
    let a = p.result.as_ref().unwrap().accounts.as_ref().unwrap();
    a.comparison.clone().unwrap()
}

/// Types weight `w` on the account touchpoint `i` (the digit opens the box).
fn type_account_weight(app: &mut App, i: usize, w: &str) {
    app.select(&account_tp(i));
    let (first, rest) = w.split_at(1);
    press(app, first);
    type_text(app, rest);
    press(app, "Enter");
}

/// Item 2: with contacts loaded, `a` shows the accounts table (account, contacts, the
/// account journey's score, Δ, tier, segment), worked out by hand in `CONTACTS`; `Enter` on an
/// account lists its contacts with their scores, tiers and roles; `Enter` goes back, `Esc`
/// too, and `a` shows the contacts again. The key is in the status bar and in help.
#[test]
fn the_accounts_table_lists_each_account_and_enter_drills_to_its_contacts() {
    let (_dir, m, c) = files();
    let mut app = app_on(&m, Some(&c));
    press(&mut app, "p");
    let footer = screen_lines(&mut app).pop().unwrap();
    assert!(footer.contains("a accounts/contacts"), "{footer}");
    press(&mut app, "a");
    let screen = render(&mut app, 120, 40);
    insta::assert_snapshot!("accounts_table", screen);
    assert_eq!(
        table_rows(&mut app),
        [
            "Account Contacts Account Δ Tier Segment",
            "A              2    70.0   hot  Hot account",
            "B              1    40.0   cold Other account",
            "C              2   100.0   hot  Hot account",
            "D              1    35.0   cold Other account",
            "E              1    45.0   cold Other account",
        ]
    );
    // C: c4 (10 visits: act 100, a hot contact) and c5 (a VP with no visits: the role dm).
    press(&mut app, "Down Down Enter");
    let lines = screen_lines(&mut app);
    assert!(
        lines[1].contains("Account C: 2 contacts · hot 100.0"),
        "{}",
        lines[1]
    );
    assert_eq!(
        table_rows(&mut app),
        ["id   act Tier Roles", "c4 100.0 hot", "c5   0.0 cold dm",]
    );
    let footer = lines.last().unwrap();
    assert!(footer.contains("Enter its contacts/back"), "{footer}");
    // Enter goes back to the accounts, where the cursor was; Esc leaves a drill-down first.
    press(&mut app, "Enter");
    assert!(table_rows(&mut app)[0].starts_with("Account Contacts"));
    press(&mut app, "Enter Esc");
    assert!(table_rows(&mut app)[0].starts_with("Account Contacts"));
    assert_eq!(app.screen, scorewright::tui::Screen::Preview);
    press(&mut app, "a");
    assert!(
        table_rows(&mut app)[0].starts_with("id "),
        "{:?}",
        table_rows(&mut app)
    );
    // Help names the keys.
    press(&mut app, "?");
    let help = render(&mut app, 120, 60);
    assert!(help.contains("accounts table / contacts table"), "{help}");
    assert!(
        help.contains("an account's contacts / back to the accounts"),
        "{help}"
    );
}

/// Without an accounts block, `a` is not offered in the preview and nothing changes.
#[test]
fn without_accounts_the_preview_offers_no_accounts_table() {
    let (_dir, _, c) = files();
    let mut plain = model();
    plain.accounts = None;
    let mut app = App::new(plain, PathBuf::from("/nonexistent/m.yaml")).with_contacts(Some(c));
    app.update(Action::Resize(120, 40));
    press(&mut app, "p a");
    assert!(app.preview.as_ref().unwrap().accounts_table.is_none());
    let p = app.preview.as_ref().unwrap();
    assert!(p.result.as_ref().unwrap().accounts.is_none());
    assert!(accounts_line(&mut app).is_empty());
    assert!(!screen_lines(&mut app).last().unwrap().contains("accounts"));
}

/// Item 3: an edit of a contact weight re-scores the accounts. Visits 100% -> 90% makes each
/// contact's act 9 x visits, so each account's best is 0.9 of what it was: A 36 (50 + 18 =
/// 68, -2), B 72 (36, -4), C 90 (95, -5), D 63 (31.5, -3.5), E 81 (40.5, -4.5): five accounts
/// change and none moves tier.
#[test]
fn a_contact_weight_edit_rescores_the_accounts() {
    let (_dir, m, c) = files();
    let mut app = app_on(&m, Some(&c));
    app.select(&Node::Touchpoint {
        journey: 0,
        path: vec![0],
    });
    press(&mut app, "9");
    type_text(&mut app, "0");
    press(&mut app, "Enter p a");
    assert_eq!(
        table_rows(&mut app),
        [
            "Account Contacts Account    Δ Tier Segment",
            "A              2    68.0   -2 hot  Hot account",
            "B              1    36.0   -4 cold Other account",
            "C              2    95.0   -5 hot  Hot account",
            "D              1    31.5 -3.5 cold Other account",
            "E              1    40.5 -4.5 cold Other account",
        ]
    );
    let c = comparison(&app);
    assert_eq!((c.changed, c.tier_up, c.tier_down), (5, 0, 0));
    let line = accounts_line(&mut app);
    assert!(
        line.contains("Accounts: 5 of 5 accounts change their account score"),
        "{line}"
    );
    assert!(!line.contains("become"), "{line}");
}

/// Item 4, the done-means test: an account weight edited in the tree moves accounts' tiers,
/// in the what-if line and in the table. Buying group 20%, heat 80%, by hand:
/// A 20 + 0.8 x 40 = 52 (hot -> cold), B 0.8 x 80 = 64 (cold -> hot), C 20 + 80 = 100 (hot),
/// D 56 (cold), E 72 (cold -> hot): "2 accounts become hot, 1 account becomes cold". Undo
/// brings every account back.
#[test]
fn an_account_weight_edit_moves_accounts_tier_in_the_what_if_and_the_table() {
    let (_dir, m, c) = files();
    let mut app = app_on(&m, Some(&c));
    type_account_weight(&mut app, 0, "20");
    type_account_weight(&mut app, 1, "80");
    assert_eq!(account_weights(&app), [2000, 8000]);
    assert_eq!(app.errors(), 0, "{:?}", app.diagnostics);
    press(&mut app, "p");
    let line = accounts_line(&mut app);
    assert!(
        line.contains(
            "Accounts: 4 of 5 accounts change their account score · 2 accounts become hot, 1 account becomes cold"
        ),
        "{line}"
    );
    // The contacts did not move: the contact model is as it was.
    let screen = screen_lines(&mut app).join("\n");
    assert!(
        screen.contains("No contact's act score changed against the model as opened."),
        "{screen}"
    );
    let c = comparison(&app);
    assert_eq!((c.changed, c.tier_up, c.tier_down), (4, 2, 1));
    let mut moves = c.tier_moves.clone();
    moves.sort();
    assert_eq!(
        moves,
        [
            ("cold".to_string(), "hot".to_string(), 2),
            ("hot".to_string(), "cold".to_string(), 1)
        ]
    );
    press(&mut app, "a");
    assert_eq!(
        table_rows(&mut app),
        [
            "Account Contacts Account   Δ Tier Segment",
            "A              2    52.0 -18 cold Other account",
            "B              1    64.0 +24 hot  Hot account",
            "C              2   100.0     hot  Hot account",
            "D              1    56.0 +21 cold Other account",
            "E              1    72.0 +27 hot  Hot account",
        ]
    );
    // Back to the tree, two undos: no account moves any more.
    press(&mut app, "Esc u u p");
    assert_eq!(app.model, model());
    let line = accounts_line(&mut app);
    assert!(
        line.contains("Accounts: no account's account score changed (5 accounts)"),
        "{line}"
    );
    // The same edit again: the baseline's accounts, scored at the first edit and kept
    // (`Baseline::accounts`), give the same moves.
    press(&mut app, "Esc");
    type_account_weight(&mut app, 0, "20");
    type_account_weight(&mut app, 1, "80");
    press(&mut app, "p");
    let c = comparison(&app);
    assert_eq!((c.changed, c.tier_up, c.tier_down), (4, 2, 1));
}

/// End to end, in a real terminal (tmux): the shipped `abm-buying-group` example on its
/// sample contacts. `/` finds an account touchpoint in the tree, `<` takes 5 points off its
/// weight (10% -> 5%: A-200, 37.6 with a best fit of 100, drops to 32.6, from warm to cold),
/// and the preview's what-if line counts the accounts that
/// change and move tier exactly as the engine does (`score_with_accounts` on both models,
/// `compare_on` of the two account scorings); `a` shows the accounts table.
#[test]
fn in_a_terminal_an_account_edit_moves_accounts_as_the_engine_says() {
    use common::tmux::Tmux;
    use scorewright::engine::accounts::{Plan, score_with_accounts};
    use scorewright::engine::whatif::compare_on;
    use scorewright::model::{Weight, read_model};
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    for f in ["abm-buying-group.yaml", "abm-buying-group.csv"] {
        std::fs::copy(root.join("examples").join(f), dir.path().join(f)).unwrap();
    }
    let model = dir.path().join("abm-buying-group.yaml");
    let config = dir.path().join("config");
    std::fs::create_dir(&config).unwrap();

    let before = read_model(&model).unwrap().model;
    let mut after = before.clone();
    let best_person = &mut after.accounts.as_mut().unwrap().journeys[0].touchpoints[3];
    assert_eq!(best_person.id, "best_person");
    best_person.weight = Weight(500);
    let table =
        scorewright::contacts::read_contacts(&dir.path().join("abm-buying-group.csv")).unwrap();
    let (pb, pa) = (Plan::new(&before).unwrap(), Plan::new(&after).unwrap());
    let (_, ab) = score_with_accounts(&pb, &table).unwrap();
    let (_, aa) = score_with_accounts(&pa, &table).unwrap();
    let c = compare_on(
        &pb.account_model,
        &ab.scored,
        &pa.account_model,
        &aa.scored,
        None,
    );
    let n = aa.book.ids.len();
    let moves = scorewright::tui::accounts::tier_move_words(&c, &pa.account_model);
    // Every account's best fit is above 50, so all eight change; only A-200 moves tier.
    assert_eq!((c.changed, n), (8, 8), "{c:?}");
    assert_eq!(moves, "1 account becomes cold");

    let tmux = Tmux::designer(
        "room-accounts",
        &config,
        &[&model],
        (140, 40),
        std::time::Duration::from_secs(60),
    );
    tmux.wait_for("Weight by pillar");
    tmux.keys(&["p"]);
    tmux.wait_for("Accounts: no account's account score changed");
    tmux.keys(&["a"]);
    tmux.wait_for(&format!("Accounts: {n} · Enter: its contacts"));
    tmux.keys(&["p"]);
    tmux.keys(&["/"]);
    tmux.wait_for("Find a node by name");
    tmux.keys(&["-l", "Its best-fitting contact"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("Account touchpoint");
    tmux.keys(&["<"]);
    tmux.wait_for("unsaved changes");
    tmux.keys(&["p"]);
    let line = format!(
        "Accounts: {} of {n} accounts change their account score · {moves}",
        c.changed
    );
    tmux.wait_for(&line);
    tmux.keys(&["q"]);
    tmux.wait_for("Unsaved changes");
    tmux.keys(&["d"]);
    let start = std::time::Instant::now();
    while tmux.alive() && start.elapsed() < std::time::Duration::from_secs(10) {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(
        std::fs::read_to_string(&model).unwrap(),
        std::fs::read_to_string(root.join("examples/abm-buying-group.yaml")).unwrap()
    );
}

/// On the worker thread (large contact sets) the accounts come with the contacts' result and
/// say the same as on the input thread: the done-means edit counted in accounts alike.
#[test]
fn on_the_worker_the_accounts_are_counted_alike() {
    let (_dir, m, c) = files();
    let mut app = App::new(model(), m.clone());
    app.worker_min_rows = 1;
    let mut app = app.with_contacts(Some(c));
    app.update(Action::Resize(120, 40));
    assert!(app.preview.as_ref().unwrap().threaded());
    app.settle(std::time::Duration::from_secs(20));
    type_account_weight(&mut app, 0, "20");
    type_account_weight(&mut app, 1, "80");
    press(&mut app, "p");
    app.settle(std::time::Duration::from_secs(20));
    assert!(!app.busy());
    let c = comparison(&app);
    assert_eq!((c.changed, c.tier_up, c.tier_down), (4, 2, 1));
    let line = accounts_line(&mut app);
    assert!(
        line.contains("2 accounts become hot, 1 account becomes cold"),
        "{line}"
    );
}

/// Words and thresholds of the account model are edited in the detail pane: a touchpoint's
/// name (its id stays: the block's other parts read it) and the hot tier's threshold, 60 ->
/// 40, which makes B (40) and E (45) hot, D (35) stays cold: "2 accounts become hot". The
/// save changes those two texts only.
#[test]
fn an_account_name_and_tier_threshold_are_edited_in_the_detail_pane() {
    let (_dir, m, c) = files();
    let original = m.with_file_name("original.yaml");
    std::fs::copy(&m, &original).unwrap();
    let mut app = app_on(&m, Some(&c));
    app.select(&account_tp(0));
    press(&mut app, "Enter Enter");
    type_text(&mut app, "Decision makers");
    press(&mut app, "Enter Esc");
    let t = &app.model.accounts.as_ref().unwrap().journeys[0].touchpoints[0];
    assert_eq!(
        (t.id.as_str(), t.name.as_str()),
        ("group", "Decision makers")
    );
    app.select(&account(Node::Tier(0)));
    press(&mut app, "Enter Down Enter");
    for _ in 0..6 {
        press(&mut app, "Backspace");
    }
    type_text(&mut app, "40");
    press(&mut app, "Enter Esc");
    let tiers = app.model.accounts.as_ref().unwrap().tiers.as_ref().unwrap();
    assert_eq!(tiers.levels[0].at_least, 40.0);
    assert_eq!(app.model.tiers.as_ref().unwrap().levels[0].at_least, 70.0);
    press(&mut app, "p");
    let line = accounts_line(&mut app);
    assert!(
        line.contains("no account's account score changed (5 accounts) · 2 accounts become hot"),
        "{line}"
    );
    press(&mut app, "Ctrl-s");
    let changed = lines::diff_u(&original, &m);
    assert_eq!(
        changed,
        [
            "-          name: Buying group",
            "+          name: Decision makers",
            "-      - { name: hot, at_least: 60, handover: account executive }",
            "+      - { name: hot, at_least: 40, handover: account executive }",
        ],
        "{changed:?}"
    );
}

/// A check of the account journey jumps to its node in the tree; the map and back with an
/// account node selected draws the contact level's lanes and selects their first card.
#[test]
fn an_account_check_jumps_to_its_node_and_the_map_draws_with_one_selected() {
    let mut app = app_on(Path::new("/nonexistent/m.yaml"), None);
    app.select(&account_tp(1));
    press(&mut app, "- -");
    assert_eq!(app.errors(), 1, "{:?}", app.diagnostics);
    assert!(
        app.diagnostics[0].message.contains("98%"),
        "{:?}",
        app.diagnostics[0]
    );
    app.select(&Node::Segment(0));
    press(&mut app, "Tab Tab Enter");
    assert_eq!(app.node(), account(Node::Journey(0)));
    app.select(&account_tp(1));
    press(&mut app, "m");
    let map = render(&mut app, 120, 40);
    assert!(map.contains("Visits"), "{map}");
    // The map has no account lanes: it selects the first card, and the tree follows.
    press(&mut app, "m");
    assert_eq!(
        app.node(),
        Node::Touchpoint {
            journey: 0,
            path: vec![0]
        }
    );
}

/// Keys the room presses at the account level: moves, nudges, balances, typed digits, the
/// preview's accounts table and drill-down, undo and redo, and keys that are refused there.
const KEYS: [&str; 26] = [
    "Up",
    "Down",
    "+",
    "-",
    ">",
    "<",
    "b",
    "v",
    "B",
    "u",
    "Ctrl-r",
    "p",
    "a",
    "Enter",
    "Esc",
    "Tab",
    "1",
    "5",
    "0",
    "Backspace",
    "x",
    "y",
    "n",
    "r",
    "Left",
    "Right",
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
    /// Whatever is pressed from an account touchpoint on: every frame draws, the model writes
    /// and reads back equal, and undoing everything gives back the model opened.
    #[test]
    fn any_keys_at_the_account_level_draw_and_undo_back_to_the_model(
        keys in proptest::collection::vec(0..KEYS.len(), 0..60)
    ) {
        let (_dir, m, c) = files();
        let mut app = app_on(&m, Some(&c));
        app.select(&account_tp(0));
        for (i, k) in keys.iter().enumerate() {
            press(&mut app, KEYS[*k]);
            if i % 8 == 0 {
                render(&mut app, 100, 30);
            }
        }
        render(&mut app, 100, 30);
        let text = scorewright::model::preserve::preserve(Some(MODEL), &app.model).unwrap();
        proptest::prop_assert_eq!(&parse_model(&text.text, "m.yaml").unwrap(), &app.model);
        while !app.popups.is_empty() {
            app.update(Action::Cancel);
        }
        while app.can_undo() {
            app.update(Action::Undo);
        }
        proptest::prop_assert_eq!(&app.model, &model());
    }
}

/// The accounts table reads the model's accounts file, as `score` does (read once when the
/// contacts are opened). By hand on `accounts-fields.yaml` (fit 60: industry 50% with software
/// 1 and retail 0.5, employees 50% from 0 to 1000; reach 40: contacts from 0 to 4) and
/// `accounts-firms.csv`: Acme (software, 500, 2 contacts) 45 + 20 = 65, hot; Beta (`Select`,
/// a placeholder: missing, 2000, 1 contact) 30 + 10 = 40; Zeta (not in the file) 10; Gamma
/// (retail, 10, no contact) 60 x (0.25 + 0.005) = 15.3. Without the file Acme would be 20, cold.
/// A file that cannot be read is said in the status line.
#[test]
fn the_accounts_table_reads_the_accounts_file() {
    let root = common::cli::root();
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root.join("tests/fixtures/accounts-fields.yaml")).unwrap();
    let m = dir.path().join("m.yaml");
    let c = dir.path().join("contacts.csv");
    std::fs::write(&m, &text).unwrap();
    std::fs::write(
        &c,
        "id,company,visits\na1,Acme,4\nb1,Beta,2\na2, Acme ,0\nz1,Zeta,1\nn1,,3\n",
    )
    .unwrap();
    std::fs::copy(
        root.join("tests/fixtures/accounts-firms.csv"),
        dir.path().join("accounts-firms.csv"),
    )
    .unwrap();
    let open = || {
        let mut app = App::new(parse_model(&text, "m.yaml").unwrap(), m.clone())
            .with_contacts(Some(c.clone()));
        app.update(Action::Resize(120, 40));
        app
    };
    let mut app = open();
    press(&mut app, "p a");
    let rows = table_rows(&mut app);
    for (account, line) in [
        ("Acme", "Acme           2    65.0   hot  software"),
        ("Beta", "Beta           1    40.0   cold rest"),
        ("Zeta", "Zeta           1    10.0   cold rest"),
        ("Gamma", "Gamma          0    15.3   cold rest"),
    ] {
        assert!(
            rows.iter().any(|r| r == line),
            "{account}: no row {line:?} in\n{}",
            rows.join("\n")
        );
    }
    std::fs::remove_file(dir.path().join("accounts-firms.csv")).unwrap();
    let mut app = open();
    let status = render(&mut app, 250, 40);
    assert!(
        status.contains("accounts shown without their file's fields: ")
            && status.contains("accounts-firms.csv: cannot read it"),
        "{status}"
    );
    // The accounts are still shown, Acme with its file fields missing: 20, cold.
    press(&mut app, "p a");
    let rows = table_rows(&mut app);
    assert!(
        rows.iter()
            .any(|r| r == "Acme           2    20.0   cold rest"),
        "{}",
        rows.join("\n")
    );
}

/// A contact segment that reads its account (`account:`, the example's "Executive dinner":
/// directors and above at a hot account) is decided in the preview as `score` decides it,
/// once the accounts are scored, also after an edit: the preview's segment of every contact
/// is the engine's (`score_with_accounts`, with the example's accounts file). Decided without
/// the accounts, as it was, no contact would reach the dinner.
#[test]
fn contact_segments_that_read_the_account_are_decided_as_score_decides_them() {
    use scorewright::engine::accounts::{Plan, score_with_accounts};
    let root = common::cli::root();
    let path = root.join("examples/abm-buying-group.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let model = parse_model(&text, "abm-buying-group.yaml").unwrap();
    let csv = root.join("examples/abm-buying-group.csv");
    let mut app = App::new(model.clone(), path.clone()).with_contacts(Some(csv.clone()));
    app.update(Action::Resize(120, 40));
    press(&mut app, "p");
    let table = scorewright::contacts::read_contacts(&csv).unwrap();
    let engine = |m: &Model| {
        let plan = Plan::for_file(m, Some(&path)).unwrap().unwrap();
        score_with_accounts(&plan, &table).unwrap().0.segments
    };
    let shown = |app: &App| {
        app.preview
            .as_ref()
            .unwrap()
            .result
            .as_ref()
            .unwrap()
            .scored
            .segments
            .clone()
    };
    assert_eq!(shown(&app), engine(&model));
    let dinner = model
        .segments
        .iter()
        .position(|s| s.name == "Executive dinner")
        .unwrap();
    let at_dinner = |s: &[u16]| s.iter().filter(|&&k| k as usize == dinner).count();
    assert_eq!(at_dinner(&shown(&app)), 2);
    // An edit (Fit's first touchpoint nudged in the design screen, then the preview opened
    // again) is decided alike.
    let mut app = App::new(model.clone(), path.clone()).with_contacts(Some(csv.clone()));
    app.update(Action::Resize(120, 40));
    app.select(&Node::Touchpoint {
        journey: 0,
        path: vec![0],
    });
    press(&mut app, "+ + + + +");
    assert!(app.model != model, "the nudges changed nothing");
    press(&mut app, "p");
    assert_eq!(shown(&app), engine(&app.model.clone()));
}
