//! diesel_cli's own test cases (`tests/diesel-cases/`, copied unchanged
//! from diesel's v2.3.12 tag with its licence; see the README there),
//! replayed on SQLite, PostgreSQL and MariaDB:
//!
//! * `print_schema/<case>/<backend>/`: `schema.sql` loaded with the
//!   backend's own client, the case's `diesel.toml` (and the backend's
//!   `schema.patch`) as the project's settings; `print-schema` must print
//!   `expected.snap` byte for byte (as insta compares: the body after the
//!   header, trailing newlines aside).
//! * `generate_migrations/<case>/<backend>/`: `initial_schema.sql` loaded,
//!   `generate --autogenerate` against the case's `schema.rs`, `upgrade`;
//!   the database must then dump (a normalised catalog dump) as one built
//!   from `initial_schema.sql` and diesel's expected `up.sql`, apart from
//!   [`SERIAL_KEYS`]; a second autogenerate finds nothing, and
//!   `downgrade -1` dumps as the start.
//!
//! Every case runs; the one test reports all failures together, with the
//! counts per suite and backend. The runs go on a few threads, since each
//! is mostly waiting for a server or a client process.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::migrate::{Backend, Ctx, TestDb};
use crate::support::Project;

/// The difference kept on purpose: the single integer primary key of a
/// table the revision creates, which autogenerate makes `serial` (PostgreSQL) or `AUTO_INCREMENT` (MariaDB)
/// where diesel writes a plain `INTEGER NOT NULL PRIMARY KEY`, as
/// SQLAlchemy does, so that inserts without the key work
/// (`tests/diesel-cases/README.md`). Each entry is `(case,
/// backend, table, column)`; the reference database gets exactly this
/// change before the comparison, so an entry that no longer differs fails
/// the test as surely as a difference not listed. (On SQLite such a key is
/// the rowid in both.)
const SERIAL_KEYS: &[(&str, Backend, &str, &str)] = &[
    ("diff_add_table", Backend::Postgres, "users", "id"),
    ("diff_add_table", Backend::Mysql, "users", "id"),
    (
        "diff_add_table_all_the_types",
        Backend::Postgres,
        "all_the_types",
        "id",
    ),
    (
        "diff_add_table_all_the_types",
        Backend::Mysql,
        "all_the_types",
        "id",
    ),
    (
        "diff_add_table_sqlite_rowid_column",
        Backend::Postgres,
        "users",
        "id",
    ),
    (
        "diff_add_table_sqlite_rowid_column",
        Backend::Mysql,
        "users",
        "id",
    ),
    (
        "diff_add_table_with_fk",
        Backend::Postgres,
        "posts",
        "post_id",
    ),
    ("diff_add_table_with_fk", Backend::Mysql, "posts", "post_id"),
    ("postgres_specific_types", Backend::Postgres, "users", "id"),
];

/// The other differences kept on purpose: a type autogenerate writes
/// otherwise than diesel, because diesel's would not hold the column's
/// values or would not read back as the same diesel type
/// (`tests/diesel-cases/README.md`): PostgreSQL's `FLOAT` is
/// `double precision`, which print-schema reads back as `Float8`, not
/// `Float` (`real` does); MariaDB's `BINARY` is `binary(1)`, one byte
/// (`blob` holds any); SQLite's `BINARY` has NUMERIC affinity, `BLOB`
/// BLOB affinity. Each is `(case, backend, the reference dump's line,
/// ours)`; the reference line must be there and is replaced before the
/// comparison.
const TYPE_CHOICES: &[(&str, Backend, &str, &str)] = &[
    (
        "diff_add_table_all_the_types",
        Backend::Postgres,
        "    float_col double precision NOT NULL,",
        "    float_col real NOT NULL,",
    ),
    (
        "diff_add_table_all_the_types",
        Backend::Mysql,
        "`binary_col` binary(1) NOT NULL,",
        "`binary_col` blob NOT NULL,",
    ),
    (
        "diff_add_table_all_the_types",
        Backend::Sqlite,
        "column binary_col BINARY notnull=1 default=- pk=0 hidden=0",
        "column binary_col BLOB notnull=1 default=- pk=0 hidden=0",
    ),
];

