//! `check`'s drift check: changes made by hand to the live database are
//! reported object by object against what the applied revisions build in a
//! scratch database, which is gone afterwards; schema.rs is compared with
//! the database too; `--no-drift` skips it all.

use super::{lines, Backend, Ctx};

const R1: &str = "d1d1d1d1d1d1";
const R2: &str = "d2d2d2d2d2d2";
const R3: &str = "d3d3d3d3d3d3";

/// Two revisions: users and posts with an index, then scores.
fn project(backend: Backend, extra: &str) -> Option<Ctx> {
    let ctx = Ctx::new(backend, extra)?;
    ctx.revision(
        "2024-06-01-000001_users",
        &format!("revision = \"{R1}\"\n"),
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL);\n\
         CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id), title VARCHAR(100));\n\
         CREATE INDEX posts_title_idx ON posts (title);\n",
        "DROP TABLE posts;\nDROP TABLE users;\n",
    );
    ctx.revision(
        "2024-06-01-000002_scores",
        &format!("revision = \"{R2}\"\ndown_revision = \"{R1}\"\n"),
        "CREATE TABLE scores (id INTEGER PRIMARY KEY, points INTEGER);\n",
        "DROP TABLE scores;\n",
    );
    Some(ctx)
}

/// The scratch database `-v check` named on stderr, if any.
fn scratch_name(stderr: &str) -> Option<String> {
    stderr
        .lines()
        .find_map(|l| {
            l.strip_prefix("note: replaying the applied revisions into the scratch database ")
        })
        .map(str::to_owned)
}

/// Whether the server of `ctx` still has a database called `name`.
fn database_exists(ctx: &Ctx, name: &str) -> bool {
    let sql = match ctx.db.backend() {
        Backend::Postgres => format!("SELECT datname FROM pg_database WHERE datname = '{name}'"),
        _ => format!(
            "SELECT schema_name FROM information_schema.schemata WHERE schema_name = '{name}'"
        ),
    };
    !ctx.db.query(&sql).is_empty()
}

/// Runs `-v check` (expecting `code`) and asserts that the scratch
/// database it used, on a server backend, is gone. Without the cache, so
/// that every run replays (an earlier run's schema would need none).
fn check_leaves_no_scratch(ctx: &Ctx, code: i32) -> String {
    let out = ctx.run(&["--no-cache", "-v", "check"]);
    out.code(code);
    if ctx.db.backend() != Backend::Sqlite {
        let name = scratch_name(&out.stderr)
            .unwrap_or_else(|| panic!("no scratch database named in\n{}", out.stderr));
        assert!(name.starts_with("cargo_schema_drift_"), "{name}");
        assert!(!database_exists(ctx, &name), "{name} is left");
    }
    out.stdout.clone()
}

fn hand_changes(backend: Backend) {
    let Some(ctx) = project(backend, "") else {
        return;
    };
    ctx.run(&["upgrade", R1]).code(0);
    // Only the applied revision is replayed: scores is pending, not drift.
    let out = ctx.run(&["check"]);
    out.code(3);
    assert_eq!(
        lines(&out.stdout),
        [format!(
            "revision {R2} is not applied; run `cargo schema upgrade`"
        )]
    );
    ctx.run(&["upgrade"]).code(0);

    // No drift: check passes as before.
    let stdout = check_leaves_no_scratch(&ctx, 0);
    assert!(stdout.starts_with("ok:"), "{stdout}");

    // A column added, an index dropped, a type changed, by hand.
    ctx.db
        .exec("ALTER TABLE users ADD COLUMN nickname VARCHAR(30)");
    ctx.db.exec(match backend {
        Backend::Mysql => "DROP INDEX posts_title_idx ON posts",
        _ => "DROP INDEX posts_title_idx",
    });
    ctx.db.exec(match backend {
        Backend::Postgres => "ALTER TABLE scores ALTER COLUMN points TYPE BIGINT",
        Backend::Mysql => "ALTER TABLE scores MODIFY points BIGINT",
        // SQLite cannot change a type in place: the table is rebuilt.
        Backend::Sqlite => {
            "CREATE TABLE scores_new (id INTEGER PRIMARY KEY, points BIGINT); \
             DROP TABLE scores; ALTER TABLE scores_new RENAME TO scores"
        }
    });
    let (was, now) = match backend {
        Backend::Sqlite => ("BIGINT", "INTEGER"),
        Backend::Postgres => ("bigint", "integer"),
        Backend::Mysql => ("bigint(20)", "int(11)"),
    };
    let stdout = check_leaves_no_scratch(&ctx, 3);
    assert_eq!(
        lines(&stdout),
        [
            format!("drift: index posts_title_idx on posts: built by revisions {R1}..{R2}, missing from the database"),
            format!("drift: column scores.points: type {was} in the database, {now} from revisions {R1}..{R2}"),
            format!("drift: column users.nickname: in the database but not in what revisions {R1}..{R2} build"),
        ]
    );

    // JSON: each difference as an object.
    let out = ctx.run(&["check", "--format", "json"]);
    out.code(3);
    let mut report = out.json();
    insta::assert_json_snapshot!(
        format!("drift_json_{}", backend.to_string().to_lowercase()),
        report.take()
    );

    // --no-drift: no scratch database, the existing findings only.
    let out = ctx.run(&["-v", "check", "--no-drift"]);
    out.code(0);
    assert_eq!(scratch_name(&out.stderr), None, "{}", out.stderr);
    let out = ctx.run(&["check", "--no-drift", "--format", "json"]);
    out.code(0);
    assert_eq!(
        out.json()["drift"],
        serde_json::json!({"checked": false, "reason": "--no-drift"})
    );
}

on_backends!(hand_changes);

