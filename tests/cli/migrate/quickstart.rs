//! The README's quickstart, command by command: init, generate twice, write
//! the SQL, upgrade, current, history, downgrade -1, downgrade base, upgrade
//! again. Plus how generate names folders within one second.

use std::path::Path;

use super::{lines, Backend, TestDb, INI};
use crate::support::{Outcome, Project};

/// Relative paths of every file under `dir`, sorted.
fn tree(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("read a folder") {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("under the root");
                out.push(rel.display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// The listing of `dir` followed by the text of each of `files` (or of
/// every file when `files` is empty).
fn tree_with_contents(dir: &Path, files: &[&str]) -> String {
    let listing = tree(dir);
    let mut out = listing.join("\n");
    let shown: Vec<String> = if files.is_empty() {
        listing
    } else {
        files.iter().map(|f| (*f).to_owned()).collect()
    };
    for file in shown {
        let text = std::fs::read_to_string(dir.join(&file)).expect("read a written file");
        out.push_str(&format!("\n\n=== {file}\n{text}"));
    }
    out
}

/// A generated folder name, `YYYY-MM-DD-HHMMSS-NNNN_slug`, split into its
/// second (`YYYY-MM-DD-HHMMSS`) and its counter; panics when malformed.
fn folder_parts(name: &str, slug: &str) -> (String, u16) {
    let (prefix, rest) = name
        .split_once('_')
        .unwrap_or_else(|| panic!("no `_` in {name}"));
    assert_eq!(rest, slug, "slug of {name}");
    let shape = "dddd-dd-dd-dddddd-xxxx";
    assert_eq!(
        prefix.len(),
        shape.len(),
        "{name} is not YYYY-MM-DD-HHMMSS-NNNN_slug"
    );
    for (c, kind) in prefix.chars().zip(shape.chars()) {
        let ok = match kind {
            'd' => c.is_ascii_digit(),
            'x' => c.is_ascii_hexdigit(),
            _ => c == kind,
        };
        assert!(ok, "{name} is not YYYY-MM-DD-HHMMSS-NNNN_slug");
    }
    let (second, counter) = prefix.rsplit_once('-').expect("a counter");
    (
        second.to_owned(),
        u16::from_str_radix(counter, 16).expect("a hex counter"),
    )
}

/// The diesel version of a folder: its prefix without the dashes.
pub fn version_of(folder: &str) -> String {
    folder
        .split('_')
        .next()
        .unwrap_or_default()
        .replace('-', "")
}

/// The value of `key` in a metadata.toml: a string, or the strings of an
/// array; `None` when absent.
pub fn meta(text: &str, key: &str) -> Option<Vec<String>> {
    let line = text.lines().find(|l| {
        l.split_once('=')
            .is_some_and(|(k, _)| k.trim() == key && !l.trim_start().starts_with('#'))
    })?;
    let value = line
        .split_once('=')
        .map(|(_, v)| v.trim())
        .unwrap_or_default();
    let value = value.trim_start_matches('[').trim_end_matches(']');
    Some(
        value
            .split(',')
            .map(|v| v.trim().trim_matches('"').to_owned())
            .filter(|v| !v.is_empty())
            .collect(),
    )
}

/// Run `generate -m MESSAGE` and return the new folder's name, checking
/// what it prints.
fn generate(run: &dyn Fn(&[&str]) -> Outcome, migrations: &Path, message: &str) -> String {
    let out = run(&["generate", "-m", message]);
    out.code(0);
    let printed = Path::new(out.stdout.trim_end());
    let parent = printed
        .parent()
        .map(|p| p.canonicalize().expect("the printed folder"));
    assert_eq!(
        parent.as_deref(),
        Some(migrations),
        "stdout: {}",
        out.stdout
    );
    assert!(printed.join("up.sql").is_file() && printed.join("down.sql").is_file());
    let folder = printed
        .file_name()
        .expect("a folder name")
        .to_string_lossy()
        .into_owned();
    assert!(
        out.stderr
            .contains(&format!("Generating migrations/{folder} ... done")),
        "{}",
        out.stderr
    );
    folder
}

/// As the README has it: in a Cargo package, no `-c` (the project is found
/// through cargo metadata).
fn quickstart(backend: Backend) {
    let project = Project::empty();
    project.package("app", "app");
    let app = project.path().join("app");
    let Some(db) = TestDb::create(backend, &app) else {
        return;
    };
    let run = |args: &[&str]| {
        project
            .cmd(args.iter().copied())
            .in_dir("app")
            .env("DATABASE_URL", db.url())
            .run()
    };

    // init
    let template = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
        Backend::Mysql => "mysql",
    };
    let out = run(&["init", "--template", template]);
    out.code(0);
    assert!(
        out.stderr.contains("Next: cargo schema generate"),
        "{}",
        out.stderr
    );
    insta::assert_snapshot!(
        format!("init_{backend}"),
        tree_with_contents(&app, &[".env", ".gitignore", "build.rs", "schema.ini"])
    );

    // generate twice
    let migrations = app.join("migrations");
    let first = generate(&run, &migrations, "create users");
    let second = generate(&run, &migrations, "Add posts!");
    let (first_second, first_counter) = folder_parts(&first, "create_users");
    let (second_second, second_counter) = folder_parts(&second, "add_posts");
    assert!(second > first, "{second} sorts after {first}");
    if first_second == second_second {
        assert!(second_counter > first_counter, "{first} then {second}");
    }
    let meta1 = std::fs::read_to_string(migrations.join(&first).join("metadata.toml"))
        .expect("metadata.toml of the first revision");
    let meta2 = std::fs::read_to_string(migrations.join(&second).join("metadata.toml"))
        .expect("metadata.toml of the second revision");
    let r1 = meta(&meta1, "revision").expect("a revision id").remove(0);
    let r2 = meta(&meta2, "revision").expect("a revision id").remove(0);
    for id in [&r1, &r2] {
        assert!(
            id.len() == 12 && id.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')),
            "revision id {id}"
        );
    }
    assert_ne!(r1, r2);
    assert_eq!(meta(&meta1, "down_revision"), None, "the first is a base");
    assert_eq!(meta(&meta2, "down_revision"), Some(vec![r1.clone()]));
    assert_eq!(meta(&meta2, "message"), Some(vec!["Add posts!".to_owned()]));
    insta::with_settings!({filters => vec![
        (r"\d{4}-\d{2}-\d{2}-\d{6}-[0-9a-f]{4}_", "[VERSION]_"),
        (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC", "[DATE]"),
        (r"\b[0-9a-f]{12}\b", "[REV]"),
    ]}, {
        insta::assert_snapshot!("generated_tree", tree_with_contents(&migrations, &[]));
    });

    // the SQL
    let append = |folder: &str, file: &str, sql: &str| {
        let path = migrations.join(folder).join(file);
        let text = std::fs::read_to_string(&path).expect("read a generated file");
        std::fs::write(&path, format!("{text}{sql}\n")).expect("write SQL");
    };
    append(
        &first,
        "up.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL);",
    );
    append(&first, "down.sql", "DROP TABLE users;");
    append(
        &second,
        "up.sql",
        "CREATE TABLE posts (\n    id INTEGER PRIMARY KEY,\n    user_id INTEGER NOT NULL,\n    title VARCHAR(200)\n);",
    );
    append(&second, "down.sql", "DROP TABLE posts;");
    let (v1, v2) = (version_of(&first), version_of(&second));
    let bookkeeping = ["__diesel_schema_migrations", "__schema_revisions"];

    // upgrade
    let out = run(&["upgrade"]);
    out.code(0);
    assert_eq!(out.stdout, "");
    assert_eq!(
        lines(&out.stderr),
        [
            format!("Running upgrade <base> -> {r1}, create users"),
            format!("Running upgrade {r1} -> {r2}, Add posts!"),
        ]
    );
    assert_eq!(db.user_tables(), ["posts", "users"]);
    assert_eq!(db.versions(), [v1.clone(), v2.clone()]);
    assert_eq!(
        db.revision_rows(),
        [format!("{v1}|{r1}|applied"), format!("{v2}|{r2}|applied")]
    );
    let again = run(&["upgrade"]);
    again.code(0);
    assert!(again.stderr.contains("Nothing to do"), "{}", again.stderr);

    // current and history
    let out = run(&["current"]);
    out.code(0);
    assert_eq!(out.stdout, format!("{r2} (head)\n"));
    let out = run(&["history"]);
    out.code(0);
    assert_eq!(
        lines(&out.stdout),
        [
            format!("{r1} -> {r2} (head), Add posts!"),
            format!("<base> -> {r1}, create users"),
        ]
    );
    let out = run(&["history", "--indicate-current"]);
    out.code(0);
    assert_eq!(
        lines(&out.stdout),
        [
            format!("{r1} -> {r2} (head) (current), Add posts!"),
            format!("<base> -> {r1}, create users"),
        ]
    );

    // downgrade -1
    let out = run(&["downgrade", "-1"]);
    out.code(0);
    assert_eq!(
        lines(&out.stderr),
        [format!("Running downgrade {r2} -> {r1}, Add posts!")]
    );
    assert_eq!(db.user_tables(), ["users"]);
    assert_eq!(db.versions(), std::slice::from_ref(&v1));
    assert_eq!(db.revision_rows(), [format!("{v1}|{r1}|applied")]);
    assert_eq!(run(&["current"]).stdout, format!("{r1}\n"));
    assert_eq!(
        lines(&run(&["history", "-i"]).stdout),
        [
            format!("{r1} -> {r2} (head), Add posts!"),
            format!("<base> -> {r1} (current), create users"),
        ]
    );

    // downgrade base: only the bookkeeping stays
    let out = run(&["downgrade", "base"]);
    out.code(0);
    assert_eq!(
        lines(&out.stderr),
        [format!("Running downgrade {r1} -> <base>, create users")]
    );
    assert_eq!(db.tables(), bookkeeping);
    assert!(db.versions().is_empty());
    assert!(db.revision_rows().is_empty());
    let out = run(&["current"]);
    out.code(0);
    assert_eq!(out.stdout, "");

    // and up again
    run(&["upgrade"]).code(0);
    assert_eq!(db.user_tables(), ["posts", "users"]);
    assert_eq!(db.versions(), [v1, v2]);
    assert_eq!(run(&["current"]).stdout, format!("{r2} (head)\n"));
}

on_backends!(quickstart);

/// Revisions generated in quick succession get distinct folders in
/// generation order, a counter telling apart those of the same second, and
/// a chain of down_revisions. Generating stops as soon as two share a
/// second (almost always the first two): the loop waits for the case to
/// test, it measures no time.
#[test]
fn generate_orders_folders_within_a_second() {
    let project = Project::with_ini(INI);
    let migrations = project.path().join("migrations");
    std::fs::create_dir_all(&migrations).expect("create migrations/");
    let run = |args: &[&str]| {
        let mut all = vec!["-c", "schema.ini"];
        all.extend_from_slice(args);
        project
            .cmd(all)
            .env("DATABASE_URL", "sqlite://unused.db")
            .run()
    };
    let mut folders: Vec<String> = Vec::new();
    let mut same_second = false;
    while !same_second {
        assert!(
            folders.len() < 50,
            "50 revisions and never two in one second"
        );
        let folder = generate(&run, &migrations, &format!("step {}", folders.len()));
        let (second, counter) = folder_parts(&folder, &format!("step_{}", folders.len()));
        if let Some(previous) = folders.last() {
            assert!(folder > *previous, "{folder} sorts after {previous}");
            let (previous_second, previous_counter) =
                folder_parts(previous, &format!("step_{}", folders.len() - 1));
            if previous_second == second {
                assert_eq!(counter, previous_counter + 1, "{previous} then {folder}");
                same_second = true;
            }
        }
        folders.push(folder);
    }
    let mut sorted = tree(&migrations)
        .into_iter()
        .filter_map(|f| f.strip_suffix("/metadata.toml").map(str::to_owned))
        .collect::<Vec<_>>();
    sorted.sort();
    assert_eq!(sorted, folders, "folder order is generation order");
    let mut parent: Option<String> = None;
    for folder in &folders {
        let text = std::fs::read_to_string(migrations.join(folder).join("metadata.toml"))
            .expect("read metadata.toml");
        assert_eq!(
            meta(&text, "down_revision"),
            parent.clone().map(|p| vec![p])
        );
        parent = meta(&text, "revision").map(|mut r| r.remove(0));
    }
    let out = run(&["heads"]);
    out.code(0);
    assert_eq!(out.stdout, format!("{} (head)\n", parent.expect("a head")));
}
