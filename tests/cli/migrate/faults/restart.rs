//! The server restarts in the middle of a run. Only servers the test starts
//! itself are restarted: a scratch PostgreSQL cluster (`initdb`, `pg_ctl`)
//! and a scratch `mariadbd`, each with its own folder and port, never the
//! shared servers other tests use. The restart is clean (`pg_ctl -m fast`,
//! SIGTERM) or a crash (`-m immediate`, SIGKILL), drawn from the seed.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use schema_test_support::ServerUrl;
use tempfile::TempDir;

use super::{
    assert_boundary, cases, finish_within, hold_pauses, in_pause, logged_chain, next_run_completes,
    pause_sql, Rng,
};
use crate::migrate::{Backend, Ctx, TestDb};
use crate::support::{Piped, Project};

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

/// How a server goes down before it comes back.
#[derive(Debug, Clone, Copy)]
enum Stop {
    Clean,
    Crash,
}

trait Scratch {
    fn url(&self) -> ServerUrl;
    fn restart(&mut self, how: Stop);
}

/// A PostgreSQL cluster of its own, stopped when dropped.
struct ScratchPostgres {
    dir: TempDir,
    bin: PathBuf,
    port: u16,
}

impl ScratchPostgres {
    fn start() -> Option<ScratchPostgres> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|b| b.join("initdb").is_file())
            .max()?;
        let dir = tempfile::tempdir().expect("a folder for the cluster");
        let server = ScratchPostgres {
            dir,
            bin,
            port: free_port(),
        };
        if is_root() {
            // initdb refuses root; the cluster belongs to `postgres`.
            ok(
                Command::new("chown").arg("postgres").arg(server.dir.path()),
                "chown the cluster's folder",
            );
        }
        ok(
            &mut server.as_owner(
                "initdb",
                &["-A", "trust", "-U", "postgres", "--no-sync", "-D"],
                true,
            ),
            "initdb",
        );
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            server.port,
            server.dir.path().display()
        );
        // The server inherits pg_ctl's standard streams: with pipes there,
        // waiting for pg_ctl's output would wait for the server's end.
        let started = server
            .as_owner("pg_ctl", &["-w", "-o", &options, "-l"], false)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run pg_ctl");
        assert!(started.success(), "pg_ctl start");
        Some(server)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `program args` as the cluster's owner; the data folder follows
    /// `args` when `data_last`, else the log file, `-D data` and `start`.
    fn as_owner(&self, program: &str, args: &[&str], data_last: bool) -> Command {
        let mut all: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        if data_last {
            all.push(self.data().display().to_string());
        } else {
            all.push(self.dir.path().join("log").display().to_string());
            all.extend([
                "-D".to_owned(),
                self.data().display().to_string(),
                "start".to_owned(),
            ]);
        }
        self.owner_command(program, &all)
    }

    fn owner_command(&self, program: &str, args: &[String]) -> Command {
        let program = self.bin.join(program);
        let mut command = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        command.args(args).stdin(Stdio::null());
        command
    }

    fn pg_ctl(&self, args: &[&str]) -> Command {
        let mut all = vec![
            "-D".to_owned(),
            self.data().display().to_string(),
            "-w".to_owned(),
        ];
        all.extend(args.iter().map(|a| (*a).to_owned()));
        self.owner_command("pg_ctl", &all)
    }
}

impl Scratch for ScratchPostgres {
    fn url(&self) -> ServerUrl {
        ServerUrl::parse(&format!(
            "postgres://postgres@127.0.0.1:{}/postgres",
            self.port
        ))
    }

