//! A temporary project and a way to run the binary in it with a clean
//! environment, so nothing from the machine (a `DATABASE_URL`, a `.env` in a
//! parent folder) changes what a test sees.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde_json::Value;
use std::process::{Child, Command, Stdio};
use tempfile::TempDir;

/// The password the secret tests look for in every output.
pub const PASSWORD: &str = "Sup3rS3cret";

/// Variables the child keeps: cargo metadata needs PATH and HOME (and the
/// toolchain's own variables when rustup or cargo set them).
const KEPT_VARS: &[&str] = &[
    "PATH",
    "HOME",
    "CARGO",
    "CARGO_HOME",
    "RUSTUP_HOME",
    "RUSTUP_TOOLCHAIN",
];

/// A temporary folder holding a project: an ini file, `.env` files, Cargo
/// manifests.
pub struct Project {
    dir: TempDir,
}

impl Project {
    /// An empty folder.
    pub fn empty() -> Self {
        Project {
            dir: tempfile::Builder::new()
                .prefix("cargo-schema-cli")
                .tempdir()
                .expect("create a temporary folder"),
        }
    }

    /// A folder with `schema.ini` holding `ini`.
    pub fn with_ini(ini: &str) -> Self {
        let project = Self::empty();
        project.file("schema.ini", ini);
        project
    }

    /// The folder (canonical, as the binary reports it).
    pub fn path(&self) -> PathBuf {
        self.dir
            .path()
            .canonicalize()
            .expect("canonical temporary folder")
    }

    /// Write `contents` to `rel`, creating folders.
    pub fn file(&self, rel: &str, contents: impl AsRef<[u8]>) -> &Self {
        let path = self.dir.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create folders");
        }
        std::fs::write(&path, contents).expect("write a project file");
        self
    }

    /// A library package `name` in `rel` (`.` for the root): Cargo.toml and
    /// src/lib.rs.
    pub fn package(&self, rel: &str, name: &str) -> &Self {
        self.file(
            &format!("{rel}/Cargo.toml"),
            format!(
                "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n"
            ),
        );
        self.file(&format!("{rel}/src/lib.rs"), "")
    }

    /// A command line to run in the project's folder.
    pub fn cmd<I, S>(&self, args: I) -> Invocation
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        Invocation {
            cwd: self.dir.path().to_owned(),
            args: args.into_iter().map(Into::into).collect(),
            env: Vec::new(),
            program: None,
        }
    }

    /// `cargo-schema config --format json -c schema.ini <extra>` (the
    /// global options are accepted after the command too).
    pub fn config_json(&self, extra: &[&str]) -> Invocation {
        let mut args = vec!["config", "--format", "json", "-c", "schema.ini"];
        args.extend_from_slice(extra);
        self.cmd(args)
    }

    /// `cargo-schema config -c schema.ini <extra>` (text).
    pub fn config_text(&self, extra: &[&str]) -> Invocation {
        let mut args = vec!["config", "-c", "schema.ini"];
        args.extend_from_slice(extra);
        self.cmd(args)
    }

    /// Replace this project's folder with `[TMP]` in `text`.
    pub fn redact(&self, text: &str) -> String {
        let canonical = self.path().display().to_string();
        let given = self.dir.path().display().to_string();
        text.replace(&canonical, "[TMP]").replace(&given, "[TMP]")
    }
}

/// One run of the binary, being set up.
pub struct Invocation {
    cwd: PathBuf,
    args: Vec<OsString>,
    env: Vec<(String, String)>,
    program: Option<PathBuf>,
}

impl Invocation {
    /// Set a variable for the child (on top of the clean environment).
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Run in `rel`, a folder of the project.
    pub fn in_dir(mut self, rel: &str) -> Self {
        self.cwd = self.cwd.join(rel);
        self
    }

    /// Run another program (cargo itself) instead of the binary.
    pub fn program(mut self, program: impl Into<PathBuf>) -> Self {
        self.program = Some(program.into());
        self
    }

    /// Run and collect the outcome. Fails the test on a panic or a signal:
    /// no input may crash the tool.
    pub fn run(self) -> Outcome {
        let output = self.command().output().expect("run the binary");
        let outcome = Outcome {
            code: output.status.code(),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        };
        assert!(
            outcome.code.is_some(),
            "killed by a signal: {:?}\n{}",
            self.args,
            outcome.stderr
        );
        assert!(
            !outcome.stderr.contains("panicked"),
            "the binary panicked on {:?}:\n{}",
            self.args,
            outcome.stderr
        );
        outcome
    }
}

impl Invocation {
    /// The command, in the clean environment with the test's variables.
    fn command(&self) -> Command {
        let mut command = match &self.program {
            Some(program) => Command::new(program),
            None => Command::new(bin()),
        };
        command.env_clear();
        for var in KEPT_VARS {
            if let Some(value) = std::env::var_os(var) {
                command.env(var, value);
            }
        }
        // Snapshots of migrations folders go to a folder of this test run,
        // not the user's cache; a test may point elsewhere with env().
        command.env("CARGO_SCHEMA_CACHE_DIR", cache_dir());
        for (name, value) in &self.env {
            command.env(name, value);
        }
        command.args(&self.args).current_dir(&self.cwd);
        command
    }

    /// Start it in the background with stdout (`Piped::Stdout`) or stderr
    /// piped and the rest closed, for a test that reads its progress and
    /// kills it.
    pub fn spawn(self, piped: Piped) -> Child {
        let (out, err) = match piped {
            Piped::Stdout => (Stdio::piped(), Stdio::null()),
            Piped::Stderr => (Stdio::null(), Stdio::piped()),
        };
        self.command()
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("start the binary")
    }
}

/// Which stream [`Invocation::spawn`] pipes.
pub enum Piped {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// The folder snapshot cache of the test runs (one file per migrations
/// folder, and every test has its own folder), under target/.
pub fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("schema-cache")
}

/// The built binary, or the one `SCHEMA_TEST_BIN` names: CI runs these
/// tests against the command built with one backend each, too.
pub fn bin() -> &'static Path {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        std::env::var_os("SCHEMA_TEST_BIN")
            .filter(|b| !b.is_empty())
            .map_or_else(
                || PathBuf::from(env!("CARGO_BIN_EXE_cargo-schema")),
                PathBuf::from,
            )
    })
}

/// What a run printed and how it exited.
#[derive(Debug)]
pub struct Outcome {
    /// The exit code.
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Outcome {
    /// Assert the exit code, showing both streams when it differs.
    #[track_caller]
    pub fn code(&self, expected: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(expected),
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// Standard output as JSON (the test fails when it is not).
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e})\n--- stdout\n{}\n--- stderr\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// Everything the run printed.
    pub fn all_output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// `(kind, line)` of every problem of a JSON report, in order.
pub fn problems(report: &Value) -> Vec<(String, Option<u64>)> {
    report["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("no problems array in {report:#}"))
        .iter()
        .map(|p| {
            (
                p["kind"].as_str().unwrap_or_default().to_owned(),
                p["line"].as_u64(),
            )
        })
        .collect()
}
