//! Properties that hold for any input: weights balance to exactly 100%, every score stays in
//! 0..100, a model survives a save and a load unchanged, and a save over a file changes only
//! what the edits changed.

#![allow(clippy::unwrap_used)]

use indexmap::IndexMap;
use proptest::prelude::*;
use scorewright::contacts::{Table, TextColumn};
use scorewright::model::weight::{FULL, balance_even, balance_proportional};
use scorewright::model::*;

fn weights() -> impl Strategy<Value = Vec<Weight>> {
    prop::collection::vec((0i64..=10_000).prop_map(Weight), 1..12)
}

proptest! {
    #[test]
    fn balancing_sums_to_exactly_100(ws in weights()) {
        let even = balance_even(&ws);
        prop_assert_eq!(even.iter().map(|w| w.0).sum::<i64>(), FULL);
        prop_assert!(even.iter().all(|w| w.0 >= 0 && w.0 <= FULL));
        let prop = balance_proportional(&ws);
        prop_assert_eq!(prop.iter().map(|w| w.0).sum::<i64>(), FULL);
        prop_assert!(prop.iter().all(|w| w.0 >= 0 && w.0 <= FULL));
    }
}

/// Text that YAML might misread: keywords, numbers, quotes, colons, unicode, blanks.
fn tricky_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("yes".to_string()),
        Just("no".to_string()),
        Just("null".to_string()),
        Just("~".to_string()),
        Just("1.5".to_string()),
        Just("0x10".to_string()),
        Just("- a".to_string()),
        Just("a: b".to_string()),
        Just("#hash".to_string()),
        Just("'quoted'".to_string()),
        Just("\"dq\"".to_string()),
        Just(" padded ".to_string()),
        Just("multi\nline".to_string()),
        Just("Ünïcødé ✓".to_string()),
        Just("&anchor".to_string()),
        Just("*alias".to_string()),
        Just("!tag".to_string()),
        Just("%percent".to_string()),
        Just("@at".to_string()),
        "[a-zA-Z0-9 _.,;:'\"!?{}\\[\\]-]{0,12}",
    ]
}

/// Numbers of a model: ordinary ones, and any finite double, the largest and the smallest
/// among them (issue 12, item 9: a scale from -1e308 to 1e308 gave NaN).
fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => (-1000i64..1000).prop_map(|x| x as f64),
        3 => -1000.0f64..1000.0,
        1 => Just(0.5),
        1 => Just(1e-7),
        1 => prop::sample::select(vec![1e308, -1e308, f64::MAX, f64::MIN, f64::MIN_POSITIVE, -5e-324]),
        1 => prop::num::f64::NORMAL | prop::num::f64::SUBNORMAL | prop::num::f64::ZERO,
    ]
}

fn rule(kind: FieldKind) -> BoxedStrategy<Rule> {
    match kind {
        FieldKind::Number => prop_oneof![
            (number(), number()).prop_map(|(from, to)| Rule::Scale { from, to }),
            // Ends whose difference overflows.
            prop::sample::select(vec![(-1e308, 1e308), (f64::MIN, f64::MAX), (1e308, -1e308)])
                .prop_map(|(from, to)| Rule::Scale { from, to }),
            prop::collection::vec((number(), 0.0f64..=1.0), 1..4).prop_map(|mut b| {
                b.sort_by(|x, y| x.0.total_cmp(&y.0));
                Rule::Bands(
                    b.into_iter()
                        .map(|(at_least, value)| Band { at_least, value })
                        .collect(),
                )
            }),
            Just(Rule::Present),
        ]
        .boxed(),
        FieldKind::Category | FieldKind::Text => (
            prop::collection::vec((tricky_text(), 0.0f64..=1.0), 0..4),
            0.0f64..=1.0,
            prop::option::of(0.0f64..=1.0),
        )
            .prop_map(|(mut values, default, missing)| {
                // A match lists each value once (ignoring case), and `default` and `missing`
                // are its own keys.
                let mut seen = std::collections::HashSet::new();
                values.retain(|(k, _)| {
                    !["default", "missing"].contains(&k.trim().to_lowercase().as_str())
                        && seen.insert(k.trim().to_lowercase())
                });
                Rule::Match(MatchRule {
                    values,
                    default,
                    missing,
                })
            })
            .boxed(),
        FieldKind::Boolean => prop_oneof![Just(Rule::Flag), Just(Rule::NotFlag)].boxed(),
        FieldKind::Date => prop_oneof![
            3 => 1.0f64..400.0,
            1 => prop::sample::select(vec![f64::MIN_POSITIVE, 5e-324, 1e-300, f64::MAX]),
        ]
        .prop_map(|h| Rule::Recency { half_life_days: h })
        .boxed(),
    }
}

