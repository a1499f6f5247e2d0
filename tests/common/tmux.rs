//! A tmux server of the tests' own, for driving the real binary in a real terminal.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A tmux server of our own (its own socket), killed when dropped.
pub struct Tmux {
    pub socket: String,
    pub session: &'static str,
    /// How long `wait_for` waits before it fails.
    pub patience: Duration,
}

impl Tmux {
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", self.session]).stdout)
            .into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", self.session];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success(), "send-keys {keys:?}");
    }

    /// Waits until the screen holds `text`, or fails with the screen as it is.
    pub fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            if start.elapsed() > self.patience {
                panic!("waited for {text:?}; the screen shows:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn alive(&self) -> bool {
        self.run(&["has-session", "-t", self.session])
            .status
            .success()
    }
}

impl Tmux {
    /// Starts `scorewright edit ARGS` in a session of its own `width` x `height`, with the
    /// config and data folders (recovery copies too) in `config`, without colour.
    pub fn designer(
        name: &str,
        config: &Path,
        args: &[&Path],
        size: (u16, u16),
        patience: Duration,
    ) -> Tmux {
        Tmux::scorewright(name, config, Some("edit"), args, size, patience)
    }

    /// Starts `scorewright [COMMAND] ARGS` as `designer` starts `edit`.
    pub fn scorewright(
        name: &str,
        config: &Path,
        command_word: Option<&str>,
        args: &[&Path],
        size: (u16, u16),
        patience: Duration,
    ) -> Tmux {
        assert!(
            Command::new("tmux").arg("-V").output().is_ok(),
            "tmux is not installed: run .ci/install-engines"
        );
        let tmux = Tmux {
            socket: format!("scorewright-{name}-{}", std::process::id()),
            session: "designer",
            patience,
        };
        let mut command = format!(
            "env SCOREWRIGHT_CONFIG_DIR={} SCOREWRIGHT_DATA_DIR={} NO_COLOR=1 {}",
            quote(config),
            quote(config),
            quote(Path::new(env!("CARGO_BIN_EXE_scorewright"))),
        );
        if let Some(word) = command_word {
            command.push(' ');
            command.push_str(word);
        }
        for a in args {
            command.push(' ');
            command.push_str(&quote(a));
        }
        let (w, h) = (size.0.to_string(), size.1.to_string());
        let started = tmux.run(&[
            "new-session",
            "-d",
            "-s",
            tmux.session,
            "-x",
            &w,
            "-y",
            &h,
            &command,
        ]);
        assert!(
            started.status.success(),
            "tmux: {}",
            String::from_utf8_lossy(&started.stderr)
        );
        tmux
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}

/// A path quoted for the shell tmux runs the command in.
pub fn quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', r"'\''"))
}
