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
    let script = format!(
        "set -o pipefail; '{}' -c schema.ini history 2>stderr.txt | head -n 1",
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
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr, "");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "20240101001498 -> 20240101001499 (head), 2024-01-01-001499_table_number_1499\n"
    );
}
