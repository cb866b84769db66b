//! `inspect`: the schema model as JSON, and DDL that recreates the schema.

use crate::migrate::{Backend, Ctx};

fn inspect(backend: Backend) {
    let Some(ctx) = Ctx::new(backend, "") else {
        return;
    };
    ctx.revision(
        "2024-01-01-000001_users",
        "",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL);\n\
         CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, \
         FOREIGN KEY (user_id) REFERENCES users (id));\n\
         CREATE INDEX posts_user ON posts (user_id);\n",
        "DROP TABLE posts;\nDROP TABLE users;\n",
    );
    ctx.run(&["upgrade"]).code(0);
    let out = ctx.run(&["inspect"]);
    out.code(0);
    let json = out.json();
    assert_eq!(json["backend"], backend.to_string());
    let tables: Vec<&str> = json["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .map(|t| t["name"].as_str().expect("a name"))
        .collect();
    assert_eq!(tables, ["posts", "users"], "bookkeeping left out");
    let name = &json["tables"][1]["columns"][1];
    assert_eq!(name["name"], "name");
    assert_eq!(name["nullable"], false);
    assert_eq!(
        json["tables"][0]["foreign_keys"][0]["referenced_table"],
        "users"
    );
    assert_eq!(json["tables"][0]["indexes"][0]["name"], "posts_user");

    // The DDL recreates the same schema elsewhere.
    let sql = ctx.run(&["inspect", "--format", "sql"]);
    sql.code(0);
    assert!(sql.stdout.contains("CREATE TABLE"), "{}", sql.stdout);
    assert!(!sql.stdout.contains("__"), "{}", sql.stdout);
    let Some(copy) = Ctx::new(backend, "") else {
        return;
    };
    copy.project.file("ddl.sql", &sql.stdout);
    let applied = copy.db.run_script(&copy.root().join("ddl.sql"));
    assert!(
        applied.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&applied.stderr),
        sql.stdout
    );
    let again = copy.run(&["inspect"]);
    again.code(0);
    let mut again = again.json();
    let mut first = json.clone();
    for v in [&mut again, &mut first] {
        // The copy is another database (MySQL names its tables by it).
        v["default_schema"] = serde_json::Value::Null;
        for t in v["tables"].as_array_mut().expect("tables") {
            t["schema"] = serde_json::Value::Null;
            for fk in t["foreign_keys"].as_array_mut().expect("fks") {
                fk["referenced_schema"] = serde_json::Value::Null;
            }
        }
    }
    assert_eq!(again["tables"], first["tables"]);
}

#[test]
fn inspect_sqlite() {
    inspect(Backend::Sqlite);
}

#[test]
fn inspect_postgres() {
    inspect(Backend::Postgres);
}

#[test]
fn inspect_mysql() {
    inspect(Backend::Mysql);
}