/// diesel's runner gives `diff_add_table_sqlite_rowid_column` a flag,
/// `--sqlite-integer-primary-key-is-bigint`, with no diesel.toml in the
/// case; here it is the diesel.toml key. (The runner also runs
/// `diff_only_tables` and `diff_except_tables` once with `-o`/`-e` flags
/// and once with the case's diesel.toml, which holds the same filter;
/// cargo-schema takes settings from the file alone, so they run once.)
const GENERATE_FLAGS: &[(&str, &str)] = &[(
    "diff_add_table_sqlite_rowid_column",
    "[print_schema]\nsqlite_integer_primary_key_is_bigint = true\n",
)];

const BACKENDS: [Backend; 3] = [Backend::Sqlite, Backend::Postgres, Backend::Mysql];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/diesel-cases")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Suite {
    PrintSchema,
    Generate,
}

impl Suite {
    fn dir(self) -> &'static str {
        match self {
            Suite::PrintSchema => "print_schema",
            Suite::Generate => "generate_migrations",
        }
    }

    /// The file whose presence in `<case>/<backend>/` makes a run.
    fn marker(self) -> &'static str {
        match self {
            Suite::PrintSchema => "expected.snap",
            Suite::Generate => "up.sql/expected.snap",
        }
    }
}

/// Every (suite, case, backend) of the data, as diesel's runner would run
/// them: the case folders directly under the suite's folder.
fn runs() -> Vec<(Suite, PathBuf, Backend)> {
    let mut runs = Vec::new();
    for suite in [Suite::PrintSchema, Suite::Generate] {
        let dir = root().join(suite.dir());
        let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
            .map(|e| e.expect("a directory entry").path())
            .collect();
        cases.sort();
        for case in cases {
            for backend in BACKENDS {
                if case
                    .join(backend.to_string())
                    .join(suite.marker())
                    .is_file()
                {
                    runs.push((suite, case.clone(), backend));
                }
            }
        }
    }
    runs
}

/// The body of an insta snapshot (after its `---` header), with one
/// trailing newline.
fn snapshot(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let body = text
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map_or(text.as_str(), |(_, body)| body);
    one_newline(body)
}

fn one_newline(text: &str) -> String {
    format!("{}\n", text.trim_end_matches('\n'))
}

fn name(case: &Path) -> String {
    case.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

/// Loads `script` into `db` with the backend's own client (on MariaDB,
/// as MySQL reads it: [`as_mysql`]); `scratch` is a folder for the
/// rewritten script.
fn load(db: &TestDb, script: &Path, scratch: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(script).map_err(|e| format!("{}: {e}", script.display()))?;
    if text.trim().is_empty() {
        return Ok(());
    }
    let script = if db.backend() == Backend::Mysql {
        let path = scratch.join(format!(
            "as_mysql_{}",
            script.file_name().unwrap_or_default().to_string_lossy()
        ));
        std::fs::write(&path, as_mysql(&text)).map_err(|e| e.to_string())?;
        path
    } else {
        script.to_owned()
    };
    let script = script.as_path();
    let out = db.run_script(script);
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{} failed: {}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// diesel's suite runs on MySQL, which parses a column's own `REFERENCES
/// t(c)` and ignores it (so `print_schema_allows_none` expects no
/// `joinable!` on MySQL); MariaDB makes a foreign key of it, and refuses
/// one whose types differ. The clause is left out, as MySQL does; a table's
/// `FOREIGN KEY (...) REFERENCES` (after a `)`) is kept.
fn as_mysql(text: &str) -> String {
    let upper = text.to_ascii_uppercase();
    let mut out = String::new();
    let mut from = 0;
    while let Some(at) = upper[from..].find("REFERENCES").map(|i| from + i) {
        let before = text[..at].trim_end();
        if before.ends_with(')') {
            out.push_str(&text[from..at + "REFERENCES".len()]);
            from = at + "REFERENCES".len();
            continue;
        }
        out.push_str(before.get(from..).unwrap_or(""));
        // The table's name, then its optional column list.
        let rest = &text[at + "REFERENCES".len()..];
        let name_end = rest
            .trim_start()
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '`'))
            .map_or(rest.len(), |e| e + rest.len() - rest.trim_start().len());
        let mut end = at + "REFERENCES".len() + name_end;
        if text[end..].trim_start().starts_with('(') {
            end = text[end..].find(')').map_or(text.len(), |e| end + e + 1);
        }
        from = end;
    }
    out.push_str(&text[from..]);
    out
}

