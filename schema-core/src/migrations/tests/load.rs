//! Loading real folders from disk.

use std::fs;
use std::path::Path;

use super::*;

/// Writes `text` to `root/rel`, creating folders.
pub(super) fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn diesel_project(root: &Path) {
    write(
        root,
        "00000000000000_diesel_initial_setup/up.sql",
        "CREATE FUNCTION f();\n",
    );
    write(
        root,
        "00000000000000_diesel_initial_setup/down.sql",
        "DROP FUNCTION f();\n",
    );
    write(
        root,
        "2024-01-02-030405_create_users/up.sql",
        "CREATE TABLE users (id INT);\n",
    );
    write(
        root,
        "2024-01-02-030405_create_users/down.sql",
        "DROP TABLE users;\n",
    );
    write(
        root,
        "2024-02-01-000000-0000_create_posts/up.sql",
        "CREATE TABLE posts (id INT);\n",
    );
    write(
        root,
        "2024-02-01-000000-0000_create_posts/metadata.toml",
        "run_in_transaction = false\n",
    );
    write(root, ".keep", "");
    write(root, ".hidden_dir/up.sql", "not a migration");
    write(root, "README.md", "notes");
}

fn load_ok(root: &Path) -> FolderContents {
    match MigrationSet::load(root) {
        Ok(l) => l,
        Err(e) => panic!("load failed: {e:#?}"),
    }
}

fn load_err(root: &Path) -> Vec<MigrationError> {
    match MigrationSet::load(root) {
        Ok(l) => panic!("expected errors, loaded {:?}", l.set),
        Err(e) => e,
    }
}

#[test]
fn plain_diesel_folder_is_a_linear_chain_by_version() {
    let dir = tempfile::tempdir().unwrap();
    diesel_project(dir.path());
    let loaded = load_ok(dir.path());
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let ms = loaded.set.migrations();
    let got: Vec<_> = ms
        .iter()
        .map(|m| {
            (
                m.version.as_str(),
                m.revision.as_str(),
                m.down_revisions.clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("00000000000000", "00000000000000", vec![]),
            (
                "20240102030405",
                "20240102030405",
                vec!["00000000000000".to_string()]
            ),
            (
                "202402010000000000",
                "202402010000000000",
                vec!["20240102030405".to_string()]
            ),
        ]
    );
    assert!(ms.iter().all(|m| m.linked_by_version));
    assert!(!ms[2].run_in_transaction);
    assert_eq!(ms[2].down_sql, None);
    assert_eq!(ms[1].down_sql.as_deref(), Some("DROP TABLE users;\n"));
    assert_eq!(
        ms[1].dir.as_deref(),
        Some(dir.path().join("2024-01-02-030405_create_users").as_path())
    );
    assert_eq!(
        ms[1].checksum,
        Checksum::of_sql("CREATE TABLE users (id INT);\n")
    );

    // A database that diesel_cli migrated records every version: up to date.
    let g = RevisionGraph::new(loaded.set).unwrap();
    let state = g
        .applied_from_versions(["00000000000000", "20240102030405", "202402010000000000"])
        .unwrap();
    assert!(g.plan_upgrade(&state, &t("head")).unwrap().is_empty());
    assert_eq!(revs(&g.heads()), vec!["202402010000000000"]);
}

#[test]
fn mixed_folders_link_through_version_order() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "2024-01-01-000000_first/up.sql", "SELECT 1;");
    write(root, "2024-01-02-000000_alembic_style/up.sql", "SELECT 2;");
    write(
        root,
        "2024-01-02-000000_alembic_style/metadata.toml",
        "revision = \"ae1027a6acf1\"\ndown_revision = \"20240101000000\"\nmessage = \"two\"\n",
    );
    write(root, "2024-01-03-000000_diesel_after/up.sql", "SELECT 3;");
    write(root, "2024-01-04-000000_new_root/up.sql", "SELECT 4;");
    write(
        root,
        "2024-01-04-000000_new_root/metadata.toml",
        "revision = \"bbbb00000000\"\nbranch_labels = [\"other\"]\n",
    );
    let g = RevisionGraph::new(load_ok(root).set).unwrap();
    let diesel_after = g.get("20240103000000").unwrap();
    assert_eq!(
        diesel_after.down_revisions,
        vec!["ae1027a6acf1".to_string()]
    );
    assert_eq!(
        g.get("ae1027a6acf1").unwrap().message.as_deref(),
        Some("two")
    );
    // Graph keys without down_revision make a base.
    assert!(g.get("bbbb00000000").unwrap().down_revisions.is_empty());
    assert_eq!(revs(&g.heads()), vec!["20240103000000", "bbbb00000000"]);
    assert_eq!(
        g.by_version("20240102000000").unwrap().revision,
        "ae1027a6acf1"
    );
}

