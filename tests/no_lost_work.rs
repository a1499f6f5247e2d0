//! No lost work in the designer: the recovery copy after every change and the offer to
//! restore it, the backup a save keeps, the question before overwriting a file changed on
//! disk, a failed write that keeps the edits, and a save that keeps the file's comments.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use scorewright::model::{Weight, parse_model, read_model};
use scorewright::tui::app::Tone;
use scorewright::tui::ops::Node;
use scorewright::tui::popups::{ConfirmPurpose, Popup};
use scorewright::tui::recovery::{Guard, Session, panic_note};
use scorewright::tui::{Action, App};
use std::path::{Path, PathBuf};

const MODEL: &str = "name: Recovery test
fields:
  - { id: visits, kind: number }
  - { id: webinar, kind: boolean }
journeys:
  - id: fit
    touchpoints:
      - id: web
        pillars: [time_and_effort]
        weight: 50
        signals:
          - { field: visits, weight: 100, rule: { scale: { from: 0, to: 10 } } }
      - id: webinar
        pillars: [empathy]
        weight: 50
        signals:
          - { field: webinar, weight: 100, rule: flag }
segments:
  - { name: Everyone, action: Newsletter }
";

struct Setup {
    _dir: tempfile::TempDir,
    path: PathBuf,
    copy: PathBuf,
}

fn setup(text: &str) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.yaml");
    std::fs::write(&path, text).unwrap();
    let copy = dir.path().join("data/recovery/model.yaml");
    Setup {
        _dir: dir,
        path,
        copy,
    }
}

/// The designer as `scorewright edit` opens it, with the recovery copy at `s.copy`.
fn open(s: &Setup) -> App {
    let file = read_model(&s.path).unwrap();
    let bytes = std::fs::read(&s.path).ok();
    let guard = Guard::with_copy(&s.path, bytes.as_deref(), Some(s.copy.clone()));
    let mut app = App::from_file(file).with_guard(guard);
    app.update(Action::Resize(100, 30));
    app
}

fn key(app: &mut App, c: char) {
    app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    app.keep_recovery();
    app.flush_recovery().unwrap();
}

/// Raises the first touchpoint's weight by 1%, as the event loop would see it.
fn nudge(app: &mut App) {
    app.select(&Node::Touchpoint {
        journey: 0,
        path: vec![0],
    });
    app.update(Action::Nudge(100));
    app.keep_recovery();
    app.flush_recovery().unwrap();
}

fn confirm(app: &App) -> Option<&ConfirmPurpose> {
    match app.popups.last() {
        Some(Popup::Confirm(c)) => Some(&c.purpose),
        _ => None,
    }
}

fn weight0(app: &App) -> Weight {
    app.model.journeys[0].touchpoints[0].weight
}

#[test]
fn every_change_is_kept_in_a_recovery_copy_and_offered_at_the_next_start() {
    let s = setup(MODEL);
    let mut app = open(&s);
    assert!(confirm(&app).is_none(), "nothing to restore at first");
    nudge(&mut app);
    assert_eq!(weight0(&app), Weight(5100));
    let kept = std::fs::read_to_string(&s.copy).unwrap();
    assert_eq!(parse_model(&kept, "copy").unwrap(), app.model);
    // A second nudge merges into the same undo step, and is kept too.
    nudge(&mut app);
    let kept = std::fs::read_to_string(&s.copy).unwrap();
    assert_eq!(
        parse_model(&kept, "copy").unwrap().journeys[0].touchpoints[0].weight,
        Weight(5200)
    );
    let note = panic_note().unwrap_or_default();
    assert!(note.contains("unsaved edits are in"), "{note}");
    assert!(note.contains(&s.copy.display().to_string()), "{note}");
    // The session ends without saving (a crash, a closed terminal).
    drop(app);

    let mut app = open(&s);
    assert!(matches!(confirm(&app), Some(ConfirmPurpose::Restore(_))));
    key(&mut app, 'y');
    assert_eq!(weight0(&app), Weight(5200));
    assert!(app.is_dirty());
    // The restore is one step to undo: back to the file as it is.
    app.update(Action::Undo);
    assert_eq!(weight0(&app), Weight(5000));
    assert_eq!(app.model, read_model(&s.path).unwrap().model);
}

