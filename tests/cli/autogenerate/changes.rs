//! Each kind of change as its own step: schema.rs edited, the revision's
//! SQL snapshotted, upgraded (rows checked), downgraded back to the schema
//! before (checked by autogenerate finding nothing) and upgraded again.

use super::judge::assert_catalog;
use super::{assert_matches, autogenerate, desire, folders, redacted, rows};
use crate::migrate::{Backend, Ctx};

const START_UP: &str = "CREATE TABLE users (id INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, age INTEGER, nick VARCHAR(20));
CREATE TABLE posts (id INTEGER NOT NULL PRIMARY KEY, user_id INTEGER NOT NULL, title TEXT, FOREIGN KEY (user_id) REFERENCES users (id));
";

/// The state after the renames (step 06), written by hand: the
/// independent judge of what the six steps built.
fn after_renames(backend: Backend) -> String {
    format!(
        "CREATE TABLE users (id INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, age BIGINT, nickname VARCHAR(20), {email}, bio TEXT);
CREATE TABLE posts (id INTEGER NOT NULL PRIMARY KEY, user_id INTEGER NOT NULL, title TEXT NOT NULL, FOREIGN KEY (user_id) REFERENCES users (id));
CREATE TABLE labels ({serial} PRIMARY KEY, post_id INTEGER NOT NULL, label TEXT NOT NULL, FOREIGN KEY (post_id) REFERENCES posts (id));
",
        email = email(backend),
        serial = serial(backend)
    )
}

/// The last state (step 12), written by hand.
fn at_the_end(backend: Backend) -> String {
    format!(
        "CREATE TABLE users (id INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, age INTEGER, nickname VARCHAR(20), {email});
CREATE TABLE posts (id INTEGER NOT NULL PRIMARY KEY, user_id INTEGER NOT NULL, title TEXT NOT NULL, FOREIGN KEY (user_id) REFERENCES users (id));
",
        email = email(backend)
    )
}

/// A table's single integer key as autogenerate makes it (README: as
/// SQLAlchemy makes it): `serial`, `AUTO_INCREMENT`, SQLite's rowid.
fn serial(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => "id SERIAL NOT NULL",
        Backend::Mysql => "id INTEGER NOT NULL AUTO_INCREMENT",
        Backend::Sqlite => "id INTEGER NOT NULL",
    }
}

/// `users.email`, added NOT NULL to a table with rows: SQLite cannot add
/// such a column without a default, nor drop the default afterwards.
fn email(backend: Backend) -> &'static str {
    if backend == Backend::Sqlite {
        "email TEXT NOT NULL DEFAULT ''"
    } else {
        "email TEXT NOT NULL"
    }
}