fn print_schema_run(case: &Path, backend: Backend) -> Result<(), String> {
    let dir = case.join(backend.to_string());
    let project = Project::empty();
    let Some(db) = TestDb::create(backend, &project.path()) else {
        return Ok(());
    };
    load(&db, &dir.join("schema.sql"), &project.path())?;
    if let Ok(text) = std::fs::read(case.join("diesel.toml")) {
        project.file("diesel.toml", text);
    }
    if let Ok(text) = std::fs::read(dir.join("schema.patch")) {
        project.file("schema.patch", text);
    }
    project.file("schema.ini", "[schema]\ndiesel.url = ${DATABASE_URL}\n");
    let out = project
        .cmd(["-c", "schema.ini", "print-schema"])
        .env("DATABASE_URL", db.url())
        .run();
    let expected = snapshot(&dir.join("expected.snap"));
    if out.code == Some(0) && one_newline(&out.stdout) == expected {
        return Ok(());
    }
    Err(format!(
        "exit {:?}: {}\n{}",
        out.code,
        out.stderr,
        diffy::create_patch(&expected, &one_newline(&out.stdout))
    ))
}

fn generate_run(case: &Path, backend: Backend) -> Result<(), String> {
    let case_name = name(case);
    let dir = case.join(backend.to_string());
    let Some(ctx) = Ctx::new(backend, "") else {
        return Ok(());
    };
    std::fs::create_dir_all(ctx.root().join("migrations")).map_err(|e| e.to_string())?;
    if let Ok(text) = std::fs::read(case.join("diesel.toml")) {
        ctx.project.file("diesel.toml", text);
    }
    if let Some((_, toml)) = GENERATE_FLAGS.iter().find(|(c, _)| *c == case_name) {
        ctx.project.file("diesel.toml", toml);
    }
    let schema_rs = [dir.join("schema.rs"), case.join("schema.rs")]
        .into_iter()
        .find(|p| p.is_file())
        .ok_or("no schema.rs")?;
    ctx.project.file(
        "desired.rs",
        std::fs::read(&schema_rs).map_err(|e| e.to_string())?,
    );
    let initial = dir.join("initial_schema.sql");
    load(&ctx.db, &initial, &ctx.root())?;
    let start = dump(&ctx.db);

    let generate = |message: &str| {
        ctx.run(&[
            "generate",
            "--autogenerate",
            "--schema-file",
            "desired.rs",
            "-m",
            message,
        ])
    };
    let out = generate(&case_name);
    if out.code != Some(0) {
        return Err(format!("autogenerate: exit {:?}\n{}", out.code, out.stderr));
    }
    let out = ctx.run(&["upgrade"]);
    if out.code != Some(0) {
        return Err(format!("upgrade: exit {:?}\n{}", out.code, out.stderr));
    }
    let ours = dump(&ctx.db);

    // The reference: diesel's expected up.sql on the same start.
    let scratch = Project::empty();
    let reference = TestDb::create(backend, &scratch.path()).ok_or("no reference database")?;
    load(&reference, &initial, &ctx.root())?;
    let up = ctx.root().join("diesel_up.sql");
    std::fs::write(&up, snapshot(&dir.join("up.sql/expected.snap"))).map_err(|e| e.to_string())?;
    load(&reference, &up, &ctx.root())?;
    for (_, _, table, column) in SERIAL_KEYS
        .iter()
        .filter(|(c, b, _, _)| *c == case_name && *b == backend)
    {
        make_serial(&reference, table, column);
    }
    let mut theirs = dump(&reference);
    for (_, _, diesel, ours) in TYPE_CHOICES
        .iter()
        .filter(|(c, b, _, _)| *c == case_name && *b == backend)
    {
        let line = format!("{diesel}\n");
        if !theirs.contains(&line) {
            return Err(format!(
                "the documented difference is gone: no `{diesel}` in diesel's database:\n{theirs}"
            ));
        }
        theirs = theirs.replacen(&line, &format!("{ours}\n"), 1);
    }
    if ours != theirs {
        return Err(format!(
            "the database after autogenerate differs from diesel's up.sql (- diesel, + ours):\n{}",
            diffy::create_patch(&theirs, &ours)
        ));
    }

    let out = generate("again");
    if out.code != Some(0) || !out.stderr.contains("No changes in schema detected.") {
        return Err(format!(
            "a second autogenerate: exit {:?}\n{}",
            out.code, out.stderr
        ));
    }
    let out = ctx.run(&["downgrade", "-1"]);
    if out.code != Some(0) {
        return Err(format!("downgrade -1: exit {:?}\n{}", out.code, out.stderr));
    }
    let back = dump(&ctx.db);
    if back != start {
        return Err(format!(
            "downgrade -1 does not give the start back (- start, + after):\n{}",
            diffy::create_patch(&start, &back)
        ));
    }
    Ok(())
}