fn kind() -> impl Strategy<Value = FieldKind> {
    prop::sample::select(FieldKind::ALL.to_vec())
}

/// A model of 1..4 fields, one journey with 1..4 touchpoints of one signal each, adjustments
/// with large points, tiers and a catch-all segment. Names are tricky text.
fn model() -> impl Strategy<Value = Model> {
    (
        prop::collection::vec((kind(), tricky_text()), 1..4),
        prop::collection::vec((tricky_text(), 0i64..=10_000), 1..4),
        prop::collection::vec(
            prop_oneof![3 => -300.0f64..300.0, 1 => prop::sample::select(vec![1e6, -1e6])],
            0..3,
        ),
        tricky_text(),
    )
        .prop_flat_map(|(fields, tps, adjust, name)| {
            let rules: Vec<BoxedStrategy<Rule>> = tps
                .iter()
                .enumerate()
                .map(|(i, _)| rule(fields[i % fields.len()].0))
                .collect();
            (Just(fields), Just(tps), Just(adjust), Just(name), rules)
        })
        .prop_map(|(fields, tps, adjust, name, rules)| {
            let fields: Vec<Field> = fields
                .into_iter()
                .enumerate()
                .map(|(i, (k, col))| {
                    let mut f = Field::new(&format!("f{i}"), k);
                    f.column = Some(format!("{col}{i}"));
                    f.note = Some(col);
                    f
                })
                .collect();
            let touchpoints: Vec<Touchpoint> = tps
                .into_iter()
                .enumerate()
                .zip(rules)
                .map(|((i, (title, w)), rule)| {
                    let mut t = Touchpoint::new(&format!("t{i}"), Weight(w));
                    t.name = title.clone();
                    t.note = Some(title);
                    t.pillars = vec![Pillar::ALL[i % 6]];
                    t.signals.push(Signal {
                        field: fields[i % fields.len()].id.clone(),
                        weight: Weight(10_000),
                        rule,
                        // Every third signal gives a missing value its own attainment.
                        missing: (i % 3 == 1).then_some(0.25),
                        decay: None,
                        note: None,
                    });
                    t
                })
                .collect();
            let adjustments = adjust
                .into_iter()
                .enumerate()
                .map(|(i, points)| Adjustment {
                    name: format!("a{i}"),
                    when: Condition {
                        field: Some(fields[0].id.clone()),
                        present: Some(i % 2 == 0),
                        ..Condition::default()
                    },
                    points,
                    note: None,
                })
                .collect();
            Model {
                name,
                as_of: Date::from_ymd(2026, 11, 1),
                fields,
                journeys: vec![Journey {
                    id: "j".into(),
                    name: String::new(),
                    ending: Ending::Conversion,
                    stage: Stage::Prospect,
                    note: None,
                    open_question: false,
                    touchpoints,
                    parts: Vec::new(),
                    adjustments,
                }],
                tiers: Some(Tiers {
                    journey: "j".into(),
                    levels: vec![
                        Tier {
                            name: "hot".into(),
                            at_least: 70.0,
                            handover: "sales".into(),
                            to_person: None,
                            capacity: None,
                        },
                        Tier {
                            name: "cold".into(),
                            at_least: 0.0,
                            handover: String::new(),
                            to_person: None,
                            capacity: None,
                        },
                    ],
                }),
                segments: vec![Segment {
                    name: "all".into(),
                    when: None,
                    action: "x".into(),
                    route: String::new(),
                    note: None,
                }],
                ..Model::default()
            }
        })
}

fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("yes".to_string()),
        Just("0".to_string()),
        Just("2026-10-01".to_string()),
        Just("1e308".to_string()),
        Just("-1e308".to_string()),
        Just("1.7976931348623157e308".to_string()),
        Just("-1.7976931348623157e308".to_string()),
        Just("5e-324".to_string()),
        Just("NaN".to_string()),
        (-1e6f64..1e6).prop_map(|x| x.to_string()),
        tricky_text()
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn saving_then_loading_is_the_identity(m in model()) {
        let text = to_yaml(&m);
        let back = parse_model(&text, "m.yaml");
        prop_assert!(back.is_ok(), "{:?}\n{}", back.err(), text);
        prop_assert_eq!(back.ok(), Some(m));
    }

    #[test]
    fn every_score_is_within_0_and_100(m in model(), rows in prop::collection::vec(prop::collection::vec(cell(), 4), 1..20)) {
        let headers: Vec<String> = m.fields.iter().map(|f| f.column().to_string()).collect();
        let mut columns: Vec<TextColumn> = headers.iter().map(|_| TextColumn::new()).collect();
        for r in &rows {
            for (c, col) in columns.iter_mut().enumerate() {
                col.push(&r[c % r.len()]);
            }
        }
        let table = Table { source: "p".into(), headers, columns, lines: (2..rows.len() as u64 + 2).collect(), ..Table::default() };
        let s = scorewright::engine::score_table(&m, &table);
        for col in &s.scores {
            for &v in col {
                // Finite too: NaN is in no range.
                prop_assert!((0.0..=100.0).contains(&v), "{v}");
            }
        }
        let _ = IndexMap::<String, String>::new();
    }
}

