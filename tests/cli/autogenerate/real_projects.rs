//! Shapes found by running autogenerate on large public diesel projects
//! (a crates.io-like diesel.toml with `patch_file`; a vaultwarden-like
//! schema with uuid keys), each as a small fixture: the revision is run on
//! the server both ways, and autogenerate finds nothing left after it.

use serde_json::Value;

use super::{assert_matches, autogenerate, desire, folders};
use crate::migrate::{Backend, Ctx};

/// `fn scenario(backend)` as one test per backend (`scenario::sqlite`, ...).
macro_rules! each_backend {
    ($scenario:ident: $($test:ident => $backend:ident),+) => {
        mod $scenario {
            $(
                #[test]
                fn $test() {
                    super::$scenario(crate::migrate::Backend::$backend);
                }
            )+
        }
    };
    ($scenario:ident) => {
        each_backend!($scenario: sqlite => Sqlite, postgres => Postgres, mysql => Mysql);
    };
}

/// The ini section that prints `src/schema.rs` through `src/schema.patch`.
const PATCHED: &str = "\n[print_schema]\nfile = src/schema.rs\npatch_file = src/schema.patch\n";

/// Run a written revision: upgrade, nothing left to generate, downgrade
/// back to what print-schema printed before, upgrade again.
#[track_caller]
fn run_both_ways(ctx: &Ctx, desired: &str, printed_before: &str, context: &str) {
    let up = ctx.run(&["upgrade"]);
    up.code(0);
    desire(ctx, desired);
    assert_matches(ctx, &format!("{context}, after upgrade"));
    ctx.run(&["downgrade", "-1"]).code(0);
    assert_eq!(
        ctx.run(&["print-schema"]).code(0).stdout,
        printed_before,
        "{context}: downgrade did not restore the schema"
    );
    ctx.run(&["upgrade"]).code(0);
    assert_matches(ctx, &format!("{context}, after upgrading again"));
}

/// A patch like crates.io's: the printed schema loses a surrogate `id`
/// and names the pair of columns as the key. schema.rs, exactly what
/// print-schema writes through it, is no change; one comment line more is
/// a stale file for `check`, not drift; a real edit is that edit alone.
fn patch_file_edits_are_not_changes(backend: Backend) {
    let Some(ctx) = Ctx::new(backend, "") else {
        return;
    };
    ctx.revision(
        "2024-01-01-000000_start",
        "",
        "CREATE TABLE crates (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(64) NOT NULL);\n\
         CREATE TABLE crate_owners (id INTEGER NOT NULL PRIMARY KEY, crate_id INTEGER NOT NULL, \
         owner_id INTEGER NOT NULL, FOREIGN KEY (crate_id) REFERENCES crates (id));\n",
        "DROP TABLE crate_owners;\nDROP TABLE crates;\n",
    );
    ctx.run(&["upgrade"]).code(0);
    let plain = ctx.run(&["print-schema"]).code(0).stdout.clone();
    let patched = plain
        .replace("crate_owners (id) {", "crate_owners (crate_id, owner_id) {")
        .replacen(
            "        id -> Int4,\n        crate_id",
            "        crate_id",
            1,
        )
        .replacen(
            "        id -> Integer,\n        crate_id",
            "        crate_id",
            1,
        );
    assert_ne!(
        patched, plain,
        "the fixture's patch changes nothing:\n{plain}"
    );
    let patch = diffy::create_patch(&plain, &patched).to_string();
    ctx.project.file("src/schema.patch", patch);
    ctx.ini(PATCHED);
    let printed = ctx.run(&["print-schema"]).code(0).stdout.clone();
    assert_eq!(printed, patched);
    ctx.project.file("src/schema.rs", &printed);

    // Exactly print-schema's output: nothing, with or without --schema-file.
    let before = folders(&ctx);
    for args in [
        vec!["generate", "--autogenerate", "-m", "x"],
        vec![
            "generate",
            "--autogenerate",
            "--schema-file",
            "src/schema.rs",
            "-m",
            "x",
        ],
    ] {
        let out = ctx.run(&args);
        out.code(0);
        assert!(
            out.stderr.contains("No changes in schema detected."),
            "{}",
            out.stderr
        );
    }
    assert_eq!(folders(&ctx), before);
    ctx.run(&["check"]).code(0);

    // A comment line: the file is stale, and that is all `check` says.
    ctx.project
        .file("src/schema.rs", format!("// kept by hand\n{printed}"));
    let out = ctx.run(&["check", "--format", "json"]);
    out.code(3);
    let kinds: Vec<Value> = out.json()["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["kind"].clone())
        .collect();
    assert_eq!(kinds, [Value::from("schema_rs")], "{}", out.stdout);

    // A real edit next to the patch's: that edit only.
    let edited = printed
        .replace(
            "        name -> Varchar,\n",
            "        name -> Varchar,\n        downloads -> Nullable<BigInt>,\n",
        )
        .replace(
            "        name -> Text,\n",
            "        name -> Text,\n        downloads -> Nullable<BigInt>,\n",
        );
    assert_ne!(edited, printed, "{printed}");
    ctx.project.file("src/schema.rs", &edited);
    let out = ctx.run(&[
        "generate",
        "--autogenerate",
        "--schema-file",
        "src/schema.rs",
        "-m",
        "downloads",
    ]);
    out.code(0);
    let detected: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("Detected"))
        .collect();
    assert_eq!(
        detected,
        ["Detected added column `crates.downloads`"],
        "{}",
        out.stderr
    );
    // upgrade rewrites src/schema.rs through the patch: still no change.
    ctx.run(&["upgrade"]).code(0);
    let out = ctx.run(&["generate", "--autogenerate", "-m", "x"]);
    out.code(0);
    assert!(
        out.stderr.contains("No changes in schema detected."),
        "{}",
        out.stderr
    );
    ctx.run(&["check"]).code(0);
    ctx.run(&["downgrade", "-1"]).code(0);

    // An edit inside the patch's lines: a clear error, nothing written.
    let broken = printed.replace(
        "crate_owners (crate_id, owner_id) {",
        "crate_owners (owner_id) {",
    );
    ctx.project.file("src/schema.rs", &broken);
    let before = folders(&ctx);
    let out = ctx.run(&["generate", "--autogenerate", "-m", "x"]);
    out.code(2);
    assert!(out.stderr.contains("schema.patch"), "{}", out.stderr);
    assert!(
        out.stderr.contains("its edits are not in the file"),
        "{}",
        out.stderr
    );
    assert_eq!(folders(&ctx), before);
}

