//! A PostgreSQL primary and a hot standby made with `initdb` and
//! `pg_basebackup -R` on ports of their own: a runner that reaches the
//! standby stops before doing anything; multi-host URLs (libpq's form and
//! SQLAlchemy's) with `target_session_attrs=read-write` find the primary;
//! and after a failover in the middle of a run (the primary killed, the
//! standby promoted) the same command through the same URL completes on
//! the new primary with nothing run twice.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use schema_test_support::{unavailable, wait_until};

use super::{as_postgres, free_port, ok, owned_tempdir, postgres_bin};
use crate::migrate::lines;
use crate::support::{Invocation, Piped, Project};

/// One PostgreSQL server of the pair: its data folder and port.
struct Server {
    data: PathBuf,
    port: u16,
}

/// A primary and its standby, both stopped (`-m immediate`) when dropped.
struct Pair {
    dir: tempfile::TempDir,
    bin: PathBuf,
    primary: Server,
    standby: Server,
}

impl Pair {
    fn start() -> Option<Pair> {
        let Some(bin) = postgres_bin() else {
            return unavailable("no PostgreSQL server binaries under /usr/lib/postgresql");
        };
        let dir = owned_tempdir();
        let pair = Pair {
            primary: Server {
                data: dir.path().join("primary"),
                port: free_port(),
            },
            standby: Server {
                data: dir.path().join("standby"),
                port: free_port(),
            },
            dir,
            bin,
        };
        ok(
            pair.tool("initdb")
                .args(["-A", "trust", "-U", "postgres", "--no-sync", "-D"])
                .arg(&pair.primary.data),
            "initdb",
        );
        pair.pg_ctl_start(&pair.primary);
        ok(
            pair.tool("pg_basebackup")
                .args([
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "postgres",
                    "-X",
                    "stream",
                    "-R",
                    "-p",
                ])
                .arg(pair.primary.port.to_string())
                .arg("-D")
                .arg(&pair.standby.data),
            "pg_basebackup",
        );
        pair.pg_ctl_start(&pair.standby);
        Some(pair)
    }

    fn tool(&self, name: &str) -> Command {
        as_postgres(&self.bin.join(name))
    }

    fn pg_ctl_start(&self, server: &Server) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            server.port,
            self.dir.path().display()
        );
        // The server inherits pg_ctl's standard streams: with pipes there,
        // waiting for pg_ctl's output would wait for the server's end.
        let started = self
            .tool("pg_ctl")
            .args(["-w", "-o", &options, "-l"])
            .arg(server.data.with_extension("log"))
            .arg("-D")
            .arg(&server.data)
            .arg("start")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run pg_ctl");
        assert!(started.success(), "pg_ctl start {}", server.data.display());
    }

    fn pg_ctl(&self, server: &Server, args: &[&str]) {
        let _ = self
            .tool("pg_ctl")
            .arg("-D")
            .arg(&server.data)
            .arg("-w")
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }

    /// `sql` on the server at `port`, database `app`; its rows.
    fn query(&self, port: u16, sql: &str) -> Vec<String> {
        let out = Command::new("psql")
            .args(["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1"])
            .args(["-h", "127.0.0.1", "-U", "postgres", "-d", "app", "-p"])
            .arg(port.to_string())
            .args(["-c", sql])
            .output()
            .expect("run psql");
        assert!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        lines(&String::from_utf8_lossy(&out.stdout))
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        self.pg_ctl(&self.standby, &["-m", "immediate", "stop"]);
        self.pg_ctl(&self.primary, &["-m", "immediate", "stop"]);
    }
}

const REVISIONS: usize = 4;
/// The revision the primary is killed in.
const KILLED_IN: usize = 2;

fn folder(i: usize) -> String {
    format!("2024-07-01-{i:06}_r{i:03}")
}

