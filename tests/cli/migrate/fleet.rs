//! Several databases from one ini file (README "Running at scale"):
//! `databases` sections and a `databases_file`, `--database`, `--jobs`,
//! one line (or JSON object) per database, the worst exit code, and a
//! fleet run killed part-way that a second run completes.
//!
//! The PostgreSQL fleet has `SCHEMA_TEST_FLEET` databases (default
//! [`FLEET`]; the full size is 200).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};

use serde_json::Value;

use super::{Backend, TestDb};
use crate::support::{Piped, Project, PASSWORD};

/// The PostgreSQL fleet's size unless `SCHEMA_TEST_FLEET` says otherwise.
const FLEET: usize = 12;

/// Revisions in the fleet's folder.
const REVISIONS: usize = 5;

fn fleet_size() -> usize {
    std::env::var("SCHEMA_TEST_FLEET")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n >= 4)
        .unwrap_or(FLEET)
}

/// Databases created and dropped this many at a time: a server takes a
/// while for each (PostgreSQL checkpoints on every DROP DATABASE, and
/// concurrent drops share the checkpoint).
const BATCH: usize = 32;

/// A fleet of test databases, dropped in parallel when it goes (also when
/// the test fails).
struct Fleet(Vec<TestDb>);

impl std::ops::Deref for Fleet {
    type Target = [TestDb];

    fn deref(&self) -> &[TestDb] {
        &self.0
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        let mut batches: Vec<Vec<TestDb>> = (0..BATCH).map(|_| Vec::new()).collect();
        for (i, db) in std::mem::take(&mut self.0).into_iter().enumerate() {
            batches[i % BATCH].push(db);
        }
        std::thread::scope(|scope| {
            for batch in batches {
                scope.spawn(move || drop(batch));
            }
        });
    }
}

