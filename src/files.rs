//! Files as the user's: what every command and the designer do at the level of whole files,
//! apart from what goes into them.
//!
//! - [`same_file`]: whether an output would replace one of the command's own inputs (by another
//!   name, a symbolic link or a hard link), which no `--force` allows.
//! - [`not_regular`]: a FIFO, socket or device given where a file is read whole (a model, the
//!   designer's contacts) is refused by name, since opening a FIFO blocks until a writer comes
//!   and the designer's keys would wait with it.
//! - [`write_replacing`]: replaces a file the user owns atomically, keeping what the file was:
//!   its mode (a private 0600 model stays private) and, where the process may, its owner and
//!   group; a symbolic link is written through, so the link stays a link and its target gets
//!   the new text; a read-only file is refused rather than replaced.
//!
//! Invariant: a refused or failed write leaves the file as it was (the new bytes go to a
//! temporary file beside the target, renamed over it only once complete).

use std::io::Write;
use std::path::{Path, PathBuf};

/// Whether two paths name the same existing file: on Unix the same device and inode (a hard
/// link, a symbolic link, another spelling of the path), elsewhere the same canonical path.
pub fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return ma.dev() == mb.dev() && ma.ino() == mb.ino();
        }
    }
    matches!(
        (std::fs::canonicalize(a), std::fs::canonicalize(b)),
        (Ok(x), Ok(y)) if x == y
    )
}

/// What an existing path is when it is neither a regular file nor a folder (a FIFO, a socket,
/// a device), worded for a message: `"is a FIFO (named pipe), not a regular file"`. `None`
/// for a regular file, a folder (which has messages of its own) or a path that cannot be
/// looked at (the read that follows says why). Links are followed.
pub fn not_regular(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    let kind = meta.file_type();
    if kind.is_file() || kind.is_dir() {
        return None;
    }
    #[cfg(unix)]
    let what = {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            "a FIFO (named pipe)"
        } else if kind.is_socket() {
            "a socket"
        } else if kind.is_char_device() || kind.is_block_device() {
            "a device"
        } else {
            "a special file"
        }
    };
    #[cfg(not(unix))]
    let what = "a special file";
    Some(format!(
        "is {what}, not a regular file: reading it could wait for ever; save the data to a file \
         and open that"
    ))
}

/// The file a write to `path` replaces: the final target when `path` is a symbolic link (a
/// chain is followed; a relative target is taken from the link's folder), else `path`.
pub fn write_target(path: &Path) -> PathBuf {
    let mut p = path.to_path_buf();
    // A bounded walk: a loop of links ends in a write error of its own, never here.
    for _ in 0..40 {
        match std::fs::read_link(&p) {
            Ok(target) => {
                p = match p.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            Err(_) => break,
        }
    }
    p
}

/// Replaces `path` with `bytes` atomically (a temporary file beside the target, then a rename),
/// through a symbolic link to its target, and gives the new file the mode, owner and group of
/// the file it replaces. A read-only file is refused with an error that says so, and nothing
/// is written.
pub fn write_replacing(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let target = write_target(path);
    refuse_read_only(&target)?;
    let like = std::fs::metadata(&target).ok();
    write_atomic_like(&target, bytes, like.as_ref())
}

/// Refuses to replace a read-only file (no write permission for anyone, as `chmod a-w` or a
/// mode of 0444 leaves it): a rename would replace it regardless, even for its owner, so the
/// check is ours. Root is refused too: read-only is what the file's owner asked for.
pub fn refuse_read_only(path: &Path) -> std::io::Result<()> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() && m.permissions().readonly() => Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!(
                "it is read-only{}: nothing was replaced; make it writable (chmod u+w) to save \
                 over it",
                mode_note(&m)
            ),
        )),
        _ => Ok(()),
    }
}

#[cfg(unix)]
fn mode_note(m: &std::fs::Metadata) -> String {
    use std::os::unix::fs::PermissionsExt;
    format!(" (mode {:04o})", m.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn mode_note(_: &std::fs::Metadata) -> String {
    String::new()
}

/// Writes bytes to `path` through a temporary file in the same folder and a rename, so that a
/// crash or a full disk leaves either the old file or the new one, never half of one. The new
/// file takes the mode (and, where allowed, owner and group) of `like`.
pub fn write_atomic_like(
    path: &Path,
    bytes: &[u8],
    like: Option<&std::fs::Metadata>,
) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "model".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        if let Some(m) = like {
            keep_properties(&f, m)?;
        }
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Gives an open file the mode of `like`, and its owner and group where the process may
/// change them (root may; anyone may keep their own uid and pick one of their groups). A
/// refused change of owner is not an error: the file is then the writer's, with the mode kept.
fn keep_properties(f: &std::fs::File, like: &std::fs::Metadata) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // The owner first: changing it may clear set-id bits, which the mode then restores.
        let _ = std::os::unix::fs::fchown(f, Some(like.uid()), Some(like.gid()));
    }
    f.set_permissions(like.permissions())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn the_same_file_by_another_name_a_link_or_a_hard_link() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        std::fs::write(&a, "id\n1\n").unwrap();
        let b = dir.path().join("b.csv");
        std::fs::write(&b, "id\n1\n").unwrap();
        assert!(same_file(&a, &dir.path().join(".").join("a.csv")));
        assert!(!same_file(&a, &b), "same content, another file");
        assert!(!same_file(&a, &dir.path().join("none.csv")));
        #[cfg(unix)]
        {
            let l = dir.path().join("l.csv");
            std::os::unix::fs::symlink(&a, &l).unwrap();
            assert!(same_file(&a, &l));
            let h = dir.path().join("h.csv");
            std::fs::hard_link(&a, &h).unwrap();
            assert!(same_file(&h, &a));
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_named_and_a_file_or_folder_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.csv");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let why = not_regular(&fifo).unwrap();
        assert!(
            why.contains("is a FIFO (named pipe), not a regular file"),
            "{why}"
        );
        assert_eq!(not_regular(dir.path()), None);
        assert_eq!(not_regular(&dir.path().join("none")), None);
        assert!(
            not_regular(Path::new("/dev/null"))
                .unwrap()
                .contains("a device")
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_write_keeps_the_mode_and_goes_through_a_link() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.yaml");
        std::fs::write(&real, "old").unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o600)).unwrap();
        let link = dir.path().join("link.yaml");
        std::os::unix::fs::symlink("real.yaml", &link).unwrap();
        write_replacing(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        // A read-only file is refused and left as it was.
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o444)).unwrap();
        let err = write_replacing(&real, b"newer").unwrap_err().to_string();
        assert!(err.contains("is read-only (mode 0444)"), "{err}");
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
    }
}