#[test]
fn primary_standby_and_failover() {
    let began = Instant::now();
    let Some(pair) = Pair::start() else {
        return;
    };
    let (p, s) = (pair.primary.port, pair.standby.port);
    let admin = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
        ])
        .arg("-p")
        .arg(p.to_string())
        .args(["-c", "CREATE DATABASE app"])
        .status()
        .expect("run psql");
    assert!(admin.success(), "CREATE DATABASE app");
    // Revision KILLED_IN waits while the table `slow` exists, so the
    // primary dies inside it; each revision logs itself and creates a
    // table, so one run twice would fail or leave two rows.
    pair.query(
        p,
        "CREATE TABLE slow (); CREATE TABLE run_log (rev INTEGER NOT NULL)",
    );
    let project = Project::empty();
    project.file(
        "schema.ini",
        "[schema]\nscript_location = %(here)s/migrations\ndiesel.url = ${DATABASE_URL}\n\
         transaction_per_migration = true\n",
    );
    for i in 0..REVISIONS {
        let wait = if i == KILLED_IN {
            "DO $$BEGIN IF to_regclass('slow') IS NOT NULL THEN PERFORM pg_sleep(60); END IF; END$$;\n"
        } else {
            ""
        };
        let dir = format!("migrations/{}", folder(i));
        project.file(
            &format!("{dir}/up.sql"),
            format!(
                "CREATE TABLE r{i:03} (id INTEGER PRIMARY KEY);\n\
                 INSERT INTO run_log (rev) VALUES ({i});\n{wait}"
            ),
        );
        project.file(&format!("{dir}/down.sql"), format!("DROP TABLE r{i:03};\n"));
    }
    let cmd = |url: &str, args: &[&str]| -> Invocation {
        let mut all = vec!["-c", "schema.ini"];
        all.extend_from_slice(args);
        project.cmd(all).env("DATABASE_URL", url)
    };
    wait_until(
        "the standby to replay the new database",
        Duration::from_secs(30),
        || {
            Command::new("psql")
                .args([
                    "-X",
                    "-A",
                    "-t",
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "postgres",
                    "-d",
                    "app",
                    "-p",
                ])
                .arg(s.to_string())
                .args(["-c", "SELECT count(*) FROM run_log"])
                .output()
                .is_ok_and(|o| o.status.success())
        },
    );

    // The standby alone: the runner stops before anything, and says how
    // to reach the primary.
    let standby_only = format!("postgres://postgres@127.0.0.1:{s}/app");
    let refused = cmd(&standby_only, &["upgrade"]).run();
    refused.code(1);
    assert!(
        refused.stderr.contains("read-only standby")
            && refused.stderr.contains("target_session_attrs=read-write"),
        "{}",
        refused.stderr
    );
    assert!(
        !refused.stderr.contains("read-only transaction"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        pair.query(p, "SELECT to_regclass('__schema_revisions') IS NULL"),
        ["t"]
    );

    // libpq's form, the standby first: the driver skips it.
    let libpq = format!(
        "postgresql://postgres@127.0.0.1:{s},127.0.0.1:{p}/app?target_session_attrs=read-write"
    );
    let running = cmd(&libpq, &["upgrade"]).spawn(Piped::Stderr);
    wait_until(
        "the run to reach the slow revision",
        Duration::from_secs(60),
        || pair.query(p, "SELECT count(*) FROM run_log") == [KILLED_IN.to_string()],
    );
    // What was committed before it has reached the standby.
    wait_until("the standby to catch up", Duration::from_secs(30), || {
        pair.query(s, "SELECT count(*) FROM run_log") == [KILLED_IN.to_string()]
            && pair.query(
                s,
                "SELECT count(*) FROM __schema_revisions WHERE state = 'applied'",
            ) == [KILLED_IN.to_string()]
    });

    // Failover: the primary dies inside the revision, the standby is
    // promoted.
    pair.pg_ctl(&pair.primary, &["-m", "immediate", "stop"]);
    pair.pg_ctl(&pair.standby, &["promote"]);
    let failed = running.wait_with_output().expect("the run ends");
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert_eq!(failed.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&folder(KILLED_IN)), "{stderr}");
    eprintln!(
        "the failed run said: {}",
        stderr.lines().last().unwrap_or_default()
    );
    wait_until(
        "the promoted standby to take writes",
        Duration::from_secs(30),
        || pair.query(s, "SELECT pg_is_in_recovery()") == ["f"],
    );
    pair.query(s, "DROP TABLE slow");

    // The same command through SQLAlchemy's form of the same servers (the
    // old primary first, now down) completes on the new primary.
    let sqlalchemy = format!(
        "postgresql://postgres@/app?host=127.0.0.1:{p}&host=127.0.0.1:{s}&target_session_attrs=read-write"
    );
    let again = cmd(&sqlalchemy, &["upgrade"]).run();
    again.code(0);
    let ran: Vec<&str> = again
        .stderr
        .lines()
        .filter(|l| l.starts_with("Running upgrade"))
        .collect();
    assert_eq!(ran.len(), REVISIONS - KILLED_IN, "{}", again.stderr);
    assert_eq!(
        pair.query(s, "SELECT count(*), count(DISTINCT rev) FROM run_log"),
        [format!("{REVISIONS}|{REVISIONS}")]
    );

    // The URL written in schema.ini, libpq's form: `check` passes.
    project.file(
        "schema.ini",
        format!("[schema]\nscript_location = %(here)s/migrations\ndiesel.url = {libpq}\n"),
    );
    let checked = project.cmd(["-c", "schema.ini", "check"]).run();
    checked.code(0);
    eprintln!(
        "primary + standby + failover: {:.1} s",
        began.elapsed().as_secs_f64()
    );
}