/// A revision that cannot replay into an empty database: drift is not
/// checked, and says why; the scratch database is dropped all the same.
fn replay_fails(backend: Backend) {
    let Some(ctx) = project(backend, "") else {
        return;
    };
    ctx.revision(
        "2024-06-01-000003_broken",
        &format!("revision = \"{R3}\"\ndown_revision = \"{R2}\"\n"),
        "INSERT INTO no_such_table VALUES (1);\n",
        "",
    );
    ctx.run(&["upgrade", R2]).code(0);
    ctx.run(&["stamp", R3]).code(0);
    let out = ctx.run(&["-v", "check"]);
    out.code(0);
    let warning = out
        .stderr
        .split_once("warning: drift not checked: ")
        .unwrap_or_else(|| panic!("no warning in\n{}", out.stderr))
        .1;
    for expected in ["do not replay into an empty database", R3, "no_such_table"] {
        assert!(warning.contains(expected), "{expected} in {warning}");
    }
    if backend != Backend::Sqlite {
        let name = scratch_name(&out.stderr).expect("named");
        assert!(!database_exists(&ctx, &name), "{name} is left");
    }
    let out = ctx.run(&["check", "--format", "json"]);
    out.code(0);
    assert_eq!(out.json()["drift"]["checked"], false);
}

on_backends!(replay_fails);

/// schema.rs (the `[print_schema] file`) that differs from the database:
/// the existing stale-file finding, and each difference by object.
fn schema_rs(backend: Backend) {
    let Some(ctx) = project(backend, "\n[print_schema]\nfile = src/schema.rs\n") else {
        return;
    };
    ctx.run(&["upgrade"]).code(0);
    let file = ctx.root().join("src/schema.rs");
    assert!(file.is_file(), "upgrade writes schema.rs");
    ctx.run(&["check"]).code(0);

    ctx.db
        .exec("ALTER TABLE users ADD COLUMN nickname VARCHAR(30)");

    let out = ctx.run(&["check"]);
    out.code(3);
    let label = file.display().to_string();
    let found = lines(&out.stdout);
    let drift: Vec<&String> = found.iter().filter(|l| l.starts_with("drift: ")).collect();
    assert_eq!(
        drift,
        [
            &format!("drift: column users.nickname: in the database but not in what revisions {R1}..{R2} build"),
            &format!("drift: column users.nickname: in the database but not in {label}"),
        ]
    );
    assert!(
        found[0].starts_with(&format!(
            "{label} is not what `cargo schema print-schema` prints"
        )),
        "{}",
        out.stdout
    );
    let out = ctx.run(&["check", "--format", "json"]);
    out.code(3);
    let report = out.json();
    let last = report["findings"]
        .as_array()
        .and_then(|f| f.last())
        .expect("findings");
    assert_eq!(last["kind"], "schema_rs_drift");
    assert_eq!(last["revision"], label.as_str());
    let diesel_type = match backend {
        Backend::Sqlite => "Nullable<Text>",
        _ => "Nullable<Varchar>",
    };
    assert_eq!(
        last["difference"],
        serde_json::json!({"kind": "extra", "object": "column users.nickname", "expected": null, "actual": diesel_type})
    );
}

on_backends!(schema_rs);

const PASSWORD: &str = "drift-s3cret-pw";

/// A role without CREATE DATABASE rights, dropped with the guard.
struct Role<'a> {
    ctx: &'a Ctx,
    name: String,
}

impl Drop for Role<'_> {
    fn drop(&mut self) {
        let name = &self.name;
        match self.ctx.db.backend() {
            Backend::Postgres => self
                .ctx
                .db
                .exec(&format!("DROP OWNED BY {name}; DROP ROLE {name}")),
            _ => self.ctx.db.exec(&format!("DROP USER '{name}'@'%'")),
        }
    }
}

/// A user who may not create databases: drift is not checked, with the
/// server's reason, the other findings stand, and no password is shown.
fn without_create_rights(backend: Backend) {
    let Some(ctx) = project(backend, "") else {
        return;
    };
    ctx.run(&["upgrade", R1]).code(0);
    let name = format!("cs_nocreate_{}", std::process::id());
    let db = ctx.db.name();
    match backend {
        Backend::Postgres => ctx.db.exec(&format!(
            "CREATE ROLE {name} LOGIN NOCREATEDB PASSWORD '{PASSWORD}'; \
             GRANT ALL ON SCHEMA public TO {name}; \
             GRANT ALL ON ALL TABLES IN SCHEMA public TO {name}"
        )),
        _ => ctx.db.exec(&format!(
            "CREATE USER '{name}'@'%' IDENTIFIED BY '{PASSWORD}'; \
             GRANT ALL ON {db}.* TO '{name}'@'%'"
        )),
    }
    let _role = Role {
        ctx: &ctx,
        name: name.clone(),
    };
    let url = ctx.db.url_with_credentials(Some(&name), PASSWORD);
    let out = ctx.cmd(&["check"]).env("DATABASE_URL", &url).run();
    out.code(3);
    assert_eq!(
        lines(&out.stdout),
        [format!(
            "revision {R2} is not applied; run `cargo schema upgrade`"
        )]
    );
    let warning = out
        .stderr
        .split_once("warning: drift not checked: cannot create a scratch database on the server (")
        .unwrap_or_else(|| panic!("no warning in\n{}", out.stderr))
        .1;
    assert!(warning.contains("--no-drift"), "{warning}");
    assert!(!out.stderr.contains(PASSWORD), "{}", out.stderr);
    let out = ctx
        .cmd(&["check", "--format", "json"])
        .env("DATABASE_URL", &url)
        .run();
    out.code(3);
    assert_eq!(out.json()["drift"]["checked"], false);
}

on_backends!(without_create_rights: postgres => Postgres, mysql => Mysql);