/// What a user does in the designer, as actions: moves, every kind of edit, typed text,
/// answers, undo and redo.
fn designer_action() -> impl Strategy<Value = scorewright::tui::Action> {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use scorewright::tui::Action as A;
    let text = |c: char| A::Text(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    prop::sample::select(vec![
        A::Up,
        A::Down,
        A::Down,
        A::Top,
        A::Fold,
        A::Unfold,
        A::FocusNext,
        A::Back,
        A::Nudge(100),
        A::Nudge(-500),
        A::Nudge(1),
        A::TypeWeight(Some('3')),
        A::BalanceEven,
        A::BalanceProportional,
        A::AddSibling,
        A::AddInside,
        A::Rename,
        A::Duplicate,
        A::Delete,
        A::Answer('y'),
        A::MoveUp,
        A::MoveDown,
        A::ToggleOpenQuestion,
        A::Edit,
        A::CycleNext,
        A::CyclePrev,
        A::NextInput,
        text('7'),
        text('x'),
        text('.'),
        A::Text(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)),
        A::Submit,
        A::Submit,
        A::Cancel,
        A::Undo,
        A::Redo,
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Undoing every step of any edit sequence gives back the model as opened, and redoing
    /// them all gives back the edited one.
    #[test]
    fn undo_of_any_edit_sequence_restores_the_original(
        example in 0usize..3,
        actions in prop::collection::vec(designer_action(), 1..60),
    ) {
        use scorewright::tui::{Action, App};
        let text = [
            include_str!("../examples/lead-fit-activity.yaml"),
            include_str!("../examples/b2b-customer.yaml"),
            include_str!("../examples/b2c-hot-warm-cold.yaml"),
        ][example];
        let original = parse_model(text, "m.yaml").map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut app = App::new(original.clone(), "/nonexistent/m.yaml".into());
        for a in actions {
            app.update(a);
        }
        while !app.popups.is_empty() {
            app.update(Action::Cancel);
        }
        let edited = app.model.clone();
        let mut steps = 0;
        while app.can_undo() {
            app.update(Action::Undo);
            steps += 1;
        }
        prop_assert_eq!(&app.model, &original);
        prop_assert!(!app.is_dirty());
        for _ in 0..steps {
            app.update(Action::Redo);
        }
        prop_assert_eq!(&app.model, &edited);
    }
}

// ---------------------------------------------------------------------------------------------
// Format-preserving writes: a save is a patch of the file's own text.

#[path = "common/lines.rs"]
mod lines;

use scorewright::model::preserve::preserve;

/// The files the patch is held to: every shipped example, and one file in each unusual but
/// valid style (comments everywhere, anchors and aliases, flow only, block only, CRLF).
fn style_files() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["examples", "tests/fixtures/styles"] {
        let mut names: Vec<_> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect();
        names.sort();
        for p in names {
            files.push((
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            ));
        }
    }
    let block = files
        .iter()
        .find(|(n, _)| n.ends_with("block.yaml"))
        .unwrap()
        .1
        .clone();
    files.push(("block.yaml with CRLF".into(), block.replace('\n', "\r\n")));
    files
}

/// One edit the designer can make.
#[derive(Debug, Clone)]
enum Edit {
    Weight(usize, usize, i64),
    Rename(usize, usize, String),
    Note(usize, usize, String),
    Threshold(usize, f64),
    Add(usize, usize),
    Delete(usize, usize),
    Pillar(usize, usize),
    /// A touchpoint one place down (the designer's `J`).
    Move(usize, usize),
}

impl Edit {
    /// Whether the edit changes one scalar in place (one line, unless it is a note).
    fn in_place(&self) -> bool {
        matches!(
            self,
            Edit::Weight(..) | Edit::Rename(..) | Edit::Threshold(..)
        )
    }

    fn apply(&self, m: &mut Model, n: usize) {
        fn tps(m: &mut Model, j: usize) -> &mut Vec<Touchpoint> {
            // Journeys of touchpoints only: a composite (lead-fit-activity's `lead`) has none.
            let with: Vec<usize> = (0..m.journeys.len())
                .filter(|&i| !m.journeys[i].is_composite())
                .collect();
            &mut m.journeys[with[j % with.len()]].touchpoints
        }
        match self {
            Edit::Weight(j, t, w) => {
                let v = tps(m, *j);
                let i = t % v.len();
                v[i].weight = Weight(*w);
            }
            Edit::Rename(j, t, s) => {
                let v = tps(m, *j);
                let i = t % v.len();
                v[i].id = format!("{}_{s}{n}", v[i].id);
            }
            Edit::Note(j, t, s) => {
                let v = tps(m, *j);
                let i = t % v.len();
                v[i].note = Some(s.clone());
            }
            Edit::Threshold(l, v) => {
                if let Some(t) = m.tiers.as_mut() {
                    let i = l % t.levels.len();
                    t.levels[i].at_least = *v;
                }
            }
            Edit::Add(j, t) => {
                let v = tps(m, *j);
                let i = t % v.len();
                let mut tp = v[i].clone();
                tp.id = format!("added_{n}");
                v.insert(i + 1, tp);
            }
            Edit::Delete(j, t) => {
                let v = tps(m, *j);
                if v.len() > 1 {
                    let i = t % v.len();
                    v.remove(i);
                }
            }
            Edit::Move(j, t) => {
                let v = tps(m, *j);
                let i = t % v.len();
                if i + 1 < v.len() {
                    v.swap(i, i + 1);
                }
            }
            Edit::Pillar(j, t) => {
                let v = tps(m, *j);
                let i = t % v.len();
                if v[i].pillars.contains(&Pillar::Integrity) {
                    v[i].pillars.retain(|p| *p != Pillar::Integrity);
                } else {
                    v[i].pillars.push(Pillar::Integrity);
                }
            }
        }
    }
}

fn note_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z]{1,8}( [A-Za-z,.:]{1,8}){0,30}",
        tricky_text(),
        Just("Line one.\nLine two.\n".to_string()),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    let at = (0usize..8, 0usize..8);
    prop_oneof![
        (at.clone(), 0i64..=10_000).prop_map(|((j, t), w)| Edit::Weight(j, t, w)),
        (at.clone(), "[a-z]{1,6}").prop_map(|((j, t), s)| Edit::Rename(j, t, s)),
        (at.clone(), note_text()).prop_map(|((j, t), s)| Edit::Note(j, t, s)),
        (
            0usize..4,
            prop_oneof![Just(0.0), Just(55.0), Just(12.5), 0.0f64..100.0]
        )
            .prop_map(|(l, v)| Edit::Threshold(l, v)),
        at.clone().prop_map(|(j, t)| Edit::Add(j, t)),
        at.clone().prop_map(|(j, t)| Edit::Delete(j, t)),
        at.clone().prop_map(|(j, t)| Edit::Move(j, t)),
        at.prop_map(|(j, t)| Edit::Pillar(j, t)),
    ]
}

