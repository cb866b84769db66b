//! Where production PostgreSQL lives (issue 32): behind PgBouncer in
//! transaction and session mode ([`pooler`]), and as a primary with a hot
//! standby reached through a multi-host URL ([`standby`]). Each test starts
//! the real programs on ports of its own under a temporary folder, and a
//! guard stops them on every path; the shared servers are never touched
//! beyond a database of the test's own.

mod pooler;
mod standby;

use std::path::PathBuf;
use std::process::Command;

pub use schema_test_support::pooler::{as_postgres, free_port, owned_tempdir};

/// Run `command` to completion, panicking with its output on failure.
#[track_caller]
fn ok(command: &mut Command, what: &str) {
    let out = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The newest PostgreSQL server binaries' folder, `None` when none is
/// installed.
fn postgres_bin() -> Option<PathBuf> {
    std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|b| b.join("initdb").is_file() && b.join("pg_basebackup").is_file())
        .max()
}