each_backend!(patch_file_edits_are_not_changes);

/// vaultwarden's shape: `users_organizations.org_uuid` has a key to
/// `organizations`, and schema.rs adds one to `ciphers` on the same
/// column. The new key gets a name of its own (PostgreSQL's numbering),
/// and down.sql drops only it.
fn second_key_on_a_column_gets_its_own_name(backend: Backend) {
    let Some(ctx) = Ctx::new(backend, "") else {
        return;
    };
    ctx.revision(
        "2024-01-01-000000_start",
        "",
        "CREATE TABLE organizations (uuid CHAR(36) NOT NULL PRIMARY KEY, name TEXT NOT NULL);\n\
         CREATE TABLE ciphers (uuid CHAR(36) NOT NULL PRIMARY KEY, data TEXT NOT NULL);\n\
         CREATE TABLE users_organizations (uuid CHAR(36) NOT NULL PRIMARY KEY, org_uuid CHAR(36) NOT NULL, \
         CONSTRAINT users_organizations_org_uuid_fkey FOREIGN KEY (org_uuid) REFERENCES organizations (uuid));\n",
        "DROP TABLE users_organizations;\nDROP TABLE ciphers;\nDROP TABLE organizations;\n",
    );
    ctx.run(&["upgrade"]).code(0);
    let before = ctx.run(&["print-schema"]).code(0).stdout.clone();
    let desired =
        format!("{before}\ndiesel::joinable!(users_organizations -> ciphers (org_uuid));\n");
    desire(&ctx, &desired);
    let out = autogenerate(&ctx, &["-m", "cipher key", "--sql"]);
    out.code(0);
    if backend != Backend::Sqlite {
        let (up, down) = out.stdout.split_once("/down.sql").expect("down.sql");
        assert!(
            up.contains("ADD CONSTRAINT `users_organizations_org_uuid_fkey1`")
                || up.contains("ADD CONSTRAINT \"users_organizations_org_uuid_fkey1\""),
            "{}",
            out.stdout
        );
        assert!(
            !down.contains("users_organizations_org_uuid_fkey`")
                && !down.contains("users_organizations_org_uuid_fkey\""),
            "{down}"
        );
    }
    autogenerate(&ctx, &["-m", "cipher key"]).code(0);
    run_both_ways(&ctx, &desired, &before, "second key");
}

each_backend!(second_key_on_a_column_gets_its_own_name);