/// The comment lines of a text (own-line and end-of-line), as written.
fn comment_lines(text: &str) -> Vec<&str> {
    text.lines().filter(|l| l.contains('#')).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Any edit sequence on any of the files: the text written reads back as the model saved,
    /// without falling back to the canonical layout, and the text the edits did not touch is
    /// there as it was: with only in-place edits, at most one line per edit changes and every
    /// other line stays; with no deletion, every comment line that no edit touched stays (in
    /// order, unless a touchpoint moved and took its comments along).
    #[test]
    fn a_save_patches_only_what_the_edits_changed(
        file in 0usize..10,
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let files = style_files();
        let (name, text) = &files[file % files.len()];
        let mut m = parse_model(text, name).unwrap();
        for (n, e) in edits.iter().enumerate() {
            e.apply(&mut m, n);
        }
        let out = preserve(Some(text), &m).unwrap();
        prop_assert!(out.kept_layout, "{name}: fell back to the canonical layout for {edits:?}");
        prop_assert_eq!(parse_model(&out.text, name).ok(), Some(m.clone()));
        let (removed, added) = lines::diff(text, &out.text);
        if edits.iter().all(Edit::in_place) {
            prop_assert!(removed.len() <= edits.len(), "{name} {edits:?}: {removed:?}");
            prop_assert_eq!(removed.len(), added.len());
        }
        if !edits.iter().any(|e| matches!(e, Edit::Delete(..))) {
            let kept: Vec<&str> = comment_lines(text)
                .into_iter()
                .filter(|l| !removed.contains(l))
                .collect();
            if edits.iter().any(|e| matches!(e, Edit::Move(..))) {
                // A moved touchpoint takes its comments along: all there, not in order.
                let out_lines: Vec<&str> = out.text.lines().collect();
                for l in &kept {
                    let want = kept.iter().filter(|k| *k == l).count();
                    let have = out_lines.iter().filter(|k| *k == l).count();
                    prop_assert!(have >= want, "{name}: comment lost: {l}");
                }
            } else {
                prop_assert!(lines::in_order(&kept, &out.text), "{name}: comments lost");
            }
            // No own-line comment is lost: each is in the output at least as often as in the
            // file. (Counted, not read off the line diff: where a copied touchpoint repeats
            // its sibling's lines, a longest common subsequence may pair them either way, and
            // the diff then shows a kept comment as removed and added.)
            // (A moved touchpoint that also changed is written anew, without its comments:
            // the count above holds the rest.)
            if !edits.iter().any(|e| matches!(e, Edit::Move(..))) {
                let out_lines: Vec<&str> = out.text.lines().collect();
                for l in text.lines().filter(|l| l.trim_start().starts_with('#')) {
                    let want = text.lines().filter(|k| *k == l).count();
                    let have = out_lines.iter().filter(|k| **k == l).count();
                    prop_assert!(have >= want, "{name}: comment lost: {l}");
                }
            }
        }
        // A second save of the same model changes nothing.
        let again = preserve(Some(&out.text), &m).unwrap();
        prop_assert_eq!(again.text, out.text);
    }
}