#[test]
fn disk_and_embedded_loads_agree() {
    let dir = tempfile::tempdir().unwrap();
    diesel_project(dir.path());
    let from_disk = load_ok(dir.path()).set;
    let embedded: Vec<MigrationFiles> = from_disk
        .migrations()
        .iter()
        .map(|m| MigrationFiles {
            folder_name: m.folder_name.clone(),
            up_sql: m.up_sql.clone(),
            down_sql: m.down_sql.clone(),
            metadata_toml: m
                .dir
                .as_ref()
                .and_then(|d| fs::read_to_string(d.join("metadata.toml")).ok()),
            dir: m.dir.clone(),
        })
        .collect();
    assert_eq!(MigrationSet::from_files(embedded).unwrap(), from_disk);
}

#[test]
fn every_problem_of_a_load_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "2024-01-01-000000_ok/up.sql", "SELECT 1;");
    write(root, "2024-01-02-000000_no_up/down.sql", "SELECT 1;");
    write(root, "create_users/up.sql", "SELECT 1;");
    write(root, "2024-01-03-000000_bad_meta/up.sql", "SELECT 1;");
    write(
        root,
        "2024-01-03-000000_bad_meta/metadata.toml",
        "revision = \"x1\"\ndown_revison = \"y\"\n",
    );
    fs::create_dir_all(root.join("2024-01-04-000000_latin1")).unwrap();
    fs::write(
        root.join("2024-01-04-000000_latin1/up.sql"),
        b"SELECT '\xe9';",
    )
    .unwrap();
    write(root, "2024-01-05-000000_a/up.sql", "SELECT 1;");
    write(root, "2024-01-05-000000_b/up.sql", "SELECT 1;");
    let errors = load_err(root);
    let mut kinds: Vec<_> = errors.iter().map(|e| e.kind()).collect();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        vec![
            "duplicate_version",
            "misnamed_migration",
            "missing_up_sql",
            "not_utf8",
            "unknown_metadata_key"
        ],
        "{errors:#?}"
    );
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let all = text.join("\n");
    assert!(all.contains("2024-01-02-000000_no_up"), "{all}");
    assert!(all.contains("create_users"), "{all}");
    assert!(all.contains("bad_meta/metadata.toml:2:"), "{all}");
    assert!(all.contains("latin1/up.sql"), "{all}");
    assert!(
        all.contains("2024-01-05-000000_a and 2024-01-05-000000_b"),
        "{all}"
    );
}

#[test]
fn stray_and_unexpected_files_warn() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "2024-01-01-000000_ok/up.sql", "SELECT 1;");
    write(root, "2024-01-01-000000_ok/Down.sql", "SELECT 1;");
    write(root, "2024-01-02-000000_empty/up.sql", "  \n");
    write(root, "2024-01-03-000000_no_undo/up.sql", "SELECT 1;");
    write(
        root,
        "2024-01-03-000000_no_undo/down.sql",
        "-- nothing\n# here\n;\n",
    );
    write(
        root,
        "2024-01-04-000000_merge/up.sql",
        "-- This revision runs no SQL.\n",
    );
    write(
        root,
        "2024-01-04-000000_merge/down.sql",
        "-- This revision runs no SQL.\n",
    );
    write(root, "2024-01-05-000000_on_purpose/up.sql", "SELECT 1;");
    write(
        root,
        "2024-01-05-000000_on_purpose/down.sql",
        "-- Irreversible: data\n",
    );
    write(root, "create_users.sql", "CREATE TABLE users ();");
    let loaded = load_ok(root);
    let mut got: Vec<_> = loaded
        .warnings
        .iter()
        .map(|w| {
            (
                w.kind,
                w.path.file_name().unwrap().to_string_lossy().to_string(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("empty_down_sql", "down.sql".to_string()),
            ("empty_up_sql", "up.sql".to_string()),
            ("stray_file", "create_users.sql".to_string()),
            ("unexpected_file", "Down.sql".to_string()),
        ]
    );
    assert!(loaded.warnings[0]
        .to_string()
        .contains(&root.display().to_string()));
}

#[test]
fn missing_directory_is_one_error() {
    let dir = tempfile::tempdir().unwrap();
    let errors = load_err(&dir.path().join("nope"));
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].kind(), "directory_unreadable");
    assert!(errors[0].to_string().contains("nope"));
}

