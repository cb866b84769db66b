//! `lint --against-database`: findings give the live tables' row
//! estimates, read with catalog queries only. Proven read-only on each
//! backend: the command runs as a user who can only read (PostgreSQL and
//! MariaDB: a role granted SELECT alone, whose sessions are read-only
//! too; SQLite: the database opened `mode=ro`), and the database is
//! unchanged after it.

use super::{Backend, Ctx};

const PASSWORD: &str = "rows-r3ad-only";

/// R1 creates `crates`, `big` and `unused`; R2 (pending) adds a NOT NULL
/// column without a default to `crates`, drops `big`, and drops `unused`
/// to create it again (the new one has no rows: no finding for its NOT
/// NULL column).
fn project(backend: Backend) -> Option<Ctx> {
    let ctx = Ctx::new(backend, "")?;
    ctx.revision(
        "2024-09-01-000001_crates",
        "",
        "CREATE TABLE crates (id INTEGER PRIMARY KEY, name VARCHAR(50));\n\
         CREATE TABLE big (id INTEGER PRIMARY KEY);\n\
         CREATE TABLE unused (id INTEGER PRIMARY KEY);\n",
        "DROP TABLE unused;\nDROP TABLE big;\nDROP TABLE crates;\n",
    );
    ctx.revision(
        "2024-09-01-000002_change",
        "",
        "ALTER TABLE crates ADD COLUMN downloads INTEGER NOT NULL;\n\
         DROP TABLE big;\n\
         DROP TABLE unused;\n\
         CREATE TABLE unused (id INTEGER PRIMARY KEY);\n\
         ALTER TABLE unused ADD COLUMN n INTEGER NOT NULL;\n",
        "SELECT 1;\n",
    );
    Some(ctx)
}

/// `n` rows into `table` (ids 1..=n), in one statement.
fn fill(ctx: &Ctx, table: &str, n: u32) {
    let sql = match ctx.db.backend() {
        Backend::Mysql => format!(
            "SET SESSION max_recursive_iterations = {n}; \
             INSERT INTO {table} (id) WITH RECURSIVE s(i) AS \
             (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) SELECT i FROM s"
        ),
        Backend::Postgres => format!("INSERT INTO {table} (id) SELECT generate_series(1, {n})"),
        Backend::Sqlite => format!(
            "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) \
             INSERT INTO {table} (id) SELECT i FROM s"
        ),
    };
    ctx.db.exec(&sql);
}