/// Any expression tree of the derived-field language (issue 14): every operator, function and
/// literal, field ids that need backticks, text that needs escapes, numbers of any size.
fn expr_tree() -> impl Strategy<Value = expr::Expr> {
    use expr::{BinOp, Expr, Func, Num};
    let leaf = prop_oneof![
        (0.0f64..1e20).prop_map(|v| Expr::Number(Num::new(v).unwrap())),
        prop_oneof![
            Just(0.0),
            Just(1e-300),
            Just(1e300),
            Just(0.1),
            Just(5e-324)
        ]
        .prop_map(|v| Expr::Number(Num::new(v).unwrap())),
        any::<bool>().prop_map(Expr::Bool),
        "[a-z\"'\\\\ é]{0,6}".prop_map(Expr::Text),
        prop_oneof![
            "[a-z_][a-z0-9_]{0,6}",
            Just("and".to_string()),
            Just("not".to_string()),
            Just("two words".to_string()),
            Just("back`tick".to_string()),
            Just(String::new()),
            Just("min".to_string()),
        ]
        .prop_map(Expr::Field),
    ];
    leaf.prop_recursive(5, 48, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|e| Expr::Neg(Box::new(e))),
            inner.clone().prop_map(|e| Expr::Not(Box::new(e))),
            (
                prop::sample::select(BinOp::ALL.to_vec()),
                inner.clone(),
                inner.clone()
            )
                .prop_map(|(op, a, b)| Expr::Binary(op, Box::new(a), Box::new(b))),
            (
                prop::sample::select(Func::ALL.to_vec()),
                prop::collection::vec(inner, 1..4)
            )
                .prop_map(|(f, mut args)| {
                    // As many arguments as the function takes.
                    let want = match f {
                        Func::Abs | Func::Ln | Func::Log10 => 1,
                        Func::DaysBetween => 2,
                        Func::If => 3,
                        Func::Min | Func::Max | Func::Coalesce => args.len().max(2),
                    };
                    while args.len() < want {
                        args.push(Expr::Bool(true));
                    }
                    args.truncate(want);
                    Expr::Call(f, args)
                }),
        ]
    })
}

proptest! {
    /// Printing an expression and parsing the text gives the same tree (issue 14): what the
    /// designer writes back and `explain` shows is what was meant.
    #[test]
    fn an_expression_printed_and_parsed_again_is_the_same_tree(e in expr_tree()) {
        let text = e.to_string();
        let parsed = expr::parse(&text).map_err(|err| TestCaseError::fail(format!("{text}: {err}")))?;
        prop_assert_eq!(&parsed.expr, &e, "{}", text);
        // One column per node, each inside the text.
        prop_assert!(parsed.columns.iter().all(|&c| c >= 1 && c <= text.chars().count() + 1));
    }
}

/// The ranks a stable full sort gives: 1 for the highest score, ties in row order.
fn ranks_by_sorting(scores: &[f64]) -> Vec<u32> {
    let mut rows: Vec<usize> = (0..scores.len()).collect();
    rows.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut rank = vec![0u32; scores.len()];
    for (r, &row) in rows.iter().enumerate() {
        rank[row] = r as u32 + 1;
    }
    rank
}

/// The distribution as it was counted before: ten bins, a score's bin the floor of its share
/// of 100 times ten, 100 in the last.
fn bins_by_floor(scores: &[f64]) -> Vec<usize> {
    let mut out = vec![0; 10];
    for &s in scores {
        out[((s / 100.0 * 10.0).floor() as usize).min(9)] += 1;
    }
    out
}

/// `rows` contacts of `m` from a seed: each cell one of `cell()`'s kinds of text, drawn by a
/// small generator so that a table of tens of thousands of rows costs little to make.
fn seeded_table(m: &Model, rows: usize, seed: u64) -> Table {
    let mut rng = scorewright::rng::Rng::new(seed);
    let headers: Vec<String> = m.fields.iter().map(|f| f.column().to_string()).collect();
    let mut columns: Vec<TextColumn> = headers.iter().map(|_| TextColumn::new()).collect();
    for _ in 0..rows {
        for col in &mut columns {
            let cell = match rng.below(6) {
                0 => String::new(),
                1 => ["yes", "no", "Select"][rng.below(3)].to_string(),
                2 => format!("2026-{:02}-{:02}", 1 + rng.below(10), 1 + rng.below(28)),
                _ => format!("{}", (rng.unit() * 200.0 - 50.0).round() / 4.0),
            };
            col.push(&cell);
        }
    }
    Table {
        source: "p".into(),
        headers,
        columns,
        lines: (2..rows as u64 + 2).collect(),
        ..Table::default()
    }
}