/// schema.rs of the state `users`/`posts`/`tags` are in, built from
/// parts so each step changes one thing.
struct State {
    users: Vec<&'static str>,
    posts: Vec<&'static str>,
    tags: Option<(&'static str, &'static str, Vec<&'static str>)>,
    joins: Vec<&'static str>,
}

impl State {
    fn render(&self) -> String {
        let table = |name: &str, key: &str, columns: &[&str]| {
            format!(
                "diesel::table! {{\n    {name} ({key}) {{\n{}    }}\n}}\n\n",
                columns
                    .iter()
                    .map(|c| format!("        {c},\n"))
                    .collect::<String>()
            )
        };
        let mut out = String::from("// @generated automatically by Diesel CLI.\n\n");
        out += &table("posts", "id", &self.posts);
        out += &table("users", "id", &self.users);
        if let Some((name, key, columns)) = &self.tags {
            out += &table(name, key, columns);
        }
        for j in &self.joins {
            out += &format!("diesel::joinable!({j});\n");
        }
        out
    }
}

/// One step: desired state, extra flags, the summary line stderr must
/// show, and whether a statement is marked destructive.
fn step(
    ctx: &Ctx,
    backend: Backend,
    name: &str,
    state: &State,
    flags: &[&str],
    detected: &str,
    destructive: bool,
) {
    let printed_before = ctx.run(&["print-schema"]).code(0).stdout.clone();
    desire(ctx, &state.render());
    let rev_id = format!("step{}", &name[..2]);
    let mut args = vec!["-m", name, "--sql", "--rev-id", &rev_id];
    args.extend_from_slice(flags);
    let printed = autogenerate(ctx, &args);
    printed.code(0);
    assert!(
        printed.stderr.contains(detected),
        "{name}: {}",
        printed.stderr
    );
    let up = printed.stdout.split("/down.sql").next().unwrap_or_default();
    assert_eq!(
        up.contains("-- destructive:"),
        destructive,
        "{name}:\n{}",
        printed.stdout
    );
    // Snapshot with a fixed revision id, so the SQL is what is compared.
    let before = folders(ctx);
    insta::assert_snapshot!(
        format!("autogenerate_{backend}_{name}"),
        redacted(&printed.stdout)
    );
    assert_eq!(folders(ctx), before, "--sql wrote a folder");

    let mut args = vec!["-m", name, "--rev-id", &rev_id];
    args.extend_from_slice(flags);
    autogenerate(ctx, &args).code(0);
    assert_eq!(
        folders(ctx).len(),
        before.len() + 1,
        "{name}: no folder written"
    );
    ctx.run(&["upgrade"]).code(0);
    assert_matches(ctx, &format!("{name}, after upgrade"));

    // down.sql puts back what was there: the database prints the same
    // schema.rs as before the step.
    ctx.run(&["downgrade", "-1"]).code(0);
    assert_eq!(
        &ctx.run(&["print-schema"]).code(0).stdout,
        &printed_before,
        "{name}: the database after downgrade differs from before the step"
    );
    ctx.run(&["upgrade"]).code(0);
    desire(ctx, &state.render());
    assert_matches(ctx, &format!("{name}, after upgrading again"));
}

fn changes(backend: Backend) {
    let Some(ctx) = Ctx::new(backend, "") else {
        return;
    };
    ctx.revision(
        "2024-01-01-000000_start",
        "",
        START_UP,
        "DROP TABLE posts;\nDROP TABLE users;\n",
    );
    ctx.run(&["upgrade"]).code(0);
    ctx.db.exec(
        "INSERT INTO users (id, name, age, nick) VALUES (1, 'ann', 30, 'a'), (2, 'bob', NULL, 'b')",
    );
    ctx.db
        .exec("INSERT INTO posts (id, user_id, title) VALUES (1, 1, 'hello'), (2, 2, 'world')");
    let users = || rows(&ctx, "SELECT id, name, age FROM users ORDER BY id");
    let kept = vec!["1|ann|30", "2|bob|"];

    let mut s = State {
        users: vec![
            "id -> Integer",
            "name -> Text",
            "age -> Nullable<Integer>",
            "#[max_length = 20]\n        nick -> Nullable<Varchar>",
        ],
        posts: vec![
            "id -> Integer",
            "user_id -> Integer",
            "title -> Nullable<Text>",
        ],
        tags: None,
        joins: vec!["posts -> users (user_id)"],
    };
    if backend == Backend::Sqlite {
        // SQLite has no VARCHAR to diesel: it reads back as Text.
        s.users[3] = "nick -> Nullable<Text>";
    }
    desire(&ctx, &s.render());
    assert_matches(&ctx, "the starting schema");

    macro_rules! next {
        ($name:expr, $flags:expr, $detected:expr, $destructive:expr, |$n:ident| $edit:block) => {{
            let $n = &mut s;
            $edit
            step(&ctx, backend, $name, &s, $flags, $detected, $destructive);
            assert_eq!(users(), kept, "{}: the rows of users changed", $name);
        }};
    }

    next!(
        "01_create_table",
        &[],
        "Detected added table `tags`",
        false,
        |n| {
            n.tags = Some((
                "tags",
                "id",
                vec!["id -> Integer", "post_id -> Integer", "label -> Text"],
            ));
            n.joins.push("tags -> posts (post_id)");
        }
    );
    ctx.db
        .exec("INSERT INTO tags (id, post_id, label) VALUES (1, 1, 'x'), (2, 2, 'y')");

    next!(
        "02_add_column",
        &[],
        "Detected added column `users.email`",
        false,
        |n| {
            n.users.push("email -> Text");
            n.users.push("bio -> Nullable<Text>");
        }
    );
    assert_eq!(
        rows(&ctx, "SELECT email FROM users ORDER BY id"),
        ["", ""],
        "NOT NULL column filled for existing rows"
    );

    next!("03_widen_type", &[], "Detected type change", false, |n| {
        n.users[2] = "age -> Nullable<BigInt>";
    });

    next!(
        "04_not_null",
        &[],
        "Detected NOT NULL on column `posts.title`",
        false,
        |n| {
            n.posts[2] = "title -> Text";
        }
    );
    assert_eq!(
        rows(&ctx, "SELECT id, title FROM posts ORDER BY id"),
        ["1|hello", "2|world"]
    );

    // A drop and an add of one type: a hint names the flag, and the flag
    // keeps the data.
    let mut renamed = s.users.clone();
    renamed[3] = if backend == Backend::Sqlite {
        "nickname -> Nullable<Text>"
    } else {
        "#[max_length = 20]\n        nickname -> Nullable<Varchar>"
    };
    desire(
        &ctx,
        &State {
            users: renamed,
            posts: s.posts.clone(),
            tags: s.tags.clone(),
            joins: s.joins.clone(),
        }
        .render(),
    );
    let hinted = autogenerate(&ctx, &["-m", "rename", "--sql"]);
    hinted.code(0);
    assert!(
        hinted
            .stderr
            .contains("if it is a rename, pass --rename-column users.nick=nickname"),
        "{}",
        hinted.stderr
    );
    next!(
        "05_rename_column",
        &["--rename-column", "users.nick=nickname"],
        "Detected renamed column `users.nick` to `nickname`",
        false,
        |n| {
            n.users[3] = if backend == Backend::Sqlite {
                "nickname -> Nullable<Text>"
            } else {
                "#[max_length = 20]\n        nickname -> Nullable<Varchar>"
            };
        }
    );
    assert_eq!(
        rows(&ctx, "SELECT nickname FROM users ORDER BY id"),
        ["a", "b"]
    );

    let (_, key, columns) = s.tags.clone().expect("tags");
    let mut joins = s.joins.clone();
    joins.retain(|j| !j.starts_with("tags"));
    joins.push("labels -> posts (post_id)");
    let renamed = State {
        users: s.users.clone(),
        posts: s.posts.clone(),
        tags: Some(("labels", key, columns)),
        joins,
    };
    desire(&ctx, &renamed.render());
    let hinted = autogenerate(&ctx, &["-m", "rename", "--sql"]);
    hinted.code(0);
    assert!(
        hinted
            .stderr
            .contains("if it is a rename, pass --rename-table tags=labels"),
        "{}",
        hinted.stderr
    );
    next!(
        "06_rename_table",
        &["--rename-table", "tags=labels"],
        "Detected renamed table `tags` to `labels`",
        false,
        |n| {
            let (_, key, columns) = n.tags.clone().expect("tags");
            n.tags = Some(("labels", key, columns));
            n.joins.retain(|j| !j.starts_with("tags"));
            n.joins.push("labels -> posts (post_id)");
        }
    );
    assert_eq!(
        rows(&ctx, "SELECT label FROM labels ORDER BY id"),
        ["x", "y"]
    );
    assert_catalog(&ctx.db, &after_renames(backend), "after the renames");

    next!(
        "07_drop_foreign_key",
        &[],
        "Detected removed foreign key (user_id) on `posts` to `users`",
        false,
        |n| {
            n.joins.retain(|j| !j.starts_with("posts"));
        }
    );

    next!(
        "08_add_foreign_key",
        &[],
        "Detected added foreign key (user_id) on `posts` to `users`",
        false,
        |n| {
            n.joins.push("posts -> users (user_id)");
        }
    );

    next!(
        "09_primary_key",
        &[],
        "Detected primary key change on `labels`: (id) to (id, post_id)",
        false,
        |n| {
            let (name, _, columns) = n.tags.clone().expect("labels");
            n.tags = Some((name, "id, post_id", columns));
        }
    );

    next!("10_narrow_type", &[], "Detected type change", true, |n| {
        n.users[2] = "age -> Nullable<Integer>";
    });

    next!(
        "11_drop_column",
        &[],
        "Detected removed column `users.bio`",
        true,
        |n| {
            n.users.retain(|c| !c.starts_with("bio"));
        }
    );

    next!(
        "12_drop_table",
        &[],
        "Detected removed table `labels`",
        true,
        |n| {
            n.tags = None;
            n.joins.retain(|j| !j.starts_with("labels"));
        }
    );
    assert_eq!(
        rows(&ctx, "SELECT id, user_id, title FROM posts ORDER BY id"),
        ["1|1|hello", "2|2|world"]
    );
    assert_catalog(&ctx.db, &at_the_end(backend), "at the end");
}

#[test]
fn sqlite() {
    changes(Backend::Sqlite);
}

#[test]
fn postgres() {
    changes(Backend::Postgres);
}

#[test]
fn mysql() {
    changes(Backend::Mysql);
}
