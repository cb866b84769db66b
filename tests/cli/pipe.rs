//! A reader that stops early (`cargo schema history | head`) closes the
//! pipe; the command then ends quietly with exit 0, as cargo and ripgrep
//! do, instead of panicking with "failed printing to stdout".

use std::process::{Command, Stdio};

use crate::support::{bin, cache_dir, Project};

/// A project of `n` plain diesel revisions (a linear chain).
fn project(n: usize) -> Project {
    let project = Project::with_ini(
        "[schema]\nscript_location = %(here)s/migrations\ndiesel.url = sqlite://%(here)s/app.db\n",
    );
    for i in 0..n {
        let dir = format!("migrations/2024-01-01-{i:06}_table_number_{i:04}");
        project.file(
            &format!("{dir}/up.sql"),
            format!("CREATE TABLE t{i} (id INTEGER);\n"),
        );
        project.file(&format!("{dir}/down.sql"), format!("DROP TABLE t{i};\n"));
    }
    project
}

/// The pipe is closed before the command writes its first line.
#[test]
fn closed_before_the_first_write() {
    let project = project(3);
    let mut child = Command::new(bin())
        .args(["-c", "schema.ini", "history"])
        .current_dir(project.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CARGO_SCHEMA_CACHE_DIR", cache_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the binary");
    // Dropping our only read end leaves the pipe without a reader: the
    // command's first write fails with EPIPE.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait for the binary");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr, "");
}

/// `history | head -n 1` through a real shell, with more output than a
/// pipe holds (so the writer is still writing when `head` leaves).
#[test]
fn history_into_head() {
    let project = project(1500);
    let (code, stdout, stderr) = into_head(&project, "history", "-n 1");
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stderr, "");
    assert_eq!(
        stdout,
        "20240101001498 -> 20240101001499 (head), 2024-01-01-001499_table_number_1499\n"
    );
}

/// Run `args` in `project` with stdout a pipe whose reader is gone before
/// the command writes; returns the exit code and stderr.
fn into_closed_pipe(project: &Project, args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(bin())
        .args(["-c", "schema.ini"])
        .args(args)
        .current_dir(project.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CARGO_SCHEMA_CACHE_DIR", cache_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the binary");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait for the binary");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `cargo-schema -c schema.ini ARGS 2>stderr.txt | head HEAD_ARGS` through
/// bash with pipefail: the pipeline's status is the command's. Returns it,
/// what `head` passed on, and the command's stderr.
fn into_head(project: &Project, args: &str, head_args: &str) -> (Option<i32>, String, String) {
    let script = format!(
        "set -o pipefail; '{}' -c schema.ini {args} 2>stderr.txt | head {head_args}",
        bin().display()
    );
    let out = Command::new("bash")
        .args(["-c", &script])
        .current_dir(project.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CARGO_SCHEMA_CACHE_DIR", cache_dir())
        .output()
        .expect("run bash");
    let stderr = std::fs::read_to_string(project.path().join("stderr.txt")).unwrap_or_default();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    )
}

/// Every reading command, text and JSON, into a pipe closed before its
/// first write: exit 0, nothing on stderr. `check` and `config` keep the
/// verdict they print (0 here: the database is at head, the ini clean).
#[test]
fn every_reading_command_into_a_closed_pipe() {
    let project = project(3);
    let (code, stderr) = into_closed_pipe(&project, &["upgrade", "-q"]);
    assert_eq!(code, Some(0), "{stderr}");
    for command in ["config", "history", "current", "check", "heads", "branches"] {
        for format in ["text", "json"] {
            let (code, stderr) = into_closed_pipe(&project, &[command, "--format", format]);
            assert_eq!(code, Some(0), "{command} --format {format}: {stderr}");
            assert_eq!(stderr, "", "{command} --format {format}");
        }
    }
    for args in [
        &["-v", "history"][..],
        &["-v", "current"],
        &["show", "head"],
    ] {
        let (code, stderr) = into_closed_pipe(&project, args);
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}

/// A reader that stops early does not turn a failing `check` or `config`
/// green: CI running `cargo schema check | head` with pipefail still sees
/// exit 3 (2 for config), and still no complaint about the pipe.
#[test]
fn a_closed_pipe_keeps_the_verdict() {
    let project = project(3);
    for format in ["text", "json"] {
        let (code, stderr) = into_closed_pipe(&project, &["check", "--format", format]);
        assert_eq!(code, Some(3), "check --format {format}: {stderr}");
        assert_eq!(stderr, "", "check --format {format}");
    }
    project.file(
        "schema.ini",
        "[schema]\nscript_location = %(here)s/migrations\ndiesel.url = sqlite://%(here)s/app.db\ndiesel.pool_sise = 5\n",
    );
    let (code, stderr) = into_closed_pipe(&project, &["config", "--format", "json"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(stderr, "");
    // Text puts the problems on stderr, which is still open.
    let (code, stderr) = into_closed_pipe(&project, &["config"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("pool_sise"), "{stderr}");
    assert!(!stderr.to_lowercase().contains("pipe"), "{stderr}");
}

/// Output larger than a pipe holds, into `head -c 1`: the command is still
/// writing when `head` leaves, so it meets EPIPE mid-document.
#[test]
fn long_documents_into_head() {
    let project = project(1500);
    for (args, expected_code, first) in [
        ("history --format json", 0, "["),
        ("current --format json", 0, "{"),
        ("check --format json", 3, "{"),
        ("-v check", 3, "r"),
        ("-v history", 0, "R"),
    ] {
        let (code, stdout, stderr) = into_head(&project, args, "-c 1");
        assert_eq!(code, Some(expected_code), "{args}: {stderr}");
        assert_eq!(stdout, first, "{args}");
        assert_eq!(stderr, "", "{args}");
    }
}