#[test]
fn declining_the_restore_opens_the_file_and_keeps_the_copy_until_the_next_change() {
    let s = setup(MODEL);
    let mut app = open(&s);
    nudge(&mut app);
    drop(app);
    let mut app = open(&s);
    key(&mut app, 'n');
    assert!(app.popups.is_empty());
    assert_eq!(weight0(&app), Weight(5000));
    assert!(s.copy.exists(), "declined, the copy is still there");
    nudge(&mut app);
    app.update(Action::Undo);
    app.keep_recovery();
    app.flush_recovery().unwrap();
    assert!(!app.is_dirty());
    assert!(!s.copy.exists(), "nothing unsaved, no copy");
}

#[test]
fn save_keeps_the_previous_version_and_removes_the_copy() {
    let s = setup(MODEL);
    let mut app = open(&s);
    nudge(&mut app);
    assert!(s.copy.exists());
    assert!(app.save());
    let msg = app.message.clone().unwrap();
    assert_eq!(msg.tone, Tone::Ok);
    assert!(msg.text.contains("model.yaml~"), "{}", msg.text);
    assert_eq!(
        std::fs::read_to_string(s.path.with_file_name("model.yaml~")).unwrap(),
        MODEL
    );
    assert_eq!(read_model(&s.path).unwrap().model, app.model);
    app.keep_recovery();
    assert!(!s.copy.exists());
    // Saving again, with nothing changed on disk, asks nothing.
    nudge(&mut app);
    assert!(app.save());
    assert!(app.popups.is_empty());
}

/// A colleague saves their version while the designer has unsaved edits; the designer's save
/// then asks. Returns their version.
fn changed_by_a_colleague(s: &Setup, app: &mut App) -> String {
    nudge(app);
    let theirs = MODEL.replace("Recovery test", "Changed by a colleague");
    std::fs::write(&s.path, &theirs).unwrap();
    assert!(!app.save());
    assert!(matches!(confirm(app), Some(ConfirmPurpose::Overwrite)));
    theirs
}

#[test]
fn a_file_changed_on_disk_is_not_overwritten_without_asking() {
    let s = setup(MODEL);
    let mut app = open(&s);
    let theirs = changed_by_a_colleague(&s, &mut app);
    assert_eq!(std::fs::read_to_string(&s.path).unwrap(), theirs);
    // No: nothing written, the edits stay.
    key(&mut app, 'n');
    assert_eq!(std::fs::read_to_string(&s.path).unwrap(), theirs);
    assert!(app.is_dirty());
    // Yes: written, and their version kept as the backup.
    app.update(Action::Save);
    key(&mut app, 'y');
    assert!(!app.is_dirty());
    assert_eq!(read_model(&s.path).unwrap().model, app.model);
    assert_eq!(
        std::fs::read_to_string(s.path.with_file_name("model.yaml~")).unwrap(),
        theirs
    );
    // A file removed since it was opened counts as changed too.
    nudge(&mut app);
    std::fs::remove_file(&s.path).unwrap();
    assert!(!app.save());
    assert!(matches!(confirm(&app), Some(ConfirmPurpose::Overwrite)));
}

#[test]
fn a_failed_write_shows_the_error_and_keeps_the_edits() {
    for target in [
        // A folder that does not exist.
        PathBuf::from("/nonexistent-folder/model.yaml"),
        // A read-only file system (even for root).
        PathBuf::from("/proc/model.yaml"),
    ] {
        let mut app = App::new(parse_model(MODEL, "m.yaml").unwrap(), target.clone());
        nudge(&mut app);
        assert!(!app.save(), "{}", target.display());
        let msg = app.message.clone().unwrap();
        assert_eq!(msg.tone, Tone::Error);
        assert!(msg.text.contains("cannot write it"), "{}", msg.text);
        assert!(msg.text.contains("the edits are kept"), "{}", msg.text);
        assert!(app.is_dirty());
        assert_eq!(weight0(&app), Weight(5100));
    }
    // Through the guard as well, where the backup is written first.
    let s = setup(MODEL);
    let mut app = open(&s);
    nudge(&mut app);
    std::fs::create_dir(s.path.with_file_name("model.yaml~")).unwrap();
    assert!(!app.save());
    assert_eq!(app.message.clone().unwrap().tone, Tone::Error);
    assert_eq!(std::fs::read_to_string(&s.path).unwrap(), MODEL);
    assert!(app.is_dirty() && s.copy.exists());
}

