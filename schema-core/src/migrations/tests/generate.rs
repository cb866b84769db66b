//! `generate` and `merge`: names, files, refusals; the generated folder must
//! load back into the graph it was planned for.

use super::*;

fn opts(message: &str) -> GenerateOptions {
    GenerateOptions {
        message: message.into(),
        ..GenerateOptions::default()
    }
}

fn file<'a>(g: &'a Generated, name: &str) -> &'a str {
    &g.files.iter().find(|f| f.name == name).unwrap().contents
}

/// Adds a generated migration to a graph, the way a load would see it.
fn with(g: &RevisionGraph, gen: &Generated) -> RevisionGraph {
    let mut files: Vec<MigrationFiles> = g
        .migrations()
        .iter()
        .map(|m| MigrationFiles {
            folder_name: m.folder_name.clone(),
            up_sql: m.up_sql.clone(),
            down_sql: m.down_sql.clone(),
            metadata_toml: (!m.linked_by_version).then(|| {
                format!(
                    "revision = \"{}\"\ndown_revision = {:?}\ndepends_on = {:?}\nbranch_labels = {:?}\n",
                    m.revision, m.down_revisions, m.depends_on, m.branch_labels
                )
            }),
            dir: None,
        })
        .collect();
    files.push(MigrationFiles {
        folder_name: gen.folder_name.clone(),
        up_sql: file(gen, "up.sql").to_string(),
        down_sql: gen
            .files
            .iter()
            .find(|f| f.name == "down.sql")
            .map(|f| f.contents.clone()),
        metadata_toml: Some(file(gen, "metadata.toml").to_string()),
        dir: None,
    });
    RevisionGraph::from_files(files).unwrap()
}

