//! Where production PostgreSQL lives (issue 32): behind PgBouncer in
//! transaction and session mode ([`pooler`]), and as a primary with a hot
//! standby reached through a multi-host URL ([`standby`]). Each test starts
//! the real programs on ports of its own under a temporary folder, and a
//! guard stops them on every path; the shared servers are never touched
//! beyond a database of the test's own.

mod pooler;
mod standby;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// A port nobody listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// `program` run as the `postgres` user when this process is root (initdb,
/// the server and PgBouncer all refuse root), else as ourselves.
fn as_postgres(program: &Path) -> Command {
    let mut command = if is_root() {
        let mut c = Command::new("setpriv");
        // setpriv execs the program: the child's pid is the program's.
        c.args([
            "--reuid=postgres",
            "--regid=postgres",
            "--clear-groups",
            "--",
        ])
        .arg(program);
        c
    } else {
        Command::new(program)
    };
    command.stdin(Stdio::null());
    command
}

/// A folder the `postgres` user owns (for a cluster's data, a pooler's
/// configuration), removed when dropped.
fn owned_tempdir() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("cargo-schema-cluster")
        .tempdir()
        .expect("a temporary folder");
    if is_root() {
        let out = Command::new("chown")
            .arg("postgres")
            .arg(dir.path())
            .output()
            .expect("run chown");
        assert!(out.status.success(), "chown the folder to postgres");
    }
    dir
}

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

/// Wait until something listens on `port`.
fn wait_for_port(port: u16, what: &str) {
    schema_test_support::wait_until(what, Duration::from_secs(30), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
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
