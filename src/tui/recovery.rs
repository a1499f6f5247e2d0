//! No lost work: the recovery copy of unsaved edits, the backup a save keeps, and the check
//! that the file did not change on disk since it was opened.
//!
//! - After every change the designer hands the model to a thread that writes a recovery copy
//!   in the user's data folder (`$SCOREWRIGHT_DATA_DIR` when set, else the platform's data
//!   folder for scorewright, `~/.local/share/scorewright` on Linux), so that even a model of
//!   thousands of touchpoints never slows typing. The copy is this designer's own: named after
//!   the model's path, the process id and the time the session started
//!   (`model-<hash>.<pid>-<time>-<n>.yaml`), so two designers on one model never share or
//!   remove each other's. A save, undoing back to what is saved, or quitting without saving
//!   removes it. On the next start with the same model, the newest copy whose process is gone
//!   and that differs from the file is offered for restoring, as one step to undo.
//! - Beside the copy each designer keeps a marker (`.open`) while it runs: a second designer
//!   opening the model says that it is open elsewhere. A marker whose process is gone was left
//!   by a crash and is removed; the guard removes its own when the designer exits.
//! - A save reads the file first: if it is not what was opened (or last saved), the designer
//!   asks before overwriting it, and keeps that other version also as `MODEL~theirs-TIME~`,
//!   which no later save replaces. The previous content is kept as `MODEL~` beside the file,
//!   and the new one is written atomically (a temporary file and a rename) with the mode and
//!   owner of the file it replaces, through a symbolic link to its target; a read-only file
//!   is refused (`write_model_file`, over `crate::files`).
//! - A panic lets the thread finish the copy of the last change, and prints where it is after
//!   the terminal is restored.
//! - A model the YAML writer cannot write is never written: not over the file, not as a backup,
//!   not as a copy.
//!
//! Invariant: nothing here touches the model file except `Guard::save`, and a failed write
//! leaves the model in memory (and the recovery copy) as they were.

use super::app::{App, Message, Tone};
use super::popups::{Confirm, ConfirmPurpose, Popup};
use crate::model::{Model, ModelError, parse_model};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Where the recovery copies live: `$SCOREWRIGHT_DATA_DIR/recovery` when set (tests, portable
/// setups), else the platform's data folder for scorewright.
pub fn recovery_dir() -> Option<PathBuf> {
    let base = match std::env::var_os("SCOREWRIGHT_DATA_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => directories::ProjectDirs::from("", "", "scorewright")?
            .data_dir()
            .to_path_buf(),
    };
    Some(base.join("recovery"))
}

/// The recovery copy of a model file: named after the file, with a hash of its absolute path
/// so that two `model.yaml` in different folders never share one.
pub fn recovery_path(model: &Path) -> Option<PathBuf> {
    let abs = absolute(model);
    let stem = abs
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "model".into());
    let stem: String = stem
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    Some(recovery_dir()?.join(format!(
        "{stem}-{:016x}.yaml",
        hash(abs.as_os_str().as_encoded_bytes())
    )))
}

/// One designer's session on a model: its process id and when it opened the model, which name
/// its recovery copy and its marker (`model-<hash>.<pid>-<time>.yaml` and `.open`), so that two
/// designers on one model never share (and never remove) one copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub pid: u32,
    /// Seconds since 1970 when the session started, and a count that tells apart sessions of
    /// one process started in the same second (tests).
    pub started: u64,
    pub n: u32,
}

impl Session {
    /// This process, now.
    pub fn current() -> Session {
        static COUNT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        Session {
            pid: std::process::id(),
            started: unix_now(),
            n: COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }
    }

    fn tag(&self) -> String {
        format!("{}-{}-{}", self.pid, self.started, self.n)
    }

    /// The session a copy or marker belongs to, read back from its name after the model's
    /// prefix: `.<pid>-<time>-<n>.yaml`. `None` for anything else (a copy of an older version,
    /// named after the model alone).
    fn parse(rest: &str) -> Option<Session> {
        let tag = rest.strip_prefix('.')?;
        let tag = tag
            .strip_suffix(".yaml")
            .or_else(|| tag.strip_suffix(MARKER))?;
        let mut parts = tag.split('-');
        let s = Session {
            pid: parts.next()?.parse().ok()?,
            started: parts.next()?.parse().ok()?,
            n: parts.next()?.parse().ok()?,
        };
        parts.next().is_none().then_some(s)
    }
}