    fn restart(&mut self, how: Stop) {
        let mode = match how {
            Stop::Clean => "fast",
            Stop::Crash => "immediate",
        };
        // `restart` reuses the options the server was started with.
        let restarted = self
            .pg_ctl(&["-m", mode, "restart"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run pg_ctl");
        assert!(restarted.success(), "pg_ctl restart");
    }
}

impl Drop for ScratchPostgres {
    fn drop(&mut self) {
        let _ = self
            .pg_ctl(&["-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// A `mariadbd` of its own, killed when dropped.
struct ScratchMariadb {
    dir: TempDir,
    port: u16,
    child: Option<Child>,
}

impl ScratchMariadb {
    fn start() -> Option<ScratchMariadb> {
        if Command::new("mariadbd").arg("--version").output().is_err()
            && !Path::new("/usr/sbin/mariadbd").is_file()
        {
            eprintln!("skipped: no mariadbd");
            return None;
        }
        let dir = tempfile::tempdir().expect("a folder for the server");
        ok(
            Command::new("mariadb-install-db")
                .args([
                    "--no-defaults",
                    "--user=root",
                    "--auth-root-authentication-method=normal",
                    "--skip-test-db",
                ])
                .arg(format!("--datadir={}", dir.path().join("data").display())),
            "mariadb-install-db",
        );
        let mut server = ScratchMariadb {
            dir,
            port: free_port(),
            child: None,
        };
        server.spawn();
        Some(server)
    }

    fn spawn(&mut self) {
        let d = self.dir.path();
        let child = Command::new("/usr/sbin/mariadbd")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", d.join("data").display()))
            .arg(format!("--socket={}", d.join("sock").display()))
            .arg(format!("--pid-file={}", d.join("pid").display()))
            .arg(format!("--port={}", self.port))
            .args([
                "--bind-address=127.0.0.1",
                "--user=root",
                "--skip-log-bin",
                "--skip-name-resolve",
                "--innodb-buffer-pool-size=16M",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mariadbd");
        self.child = Some(child);
        let port = self.port.to_string();
        schema_test_support::wait_until(
            "the scratch mariadbd to answer",
            schema_test_support::GENEROUS,
            || {
                Command::new("mariadb-admin")
                    .args([
                        "--protocol=TCP",
                        "-h",
                        "127.0.0.1",
                        "-P",
                        &port,
                        "-u",
                        "root",
                        "ping",
                    ])
                    .output()
                    .is_ok_and(|o| o.status.success())
            },
        );
    }

    fn stop(&mut self, how: Stop) {
        if let Some(mut child) = self.child.take() {
            let signal = match how {
                Stop::Clean => "-TERM",
                Stop::Crash => "-KILL",
            };
            let _ = Command::new("kill")
                .args([signal, &child.id().to_string()])
                .status();
            let _ = child.wait();
        }
    }
}

impl Scratch for ScratchMariadb {
    fn url(&self) -> ServerUrl {
        ServerUrl::parse(&format!("mysql://root@127.0.0.1:{}/mysql", self.port))
    }

    fn restart(&mut self, how: Stop) {
        self.stop(how);
        self.spawn();
    }
}

impl Drop for ScratchMariadb {
    fn drop(&mut self) {
        self.stop(Stop::Crash);
    }
}

const CHAIN: usize = 4;

fn restarted(backend: Backend) {
    let mut rng = Rng::seeded(&format!("restart {backend}"));
    // Starting a server costs seconds: one case in CI.
    for case in 0..cases(1) {
        let mut server: Box<dyn Scratch> = match backend {
            Backend::Postgres => match ScratchPostgres::start() {
                Some(s) => Box::new(s),
                None => {
                    eprintln!("skipped: no initdb");
                    return;
                }
            },
            _ => match ScratchMariadb::start() {
                Some(s) => Box::new(s),
                None => return,
            },
        };
        let db =
            TestDb::create_on(backend, server.url()).expect("a database on the scratch server");
        let ctx = Ctx {
            project: Project::empty(),
            db,
        };
        let per_migration = rng.below(2) == 1;
        ctx.ini(if per_migration {
            "transaction_per_migration = true\n"
        } else {
            ""
        });
        let how = if rng.below(2) == 1 {
            Stop::Crash
        } else {
            Stop::Clean
        };
        let k = rng.below(CHAIN as u64) as usize;
        let context =
            format!("case {case}: {how:?} restart in revision {k}, per revision: {per_migration}");
        logged_chain(&ctx, CHAIN, |i| pause_sql(backend, i));
        hold_pauses(&ctx.db, 10);
        let url = ctx.db.url().to_owned();

        let runner = ctx.cmd(&["upgrade"]).spawn(Piped::Stderr);
        schema_test_support::wait_until(
            "the runner inside the drawn revision",
            schema_test_support::GENEROUS,
            || in_pause(&ctx.db, backend, k),
        );
        server.restart(how);
        let (code, stderr) = finish_within(runner, &context);
        assert_eq!(code, Some(1), "{context}\n{stderr}");
        let said = stderr.to_lowercase();
        assert!(
            [
                "connection",
                "closed",
                "terminat",
                "server",
                "shut",
                "lost",
                "reset"
            ]
            .iter()
            .any(|w| said.contains(w)),
            "the error says the server went away\n{context}\n{stderr}"
        );
        ctx.db.wait_for_other_sessions();
        let applied = assert_boundary(&ctx.db, CHAIN, &format!("{context}\n{stderr}"));
        let expected = if per_migration || backend == Backend::Mysql {
            k
        } else {
            0
        };
        assert_eq!(applied, expected, "{context}\n{stderr}");
        eprintln!("{context}: exit 1, {applied} of {CHAIN} applied");
        hold_pauses(&ctx.db, 0);
        next_run_completes(&ctx, &ctx.db, CHAIN, &url);
        drop(ctx);
        drop(server);
    }
}

on_backends!(restarted: postgres => Postgres, mysql => Mysql);