#[test]
fn a_save_and_the_recovery_copy_keep_the_files_comments() {
    // Before format-preserving writes, both were the canonical layout without comments.
    let text = MODEL
        .replace(
            "name: Recovery test",
            "# why we weigh it so\nname: Recovery test   # the room's name",
        )
        .replace(
            "weight: 50\n        signals:\n          - { field: visits",
            "weight: 50   # agreed\n        signals:\n          - { field: visits",
        );
    let s = setup(&text);
    let mut app = open(&s);
    assert!(app.message.is_none(), "{:?}", app.message);
    nudge(&mut app);
    // The recovery copy is the file's text with the edit, under its own two header lines.
    let copy = std::fs::read_to_string(&s.copy).unwrap();
    let body: String = copy.split_inclusive('\n').skip(2).collect();
    assert!(app.save());
    let saved = std::fs::read_to_string(&s.path).unwrap();
    assert_eq!(body, saved);
    assert_eq!(parse_model(&saved, "m").unwrap(), app.model);
    // Exactly one line differs: the nudged weight, with its comment.
    let diff: Vec<(&str, &str)> = text
        .lines()
        .zip(saved.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(saved.lines().count(), text.lines().count());
    assert_eq!(
        diff,
        [(
            "        weight: 50   # agreed",
            "        weight: 51   # agreed"
        )]
    );
}

#[test]
fn recovery_copies_of_two_models_never_collide() {
    let a = scorewright::tui::recovery::recovery_path(Path::new("/x/model.yaml"));
    let b = scorewright::tui::recovery::recovery_path(Path::new("/y/model.yaml"));
    if let (Some(a), Some(b)) = (a, b) {
        assert_ne!(a, b);
        assert!(
            a.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("model-")
        );
    }
}

#[test]
fn a_recovery_copy_that_cannot_be_written_is_said() {
    let s = setup(MODEL);
    let file = read_model(&s.path).unwrap();
    let guard = Guard::with_copy(
        &s.path,
        Some(MODEL.as_bytes()),
        Some(PathBuf::from("/proc/sw-copy/m.yaml")),
    );
    let mut app = App::from_file(file).with_guard(guard);
    app.select(&Node::Touchpoint {
        journey: 0,
        path: vec![0],
    });
    app.update(Action::Nudge(100));
    app.keep_recovery();
    let err = app.flush_recovery().unwrap_err();
    assert!(
        err.contains("cannot write the recovery copy /proc/sw-copy/m.yaml"),
        "{err}"
    );
    // The next change tries again and says in the status line that the copy failed.
    app.update(Action::Nudge(100));
    app.keep_recovery();
    let msg = app.message.clone().unwrap();
    assert_eq!(msg.tone, Tone::Warning);
    assert!(msg.text.contains("save soon"), "{}", msg.text);
}

#[test]
fn a_model_started_from_a_template_is_guarded_once_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.yaml");
    let copy = dir.path().join("data/new.yaml");
    let guard = Guard::with_copy(&path, None, Some(copy.clone()));
    let mut app = App::choose_template(path.clone()).with_guard(guard);
    app.update(Action::Resize(100, 30));
    for c in "b2c".chars() {
        key(&mut app, c);
    }
    app.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    assert!(path.exists() && app.popups.is_empty());
    app.select(&Node::Touchpoint {
        journey: 0,
        path: vec![0],
    });
    app.update(Action::Nudge(100));
    app.keep_recovery();
    app.flush_recovery().unwrap();
    assert!(copy.exists());
    // The file it wrote is the one opened: saving asks nothing.
    assert!(app.save(), "{:?}", app.message);
    assert!(app.popups.is_empty());
    assert!(!copy.exists());
}