/// The documented difference applied to the reference database: the key
/// made `serial` / `AUTO_INCREMENT` exactly as autogenerate's DDL makes it.
fn make_serial(db: &TestDb, table: &str, column: &str) {
    match db.backend() {
        Backend::Postgres => {
            let ty = db.query(&format!(
                "SELECT data_type FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = '{table}' \
                 AND column_name = '{column}'"
            ));
            let seq = format!("{table}_{column}_seq");
            db.exec(&format!(
                "CREATE SEQUENCE \"{seq}\" AS {ty} OWNED BY \"{table}\".\"{column}\"; \
                 ALTER TABLE \"{table}\" ALTER COLUMN \"{column}\" SET DEFAULT nextval('\"{seq}\"')",
                ty = ty.join("")
            ));
        }
        Backend::Mysql => {
            let ty = db.query(&format!(
                "SELECT column_type FROM information_schema.columns \
                 WHERE table_schema = DATABASE() AND table_name = '{table}' \
                 AND column_name = '{column}'"
            ));
            db.exec(&format!(
                "SET FOREIGN_KEY_CHECKS = 0; \
                 ALTER TABLE `{table}` MODIFY `{column}` {} NOT NULL AUTO_INCREMENT",
                ty.join("")
            ));
        }
        Backend::Sqlite => panic!("no serial key on SQLite"),
    }
}

/// The schema of the database's own tables (bookkeeping left out) as its
/// catalog gives it, normalised where the server picks a name of its own.
fn dump(db: &TestDb) -> String {
    let lines = match db.backend() {
        Backend::Postgres => postgres_dump(db),
        Backend::Mysql => mysql_dump(db),
        Backend::Sqlite => sqlite_dump(db),
    };
    lines.join("\n") + "\n"
}

/// `pg_dump --schema-only`, its comments, settings and blank lines left out.
fn postgres_dump(db: &TestDb) -> Vec<String> {
    let out = std::process::Command::new("pg_dump")
        .args([
            "--schema-only",
            "--no-owner",
            "--no-privileges",
            "--exclude-table=__*",
        ])
        .arg(db.url())
        .output()
        .expect("run pg_dump");
    assert!(
        out.status.success(),
        "pg_dump: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| {
            !(l.is_empty()
                || l.starts_with("--")
                || l.starts_with("SET ")
                || l.starts_with("SELECT pg_catalog.set_config")
                || l.starts_with("\\restrict")
                || l.starts_with("\\unrestrict"))
        })
        .map(str::to_owned)
        .collect()
}

/// `SHOW CREATE TABLE` of each table, with the names MariaDB gives foreign
/// keys and their indexes (`t_ibfk_1`, the column's name) and the table's
/// next `AUTO_INCREMENT` value left out, and `NO ACTION` (InnoDB's
/// `RESTRICT`, the default) not spelled out.
fn mysql_dump(db: &TestDb) -> Vec<String> {
    let mut lines = Vec::new();
    for table in db.user_tables() {
        for row in db.query(&format!("SHOW CREATE TABLE `{table}`")) {
            let create = row.split_once('|').map_or(row.as_str(), |(_, c)| c);
            for line in create.split("\\n") {
                let line = line.trim();
                let line = if let Some(rest) = line.strip_prefix("CONSTRAINT `") {
                    // InnoDB's NO ACTION is RESTRICT, its default.
                    let rest = rest.split_once("` ").map_or(rest, |(_, r)| r);
                    format!(
                        "CONSTRAINT {}",
                        rest.replace(" ON DELETE NO ACTION", "")
                            .replace(" ON UPDATE NO ACTION", "")
                    )
                } else if let Some(rest) = line.strip_prefix("KEY `") {
                    format!("KEY {}", rest.split_once("` ").map_or(rest, |(_, r)| r))
                } else {
                    let mut l = line.to_owned();
                    if let Some(at) = l.find(" AUTO_INCREMENT=") {
                        let end = l[at + 1..].find(' ').map_or(l.len(), |e| at + 1 + e);
                        l.replace_range(at..end, "");
                    }
                    l
                };
                lines.push(line);
            }
        }
    }
    lines
}

