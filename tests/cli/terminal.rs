//! Running the binary at a real terminal: a tmux server of the test's own
//! (its own socket, no user configuration), a 120x40 pane, and what is left
//! on the screen once the command has exited.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What a command left at the terminal.
#[derive(Debug)]
pub struct Screen {
    /// The pane's lines, scrollback included, without trailing blanks.
    pub lines: Vec<String>,
    /// The exit status.
    pub status: i32,
}

/// A tmux server that is killed when the test ends, however it ends.
struct Server {
    socket: String,
}

impl Server {
    fn tmux(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket]);
        c
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.tmux().arg("kill-server").output();
    }
}

/// Whether tmux can be run here; the CI image installs it (.ci/run).
pub fn available() -> bool {
    let found = Command::new("tmux").arg("-V").output().is_ok();
    if !found {
        schema_test_support::unavailable::<()>("tmux is not installed (.ci/run installs it)");
    }
    found
}

/// A command running at a terminal of its own.
pub struct Session {
    server: Server,
    status_file: std::path::PathBuf,
    _conf: tempfile::NamedTempFile,
}

/// Run `program args` in `cwd` with exactly `env` (plus TERM) at a fresh
/// terminal and return what it left there.
pub fn run(cwd: &Path, env: &[(&str, String)], program: &Path, args: &[&str]) -> Screen {
    Session::start(cwd, env, program, args).wait()
}

impl Session {
    /// Start `program args` in `cwd` with exactly `env` (plus TERM).
    pub fn start(cwd: &Path, env: &[(&str, String)], program: &Path, args: &[&str]) -> Session {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let server = Server {
            socket: format!(
                "cargo-schema-test-{}-{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ),
        };
        let conf = tempfile::NamedTempFile::new().expect("a tmux configuration file");
        // The pane must outlive the command so its screen can be read.
        std::fs::write(
            conf.path(),
            "set -g remain-on-exit on\nset -g history-limit 10000\n",
        )
        .expect("write the tmux configuration");

        let mut line = vec!["env".to_owned(), "-i".to_owned(), "TERM=screen".to_owned()];
        line.extend(env.iter().map(|(k, v)| quote(&format!("{k}={v}"))));
        line.push(quote(&program.display().to_string()));
        line.extend(args.iter().map(|a| quote(a)));
        // tmux 3.3 does not always learn a dead pane's exit status: the
        // shell that runs the command writes it down instead.
        let status_file = conf.path().with_extension("status");
        line.push(format!(
            "; echo $? > {}",
            quote(&status_file.display().to_string())
        ));

        let started = server
            .tmux()
            .arg("-f")
            .arg(conf.path())
            .args(["new-session", "-d", "-x", "120", "-y", "40", "-c"])
            .arg(cwd)
            .arg(line.join(" "))
            .status()
            .expect("run tmux");
        assert!(started.success(), "tmux new-session failed");
        Session {
            server,
            status_file,
            _conf: conf,
        }
    }

    /// The pane's lines now, scrollback included, without trailing blanks.
    pub fn screen(&self) -> Vec<String> {
        let out = self
            .server
            .tmux()
            .args(["capture-pane", "-p", "-S", "-"])
            .output()
            .expect("capture the pane");
        let text = String::from_utf8(out.stdout).expect("the screen is UTF-8");
        let mut lines: Vec<String> = text.lines().map(|l| l.trim_end().to_owned()).collect();
        // tmux's own note under a dead pane is not the command's output.
        lines.retain(|l| !l.starts_with("Pane is dead"));
        while lines.last().is_some_and(String::is_empty) {
            lines.pop();
        }
        lines
    }

    /// Wait (at most two minutes) until the screen satisfies `ready`;
    /// returns that screen.
    pub fn wait_for(&self, ready: impl Fn(&[String]) -> bool) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "the screen never got there:\n{}",
                screen.join("\n")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Wait for the command to end; what it left on the screen.
    pub fn wait(self) -> Screen {
        // The status is written once the command has exited; the pane is
        // dead once tmux has read the terminal to its end, so the screen
        // is whole.
        let deadline = Instant::now() + Duration::from_secs(120);
        let status = loop {
            let out = self
                .server
                .tmux()
                .args(["display-message", "-p", "#{pane_dead}"])
                .output()
                .expect("ask tmux about the pane");
            let dead = String::from_utf8_lossy(&out.stdout).trim() == "1";
            let status = std::fs::read_to_string(&self.status_file).ok();
            if let (true, Some(status)) = (dead, status.filter(|s| s.ends_with('\n'))) {
                let _ = std::fs::remove_file(&self.status_file);
                break status.trim().parse().expect("an exit status");
            }
            assert!(Instant::now() < deadline, "the command did not end");
            std::thread::sleep(Duration::from_millis(50));
        };
        Screen {
            lines: self.screen(),
            status,
        }
    }
}

/// Single-quote for the shell tmux runs the command with.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}