#[test]
fn quitting_without_saving_leaves_no_copy_to_offer() {
    let s = setup(MODEL);
    let mut app = open(&s);
    nudge(&mut app);
    assert!(s.copy.exists());
    app.update(Action::Quit);
    assert!(matches!(confirm(&app), Some(ConfirmPurpose::Quit)));
    key(&mut app, 'd');
    assert!(app.should_quit);
    assert!(!s.copy.exists());
    assert!(confirm(&open(&s)).is_none());
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_save_keeps_the_mode_and_owner_of_the_file_and_its_backup() {
    use std::os::unix::fs::MetadataExt;
    let root = std::fs::metadata("/proc/self").unwrap().uid() == 0;
    for m in [0o600, 0o640, 0o664] {
        let s = setup(MODEL);
        set_mode(&s.path, m);
        // Root may give a file away: the save must give it back to its owner.
        if root {
            std::os::unix::fs::chown(&s.path, Some(4321), Some(4321)).unwrap();
        }
        let mut app = open(&s);
        nudge(&mut app);
        assert!(app.save(), "{:?}", app.message);
        let backup = s.path.with_file_name("model.yaml~");
        assert_eq!(mode(&s.path), m, "the model's mode {m:o}");
        assert_eq!(mode(&backup), m, "the backup's mode {m:o}");
        if root {
            for p in [&s.path, &backup] {
                let meta = std::fs::metadata(p).unwrap();
                assert_eq!((meta.uid(), meta.gid()), (4321, 4321), "{}", p.display());
            }
        }
    }
}

#[test]
fn a_save_through_a_symbolic_link_writes_its_target() {
    let s = setup(MODEL);
    let folder = s.path.parent().unwrap().join("shared");
    std::fs::create_dir(&folder).unwrap();
    let target = folder.join("real.yaml");
    std::fs::rename(&s.path, &target).unwrap();
    std::os::unix::fs::symlink("shared/real.yaml", &s.path).unwrap();
    set_mode(&target, 0o600);
    let mut app = open(&s);
    nudge(&mut app);
    assert!(app.save(), "{:?}", app.message);
    assert!(std::fs::symlink_metadata(&s.path).unwrap().is_symlink());
    assert_eq!(read_model(&target).unwrap().model, app.model);
    assert_eq!(mode(&target), 0o600);
    assert_eq!(
        std::fs::read_to_string(s.path.with_file_name("model.yaml~")).unwrap(),
        MODEL
    );
}

#[test]
fn a_read_only_model_is_refused_and_the_edits_are_kept() {
    let s = setup(MODEL);
    set_mode(&s.path, 0o444);
    let mut app = open(&s);
    nudge(&mut app);
    assert!(!app.save());
    let msg = app.message.clone().unwrap();
    assert_eq!(msg.tone, Tone::Error);
    assert!(
        msg.text
            .contains("model.yaml: cannot write it: it is read-only (mode 0444)")
            && msg.text.contains("chmod u+w")
            && msg.text.contains("the edits are kept"),
        "{}",
        msg.text
    );
    assert_eq!(std::fs::read_to_string(&s.path).unwrap(), MODEL);
    assert_eq!(mode(&s.path), 0o444);
    assert!(
        !s.path.with_file_name("model.yaml~").exists(),
        "no backup either"
    );
    assert!(app.is_dirty() && s.copy.exists());
}

#[test]
fn a_colleagues_version_overwritten_survives_the_next_save() {
    let s = setup(MODEL);
    let mut app = open(&s);
    let theirs = changed_by_a_colleague(&s, &mut app);
    key(&mut app, 'y');
    let msg = app.message.clone().unwrap();
    assert!(msg.text.contains("~theirs-"), "{}", msg.text);
    // Two more saves: `model.yaml~` holds the designer's own versions now.
    nudge(&mut app);
    assert!(app.save());
    nudge(&mut app);
    assert!(app.save());
    assert_ne!(
        std::fs::read_to_string(s.path.with_file_name("model.yaml~")).unwrap(),
        theirs
    );
    let kept: Vec<PathBuf> = std::fs::read_dir(s.path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("model.yaml~theirs-"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(std::fs::read_to_string(&kept[0]).unwrap(), theirs);
    assert!(
        msg.text.contains(&kept[0].display().to_string()),
        "{}",
        msg.text
    );
}

/// The recovery folder's files of one kind (`.yaml` copies, `.open` markers).
fn recovery_files(s: &Setup, ending: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(s.copy.parent().unwrap())
        .map(|rd| rd.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.to_string_lossy().ends_with(ending));
    files.sort();
    files
}

/// A designer on the model as the session `me`, with the recovery folder of `s`.
fn open_as(s: &Setup, me: Session) -> App {
    let file = read_model(&s.path).unwrap();
    let bytes = std::fs::read(&s.path).ok();
    let guard = Guard::in_session(&s.path, bytes.as_deref(), &s.copy, me);
    let mut app = App::from_file(file).with_guard(guard);
    app.update(Action::Resize(100, 30));
    app
}

#[test]
fn two_designers_on_one_model_keep_their_own_copies_and_a_crash_of_one_is_offered() {
    let s = setup(MODEL);
    let mut a = open_as(&s, Session::current());
    assert!(a.message.is_none(), "{:?}", a.message);
    // A second designer, in another process that is running (a child that sleeps).
    let mut other = std::process::Command::new("sleep")
        .arg("600")
        .spawn()
        .unwrap();
    let b_session = Session {
        pid: other.id(),
        started: 1,
        n: 0,
    };
    let mut b = open_as(&s, b_session);
    let msg = b.message.clone().unwrap();
    assert_eq!(msg.tone, Tone::Warning);
    assert!(
        msg.text.contains(&format!(
            "is open in another designer too (process {})",
            std::process::id()
        )),
        "{}",
        msg.text
    );
    assert_eq!(recovery_files(&s, ".open").len(), 2, "a marker each");
    // Both edit; each keeps its own copy; A saves, which removes A's copy only.
    nudge(&mut a);
    nudge(&mut b);
    nudge(&mut b);
    assert_eq!(recovery_files(&s, ".yaml").len(), 2, "a copy each");
    assert!(a.save(), "{:?}", a.message);
    let left = recovery_files(&s, ".yaml");
    assert_eq!(left.len(), 1);
    assert!(
        left[0]
            .to_string_lossy()
            .contains(&format!(".{}-1-0.yaml", other.id())),
        "{left:?}"
    );
    // A quits: its marker goes. B crashes: its process is gone, its files stay.
    drop(a);
    std::mem::forget(b);
    other.kill().unwrap();
    other.wait().unwrap();
    assert_eq!(recovery_files(&s, ".open").len(), 1, "B's marker, stale");

    // The next designer offers B's edits, and says nothing of a designer that is gone.
    let mut c = open_as(&s, Session::current());
    assert!(c.message.is_none(), "{:?}", c.message);
    assert!(matches!(confirm(&c), Some(ConfirmPurpose::Restore(_))));
    key(&mut c, 'y');
    assert_eq!(weight0(&c), Weight(5200), "B's two nudges");
    let markers = recovery_files(&s, ".open");
    assert_eq!(markers.len(), 1, "the stale marker is removed: {markers:?}");
    assert!(c.save());
    assert_eq!(
        recovery_files(&s, ".yaml"),
        Vec::<PathBuf>::new(),
        "B's copy goes with the save"
    );
    drop(c);
    assert_eq!(
        recovery_files(&s, ".open"),
        Vec::<PathBuf>::new(),
        "cleaned on exit"
    );
}

/// Waits for the designer's look at the file on disk, as the event loop's tick does.
fn watch(app: &mut App) {
    app.disk.watching = true;
    std::thread::sleep(
        scorewright::tui::app::disk::WATCH_EVERY + std::time::Duration::from_millis(50),
    );
    app.tick();
}

fn picker_title(app: &App) -> Option<String> {
    match app.popups.last() {
        Some(Popup::Picker(p)) => Some(p.title.clone()),
        _ => None,
    }
}

#[test]
fn a_file_changed_on_disk_while_open_is_noticed_and_reloaded_under_the_edits() {
    let s = setup(MODEL);
    let mut app = open(&s);
    // My unsaved edit: the web touchpoint 50 -> 51.
    nudge(&mut app);
    watch(&mut app);
    assert!(app.popups.is_empty(), "nothing changed on disk yet");
    // A colleague renames the model on disk.
    std::fs::write(
        &s.path,
        MODEL.replace("name: Recovery test", "name: Their name"),
    )
    .unwrap();
    watch(&mut app);
    assert_eq!(
        picker_title(&app).as_deref(),
        Some("model.yaml changed on disk")
    );
    // The differences are listed in the dialog, as `scorewright diff` shows them.
    let Some(Popup::Picker(p)) = app.popups.last() else {
        unreachable!()
    };
    let labels: Vec<&str> = p.items.iter().map(|i| i.label.as_str()).collect();
    assert!(
        labels
            .iter()
            .any(|l| l.contains("name") && l.contains("Their name")),
        "{labels:?}"
    );
    // Reload: their name, my weight on top; the next look says nothing new.
    press_enter_on(&mut app, "reload their version");
    assert_eq!(app.model.name, "Their name");
    assert_eq!(app.model.journeys[0].touchpoints[0].weight, Weight(5_100));
    watch(&mut app);
    assert!(app.popups.is_empty());
    // One `u` takes my edit off their version; a second gives back mine as it was.
    key(&mut app, 'u');
    assert_eq!(app.model.name, "Their name");
    assert_eq!(app.model.journeys[0].touchpoints[0].weight, Weight(5_000));
    key(&mut app, 'u');
    assert_eq!(app.model.name, "Recovery test");
    assert_eq!(app.model.journeys[0].touchpoints[0].weight, Weight(5_100));
}

#[test]
fn a_change_on_disk_that_meets_an_unsaved_edit_asks() {
    let s = setup(MODEL);
    let mut app = open(&s);
    nudge(&mut app);
    // They changed the same weight.
    let theirs = MODEL.replacen("weight: 50", "weight: 40", 1);
    std::fs::write(&s.path, &theirs).unwrap();
    watch(&mut app);
    press_enter_on(&mut app, "reload their version");
    assert_eq!(
        picker_title(&app).as_deref(),
        Some("you and the file on disk both changed journeys.fit.touchpoints.web.weight")
    );
    assert_eq!(app.model.journeys[0].touchpoints[0].weight, Weight(5_100));
    press_enter_on(&mut app, "keep this version");
    assert!(app.popups.is_empty());
    assert_eq!(app.model.journeys[0].touchpoints[0].weight, Weight(5_100));
    // Keeping mine: the save still asks before overwriting theirs.
    assert!(!app.save());
    assert_eq!(confirm(&app), Some(&ConfirmPurpose::Overwrite));
    assert_eq!(std::fs::read_to_string(&s.path).unwrap(), theirs);
}

/// Moves the picker's selection to the item with this label and presses Enter.
fn press_enter_on(app: &mut App, label: &str) {
    let Some(Popup::Picker(p)) = app.popups.last() else {
        panic!("no picker: {:?}", app.message)
    };
    let at = p.items.iter().position(|i| i.label == label).unwrap();
    let now = p.selected;
    for _ in now..at {
        app.handle_key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE));
    }
    app.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
}

#[test]
fn a_save_that_cannot_keep_the_comments_says_so() {
    // The two fields share one `missing` list through an anchor: giving the first its own
    // value is a change no patch of the text can make, so the canonical layout is written.
    let text = MODEL
        .replace("# why", "")
        .replace(
            "  - { id: visits, kind: number }\n  - { id: webinar, kind: boolean }",
            "  - { id: visits, kind: number, missing: &na [N/A] }   # shared\n  - { id: webinar, kind: boolean, missing: *na }",
        );
    let s = setup(&text);
    let mut app = open(&s);
    let mut m = app.model.clone();
    m.fields[0].missing.push("-".into());
    app.edit(scorewright::tui::ops::Op::SetModel(Box::new(m)), "missing");
    assert!(app.save());
    let msg = app.message.clone().unwrap();
    assert_eq!(msg.tone, Tone::Warning);
    assert!(
        msg.text.contains("the file's comments could not be kept"),
        "{}",
        msg.text
    );
    assert!(msg.text.contains("model.yaml~"), "{}", msg.text);
    assert_eq!(read_model(&s.path).unwrap().model, app.model);
}
