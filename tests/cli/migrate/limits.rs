//! Inputs far past a usual project give an answer, not a crash (issue 30,
//! item 4): a revision graph thousands deep (no recursion that overflows
//! the stack), a large up.sql, and a schema.rs of many tables. CI runs the
//! graph at the depth (10 000) and the others smaller;
//! `SCHEMA_TEST_LIMITS_SCALE=10` multiplies every size (5 000 tables, a
//! 50 MB up.sql), and bench/limits.sh measures time and peak memory at the
//! issue's sizes.

use super::{Backend, Ctx};

fn scale() -> usize {
    std::env::var("SCHEMA_TEST_LIMITS_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
}

/// A chain `depth` deep, each revision naming its parent in metadata.toml
/// (the graph loader's path, not diesel's version order).
fn deep_chain(ctx: &Ctx, depth: usize) {
    let root = ctx.root().join("migrations");
    for i in 0..depth {
        let dir = root.join(format!("2024-01-01-{i:06}_d{i}"));
        std::fs::create_dir_all(&dir).expect("a folder");
        let parent = if i == 0 {
            String::new()
        } else {
            format!("down_revision = \"{:012x}\"\n", i - 1)
        };
        std::fs::write(
            dir.join("metadata.toml"),
            format!("revision = \"{i:012x}\"\n{parent}"),
        )
        .expect("metadata.toml");
        std::fs::write(
            dir.join("up.sql"),
            format!("CREATE TABLE d{i} (id INTEGER);\n"),
        )
        .expect("up.sql");
        std::fs::write(dir.join("down.sql"), format!("DROP TABLE d{i};\n")).expect("down.sql");
    }
}

/// Every command that walks the graph answers on a chain 10 000 deep: the
/// walks iterate, so the depth is no stack's limit.
#[test]
fn deep_graph() {
    let depth = 10_000 * scale();
    let Some(ctx) = Ctx::new(Backend::Sqlite, "") else {
        return;
    };
    deep_chain(&ctx, depth);
    let last = format!("{:012x}", depth - 1);

    let heads = ctx.run(&["heads"]);
    heads.code(0);
    assert!(heads.stdout.contains(&last), "{}", heads.stdout);
    let history = ctx.run(&["history"]);
    history.code(0);
    assert_eq!(
        history
            .stdout
            .lines()
            .filter(|l| l.contains(" -> "))
            .count(),
        depth,
        "one line per revision"
    );
    for format in ["dot", "mermaid"] {
        ctx.run(&["history", "--graph", "--format", format]).code(0);
    }
    let script = ctx.run(&["upgrade", "--sql"]);
    script.code(0);
    assert_eq!(
        script.stdout.matches("CREATE TABLE d").count(),
        depth,
        "every revision in the script"
    );
    ctx.run(&["upgrade", &format!("{:012x}", 1999)]).code(0);
    assert_eq!(ctx.db.versions().len(), 2000);
    let down = ctx.run(&["downgrade", "base", "--sql"]);
    down.code(0);
    let current = ctx.run(&["current"]);
    current.code(0);
    assert!(
        current.stdout.contains(&format!("{:012x}", 1999)),
        "{}",
        current.stdout
    );
}

/// A 5 MB up.sql (50 MB with the scale) runs in one revision; every row
/// arrives.
#[test]
fn large_up_sql() {
    let Some(ctx) = Ctx::new(Backend::Sqlite, "") else {
        return;
    };
    let statement = format!(
        "INSERT INTO big (v) VALUES {};\n",
        vec![format!("('{}')", "x".repeat(90)); 100].join(", ")
    );
    let statements = 5_000_000 * scale() / statement.len();
    let mut up = String::with_capacity(statements * statement.len() + 64);
    up.push_str("CREATE TABLE big (v TEXT);\n");
    for _ in 0..statements {
        up.push_str(&statement);
    }
    ctx.revision("2024-01-01-000000_big", "", &up, "DROP TABLE big;\n");
    let out = ctx.run(&["upgrade"]);
    out.code(0);
    assert_eq!(
        ctx.db.query("SELECT COUNT(*) FROM big"),
        [(statements * 100).to_string()]
    );
}

/// A schema.rs of 500 tables (5 000 with the scale), each joined to the
/// one before: autogenerate writes one revision that creates them all,
/// and it runs.
#[test]
fn wide_schema_rs() {
    let tables = 500 * scale();
    let Some(ctx) = Ctx::new(Backend::Sqlite, "") else {
        return;
    };
    let mut schema = String::new();
    for i in 0..tables {
        schema.push_str(&format!(
            "diesel::table! {{\n    w{i} (id) {{\n        id -> Integer,\n        name -> Text,\n        \
             parent_id -> Nullable<Integer>,\n    }}\n}}\n\n"
        ));
    }
    for i in 1..tables {
        schema.push_str(&format!(
            "diesel::joinable!(w{i} -> w{} (parent_id));\n",
            i - 1
        ));
    }
    ctx.project.file("desired.rs", &schema);
    std::fs::create_dir_all(ctx.root().join("migrations")).expect("migrations");
    let out = ctx.run(&[
        "generate",
        "--autogenerate",
        "--schema-file",
        "desired.rs",
        "-m",
        "wide",
    ]);
    out.code(0);
    ctx.run(&["upgrade"]).code(0);
    assert_eq!(ctx.db.user_tables().len(), tables);
}
