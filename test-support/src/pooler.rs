//! PgBouncer started by a test on a port of its own, in front of the shared
//! PostgreSQL server, and killed when its guard goes.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::{server, unavailable, wait_until, Backend};

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// `program` run as the `postgres` user when this process is root
/// (PgBouncer, initdb and the server refuse root), else as ourselves.
pub fn as_postgres(program: &Path) -> Command {
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

/// A folder the `postgres` user owns, removed when dropped.
pub fn owned_tempdir() -> tempfile::TempDir {
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

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Wait until something listens on `port`.
pub fn wait_for_port(port: u16, what: &str) {
    wait_until(what, Duration::from_secs(30), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
}

/// PgBouncer on a port of its own, killed when dropped.
pub struct Pgbouncer {
    _dir: tempfile::TempDir,
    child: Child,
    /// The port it listens on.
    pub port: u16,
}

impl Pgbouncer {
    /// PgBouncer in `mode` (`transaction` or `session`) with three server
    /// sessions per database, in front of the shared server; `None` (after
    /// the skip policy) when it is not installed.
    pub fn start(mode: &str) -> Option<Pgbouncer> {
        let program = ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.is_file());
        let Some(program) = program else {
            return unavailable("pgbouncer is not installed (apt-get install pgbouncer)");
        };
        let upstream = server(Backend::Postgres);
        let dir = owned_tempdir();
        let port = free_port();
        let password = if upstream.password.is_empty() {
            String::new()
        } else {
            format!(" password={}", upstream.password)
        };
        let round_robin = u8::from(mode == "transaction");
        let ini = format!(
            "[databases]\n\
             * = host={host} port={upstream_port} user={user}{password}\n\
             [pgbouncer]\n\
             listen_addr = 127.0.0.1\n\
             listen_port = {port}\n\
             unix_socket_dir =\n\
             auth_type = trust\n\
             auth_file = {dir}/users.txt\n\
             pool_mode = {mode}\n\
             default_pool_size = 3\n\
             max_client_conn = 200\n\
             server_round_robin = {round_robin}\n\
             ignore_startup_parameters = extra_float_digits,options\n",
            host = upstream.host,
            upstream_port = upstream.port,
            user = upstream.user,
            dir = dir.path().display(),
        );
        std::fs::write(dir.path().join("pgbouncer.ini"), ini).expect("write pgbouncer.ini");
        std::fs::write(
            dir.path().join("users.txt"),
            format!("\"{}\" \"\"\n", upstream.user),
        )
        .expect("write users.txt");
        let child = as_postgres(&program)
            .arg(dir.path().join("pgbouncer.ini"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start pgbouncer");
        let bouncer = Pgbouncer {
            _dir: dir,
            child,
            port,
        };
        wait_for_port(port, "pgbouncer to listen");
        Some(bouncer)
    }

    /// `db`'s URL through the pooler.
    pub fn url(&self, db: &str) -> String {
        let upstream = server(Backend::Postgres);
        format!(
            "postgres://{}@127.0.0.1:{}/{db}?sslmode=disable",
            upstream.user, self.port
        )
    }
}

impl Drop for Pgbouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