/// The message of each finding of R2, by code.
fn messages(out: &crate::support::Outcome) -> Vec<(String, String)> {
    out.json()["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap_or_default().to_owned(),
                f["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// A user that may only read the test database, dropped with the guard.
struct Reader<'a> {
    ctx: &'a Ctx,
    name: String,
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        let name = &self.name;
        match self.ctx.db.backend() {
            Backend::Postgres => self
                .ctx
                .db
                .exec(&format!("DROP OWNED BY {name}; DROP ROLE {name}")),
            Backend::Mysql => self.ctx.db.exec(&format!("DROP USER '{name}'@'%'")),
            Backend::Sqlite => {}
        }
    }
}

/// The URL of a user who can read the test database and nothing else.
fn reader(ctx: &Ctx) -> (Option<Reader<'_>>, String) {
    let name = format!("cs_reader_{}", std::process::id());
    let db = ctx.db.name();
    match ctx.db.backend() {
        Backend::Postgres => ctx.db.exec(&format!(
            "CREATE ROLE {name} LOGIN NOCREATEDB PASSWORD '{PASSWORD}'; \
             ALTER ROLE {name} SET default_transaction_read_only = on; \
             GRANT USAGE ON SCHEMA public TO {name}; \
             GRANT SELECT ON ALL TABLES IN SCHEMA public TO {name}"
        )),
        Backend::Mysql => ctx.db.exec(&format!(
            "CREATE USER '{name}'@'%' IDENTIFIED BY '{PASSWORD}'; \
             GRANT SELECT ON {db}.* TO '{name}'@'%'"
        )),
        Backend::Sqlite => {
            // SQLite has no users: the file opened read-only (root, who
            // runs CI, writes through file modes).
            let path = ctx.db.host_port();
            return (None, format!("file:{path}?mode=ro"));
        }
    }
    let url = ctx.db.url_with_credentials(Some(&name), PASSWORD);
    (Some(Reader { ctx, name }), url)
}

/// Everything in the database that a write could change: each user
/// table's rows and the bookkeeping.
fn contents(ctx: &Ctx) -> Vec<String> {
    let mut all = ctx.db.tables();
    all.extend(ctx.db.revision_rows());
    for table in ["crates", "big", "unused"] {
        all.extend(ctx.db.query(&format!("SELECT count(*) FROM {table}")));
    }
    all
}

fn estimates(backend: Backend) {
    let Some(ctx) = project(backend) else { return };
    ctx.run(&["upgrade", "20240901000001"]).code(0);
    fill(&ctx, "crates", 1500);
    fill(&ctx, "big", 12_000);
    // The statistics the catalog queries read; SQLite has none until
    // ANALYZE and is counted.
    match backend {
        Backend::Postgres => ctx.db.exec("ANALYZE crates; ANALYZE big; ANALYZE unused"),
        Backend::Mysql => ctx.db.exec("ANALYZE TABLE crates, big, unused"),
        Backend::Sqlite => {}
    }
    let before = contents(&ctx);
    let (_reader, url) = reader(&ctx);
    let out = ctx
        .cmd(&["-v", "lint", "--against-database", "--format", "json"])
        .env("DATABASE_URL", &url)
        .run();
    out.code(3);
    assert!(
        out.stderr.contains(
            "row estimates of 3 tables read from the live database on a read-only session"
        ),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(PASSWORD), "{}", out.stderr);
    let found = messages(&out);
    let message = |code: &str, needle: &str| {
        found
            .iter()
            .find(|(c, m)| c == code && m.contains(needle))
            .map(|(_, m)| m.clone())
            .unwrap_or_else(|| panic!("no {code} naming {needle} in {found:#?}"))
    };
    let big = match backend {
        Backend::Sqlite => "`big` (more than 10k rows)",
        // The statistics of a table analyzed in full: exact.
        _ => "`big` (about 12k rows)",
    };
    assert!(
        message("adding-not-nullable-field", "`crates`").contains("`crates` (about 1.5k rows)"),
        "{found:#?}"
    );
    assert!(
        message("ban-drop-table", "`big`").contains(big),
        "{found:#?}"
    );
    // Only the statement before the table is created again speaks of
    // its live rows.
    let on_unused: Vec<_> = found
        .iter()
        .filter(|(_, m)| m.contains("`unused` ("))
        .collect();
    assert_eq!(on_unused.len(), 1, "{found:#?}");
    assert!(
        message("ban-drop-table", "`unused`")
            .contains("`unused` (no rows, by the database's estimate)"),
        "{found:#?}"
    );
    assert_eq!(contents(&ctx), before);

    // Without the flag, no estimate.
    let out = ctx.run(&["lint", "--format", "json"]);
    assert!(
        messages(&out).iter().all(|(_, m)| !m.contains(" rows)")),
        "{}",
        out.stdout
    );
    // The user could write nothing had it tried: its session refuses.
    if backend != Backend::Sqlite {
        let out = ctx.cmd(&["upgrade"]).env("DATABASE_URL", &url).run();
        assert_ne!(out.code, Some(0), "{}", out.stderr);
        assert_eq!(contents(&ctx), before);
    }
}

on_backends!(estimates);

/// SQLite after ANALYZE: `sqlite_stat1`'s count, not a count of the rows.
#[test]
fn sqlite_statistics() {
    let Some(ctx) = project(Backend::Sqlite) else {
        return;
    };
    ctx.run(&["upgrade", "20240901000001"]).code(0);
    fill(&ctx, "crates", 20);
    fill(&ctx, "big", 30_000);
    ctx.db.exec("ANALYZE");
    let out = ctx.run(&["lint", "--against-database", "--format", "json"]);
    out.code(3);
    let found = messages(&out);
    assert!(
        found
            .iter()
            .any(|(c, m)| c == "ban-drop-table" && m.contains("`big` (about 30k rows)")),
        "{found:#?}"
    );
    assert!(
        found.iter().any(
            |(c, m)| c == "adding-not-nullable-field" && m.contains("`crates` (about 20 rows)")
        ),
        "{found:#?}"
    );
}