/// Each table's columns, indexes (with whether SQLite made them for a key)
/// and foreign keys from the pragmas, and whether it is a rowid table.
fn sqlite_dump(db: &TestDb) -> Vec<String> {
    let mut lines = Vec::new();
    for table in db.user_tables() {
        lines.push(format!("table {table}"));
        let q = |sql: String| db.query(&sql);
        lines.extend(q(format!(
            "SELECT 'column ' || name || ' ' || type || ' notnull=' || \"notnull\" || \
             ' default=' || coalesce(dflt_value, '-') || ' pk=' || pk || ' hidden=' || hidden \
             FROM pragma_table_xinfo('{table}') ORDER BY cid"
        )));
        lines.extend(q(format!(
            "SELECT 'index ' || CASE WHEN l.origin = 'c' THEN l.name ELSE l.origin END || \
             ' unique=' || l.\"unique\" || ' partial=' || l.partial || ' (' || \
             (SELECT group_concat(coalesce(i.name, '?'), ',') FROM pragma_index_info(l.name) i) || ')' \
             FROM pragma_index_list('{table}') l ORDER BY 1"
        )));
        lines.extend(q(format!(
            "SELECT 'foreign key ' || id || ' ' || \"from\" || ' -> ' || \"table\" || '.' || \
             coalesce(\"to\", '(pk)') || ' on update ' || on_update || ' on delete ' || on_delete \
             FROM pragma_foreign_key_list('{table}') ORDER BY id, seq"
        )));
        lines.extend(q(format!(
            "SELECT 'sql has AUTOINCREMENT=' || (upper(sql) LIKE '%AUTOINCREMENT%') || \
             ' WITHOUT ROWID=' || (upper(sql) LIKE '%WITHOUT ROWID%') \
             FROM sqlite_master WHERE type = 'table' AND name = '{table}'"
        )));
    }
    lines
}

#[test]
fn every_case_on_every_backend() {
    // SCHEMA_TEST_DIESEL_CASE=part runs only the cases whose name has it.
    let only = std::env::var("SCHEMA_TEST_DIESEL_CASE").unwrap_or_default();
    let runs: Vec<_> = runs()
        .into_iter()
        .filter(|(_, case, _)| name(case).contains(&only))
        .collect();
    let queue = Mutex::new(runs.clone());
    let results = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..6 {
            scope.spawn(|| loop {
                let Some((suite, case, backend)) = queue.lock().expect("queue").pop() else {
                    break;
                };
                let result = match suite {
                    Suite::PrintSchema => print_schema_run(&case, backend),
                    Suite::Generate => generate_run(&case, backend),
                };
                results
                    .lock()
                    .expect("results")
                    .push((suite, name(&case), backend, result));
            });
        }
    });
    let mut results = results.into_inner().expect("results");
    results.sort_by(|a, b| (a.0, &a.1, a.2.to_string()).cmp(&(b.0, &b.1, b.2.to_string())));
    let mut counts: BTreeMap<(Suite, String), (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for (suite, case, backend, result) in &results {
        let count = counts.entry((*suite, backend.to_string())).or_default();
        count.1 += 1;
        match result {
            Ok(()) => count.0 += 1,
            Err(e) => failures.push(format!("--- {} {case} on {backend}:\n{e}", suite.dir())),
        }
    }
    for ((suite, backend), (passed, all)) in &counts {
        eprintln!("{} on {backend}: {passed} of {all} pass", suite.dir());
    }
    assert_eq!(results.len(), runs.len());
    assert!(
        failures.is_empty(),
        "{} of {} diesel case runs fail:\n{}",
        failures.len(),
        results.len(),
        failures.join("\n")
    );
}