/// `n` databases of `backend`, or `None` when the server is unreachable.
fn databases(backend: Backend, n: usize) -> Option<Fleet> {
    let made: Vec<Option<TestDb>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..BATCH)
            .map(|k| {
                scope.spawn(move || {
                    (k..n)
                        .step_by(BATCH)
                        .map(|i| {
                            (
                                i,
                                TestDb::create_with::<schema_test_support::Client>(backend, None),
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all: Vec<(usize, Option<TestDb>)> = handles
            .into_iter()
            .flat_map(|h| h.join().expect("a database maker panicked"))
            .collect();
        all.sort_by_key(|(i, _)| *i);
        all.into_iter().map(|(_, db)| db).collect()
    });
    let all: Option<Vec<TestDb>> = made.into_iter().collect();
    all.map(Fleet)
}

/// A chain of `n` revisions from `first`, the i-th creating `t{i}`.
fn chain(project: &Project, first: usize, n: usize) {
    for i in first..first + n {
        let dir = format!("migrations/2024-01-01-{i:06}_t{i}");
        project.file(
            &format!("{dir}/up.sql"),
            format!("CREATE TABLE t{i} (id INTEGER PRIMARY KEY);\n"),
        );
        project.file(&format!("{dir}/down.sql"), format!("DROP TABLE t{i};\n"));
    }
}

fn head(n: usize) -> String {
    format!("20240101{:06}", n - 1)
}

fn tenant(i: usize) -> String {
    format!("tenant_{i:03}")
}

/// `current --format json` of the fleet: database name to its heads, and
/// the error of those that failed.
fn heads_by_name(doc: &Value) -> BTreeMap<String, Vec<String>> {
    doc["databases"]
        .as_array()
        .unwrap_or_else(|| panic!("no databases array in {doc:#}"))
        .iter()
        .map(|d| {
            let heads = d["heads"]
                .as_array()
                .map(|h| {
                    h.iter()
                        .map(|r| r["revision"].as_str().unwrap_or_default().to_owned())
                        .collect()
                })
                .unwrap_or_default();
            (d["database"].as_str().unwrap_or_default().to_owned(), heads)
        })
        .collect()
}

/// The PostgreSQL fleet from a `databases_file`: one database made to fail
/// while the rest reach head, `current` of all of them, then a run killed
/// part-way that a second run completes.
#[test]
fn postgres_fleet() {
    let n = fleet_size();
    let Some(dbs) = databases(Backend::Postgres, n) else {
        return;
    };
    let project = Project::with_ini(
        "[schema]\nscript_location = %(here)s/migrations\ndatabases_file = %(here)s/tenants.txt\n",
    );
    let mut tenants = String::from("# NAME URL, one database a line\n\n");
    for (i, db) in dbs.iter().enumerate() {
        tenants.push_str(&format!("{} {}\n", tenant(i), db.url()));
    }
    project.file("tenants.txt", &tenants);
    chain(&project, 0, REVISIONS);
    // The victim already has the table the first revision creates.
    let victim = n / 2;
    dbs[victim].exec("CREATE TABLE t0 (id INTEGER PRIMARY KEY)");

    let out = project
        .cmd(["-c", "schema.ini", "upgrade", "--jobs", "8"])
        .run();
    out.code(1);
    let ok_lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(ok_lines.len(), n - 1, "{}", out.stdout);
    let done = format!(
        "upgraded {REVISIONS} revisions: <base> -> {} (head)",
        head(REVISIONS)
    );
    for i in (0..n).filter(|i| *i != victim) {
        let line = format!("{}: {done}", tenant(i));
        assert!(
            ok_lines.contains(&line.as_str()),
            "no `{line}` in\n{}",
            out.stdout
        );
    }
    let failed = format!("{}: error: ", tenant(victim));
    let error = out
        .stderr
        .lines()
        .find(|l| l.starts_with(&failed))
        .unwrap_or_else(|| panic!("no `{failed}` line in\n{}", out.stderr));
    assert!(
        error.contains("t0") && error.contains("already exists"),
        "{error}"
    );
    assert!(
        out.stderr.contains(&format!(
            "{n} databases: {} ok, 1 failed ({})",
            n - 1,
            tenant(victim)
        )),
        "{}",
        out.stderr
    );
    // Through the database's own client, independent of the tool.
    let all: Vec<String> = (0..REVISIONS).map(|i| format!("20240101{i:06}")).collect();
    for i in [0, victim - 1, victim + 1, n - 1] {
        assert_eq!(dbs[i].versions(), all, "{}", tenant(i));
    }
    assert_eq!(dbs[victim].versions(), Vec::<String>::new());

    let out = project
        .cmd(["-c", "schema.ini", "current", "--format", "json"])
        .run();
    out.code(0);
    let doc = out.json();
    assert_eq!(doc["databases"].as_array().map(Vec::len), Some(n));
    let heads = heads_by_name(&doc);
    for i in 0..n {
        let expected = if i == victim {
            vec![]
        } else {
            vec![head(REVISIONS)]
        };
        assert_eq!(heads[&tenant(i)], expected, "{}", tenant(i));
    }
    assert_eq!(doc["databases"][0]["database"], tenant(0));
    assert_eq!(doc["databases"][0]["exit_code"], 0);
    assert_eq!(doc["databases"][0]["url"], dbs[0].url());

    // Kill a run part-way: more revisions, the victim repaired, two at a
    // time, killed once a quarter of the databases reported.
    dbs[victim].exec("DROP TABLE t0");
    chain(&project, REVISIONS, REVISIONS);
    let mut child = project
        .cmd(["-c", "schema.ini", "upgrade", "--jobs", "2"])
        .env("CARGO_SCHEMA_NO_CACHE", "1")
        .spawn(Piped::Stdout);
    let stdout = child.stdout.take().expect("piped stdout");
    let reported = BufReader::new(stdout).lines().take(n / 4).count();
    let _ = child.kill();
    child.wait().expect("reap the killed upgrade");
    assert_eq!(reported, n / 4, "the run ended before it was killed");
    let out = project
        .cmd(["-c", "schema.ini", "current", "--format", "json"])
        .run();
    out.code(0);
    let at_head = heads_by_name(&out.json())
        .values()
        .filter(|h| **h == [head(2 * REVISIONS)])
        .count();
    assert!(
        at_head >= n / 4 && at_head < n,
        "{at_head} of {n} at head after the kill"
    );
    for db in dbs.iter() {
        db.wait_for_other_sessions();
    }

    let out = project
        .cmd(["-c", "schema.ini", "upgrade", "--jobs", "8"])
        .run();
    out.code(0);
    assert_eq!(out.stdout.lines().count(), n, "{}", out.stdout);
    let out = project
        .cmd(["-c", "schema.ini", "check", "--format", "json"])
        .run();
    out.code(0);
    let doc = out.json();
    let checked = doc["databases"].as_array().expect("databases");
    assert_eq!(checked.len(), n);
    assert!(checked.iter().all(|d| d["ok"] == true), "{doc:#}");
    let all: Vec<String> = (0..2 * REVISIONS)
        .map(|i| format!("20240101{i:06}"))
        .collect();
    for i in [0, victim, n - 1] {
        assert_eq!(dbs[i].versions(), all, "{}", tenant(i));
    }
}

/// Alembic's layout on MariaDB: `databases = a, b, c` naming sections with
/// their own URL, one with its own migrations folder; `--database`
/// narrows the run, an unknown name lists the known ones.
#[test]
fn mysql_sections() {
    let Some(dbs) = databases(Backend::Mysql, 3) else {
        return;
    };
    let project = Project::with_ini(&format!(
        "[schema]\nscript_location = %(here)s/migrations\ndatabases = alpha, beta, gamma\n\
         diesel.connect_args.charset = utf8mb4\n\n\
         [alpha]\ndiesel.url = {}\n\n[beta]\ndiesel.url = {}\n\n\
         [gamma]\ndiesel.url = {}\nscript_location = %(here)s/gamma_migrations\n",
        dbs[0].url(),
        dbs[1].url(),
        dbs[2].url()
    ));
    chain(&project, 0, 3);
    project.file(
        "gamma_migrations/2024-02-01-000000_g/up.sql",
        "CREATE TABLE g (id INTEGER PRIMARY KEY);\n",
    );
    project.file(
        "gamma_migrations/2024-02-01-000000_g/down.sql",
        "DROP TABLE g;\n",
    );

    let out = project
        .cmd([
            "-c",
            "schema.ini",
            "upgrade",
            "--database",
            "beta",
            "--database",
            "gamma",
        ])
        .run();
    out.code(0);
    let mut lines: Vec<&str> = out.stdout.lines().collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            "beta: upgraded 3 revisions: <base> -> 20240101000002 (head)",
            "gamma: upgraded 1 revision: <base> -> 20240201000000 (head)",
        ]
    );
    assert_eq!(dbs[0].versions(), Vec::<String>::new());
    assert_eq!(dbs[2].user_tables(), ["g"]);

    let out = project
        .cmd(["-c", "schema.ini", "current", "-j", "1"])
        .run();
    out.code(0);
    assert_eq!(
        out.stdout,
        "alpha: <base>\nbeta: 20240101000002 (head)\ngamma: 20240201000000 (head)\n"
    );
    let out = project.cmd(["-c", "schema.ini", "check"]).run();
    out.code(3);
    assert!(
        out.stdout
            .contains("alpha: revision 20240101000000 is not applied"),
        "{}",
        out.stdout
    );

    let out = project
        .cmd(["-c", "schema.ini", "upgrade", "--database", "betta"])
        .run();
    out.code(2);
    assert!(
        out.stderr
            .contains("no database named betta; the configuration lists alpha, beta, gamma")
            && out.stderr.contains("did you mean `beta`?"),
        "{}",
        out.stderr
    );
    assert_eq!(dbs[0].versions(), Vec::<String>::new());
}

/// A `databases_file` of SQLite files: comments and blank lines, `${NAME}`
/// from the environment, JSON of `check`, a database that cannot be reached
/// reported with its name and no password, and a bad line that stops the
/// command before any database is touched.
#[test]
fn sqlite_databases_file() {
    let project = Project::with_ini(
        "[schema]\nscript_location = %(here)s/migrations\ndatabases_file = tenants.txt\n",
    );
    let dir = project.path();
    let db = |name: &str| dir.join(format!("{name}.db"));
    project.file(
        "tenants.txt",
        format!(
            "# the tenants\none sqlite://{}\n\n  two   sqlite://${{DB_DIR}}/two.db\n\
             down postgres://app:{PASSWORD}@127.0.0.1:1/nowhere\n",
            db("one").display()
        ),
    );
    chain(&project, 0, 2);
    let run = |args: &[&str]| {
        let mut all = vec!["-c", "schema.ini"];
        all.extend_from_slice(args);
        project
            .cmd(all)
            .env("DB_DIR", &dir.display().to_string())
            .run()
    };

    let out = run(&["upgrade", "-j", "1"]);
    out.code(1);
    assert_eq!(
        out.stdout,
        "one: upgraded 2 revisions: <base> -> 20240101000001 (head)\n\
         two: upgraded 2 revisions: <base> -> 20240101000001 (head)\n"
    );
    assert!(
        out.stderr.contains("down: error: ")
            && out
                .stderr
                .contains("postgres://app:***@127.0.0.1:1/nowhere"),
        "{}",
        out.stderr
    );
    assert!(!out.all_output().contains(PASSWORD), "{}", out.all_output());
    assert!(db("one").is_file() && db("two").is_file());

    let out = run(&["--database", "two", "downgrade", "-1"]);
    out.code(0);
    assert_eq!(
        out.stdout,
        "two: downgraded 1 revision: 20240101000001 (head) -> 20240101000000\n"
    );
    let out = run(&[
        "check",
        "--format",
        "json",
        "--database",
        "one",
        "--database",
        "two",
    ]);
    out.code(3);
    let doc = out.json();
    assert_eq!(doc["databases"][0]["database"], "one");
    assert_eq!(doc["databases"][0]["ok"], true);
    assert_eq!(doc["databases"][1]["exit_code"], 3);
    assert_eq!(doc["databases"][1]["findings"][0]["kind"], "pending");
    assert_eq!(
        doc["databases"][1]["findings"][0]["revision"],
        "20240101000001"
    );

    let out = run(&["current", "--format", "json"]);
    out.code(1);
    let doc = out.json();
    let down = &doc["databases"][2];
    assert_eq!(down["database"], "down");
    assert_eq!(down["exit_code"], 1);
    assert_eq!(down["url"], "postgres://app:***@127.0.0.1:1/nowhere");
    assert!(
        down["error"]
            .as_str()
            .is_some_and(|e| e.contains("cannot connect")),
        "{down}"
    );
    assert!(!out.all_output().contains(PASSWORD));

    // A bad line: an error naming the file and line; nothing runs.
    project.file(
        "tenants.txt",
        format!("three sqlite://{}\nfour\n", db("three").display()),
    );
    let out = run(&["upgrade"]);
    out.code(2);
    assert!(out.stderr.contains("tenants.txt:2"), "{}", out.stderr);
    assert!(out.stderr.contains("expected `NAME URL`"), "{}", out.stderr);
    assert!(!db("three").exists());
}

/// `init --template multidb` writes Alembic's layout, and the project it
/// writes upgrades both of its databases as it stands.
#[test]
fn init_multidb() {
    let project = Project::empty();
    project
        .cmd(["init", "--template", "multidb", "app"])
        .run()
        .code(0);
    let ini = std::fs::read_to_string(project.path().join("app/schema.ini")).expect("schema.ini");
    assert!(ini.contains("\ndatabases = engine1, engine2\n"), "{ini}");
    assert!(
        ini.contains("\n[engine1]\ndiesel.url = sqlite://%(here)s/engine1.db\n"),
        "{ini}"
    );
    assert!(
        ini.contains("\n[engine2]\ndiesel.url = sqlite://%(here)s/engine2.db\n"),
        "{ini}"
    );
    let run = |args: &[&str]| {
        let mut all = vec!["-c", "app/schema.ini"];
        all.extend_from_slice(args);
        project.cmd(all).run()
    };
    run(&["generate", "-m", "first", "--rev-id", "a1"]).code(0);
    let out = run(&["upgrade"]);
    out.code(0);
    let mut lines: Vec<&str> = out.stdout.lines().collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            "engine1: upgraded 1 revision: <base> -> a1 (head)",
            "engine2: upgraded 1 revision: <base> -> a1 (head)",
        ]
    );
    assert!(project.path().join("app/engine2.db").is_file());
    // A command on one database says how to pick it.
    let out = run(&["print-schema"]);
    out.code(2);
    assert!(
        out.stderr.contains("name it with --database NAME"),
        "{}",
        out.stderr
    );
    run(&["print-schema", "--database", "engine1"]).code(0);
}