#[test]
fn empty_directory_is_an_empty_graph() {
    let dir = tempfile::tempdir().unwrap();
    let g = RevisionGraph::new(load_ok(dir.path()).set).unwrap();
    assert!(g.is_empty());
    assert!(g
        .plan_upgrade(&AppliedSet::new(), &t("head"))
        .unwrap()
        .is_empty());
    assert!(g
        .plan_downgrade(&AppliedSet::new(), &t("base"))
        .unwrap()
        .is_empty());
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_named() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "2024-01-01-000000_ok/up.sql", "SELECT 1;");
    write(root, "2024-01-01-000000_ok/down.sql", "SELECT 1;");
    let down = root.join("2024-01-01-000000_ok/down.sql");
    fs::set_permissions(&down, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&down).is_ok() {
        return; // running as root: permissions are not enforced
    }
    let errors = load_err(root);
    assert_eq!(errors[0].kind(), "unreadable_file");
    assert_eq!(errors[0].path(), Some(down.as_path()));
}

#[test]
fn crlf_checkout_keeps_the_checksum() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "1_a/up.sql", "CREATE TABLE t (\n  id INT\n);\n");
    let lf = load_ok(dir.path()).set.migrations()[0].checksum.clone();
    write(
        dir.path(),
        "1_a/up.sql",
        "CREATE TABLE t (\r\n  id INT\r\n);\r\n",
    );
    let crlf = load_ok(dir.path()).set.migrations()[0].checksum.clone();
    assert_eq!(lf, crlf);
    write(
        dir.path(),
        "1_a/up.sql",
        "CREATE TABLE t (\n  id BIGINT\n);\n",
    );
    assert_ne!(load_ok(dir.path()).set.migrations()[0].checksum, lf);
}

#[test]
fn a_sqlx_folder_is_a_chain_in_numeric_version_order() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "1_create_users.sql", "CREATE TABLE users (id INT);\n");
    write(
        root,
        "2_add_posts.up.sql",
        "-- no-transaction\nCREATE TABLE posts (id INT);\n",
    );
    write(root, "2_add_posts.down.sql", "DROP TABLE posts;\n");
    write(
        root,
        "10_add_index.up.sql",
        "CREATE INDEX i ON users (id);\n",
    );
    write(root, "10_add_index.down.sql", "DROP INDEX i;\n");
    write(root, "9_more.sql", "SELECT 1;\n");
    let loaded = load_ok(root);
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let got: Vec<_> = loaded
        .set
        .migrations()
        .iter()
        .map(|m| {
            (
                m.revision.as_str(),
                m.parents(),
                m.message.as_deref().unwrap_or_default(),
                m.run_in_transaction,
                m.down_sql.is_some(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("1", "<base>".to_owned(), "create users", true, false),
            ("2", "1".to_owned(), "add posts", false, true),
            ("9", "2".to_owned(), "more", true, false),
            ("10", "9".to_owned(), "add index", true, true),
        ]
    );
    let last = &loaded.set.migrations()[3];
    assert_eq!(last.version, "0000000000000000010");
    assert_eq!(
        last.file_path("down.sql"),
        root.join("10_add_index.down.sql")
    );
    assert_eq!(last.file_path("up.sql"), root.join("10_add_index.up.sql"));
    let sqlx = last.sqlx.as_ref().unwrap();
    assert_eq!(
        (sqlx.version, sqlx.simple, sqlx.table.as_str()),
        (10, false, "_sqlx_migrations")
    );
}

#[test]
fn sqlx_problems_are_reported_by_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "1_a.sql", "SELECT 1;\n");
    write(root, "0_zero.sql", "SELECT 1;\n");
    write(root, "3_lonely.down.sql", "SELECT 1;\n");
    write(root, "1_b.sql", "SELECT 1;\n");
    let errors = load_err(root);
    let got: Vec<_> = errors.iter().map(|e| (e.kind(), e.to_string())).collect();
    assert!(
        got.iter().any(|(k, m)| *k == "sqlx_layout"
            && m.contains("0_zero.sql")
            && m.contains("start at 1")),
        "{got:?}"
    );
    assert!(
        got.iter().any(|(k, m)| *k == "sqlx_layout"
            && m.contains("3_lonely.down.sql")
            && m.contains("3_lonely.up.sql")),
        "{got:?}"
    );
    assert!(
        got.iter().any(|(k, m)| *k == "duplicate_version"
            && m.contains("1_a.sql")
            && m.contains("1_b.sql")),
        "{got:?}"
    );
}

#[test]
fn sqlx_toml_ignored_chars_change_the_sqlx_checksum() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "Cargo.toml", "[package]\nname = \"x\"\n");
    write(
        root,
        "sqlx.toml",
        "[migrate]\nignored-chars = [\"\\r\"]\ntable-name = \"ledger\"\n",
    );
    write(root, "migrations/1_a.sql", "SELECT 1;\r\n");
    let loaded = load_ok(&root.join("migrations"));
    let sqlx = loaded.set.migrations()[0].sqlx.clone().unwrap();
    assert_eq!(
        sqlx.checksum,
        crate::migrations::sqlx::checksum_hex("SELECT 1;\n", &Default::default())
    );
    assert_eq!(sqlx.table, "ledger");
}