/// Runs edits through the preview's step as the designer's worker does (one scorer, the
/// step's buffers handed back after each edit) and holds every number against the
/// straightforward computation: each model scored afresh, compared by `whatif::compare`,
/// ranks by a full sort, the distribution by `floor`.
fn step_through_edits(base: &Model, table: &Table, edits: &[Model]) -> Result<(), TestCaseError> {
    use scorewright::tui::preview::{Baseline, Job, StepBuffers, compute};
    use std::sync::Arc;
    let mut scorer = scorewright::engine::Scorer::new(Arc::new(table.clone()));
    let mut buffers = StepBuffers::default();
    let baseline = Arc::new(Baseline::new(base.clone(), None));
    let before = scorewright::engine::score_table(base, table);
    let mut shown: Option<scorewright::tui::preview::Computed> = None;
    for (i, m) in edits.iter().enumerate() {
        let job = Job {
            generation: i as u64,
            model: m.clone(),
            baseline: shown
                .as_ref()
                .map_or(baseline.clone(), |s| s.baseline.clone()),
            journey: None,
        };
        let out = compute(&mut scorer, &mut buffers, job, None);
        let after = scorewright::engine::score_table(m, table);
        let want = scorewright::engine::whatif::compare(base, &before, m, &after);
        let c = &out.comparison;
        prop_assert_eq!(c.changed, want.changed);
        prop_assert_eq!(&c.delta, &want.delta);
        prop_assert_eq!(&*c.rank_before, &ranks_by_sorting(&before.scores[0]));
        prop_assert_eq!(&*c.rank_after, &ranks_by_sorting(&after.scores[0]));
        prop_assert_eq!(&c.tier_moves, &want.tier_moves);
        prop_assert_eq!((c.tier_up, c.tier_down), (want.tier_up, want.tier_down));
        prop_assert_eq!(
            (c.sales_enter, c.sales_leave),
            (want.sales_enter, want.sales_leave)
        );
        for (a, b) in c.segments.iter().zip(&want.segments) {
            prop_assert_eq!(
                (&a.name, a.before_count, a.after_count),
                (&b.name, b.before_count, b.after_count)
            );
            prop_assert_eq!((a.before_avg, a.after_avg), (b.before_avg, b.after_avg));
        }
        match (c.rank_correlation, want.rank_correlation) {
            (Some(x), Some(y)) => prop_assert!((x - y).abs() < 1e-12, "{} vs {}", x, y),
            (x, y) => prop_assert_eq!(x, y),
        }
        prop_assert_eq!(&out.hist_before, &bins_by_floor(&before.scores[0]));
        prop_assert_eq!(&out.hist_after, &bins_by_floor(&after.scores[0]));
        for (id, changed, mean) in &out.other_journeys {
            let j = m.journeys.iter().position(|j| &j.id == id).unwrap();
            let d: Vec<f64> = after.scores[j]
                .iter()
                .zip(&before.scores[j])
                .map(|(a, b)| a - b)
                .collect();
            prop_assert_eq!(*changed, d.iter().filter(|x| x.abs() > 1e-9).count());
            prop_assert!((mean - d.iter().sum::<f64>() / d.len() as f64).abs() < 1e-9);
        }
        // As the designer does: the result no longer shown gives its memory back.
        if let Some(old) = shown.replace(out) {
            if let Ok(s) = Arc::try_unwrap(old.scored) {
                scorer.recycle(s);
            }
            buffers.keep(old.comparison);
        }
    }
    Ok(())
}