#[test]
fn first_revision_in_an_empty_directory() {
    let g = RevisionGraph::new(MigrationSet::default()).unwrap();
    let gen = g.generate(&opts("Create users table!"), ts(5), 42).unwrap();
    assert_eq!(gen.folder_name, "2024-01-31-120005-0000_create_users_table");
    assert_eq!(
        diesel_version(&gen.folder_name).unwrap(),
        "202401311200050000"
    );
    assert_eq!(gen.revision.len(), 12);
    assert!(gen.revision.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(gen.down_revisions.is_empty());
    let names: Vec<_> = gen.files.iter().map(|f| f.name).collect();
    assert_eq!(names, ["metadata.toml", "up.sql", "down.sql"]);
    let meta = file(&gen, "metadata.toml");
    assert!(
        meta.contains(&format!("revision = \"{}\"", gen.revision)),
        "{meta}"
    );
    assert!(meta.contains("message = \"Create users table!\""));
    assert!(!meta.contains("\ndown_revision"));
    let up = file(&gen, "up.sql");
    assert!(
        up.contains("-- Revises: <base>") && up.contains("-- Create Date: 2024-01-31 12:00:05 UTC"),
        "{up}"
    );
    assert!(up.ends_with("-- Your SQL goes here\n"));
    // Same inputs, same output: the core is deterministic.
    assert_eq!(
        g.generate(&opts("Create users table!"), ts(5), 42).unwrap(),
        gen
    );
    assert_ne!(
        g.generate(&opts("x"), ts(5), 43).unwrap().revision,
        gen.revision
    );
}

#[test]
fn follows_the_single_head_and_loads_back() {
    let g = graph(&[r("a", &[]), r("b", &["a"])]);
    let gen = g
        .generate(
            &GenerateOptions {
                up_sql: Some("CREATE TABLE t (id INT);".into()),
                down_sql: Some("DROP TABLE t;\n".into()),
                ..opts("add t")
            },
            ts(0),
            7,
        )
        .unwrap();
    assert_eq!(gen.down_revisions, ["b"]);
    assert!(file(&gen, "metadata.toml").contains("down_revision = \"b\""));
    assert!(file(&gen, "up.sql").ends_with(" UTC\n\nCREATE TABLE t (id INT);\n"));
    assert!(file(&gen, "down.sql").ends_with("DROP TABLE t;\n"));
    let g2 = with(&g, &gen);
    assert_eq!(revs(&g2.heads()), vec![gen.revision.clone()]);
    assert_eq!(
        g2.get(&gen.revision).unwrap().message.as_deref(),
        Some("add t")
    );
}

#[test]
fn same_second_gets_distinct_ordered_names() {
    let g = RevisionGraph::new(MigrationSet::default()).unwrap();
    let first = g.generate(&opts("one"), ts(9), 1).unwrap();
    let g = with(&g, &first);
    let second = g.generate(&opts("two"), ts(9), 1).unwrap();
    assert_eq!(first.folder_name, "2024-01-31-120009-0000_one");
    assert_eq!(second.folder_name, "2024-01-31-120009-0001_two");
    assert_ne!(first.revision, second.revision, "a colliding id is redrawn");
    let g = with(&g, &second);
    let third = g.generate(&opts("three"), ts(9), 5).unwrap();
    assert_eq!(third.folder_name, "2024-01-31-120009-0002_three");
    assert!(
        diesel_version(&second.folder_name).unwrap() < diesel_version(&third.folder_name).unwrap()
    );
}

#[test]
fn same_second_as_an_old_style_diesel_folder() {
    let g = RevisionGraph::from_files(vec![MigrationFiles {
        folder_name: "2024-01-31-120009_diesel".into(),
        up_sql: "SELECT 1;".into(),
        down_sql: None,
        metadata_toml: None,
        dir: None,
    }])
    .unwrap();
    let gen = g.generate(&opts("next"), ts(9), 1).unwrap();
    assert_eq!(gen.folder_name, "2024-01-31-120009-0000_next");
    assert_eq!(gen.down_revisions, ["20240131120009"]);
}

#[test]
fn several_heads_need_head_or_merge() {
    let g = graph(&[
        r("a", &[]),
        r("b1", &["a"]),
        r("b2", &["a"]).labels(&["two"]),
    ]);
    let err = g.generate(&opts("x"), ts(0), 1).unwrap_err();
    assert_eq!(err.kind(), "multiple_heads");
    assert!(
        err.to_string().contains("--head") && err.to_string().contains("merge"),
        "{err}"
    );
    let gen = g
        .generate(
            &GenerateOptions {
                head: vec![t("two@head")],
                ..opts("x")
            },
            ts(0),
            1,
        )
        .unwrap();
    assert_eq!(gen.down_revisions, ["b2"]);
    let err = g
        .generate(
            &GenerateOptions {
                head: vec![t("a")],
                ..opts("x")
            },
            ts(0),
            1,
        )
        .unwrap_err();
    assert_eq!(err.kind(), "not_a_head");
    assert!(err.to_string().contains("--splice"));
    let gen = g
        .generate(
            &GenerateOptions {
                head: vec![t("a")],
                splice: true,
                branch_labels: vec!["three".into()],
                ..opts("x")
            },
            ts(0),
            1,
        )
        .unwrap();
    assert!(file(&gen, "metadata.toml").contains("branch_labels = [\"three\"]"));
    let gen = g
        .generate(
            &GenerateOptions {
                head: vec![t("base")],
                ..opts("new root")
            },
            ts(0),
            1,
        )
        .unwrap();
    assert!(gen.down_revisions.is_empty());
}

#[test]
fn merge_joins_heads() {
    let g = graph(&[r("a", &[]), r("b1", &["a"]), r("b2", &["a"])]);
    let gen = g.merge(&[t("heads")], "merge heads", ts(0), 3).unwrap();
    assert_eq!(gen.down_revisions, ["b1", "b2"]);
    let meta = file(&gen, "metadata.toml");
    assert!(meta.contains("down_revision = [\"b1\", \"b2\"]"), "{meta}");
    assert!(file(&gen, "up.sql").ends_with("-- This revision runs no SQL.\n"));
    let g2 = with(&g, &gen);
    assert_eq!(revs(&g2.heads()), vec![gen.revision.clone()]);
    assert_eq!(revs(&g2.merge_points()), vec![gen.revision.clone()]);

    assert_eq!(
        g.merge(&[t("b1")], "m", ts(0), 3).unwrap_err().kind(),
        "invalid_merge"
    );
    assert_eq!(
        g.merge(&[t("b1"), t("b1")], "m", ts(0), 3)
            .unwrap_err()
            .kind(),
        "invalid_merge"
    );
    let err = g.merge(&[t("a"), t("b1")], "m", ts(0), 3).unwrap_err();
    assert!(err.to_string().contains("already an ancestor"), "{err}");
}

#[test]
fn options_are_validated() {
    let g = graph(&[r("aaaa", &[]).labels(&["lib"])]);
    let bad = |o: GenerateOptions| g.generate(&o, ts(0), 1).unwrap_err();
    assert_eq!(
        bad(GenerateOptions {
            rev_id: Some("aaaa".into()),
            ..opts("x")
        })
        .kind(),
        "invalid_generate"
    );
    assert_eq!(
        bad(GenerateOptions {
            rev_id: Some("a-b".into()),
            ..opts("x")
        })
        .kind(),
        "invalid_generate"
    );
    assert_eq!(
        bad(GenerateOptions {
            branch_labels: vec!["lib".into()],
            ..opts("x")
        })
        .kind(),
        "duplicate_branch_label"
    );
    assert_eq!(
        bad(GenerateOptions {
            branch_labels: vec!["aaaa".into()],
            ..opts("x")
        })
        .kind(),
        "label_collides_with_revision"
    );
    assert_eq!(
        bad(GenerateOptions {
            depends_on: vec!["zzzz".into()],
            ..opts("x")
        })
        .kind(),
        "unknown_revision"
    );
    let mut t = ts(0);
    t.month = 13;
    assert_eq!(
        g.generate(&opts("x"), t, 1).unwrap_err().kind(),
        "invalid_generate"
    );

    let gen = g
        .generate(
            &GenerateOptions {
                rev_id: Some("cafe".into()),
                depends_on: vec!["aa".into(), "lib".into()],
                no_down: true,
                ..opts("with deps")
            },
            ts(0),
            1,
        )
        .unwrap();
    assert_eq!(gen.revision, "cafe");
    assert!(file(&gen, "metadata.toml").contains("depends_on = [\"aaaa\", \"lib\"]"));
    assert!(gen.files.iter().all(|f| f.name != "down.sql"));
}

#[test]
fn slugs() {
    assert_eq!(slug("Add a 'users' table (v2)"), "add_a_users_table_v2");
    assert_eq!(slug("  "), "revision");
    assert_eq!(slug("ünïcode only"), "n_code_only");
    let long = slug("this message is far too long to be kept whole in a folder name");
    assert!(long.len() <= 40, "{long}");
    assert_eq!(long, "this_message_is_far_too_long_to_be_kept");
}

/// A diesel project whose folders mix numeric prefixes: the head's
/// version (`9202...`) sorts after any timestamp. The new revision follows
/// the head, and its folder sorts after it, so a load links nothing to it
/// by version (which made the head its child: a cycle).
#[test]
fn a_head_whose_version_sorts_after_the_timestamp_stays_the_parent() {
    let diesel_only = |name: &str| MigrationFiles {
        folder_name: name.into(),
        up_sql: "CREATE TABLE t (id INTEGER);".into(),
        down_sql: Some("DROP TABLE t;".into()),
        metadata_toml: None,
        dir: None,
    };
    let g = RevisionGraph::from_files(vec![
        diesel_only("8202603191434450000_first"),
        diesel_only("9202603191434450000_second"),
    ])
    .unwrap();
    let head = g.heads()[0].revision.clone();
    let gen = g.generate(&opts("third"), ts(5), 42).unwrap();
    assert_eq!(gen.down_revisions, vec![head.clone()]);
    assert_eq!(gen.folder_name, "9202603191434450000-0000_third");
    let again = with(&g, &gen);
    assert_eq!(again.heads().len(), 1);
    assert_eq!(again.heads()[0].revision, gen.revision);
    assert_eq!(again.get(&gen.revision).unwrap().down_revisions, vec![head]);
    // Once more from there: the counter moves on.
    let next = again.generate(&opts("fourth"), ts(6), 43).unwrap();
    assert_eq!(next.folder_name, "9202603191434450000-0001_fourth");
}
