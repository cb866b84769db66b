//! A real Galera cluster (Debian's `galera-4` under MariaDB): three
//! `mariadbd` nodes of the test's own, on their own ports under a temporary
//! folder, and runners spread over them as an app's replicas would be.
//! `GET_LOCK` holds on one node only, so the runner takes the lease row by
//! default there; these prove it holds across the cluster:
//! - nine runners with the default settings, and twelve with `lock =
//!   table`, spread over the nodes, and nine through one node, all exit 0
//!   and every revision runs once;
//! - a node killed (`kill -9`) while its runner is inside a revision: the
//!   runners on the other two finish once its lease lapses, the node
//!   restarts and rejoins, and `check` through it passes.
//!
//! Every revision first writes a row to `run_log` and then creates its
//! table. The CREATE TABLE commits the row before it runs (MariaDB commits
//! before DDL), so a second attempt leaves a second row that no rollback
//! hides, and fails on the table that exists. One cluster serves all three
//! scenarios, in turn: starting one costs most of this test's time.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use schema_test_support::ServerUrl;
use tempfile::TempDir;

use super::{Backend, Ctx, TestDb};
use crate::support::{Outcome, Project};

const PROVIDER: &str = "/usr/lib/galera/libgalera_smm.so";
const NODES: usize = 3;
const REVISIONS: usize = 12;

/// A port nobody listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// One node's ports: the client's, Galera's group port (`base_port`),
/// incremental state transfer's and the state snapshot's.
#[derive(Clone, Copy)]
struct Ports {
    sql: u16,
    group: u16,
    ist: u16,
    sst: u16,
}

/// Three nodes under one folder, every process killed and the folder
/// removed when dropped, whatever the test did.
struct Cluster {
    dir: TempDir,
    ports: [Ports; NODES],
    children: [Option<Child>; NODES],
}