/// The ending of the marker a running designer keeps beside its copy.
const MARKER: &str = ".open";

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Whether a process is running: `/proc/<pid>` on Linux, else `kill -0`. A marker or copy
/// whose process is gone was left by a crash.
pub fn alive(pid: u32) -> bool {
    if Path::new("/proc/self").exists() {
        return Path::new("/proc").join(pid.to_string()).exists();
    }
    std::process::Command::new("kill")
        .args(["-0", &pid.to_string()])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The recovery files of one model in the recovery folder: every session's copy and marker.
#[derive(Debug, Default)]
struct Found {
    /// Copies whose designer is gone (or of an older version), newest first.
    orphans: Vec<PathBuf>,
    /// Other designers that have the model open now.
    open: Vec<Session>,
}

/// Looks through the recovery folder for `legacy`'s (the copy's name without a session)
/// siblings: the copies and markers of every session on the same model. Markers of sessions
/// whose process is gone are stale (a crash): they are removed.
fn find_sessions(legacy: &Path, me: &Session) -> Found {
    let mut found = Found::default();
    let (Some(dir), Some(stem)) = (legacy.parent(), legacy.file_stem()) else {
        return found;
    };
    let stem = stem.to_string_lossy().into_owned();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    let mut copies: Vec<(std::time::SystemTime, PathBuf)> = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let path = e.path();
        if path == legacy {
            copies.push((modified(&path), path));
            continue;
        }
        let Some(session) = name.strip_prefix(&stem).and_then(Session::parse) else {
            continue;
        };
        if session == *me {
            continue;
        }
        let running = alive(session.pid);
        if name.ends_with(MARKER) {
            if running {
                found.open.push(session);
            } else {
                let _ = std::fs::remove_file(&path);
            }
        } else if !running {
            copies.push((modified(&path), path));
        }
    }
    copies.sort_by_key(|c| std::cmp::Reverse(c.0));
    found.orphans = copies.into_iter().map(|(_, p)| p).collect();
    found
}

fn modified(p: &Path) -> std::time::SystemTime {
    std::fs::metadata(p)
        .and_then(|m| m.modified())
        .unwrap_or(std::time::UNIX_EPOCH)
}