/// The model with its touchpoints' weights replaced (scores need not sum to 100% to count).
fn reweighted(m: &Model, weights: &[i64]) -> Model {
    let mut m = m.clone();
    for (t, w) in m.journeys[0]
        .touchpoints
        .iter_mut()
        .zip(weights.iter().cycle())
    {
        t.weight = Weight(*w);
    }
    m
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// The preview's fast step (counted ranks in reused buffers, the baseline's distribution
    /// and ranks kept, fused passes) gives the numbers of the straightforward computation,
    /// edit after edit, back to the baseline and away again.
    #[test]
    fn the_preview_step_counts_as_the_straightforward_computation(
        m in model(),
        rows in 1..120usize,
        seed in 0..1_000u64,
        w1 in prop::collection::vec(0i64..=10_000, 1..4),
        w2 in prop::collection::vec(0i64..=10_000, 1..4),
    ) {
        let table = seeded_table(&m, rows, seed);
        let (e1, e2) = (reweighted(&m, &w1), reweighted(&m, &w2));
        step_through_edits(&m, &table, &[e1.clone(), e2, m.clone(), e1])?;
    }
}

/// The same at 60,000 contacts, where the current scores are ranked on a second thread.
#[test]
fn the_preview_step_counts_as_the_straightforward_computation_on_a_large_table() {
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 2,
        ..ProptestConfig::default()
    });
    runner
        .run(&(model(), 0..1_000u64), |(m, seed)| {
            let table = seeded_table(&m, 60_000, seed);
            let e1 = reweighted(&m, &[3_000, 7_000, 500]);
            let e2 = reweighted(&m, &[9_000, 1_000]);
            step_through_edits(&m, &table, &[e1.clone(), e2, m.clone(), e1])
        })
        .unwrap();
}

/// An attainment value: one of a few (as a category's `match` or a flag gives, with both zeros
/// and NaNs of two payloads), or any number (as a decayed scale gives).
fn attainment_value(palette: bool) -> BoxedStrategy<f64> {
    if palette {
        prop_oneof![
            Just(0.0),
            Just(-0.0),
            Just(1.0),
            Just(0.1 + 0.2),
            Just(f64::NAN),
            Just(f64::from_bits(0x7ff8_0000_0000_0001)),
            Just(5e-324),
            (0u8..20).prop_map(|i| f64::from(i) / 7.0),
        ]
        .boxed()
    } else {
        any::<f64>().boxed()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Issue 15, item 4: an attainment column held as codes into a table of values reads back
    /// every row's bits, and a weighted block adds exactly what the dense column adds.
    #[test]
    fn a_coded_attainment_column_is_the_dense_one(
        palette in any::<bool>(),
        seed in prop::collection::vec(any::<u16>(), 1..600),
        w in -100.0f64..100.0,
        window in (0usize..600, 0usize..600),
    ) {
        use scorewright::engine::attainments::Attainments;
        // Values from the palette, or any number; drawn by seed so that both shapes repeat.
        let values: Vec<f64> = {
            let mut runner = proptest::test_runner::TestRunner::deterministic();
            let strategy = attainment_value(palette);
            let pool: Vec<f64> = (0..300)
                .map(|_| strategy.new_tree(&mut runner).unwrap().current())
                .collect();
            seed.iter().map(|&s| pool[s as usize % pool.len()]).collect()
        };
        let coded = Attainments::compact(values.clone());
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        prop_assert_eq!(bits(&coded.to_vec()), bits(&values));
        prop_assert_eq!(coded.len(), values.len());
        for (i, v) in values.iter().enumerate() {
            prop_assert_eq!(coded[i].to_bits(), v.to_bits());
            prop_assert_eq!(coded.get(i).map(|x| x.to_bits()), Some(v.to_bits()));
        }
        prop_assert!(coded.get(values.len()).is_none());
        prop_assert!(coded.bytes() <= 8 * values.len() + 8 * 256);
        let n = values.len();
        let (a, b) = (window.0 % n, window.1 % n);
        let (start, end) = (a.min(b), a.max(b));
        let mut got = vec![0.25; end - start];
        coded.add_weighted(w, start, &mut got);
        let mut want = vec![0.25; end - start];
        Attainments::Dense(values.clone()).add_weighted(w, start, &mut want);
        prop_assert_eq!(bits(&got), bits(&want));
    }
}