impl Cluster {
    /// Start the cluster, or `None` (skipped, or a failure under
    /// `SCHEMA_TEST_REQUIRE_DATABASES`) without galera-4.
    fn start() -> Option<Cluster> {
        if !Path::new(PROVIDER).is_file() {
            return schema_test_support::unavailable(&format!(
                "no Galera provider at {PROVIDER} (Debian's galera-4)"
            ));
        }
        let dir = tempfile::tempdir().expect("a folder for the cluster");
        let ports = [(); NODES].map(|()| Ports {
            sql: free_port(),
            group: free_port(),
            ist: free_port(),
            sst: free_port(),
        });
        let mut cluster = Cluster {
            dir,
            ports,
            children: [None, None, None],
        };
        let root = is_root();
        for node in 0..NODES {
            let data = cluster.node_dir(node).join("data");
            std::fs::create_dir_all(&data).expect("a node's folder");
            let mut install = Command::new("mariadb-install-db");
            install
                .args([
                    "--no-defaults",
                    "--auth-root-authentication-method=normal",
                    "--skip-test-db",
                ])
                .arg(format!("--datadir={}", data.display()));
            if root {
                install.arg("--user=mysql");
            }
            let out = install.output().expect("run mariadb-install-db");
            assert!(
                out.status.success(),
                "mariadb-install-db: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            std::fs::write(cluster.node_dir(node).join("my.cnf"), cluster.config(node))
                .expect("write my.cnf");
        }
        if root {
            // An rsync state transfer drops to the server's user, which must
            // own (and reach) every node's folder.
            let chown = Command::new("chown")
                .args(["-R", "mysql:mysql"])
                .arg(cluster.dir.path())
                .status()
                .expect("chown");
            assert!(chown.success(), "chown the cluster's folder to mysql");
        }
        // The first node makes the cluster; the others join it in turn
        // (each by a state snapshot from a donor).
        cluster.spawn(0, true);
        cluster.wait_synced(0);
        for node in 1..NODES {
            cluster.spawn(node, false);
            cluster.wait_synced(node);
        }
        Some(cluster)
    }

    fn node_dir(&self, node: usize) -> PathBuf {
        self.dir.path().join(format!("n{node}"))
    }

    /// A node's whole configuration, in a file of its own: the state
    /// transfer scripts read the server's option files, and the system's
    /// (`/etc/mysql`) may ask for TLS that a transfer on loopback does not
    /// need.
    fn config(&self, node: usize) -> String {
        let d = self.node_dir(node);
        let p = self.ports[node];
        let members: Vec<String> = self
            .ports
            .iter()
            .map(|p| format!("127.0.0.1:{}", p.group))
            .collect();
        let user = if is_root() { "user=mysql\n" } else { "" };
        format!(
            "[mysqld]\n\
             {user}\
             datadir={data}\n\
             socket={d}/sock\n\
             pid-file={d}/pid\n\
             port={sql}\n\
             bind-address=127.0.0.1\n\
             skip-name-resolve\n\
             innodb-buffer-pool-size=16M\n\
             innodb-log-file-size=16M\n\
             binlog-format=ROW\n\
             default-storage-engine=InnoDB\n\
             innodb-autoinc-lock-mode=2\n\
             wsrep-on=ON\n\
             wsrep-provider={PROVIDER}\n\
             wsrep-cluster-name=cargo-schema-test\n\
             wsrep-cluster-address=gcomm://{members}\n\
             wsrep-node-address=127.0.0.1:{group}\n\
             wsrep-node-name=n{node}\n\
             wsrep-provider-options=base_port={group};ist.recv_addr=127.0.0.1:{ist};gcache.size=32M\n\
             wsrep-sst-receive-address=127.0.0.1:{sst}\n\
             wsrep-sst-method=rsync\n\
             [sst]\n\
             ssl-mode=DISABLED\n",
            data = d.join("data").display(),
            d = d.display(),
            sql = p.sql,
            members = members.join(","),
            group = p.group,
            ist = p.ist,
            sst = p.sst,
        )
    }

    fn spawn(&mut self, node: usize, new_cluster: bool) {
        let d = self.node_dir(node);
        let log = std::fs::File::create(d.join("log")).expect("the node's log");
        let mut command = Command::new("/usr/sbin/mariadbd");
        command.arg(format!("--defaults-file={}", d.join("my.cnf").display()));
        if new_cluster {
            command.arg("--wsrep-new-cluster");
        }
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start mariadbd");
        self.children[node] = Some(child);
    }

    /// Wait until `node` answers and is synced with the cluster.
    fn wait_synced(&mut self, node: usize) {
        let started = Instant::now();
        loop {
            if self.status(node, "wsrep_local_state_comment").as_deref() == Some("Synced")
                && self.status(node, "wsrep_ready").as_deref() == Some("ON")
            {
                return;
            }
            let exited = self.children[node]
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            if exited.is_some() || started.elapsed() > Duration::from_secs(90) {
                let log =
                    std::fs::read_to_string(self.node_dir(node).join("log")).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(40).collect();
                panic!(
                    "Galera node n{node} did not sync ({exited:?}); its log ends:\n{}",
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// A status variable of `node`, or `None` while it does not answer.
    fn status(&self, node: usize, name: &str) -> Option<String> {
        let row = self.query(node, &format!("SHOW STATUS LIKE '{name}'"))?;
        row.split('\t').nth(1).map(str::to_owned)
    }

    /// The first row `sql` returns on `node`, tab-separated, or `None`
    /// while it does not answer.
    fn query(&self, node: usize, sql: &str) -> Option<String> {
        let out = Command::new("mariadb")
            .args([
                "--protocol=TCP",
                "-h",
                "127.0.0.1",
                "-u",
                "root",
                "-N",
                "-B",
            ])
            .arg(format!("-P{}", self.ports[node].sql))
            .arg("-e")
            .arg(sql)
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        let text = String::from_utf8_lossy(&out.stdout);
        text.lines().next().map(|l| l.trim().to_owned())
    }

    fn kill(&mut self, node: usize) {
        if let Some(mut child) = self.children[node].take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn admin(&self) -> ServerUrl {
        ServerUrl::parse(&format!(
            "mysql://root@127.0.0.1:{}/mysql",
            self.ports[0].sql
        ))
    }

    /// `db`'s URL through `node`.
    fn url(&self, db: &TestDb, node: usize) -> String {
        format!(
            "mysql://root@127.0.0.1:{}/{}",
            self.ports[node].sql,
            db.name()
        )
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for node in 0..NODES {
            self.kill(node);
        }
    }
}

/// A project on a new database of the cluster (made through node 0);
/// `stall`: revision 1 sleeps on node n2 (the node the kill scenario kills).
fn project(cluster: &Cluster, extra_ini: &str, stall: bool) -> Ctx {
    let db = TestDb::create_on(Backend::Mysql, cluster.admin()).expect("a database on the cluster");
    let ctx = Ctx {
        project: Project::empty(),
        db,
    };
    ctx.ini(extra_ini);
    // A primary key on run_log: Galera replicates rows by key.
    for i in 0..REVISIONS {
        let log = if i == 0 {
            "CREATE TABLE run_log (id INTEGER AUTO_INCREMENT PRIMARY KEY, rev INTEGER NOT NULL);\n"
        } else {
            ""
        };
        // Only on n2, so whoever runs it elsewhere goes straight on.
        let stall = if stall && i == 1 {
            "DO SLEEP(IF(@@wsrep_node_name = 'n2', 60, 0));\n"
        } else {
            ""
        };
        ctx.revision(
            &format!("2024-07-01-{i:06}_g{i:03}"),
            "",
            &format!(
                "{log}INSERT INTO run_log (rev) VALUES ({i});\n{stall}CREATE TABLE g{i:03} (id INTEGER PRIMARY KEY);\n"
            ),
            &format!("DROP TABLE g{i:03};\n"),
        );
    }
    ctx
}

/// `runners` upgrades at once, the i-th through node `nodes[i % len]`.
fn upgrade_all(cluster: &Cluster, ctx: &Ctx, runners: usize, nodes: &[usize]) -> Vec<Outcome> {
    let start = Arc::new(Barrier::new(runners));
    let threads: Vec<_> = (0..runners)
        .map(|i| {
            let node = nodes[i % nodes.len()];
            let invocation = ctx
                .cmd(&["upgrade"])
                .env("DATABASE_URL", &cluster.url(&ctx.db, node));
            let start = Arc::clone(&start);
            std::thread::spawn(move || {
                start.wait();
                invocation.run()
            })
        })
        .collect();
    threads
        .into_iter()
        .map(|t| t.join().expect("a runner thread"))
        .collect()
}

/// Every revision ran exactly once and is recorded applied, read through
/// node 0 once it has applied everything the cluster certified.
#[track_caller]
fn ran_once(ctx: &Ctx, scenario: &str) {
    let causal = "SET SESSION wsrep_sync_wait = 1; ";
    assert_eq!(
        ctx.db.query(&format!(
            "{causal}SELECT COUNT(*), COUNT(DISTINCT rev) FROM run_log"
        )),
        [format!("{REVISIONS}|{REVISIONS}")],
        "{scenario}: attempts of each revision (run_log rows, distinct revisions)"
    );
    assert_eq!(
        ctx.db.query(&format!(
            "{causal}SELECT COUNT(*) FROM __schema_revisions WHERE state = 'applied'"
        )),
        [REVISIONS.to_string()],
        "{scenario}: revisions recorded applied"
    );
}

/// Runners over `nodes`, all at once: all exit 0, each revision reported
/// and run once.
fn spread(cluster: &Cluster, scenario: &str, extra_ini: &str, runners: usize, nodes: &[usize]) {
    let ctx = project(cluster, extra_ini, false);
    let started = Instant::now();
    let outcomes = upgrade_all(cluster, &ctx, runners, nodes);
    let wall = started.elapsed();
    let mut reported = 0;
    for out in &outcomes {
        out.code(0);
        reported += out
            .stderr
            .lines()
            .filter(|l| l.starts_with("Running upgrade"))
            .count();
    }
    assert_eq!(
        reported, REVISIONS,
        "{scenario}: each revision reported once in all"
    );
    ran_once(&ctx, scenario);
    eprintln!(
        "galera {scenario}: {runners} runners over {} node(s), {} exited 0, \
         {REVISIONS} revisions each attempted once, {:.1}s",
        nodes.len(),
        outcomes.iter().filter(|o| o.code == Some(0)).count(),
        wall.as_secs_f64()
    );
}

/// Node n2's runner holds the lease inside revision 1 when its node is
/// killed; the runners on n0 and n1 wait for the lease to lapse and finish
/// the run; n2 restarts, rejoins, and `check` through it passes.
fn node_killed(cluster: &mut Cluster) {
    let scenario = "node killed";
    // A short lease, so the others take over soon after the kill.
    let ctx = project(cluster, "lock_lease = 4\n", true);
    let victim = ctx
        .cmd(&["upgrade"])
        .env("DATABASE_URL", &cluster.url(&ctx.db, 2))
        .spawn(crate::support::Piped::Stderr);
    // Inside revision 1: its session sleeps on n2 (this database's only).
    let sleeping = format!(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST \
         WHERE DB = '{}' AND INFO LIKE 'DO SLEEP%'",
        ctx.db.name()
    );
    schema_test_support::wait_until(
        "n2's runner to be inside revision 1",
        schema_test_support::GENEROUS,
        || cluster.query(2, &sleeping).as_deref() == Some("1"),
    );
    let started = Instant::now();
    let others = {
        let threads: Vec<_> = (0..6)
            .map(|i| {
                let invocation = ctx
                    .cmd(&["upgrade"])
                    .env("DATABASE_URL", &cluster.url(&ctx.db, i % 2));
                std::thread::spawn(move || invocation.run())
            })
            .collect();
        // The others are connected (and wait for the victim's lease)
        // before its node dies: seen in the live nodes' session lists.
        let sessions = format!(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = '{}'",
            ctx.db.name()
        );
        schema_test_support::wait_until(
            "the other runners connected to the live nodes",
            schema_test_support::GENEROUS,
            || {
                let count = |node| {
                    cluster
                        .query(node, &sessions)
                        .and_then(|n| n.parse::<usize>().ok())
                        .unwrap_or(0)
                };
                count(0) + count(1) >= 6
            },
        );
        cluster.kill(2);
        threads
            .into_iter()
            .map(|t| t.join().expect("a runner thread"))
            .collect::<Vec<_>>()
    };
    let wall = started.elapsed();
    let victim = victim.wait_with_output().expect("the victim's outcome");
    assert!(
        !victim.status.success(),
        "{scenario}: the runner whose node died cannot have finished"
    );
    for out in &others {
        out.code(0);
    }
    ran_once(&ctx, scenario);
    eprintln!(
        "galera {scenario}: 6 runners on the two live nodes, {} exited 0, \
         {REVISIONS} revisions each attempted once, {:.1}s from the kill",
        others.iter().filter(|o| o.code == Some(0)).count(),
        wall.as_secs_f64()
    );

    let rejoined = Instant::now();
    cluster.spawn(2, false);
    cluster.wait_synced(2);
    eprintln!(
        "galera {scenario}: n2 rejoined in {:.1}s",
        rejoined.elapsed().as_secs_f64()
    );
    ctx.cmd(&["check"])
        .env("DATABASE_URL", &cluster.url(&ctx.db, 2))
        .run()
        .code(0);
}

/// `lint` asks the database it is configured for whether it is a Galera
/// node, and then reports Galera's limits.
fn lint_asks_the_node(cluster: &Cluster) {
    let db = TestDb::create_on(Backend::Mysql, cluster.admin()).expect("a database on the cluster");
    let ctx = Ctx {
        project: Project::empty(),
        db,
    };
    ctx.ini("");
    ctx.revision(
        "2024-07-01-000000_nokey",
        "",
        "CREATE TABLE nokey (n INTEGER NOT NULL);\n",
        "DROP TABLE nokey;\n",
    );
    let out = ctx.run(&["lint"]);
    out.code(3);
    assert!(
        out.stdout.contains("galera-table-without-primary-key"),
        "lint on a Galera node:\n{}\n{}",
        out.stdout,
        out.stderr
    );
}

#[test]
fn cluster() {
    let started = Instant::now();
    let Some(mut cluster) = Cluster::start() else {
        return;
    };
    eprintln!(
        "galera: {NODES} nodes synced in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    spread(&cluster, "default settings", "", 9, &[0, 1, 2]);
    spread(&cluster, "lock = table", "lock = table\n", 12, &[0, 1, 2]);
    // One writer: every runner through the same node.
    spread(&cluster, "one node", "", 9, &[1]);
    lint_asks_the_node(&cluster);
    node_killed(&mut cluster);
}