/// Both ends of a key widened from `char(36)` to `varchar(40)`: MySQL
/// refuses a bare `MODIFY COLUMN` on a column a key uses (error 1832), so
/// the key is dropped and made again around the change, on both ends.
fn both_ends_of_a_key_change_type(backend: Backend) {
    let Some(ctx) = Ctx::new(backend, "") else {
        return;
    };
    ctx.revision(
        "2024-01-01-000000_start",
        "",
        "CREATE TABLE organizations (uuid CHAR(36) NOT NULL PRIMARY KEY, name VARCHAR(50) NOT NULL);\n\
         CREATE TABLE users_organizations (uuid CHAR(36) NOT NULL PRIMARY KEY, org_uuid CHAR(36) NOT NULL, \
         FOREIGN KEY (org_uuid) REFERENCES organizations (uuid));\n\
         CREATE INDEX users_organizations_name ON organizations (name);\n",
        "DROP TABLE users_organizations;\nDROP TABLE organizations;\n",
    );
    ctx.run(&["upgrade"]).code(0);
    ctx.db.exec("INSERT INTO organizations (uuid, name) VALUES ('0123456789abcdef0123456789abcdef0123', 'o')");
    ctx.db.exec("INSERT INTO users_organizations (uuid, org_uuid) VALUES ('u', '0123456789abcdef0123456789abcdef0123')");
    let before = ctx.run(&["print-schema"]).code(0).stdout.clone();
    let widened = before
        .replace(
            "#[max_length = 36]\n        uuid -> Bpchar",
            "#[max_length = 40]\n        uuid -> Varchar",
        )
        .replace(
            "#[max_length = 36]\n        org_uuid -> Bpchar",
            "#[max_length = 40]\n        org_uuid -> Varchar",
        )
        .replace(
            "#[max_length = 36]\n        uuid -> Char",
            "#[max_length = 40]\n        uuid -> Varchar",
        )
        .replace(
            "#[max_length = 36]\n        org_uuid -> Char",
            "#[max_length = 40]\n        org_uuid -> Varchar",
        );
    assert_eq!(widened.matches("max_length = 40").count(), 3, "{before}");
    desire(&ctx, &widened);
    autogenerate(&ctx, &["-m", "widen"]).code(0);
    run_both_ways(&ctx, &widened, &before, "widen both ends");
    assert_eq!(
        ctx.db.query("SELECT org_uuid FROM users_organizations"),
        ["0123456789abcdef0123456789abcdef0123"]
    );

    // An indexed column cannot become TEXT on MySQL: refused, nothing written.
    if backend == Backend::Mysql {
        let text = widened.replace(
            "#[max_length = 50]\n        name -> Varchar",
            "name -> Text",
        );
        assert_ne!(text, widened);
        desire(&ctx, &text);
        let folders_before = folders(&ctx);
        let out = autogenerate(&ctx, &["-m", "text"]);
        out.code(2);
        assert!(
            out.stderr.contains("`organizations.name`"),
            "{}",
            out.stderr
        );
        assert!(
            out.stderr.contains("users_organizations_name"),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("error 1170"), "{}", out.stderr);
        assert_eq!(folders(&ctx), folders_before);
    }
}

// SQLite has no string lengths to widen.
each_backend!(both_ends_of_a_key_change_type: postgres => Postgres, mysql => Mysql);

/// crates.io's shape: two keys from `crate_owner_invitations` to `users`,
/// a key of a table to itself and one to a unique column that is not the
/// key. print-schema writes no `joinable!` for those, so its schema.rs
/// does not show them; it is still no change, and a real edit keeps them.
fn keys_print_schema_leaves_out_are_kept(backend: Backend) {
    let Some(ctx) = Ctx::new(backend, "") else {
        return;
    };
    ctx.revision(
        "2024-01-01-000000_start",
        "",
        "CREATE TABLE users (id INTEGER NOT NULL PRIMARY KEY, login VARCHAR(40) NOT NULL UNIQUE, \
             mentor_id INTEGER, FOREIGN KEY (mentor_id) REFERENCES users (id));\n\
         CREATE TABLE crate_owner_invitations (id INTEGER NOT NULL PRIMARY KEY, \
             invited_user_id INTEGER NOT NULL, invited_by_user_id INTEGER NOT NULL, \
             FOREIGN KEY (invited_user_id) REFERENCES users (id), \
             FOREIGN KEY (invited_by_user_id) REFERENCES users (id));\n\
         CREATE TABLE emails (id INTEGER NOT NULL PRIMARY KEY, login VARCHAR(40) NOT NULL, \
             FOREIGN KEY (login) REFERENCES users (login));\n",
        "DROP TABLE emails;\nDROP TABLE crate_owner_invitations;\nDROP TABLE users;\n",
    );
    ctx.run(&["upgrade"]).code(0);
    let before = ctx.run(&["print-schema"]).code(0).stdout.clone();
    assert!(!before.contains("joinable!"), "{before}");
    desire(&ctx, &before);
    assert_matches(&ctx, "print-schema's own output");
    let edited = before
        .replace(
            "        invited_by_user_id -> Integer,\n",
            "        invited_by_user_id -> Integer,\n        note -> Nullable<Text>,\n",
        )
        .replace(
            "        invited_by_user_id -> Int4,\n",
            "        invited_by_user_id -> Int4,\n        note -> Nullable<Text>,\n",
        );
    assert_ne!(edited, before);
    desire(&ctx, &edited);
    let out = autogenerate(&ctx, &["-m", "note"]);
    out.code(0);
    let detected: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("Detected"))
        .collect();
    assert_eq!(
        detected,
        ["Detected added column `crate_owner_invitations.note`"],
        "{}",
        out.stderr
    );
    run_both_ways(&ctx, &edited, &before, "a column beside unprinted keys");
}

each_backend!(keys_print_schema_leaves_out_are_kept);