/// The backup a save keeps of the previous version: `model.yaml~` beside the file.
pub fn backup_path(model: &Path) -> PathBuf {
    let mut name = model.file_name().unwrap_or_default().to_os_string();
    name.push("~");
    model.with_file_name(name)
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

fn hash(bytes: &[u8]) -> u64 {
    // FNV-1a: stable across runs and builds, unlike the standard library's hasher.
    crate::engine::version::fnv1a(bytes)
}

/// The recovery copies written and not yet removed, which the panic message points to (one in
/// the designer; tests run several guards at once).
static COPIES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// The mailbox of the newest writer, which the panic hook lets finish.
type Shared = std::sync::Arc<(Mutex<Mailbox>, std::sync::Condvar)>;
static ACTIVE: Mutex<Option<Shared>> = Mutex::new(None);

/// What the panic hook adds once the terminal is restored: where the unsaved edits are. It
/// first lets the writer finish the copy of the last change (for up to five seconds).
pub fn panic_note() -> Option<String> {
    let active = ACTIVE.lock().ok().and_then(|a| a.clone());
    if let Some(shared) = active {
        let (lock, wake) = &*shared;
        if let Ok(mut mb) = lock.lock() {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
            while mb.pending.is_some() || mb.busy {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                match wake.wait_timeout(mb, left) {
                    Ok((m, t)) if !t.timed_out() => mb = m,
                    _ => break,
                }
            }
        }
    }
    let copies: Vec<String> = COPIES
        .lock()
        .ok()?
        .iter()
        .filter(|c| c.exists())
        .map(|c| c.display().to_string())
        .collect();
    (!copies.is_empty()).then(|| {
        format!(
            "scorewright: the designer crashed. Your unsaved edits are in {}; open the model again \
             to restore them.",
            copies.join(" and ")
        )
    })
}

/// A model's unsaved edits found at start.
#[derive(Debug)]
pub struct Recovered {
    pub model: Model,
    pub copy: PathBuf,
}

/// What the designer keeps to lose no work on one model file.
#[derive(Debug)]
pub struct Guard {
    path: PathBuf,
    copy: Option<PathBuf>,
    /// The model last handed to the writer, to notice a change without writing YAML.
    sent: Option<Model>,
    /// The thread that writes the recovery copy, so that a large model never slows typing.
    writer: Option<Writer>,
    /// A hash of the file's bytes as opened or last saved; `None` when it did not exist.
    on_disk: Option<u64>,
    /// The user said to overwrite a file that changed on disk: the next save does.
    pub overwrite: bool,
    /// Copies of earlier sessions whose designer is gone, newest first: offered at start,
    /// removed once this session's own copy or a save holds the edits (see `discard`).
    orphans: Vec<PathBuf>,
    /// Other designers that had the model open when this one started.
    others: Vec<Session>,
    /// This designer's marker beside its copy, removed when the guard goes (on exit).
    marker: Option<PathBuf>,
}

/// The writer thread's mailbox: the newest model to write (older ones are skipped).
#[derive(Debug, Default)]
struct Mailbox {
    pending: Option<Model>,
    busy: bool,
    closed: bool,
    error: Option<String>,
}

#[derive(Debug)]
struct Writer {
    shared: Shared,
}

impl Writer {
    fn start(copy: PathBuf, model_path: PathBuf) -> Writer {
        let shared: Shared =
            std::sync::Arc::new((Mutex::new(Mailbox::default()), std::sync::Condvar::new()));
        let theirs = shared.clone();
        if let Ok(mut active) = ACTIVE.lock() {
            *active = Some(shared.clone());
        }
        std::thread::spawn(move || {
            let (lock, wake) = &*theirs;
            loop {
                let model = {
                    let Ok(mut mb) = lock.lock() else { return };
                    while mb.pending.is_none() && !mb.closed {
                        mb = match wake.wait(mb) {
                            Ok(mb) => mb,
                            Err(_) => return,
                        };
                    }
                    let Some(model) = mb.pending.take() else {
                        return;
                    };
                    mb.busy = true;
                    model
                };
                let result = write_copy(&copy, &model_path, &model);
                let Ok(mut mb) = lock.lock() else { return };
                mb.busy = false;
                mb.error = result.err();
                wake.notify_all();
            }
        });
        Writer { shared }
    }

    fn send(&self, model: Model) {
        let (lock, wake) = &*self.shared;
        if let Ok(mut mb) = lock.lock() {
            mb.pending = Some(model);
            wake.notify_all();
        }
    }

    /// Waits until everything sent is written; returns the last write's error, if any (left
    /// for `error` to report).
    fn wait(&self) -> Option<String> {
        let (lock, wake) = &*self.shared;
        let mut mb = lock.lock().ok()?;
        while mb.pending.is_some() || mb.busy {
            mb = wake.wait(mb).ok()?;
        }
        mb.error.clone()
    }

    /// The last write's error, kept until a write succeeds: `keep` shows it after every event
    /// while copies fail, and `flush` still sees it (taking it here raced with `flush`).
    fn error(&self) -> Option<String> {
        self.shared.0.lock().ok()?.error.clone()
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        let (lock, wake) = &*self.shared;
        if let Ok(mut mb) = lock.lock() {
            mb.closed = true;
            wake.notify_all();
        }
    }
}

/// Writes the recovery copy of the model of `model_path`.
fn write_copy(copy: &Path, model_path: &Path, model: &Model) -> Result<(), String> {
    let result = crate::model::preserve::text_over(model_path, model)
        .map(|text| {
            format!(
                "# scorewright: unsaved edits of {}\n# `scorewright edit` on that file offers to restore them.\n{text}",
                absolute(model_path).display(),
            )
        })
        .and_then(|body| {
            copy.parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .map(|()| body)
        })
        .and_then(|body| write_quick(copy, body.as_bytes()));
    match result {
        Ok(()) => {
            if let Ok(mut copies) = COPIES.lock()
                && !copies.iter().any(|c| c == copy)
            {
                copies.push(copy.to_path_buf());
            }
            Ok(())
        }
        Err(e) => Err(format!(
            "cannot write the recovery copy {}: {e} (save soon)",
            copy.display()
        )),
    }
}

impl Drop for Guard {
    /// The designer is done with the model: its marker goes (its copy stays when it holds
    /// unsaved edits, for the next start to offer).
    fn drop(&mut self) {
        if let Some(m) = &self.marker {
            let _ = std::fs::remove_file(m);
        }
    }
}

impl Guard {
    /// Guards a model file whose bytes were `source` when it was opened (`None`: no file yet),
    /// with a recovery copy and a marker of this process's own in the recovery folder.
    pub fn new(path: &Path, source: Option<&[u8]>) -> Guard {
        match recovery_path(path) {
            Some(legacy) => Guard::in_session(path, source, &legacy, Session::current()),
            None => Guard::with_copy(path, source, None),
        }
    }

    /// As `new`, for the session `me`, with the recovery files named after `legacy` (the
    /// model's copy name without a session; tests keep it in a temporary folder). Finds the
    /// copies of designers that are gone and the designers that have the model open, and
    /// leaves a marker that says this one has it open.
    pub fn in_session(path: &Path, source: Option<&[u8]>, legacy: &Path, me: Session) -> Guard {
        let found = find_sessions(legacy, &me);
        let name = |end: &str| {
            let stem = legacy.file_stem().unwrap_or_default().to_string_lossy();
            legacy.with_file_name(format!("{stem}.{}{end}", me.tag()))
        };
        let marker = name(MARKER);
        let text = format!(
            "# scorewright: a designer (process {}) has {} open\n",
            me.pid,
            absolute(path).display()
        );
        let marker = marker
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| write_quick(&marker, text.as_bytes()))
            .ok()
            .map(|()| marker);
        let mut guard = Guard::with_copy(path, source, Some(name(".yaml")));
        guard.orphans = found.orphans;
        guard.others = found.open;
        guard.marker = marker;
        guard
    }

    /// As `new`, with the recovery copy at `copy` and no other session looked for (tests keep
    /// it in a temporary folder): the copy is this session's and the one found at start.
    pub fn with_copy(path: &Path, source: Option<&[u8]>, copy: Option<PathBuf>) -> Guard {
        Guard {
            path: path.to_path_buf(),
            orphans: copy.iter().filter(|c| c.exists()).cloned().collect(),
            copy,
            sent: None,
            writer: None,
            on_disk: source.map(hash),
            overwrite: false,
            others: Vec::new(),
            marker: None,
        }
    }

    /// Other designers (their process ids) that had this model open when this one started.
    pub fn others(&self) -> Vec<u32> {
        self.others.iter().map(|s| s.pid).collect()
    }

    /// The file now holds `source` (it was just created): that is what was opened.
    pub fn opened(&mut self, source: Option<&[u8]>) {
        self.on_disk = source.map(hash);
    }

    pub fn copy(&self) -> Option<&Path> {
        self.copy.as_deref()
    }

    /// Unsaved edits of this model from an earlier session whose designer is gone (the newest
    /// copy that differs from `current`).
    pub fn recovered(&self, current: &Model) -> Option<Recovered> {
        self.orphans.iter().find_map(|copy| {
            let text = std::fs::read_to_string(copy).ok()?;
            let model = parse_model(&text, &copy.display().to_string()).ok()?;
            (&model != current).then(|| Recovered {
                model,
                copy: copy.clone(),
            })
        })
    }

    /// Called after every event: hands the model to the writer thread when it has unsaved
    /// changes not handed over yet, and removes the copy this session wrote once nothing is
    /// unsaved. Returns an error to show when the copy could not be written.
    pub fn keep(&mut self, model: &Model, dirty: bool) -> Result<(), String> {
        let Some(copy) = self.copy.clone() else {
            return Ok(());
        };
        if !dirty {
            if self.sent.take().is_some() {
                self.discard();
            }
            return Ok(());
        }
        if self.sent.as_ref() != Some(model) {
            let writer = self
                .writer
                .get_or_insert_with(|| Writer::start(copy, self.path.clone()));
            writer.send(model.clone());
            self.sent = Some(model.clone());
        }
        match self.writer.as_ref().and_then(Writer::error) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Waits until the recovery copy holds the last model handed over; returns the error of
    /// the last write, if it failed.
    pub fn flush(&self) -> Result<(), String> {
        match self.writer.as_ref().and_then(Writer::wait) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Forgets the recovery copy (after a save, or once nothing is unsaved), and the copies of
    /// earlier sessions found at start: offered, and restored or declined, their edits are in
    /// this session or were not wanted.
    pub fn discard(&mut self) {
        let _ = self.flush();
        for copy in self.copy.iter().chain(&self.orphans) {
            let _ = std::fs::remove_file(copy);
            if let Ok(mut copies) = COPIES.lock() {
                copies.retain(|c| c != copy);
            }
        }
        self.orphans.clear();
        self.sent = None;
    }

    /// Whether the file on disk is not what was opened or last saved (changed by someone
    /// else, removed, or created since).
    pub fn changed_on_disk(&self) -> bool {
        let now = std::fs::read(&self.path).ok().map(|b| hash(&b));
        now != self.on_disk
    }

    /// The file on disk as it is now is the one this designer holds (after a reload).
    pub fn took_disk_version(&mut self) {
        self.on_disk = std::fs::read(&self.path).ok().map(|b| hash(&b));
        self.overwrite = false;
    }

    /// Saves the model: asks nothing (the caller asked about a changed file), keeps the
    /// previous version as `MODEL~` (and a version someone else wrote since it was opened also
    /// under a name of its own, which later saves leave alone), writes atomically, and removes
    /// the recovery copy. Returns the backups written, if any.
    pub fn save(&mut self, model: &Model) -> Result<Vec<PathBuf>, ModelError> {
        let text = crate::model::preserve::text_over(&self.path, model)
            .map_err(|e| write_err(&self.path, e))?;
        let theirs = self.changed_on_disk();
        let backups = write_model_file(&self.path, text.as_bytes(), theirs)?;
        self.on_disk = Some(hash(text.as_bytes()));
        self.overwrite = false;
        self.discard();
        Ok(backups)
    }
}

fn write_err(file: &Path, source: std::io::Error) -> ModelError {
    ModelError::Write {
        file: file.display().to_string(),
        source,
    }
}

/// Replaces a model file with `text`, the file-level half of a save: refuses a read-only file
/// before anything is written; keeps the previous content as `MODEL~` with the file's mode and
/// owner; when `theirs` (the file changed on disk since it was opened, and the user chose to
/// overwrite it) also as [`theirs_path`], which no later save replaces; then writes through a
/// symbolic link to its target, keeping the mode and owner (`files::write_replacing`).
/// Returns the backups written: none when the file did not exist or already held `text`.
pub fn write_model_file(
    path: &Path,
    text: &[u8],
    theirs: bool,
) -> Result<Vec<PathBuf>, ModelError> {
    let target = crate::files::write_target(path);
    crate::files::refuse_read_only(&target).map_err(|e| write_err(path, e))?;
    let meta = std::fs::metadata(&target).ok();
    let mut backups = Vec::new();
    if let Ok(old) = std::fs::read(&target)
        && old != text
    {
        let mut names = vec![backup_path(path)];
        if theirs {
            names.push(theirs_path(path, std::time::SystemTime::now()));
        }
        for b in names {
            crate::files::write_atomic_like(&b, &old, meta.as_ref())
                .map_err(|e| write_err(&b, e))?;
            backups.push(b);
        }
    }
    crate::files::write_replacing(path, text).map_err(|e| write_err(path, e))?;
    Ok(backups)
}

/// Where a version someone else saved is kept when the designer overwrites it:
/// `model.yaml~theirs-2026-12-03T07-21-05~` beside the file (UTC, to the second), so that the
/// next save, which replaces `model.yaml~`, never loses it.
pub fn theirs_path(model: &Path, when: std::time::SystemTime) -> PathBuf {
    let secs = when
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let day = crate::model::Date(i32::try_from(secs / 86_400).unwrap_or(i32::MAX));
    let t = secs % 86_400;
    let mut name = model.file_name().unwrap_or_default().to_os_string();
    name.push(format!(
        "~theirs-{day}T{:02}-{:02}-{:02}~",
        t / 3600,
        t / 60 % 60,
        t % 60
    ));
    model.with_file_name(name)
}

// ----- the hooks in the designer -----

impl App {
    /// Guards the model against lost work from now on; offers the unsaved edits of an
    /// earlier session when there are some.
    pub fn with_guard(mut self, guard: Guard) -> App {
        if let Some(r) = guard.recovered(&self.model) {
            let age = std::fs::metadata(&r.copy)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .map(|d| format!(" from {} ago", human(d.as_secs())))
                .unwrap_or_default();
            self.popups.push(Popup::Confirm(Confirm {
                title: "Unsaved edits found".into(),
                message: format!(
                    "The designer kept unsaved edits of this model{age} in {}. Restore them? \
                     (y: restore, undo takes them back; n: open the file as it is)",
                    r.copy.display()
                ),
                purpose: ConfirmPurpose::Restore(Box::new(r.model)),
            }));
        }
        let others = guard.others();
        if !others.is_empty() {
            self.message = Some(Message {
                tone: Tone::Warning,
                text: format!(
                    "{} is open in another designer too (process {}): a save in one overwrites \
                     the other's; each keeps its own recovery copy",
                    self.path.display(),
                    others
                        .iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
        self.guard = Some(guard);
        self
    }

    /// Waits until the recovery copy is written (tests; the event loop never waits).
    pub fn flush_recovery(&self) -> Result<(), String> {
        self.guard.as_ref().map_or(Ok(()), Guard::flush)
    }

    /// After every event: keeps the recovery copy current (see `Guard::keep`).
    pub fn keep_recovery(&mut self) {
        if self.should_quit {
            // Quitting: saved, or the edits were thrown away on purpose.
            return;
        }
        let dirty = self.is_dirty();
        if let Some(g) = &mut self.guard
            && let Err(e) = g.keep(&self.model, dirty)
        {
            self.message = Some(Message {
                tone: Tone::Warning,
                text: e,
            });
        }
    }

    /// Before a save: when the file changed on disk since it was opened, asks whether to
    /// overwrite it, and returns true (the save waits for the answer).
    pub fn ask_before_overwrite(&mut self) -> bool {
        let Some(g) = &self.guard else {
            return false;
        };
        if g.overwrite || !g.changed_on_disk() {
            return false;
        }
        self.popups.push(Popup::Confirm(Confirm {
            title: "Changed on disk".into(),
            message: format!(
                "{} changed on disk since it was opened (another editor, a git pull?). \
                 Overwrite it with the designer's version? (its current content is kept as {} \
                 and as {}, which later saves leave alone)",
                self.path.display(),
                backup_path(&self.path).display(),
                theirs_path(&self.path, std::time::SystemTime::now()).display()
            ),
            purpose: ConfirmPurpose::Overwrite,
        }));
        true
    }

    /// Writes the model: through the guard (backups, recovery copy removed) when there is
    /// one. Returns the backups of the previous version written, if any.
    pub fn write_file(&mut self) -> Result<Vec<PathBuf>, ModelError> {
        match &mut self.guard {
            Some(g) => g.save(&self.model),
            None => crate::model::write_model(&self.model, &self.path).map(|()| Vec::new()),
        }
    }
}

fn human(secs: u64) -> String {
    match secs {
        0..120 => format!("{secs} seconds"),
        120..7200 => format!("{} minutes", secs / 60),
        7200..172_800 => format!("{} hours", secs / 3600),
        _ => format!("{} days", secs / 86_400),
    }
}

/// Writes through a temporary file and a rename, without waiting for the disk: the copy is
/// for a crash of the program, not of the machine, and is written after every change.
fn write_quick(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
    let result = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn backups_sit_beside_the_file() {
        assert_eq!(
            backup_path(Path::new("/a/b/model.yaml")),
            PathBuf::from("/a/b/model.yaml~")
        );
    }

    #[test]
    fn hashes_are_stable() {
        assert_eq!(hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(hash(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