/// `config --database NAME` shows that database's effective configuration:
/// its section's URL, the main section's options it inherits, and where
/// each came from; DATABASE_URL does not stand in for it.
#[test]
fn config_of_one_database() {
    let project = Project::with_ini(
        "[schema]\ndatabases = a\ndatabases_file = tenants.txt\ndiesel.pool_size = 3\n\
         [a]\ndiesel.url = sqlite://a.db\ndiesel.pool_size = 7\n",
    );
    project.file("tenants.txt", "\nt1 postgres://app:${PW}@db/t1\n");
    let show = |name: &str| {
        let out = project
            .config_json(&["--database", name])
            .env("PW", PASSWORD)
            .env("DATABASE_URL", "sqlite://env.db")
            .run();
        out.code(0);
        let doc = out.json();
        let option = |key: &str| doc["effective"][key].clone();
        assert!(!out.all_output().contains(PASSWORD));
        (option("url"), option("pool_size"))
    };
    let (url, pool) = show("a");
    assert_eq!(url["value"], "sqlite://a.db", "{url}");
    assert_eq!(pool["value"], 7, "{pool}");
    assert_eq!(pool["source"], "schema.ini:7", "{pool}");
    let (url, pool) = show("t1");
    assert_eq!(url["value"], "postgres://app:***@db/t1", "{url}");
    assert_eq!(url["source"], "tenants.txt:2", "{url}");
    assert_eq!(pool["value"], 3, "{pool}");
    assert_eq!(pool["source"], "schema.ini:4", "{pool}");
}
