//! Graph commands on a branchy folder written by hand: heads, branches,
//! show, history -r, `head` refused when there are several, `heads`,
//! `label@head`, merge, and check's multiple-heads rule.
//!
//! ```text
//! aaa111 (root) -+- bbb222 (left) -- ccc333 (left two)
//!                |      :
//!                |      : depends_on
//!                +- ddd444 (right, label feature) -- eee555 (right two)
//! ```

use super::quickstart::meta;
use super::{lines, sorted, Backend, Ctx};

fn write_graph(ctx: &Ctx) {
    let rev = |folder: &str, metadata: &str, table: &str| {
        ctx.revision(
            folder,
            metadata,
            &format!("CREATE TABLE {table} (id INTEGER PRIMARY KEY);\n"),
            &format!("DROP TABLE {table};\n"),
        );
    };
    rev(
        "2024-01-01-000001_root",
        "revision = \"aaa111\"\nmessage = \"root\"\n",
        "t_root",
    );
    rev(
        "2024-01-01-000002_left",
        "revision = \"bbb222\"\ndown_revision = \"aaa111\"\nmessage = \"left\"\n",
        "t_left",
    );
    rev(
        "2024-01-01-000003_right",
        "revision = \"ddd444\"\ndown_revision = [\"aaa111\"]\nbranch_labels = [\"feature\"]\nmessage = \"right\"\n",
        "t_right",
    );
    rev(
        "2024-01-01-000004_right_two",
        "revision = \"eee555\"\ndown_revision = \"ddd444\"\ndepends_on = [\"bbb222\"]\nmessage = \"right two\"\n",
        "t_right_two",
    );
    rev(
        "2024-01-01-000005_left_two",
        "revision = \"ccc333\"\ndown_revision = \"bbb222\"\nmessage = \"left two\"\n",
        "t_left_two",
    );
}

fn graph(backend: Backend) {
    let Some(ctx) = Ctx::new(backend, "") else {
        return;
    };
    write_graph(&ctx);

    // The graph alone.
    let out = ctx.run(&["heads"]);
    out.code(0);
    assert_eq!(lines(&out.stdout), ["eee555 (head)", "ccc333 (head)"]);
    let out = ctx.run(&["branches"]);
    out.code(0);
    assert_eq!(
        lines(&out.stdout),
        [
            "aaa111 (branchpoint)",
            "  -> bbb222, left",
            "  -> ddd444 (feature), right"
        ]
    );
    let out = ctx.run(&["show", "ddd"]);
    out.code(0);
    for expected in [
        "Rev: ddd444 (feature)\n",
        "Parent: aaa111\n",
        "Child: eee555\n",
        "Branch names: feature\n",
        "2024-01-01-000003_right/up.sql\n",
        "    right\n",
        "-- up.sql\nCREATE TABLE t_right (id INTEGER PRIMARY KEY);\n",
        "-- down.sql\nDROP TABLE t_right;\n",
    ] {
        assert!(
            out.stdout.contains(expected),
            "{expected:?} in\n{}",
            out.stdout
        );
    }
    let out = ctx.run(&["show", "feature@head"]);
    out.code(0);
    assert!(
        out.stdout.starts_with("Rev: eee555 (head)\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("Also depends on: bbb222\n"),
        "{}",
        out.stdout
    );
    // Alembic's order (checked with `alembic history` on the same graph):
    // the first head's line down to a revision the other head needs.
    let out = ctx.run(&["history"]);
    out.code(0);
    assert_eq!(
        lines(&out.stdout),
        [
            "ddd444 -> eee555 (head), right two",
            "aaa111 -> ddd444 (feature), right",
            "bbb222 -> ccc333 (head), left two",
            "aaa111 -> bbb222, left",
            "<base> -> aaa111 (branchpoint), root",
        ]
    );
    let out = ctx.run(&["history", "-r", "aaa:ddd"]);
    out.code(0);
    assert_eq!(
        lines(&out.stdout),
        [
            "aaa111 -> ddd444 (feature), right",
            "<base> -> aaa111 (branchpoint), root"
        ]
    );

    // `head` is ambiguous: refused with advice, nothing applied.
    let out = ctx.run(&["upgrade", "head"]);
    out.code(2);
    for expected in ["several heads", "eee555", "ccc333", "`heads`", "merge"] {
        assert!(
            out.stderr.contains(expected),
            "{expected} in\n{}",
            out.stderr
        );
    }
    assert!(ctx.db.user_tables().is_empty());
    assert!(ctx.db.versions().is_empty());

    // label@head: the branch and what it depends on, not the other head.
    let out = ctx.run(&["upgrade", "feature@head"]);
    out.code(0);
    assert_eq!(
        lines(&out.stderr),
        [
            "Running upgrade <base> -> aaa111, root",
            "Running upgrade aaa111 -> bbb222, left",
            "Running upgrade aaa111 -> ddd444, right",
            "Running upgrade ddd444 -> eee555, right two",
        ]
    );
    assert_eq!(
        ctx.db.user_tables(),
        ["t_left", "t_right", "t_right_two", "t_root"]
    );
    assert_eq!(ctx.run(&["current"]).stdout, "eee555 (head)\n");
    let out = ctx.run(&["check"]);
    out.code(3);
    assert!(
        out.stdout.contains("ccc333 is not applied"),
        "{}",
        out.stdout
    );

    // heads: the rest.
    let out = ctx.run(&["upgrade", "heads"]);
    out.code(0);
    assert_eq!(
        lines(&out.stderr),
        ["Running upgrade bbb222 -> ccc333, left two"]
    );
    assert_eq!(
        ctx.db.user_tables(),
        ["t_left", "t_left_two", "t_right", "t_right_two", "t_root"]
    );
    assert_eq!(
        sorted(lines(&ctx.run(&["current"]).stdout)),
        ["ccc333 (head)", "eee555 (head)"]
    );

    // check: several heads are a finding unless multiple_heads = true.
    let out = ctx.run(&["check"]);
    out.code(3);
    assert_eq!(lines(&out.stdout).len(), 1, "{}", out.stdout);
    for expected in [
        "2 heads",
        "eee555",
        "ccc333",
        "merge",
        "multiple_heads = true",
    ] {
        assert!(
            out.stdout.contains(expected),
            "{expected} in\n{}",
            out.stdout
        );
    }
    ctx.ini("multiple_heads = true\n");
    ctx.run(&["check"]).code(0);
    ctx.ini("");

    // Targets refused as Alembic refuses them (or where it crashes), each
    // with what to do instead; nothing changes.
    let refused = |args: &[&str], expected: &[&str]| {
        let out = ctx.run(args);
        out.code(2);
        for e in expected {
            assert!(out.stderr.contains(e), "{args:?}: {e} in\n{}", out.stderr);
        }
        out
    };
    refused(
        &["downgrade", "-1"],
        &[
            "`-1` is ambiguous",
            "several heads",
            "ccc333",
            "eee555",
            "label@-1",
        ],
    );
    // Alembic reads `label@head` in a downgrade as the graph's one head.
    let out = refused(
        &["downgrade", "feature@head"],
        &["`feature@head`", "several heads", "`heads`"],
    );
    assert!(!out.stderr.contains("label@head"), "{}", out.stderr);
    refused(
        &["upgrade", "aaa111-1"],
        &["walks down to base", "downgrade"],
    );
    refused(&["upgrade", "a@b@c"], &["a@b@c", "more than one `@`"]);
    refused(&["upgrade", "aaa111:eee555"], &["--sql"]);
    refused(&["history", "-r", "aaa111"], &["LOWER:UPPER"]);
    assert_eq!(
        sorted(lines(&ctx.run(&["current"]).stdout)),
        ["ccc333 (head)", "eee555 (head)"]
    );

    // merge heads: a revision whose down_revision lists both.
    let out = ctx.run(&["merge", "-m", "join branches", "heads"]);
    out.code(0);
    let folder = std::path::PathBuf::from(out.stdout.trim_end());
    assert!(
        folder.starts_with(ctx.root().join("migrations")),
        "{}",
        out.stdout
    );
    let metadata = std::fs::read_to_string(folder.join("metadata.toml")).expect("metadata.toml");
    let merge = meta(&metadata, "revision").expect("a revision").remove(0);
    assert_eq!(
        meta(&metadata, "down_revision").map(sorted),
        Some(sorted(["ccc333", "eee555"]))
    );
    assert_eq!(
        ctx.run(&["heads"]).stdout,
        format!("{merge} (head) (mergepoint)\n")
    );
    ctx.run(&["check"]).code(3);
    let out = ctx.run(&["upgrade", "head"]);
    out.code(0);
    assert_eq!(
        lines(&out.stderr),
        [format!(
            "Running upgrade eee555, ccc333 -> {merge}, join branches"
        )]
    );
    assert_eq!(ctx.run(&["current"]).stdout, format!("{merge} (head)\n"));
    ctx.run(&["check"]).code(0);
    assert_eq!(ctx.db.versions().len(), 6);

    // One step down from a merge point is ambiguous (Alembic: "Ambiguous
    // walk"); down to one of its parents removes only the merge.
    let out = ctx.run(&["downgrade", "-1"]);
    out.code(2);
    for expected in ["ambiguous", "eee555", "ccc333"] {
        assert!(
            out.stderr.contains(expected),
            "{expected} in\n{}",
            out.stderr
        );
    }
    assert_eq!(ctx.db.versions().len(), 6);
    let out = ctx.run(&["downgrade", "eee555"]);
    out.code(0);
    assert_eq!(
        lines(&out.stderr),
        [format!(
            "Running downgrade {merge} -> eee555, ccc333, join branches"
        )]
    );
    assert_eq!(
        sorted(lines(&ctx.run(&["current"]).stdout)),
        ["ccc333", "eee555"]
    );
    assert_eq!(ctx.db.versions().len(), 5);
    assert_eq!(ctx.db.user_tables().len(), 5);
}

on_backends!(graph);

/// A stray file in the migrations folder is worth one warning per command,
/// however many times the command consults the folder (upgrade reads the
/// graph for its plan, its run and its summary).
#[test]
fn a_folder_warning_is_printed_once_per_command() {
    let Some(ctx) = Ctx::new(Backend::Sqlite, "") else {
        return;
    };
    ctx.table_chain(2, "stray");
    ctx.project
        .file("migrations/notes.sql", "-- not a migration\n");
    let warning = "notes.sql: this file is not inside a migration folder and is ignored";
    for args in [
        &["upgrade"][..],
        &["check"],
        &["current"],
        &["history", "--indicate-current"],
        &["downgrade", "-1"],
        &["--no-cache", "upgrade", "head"],
        &["upgrade", "head", "--sql"],
    ] {
        let out = ctx.run(args);
        out.code(0);
        assert_eq!(
            out.stderr.matches(warning).count(),
            1,
            "{args:?}:\n{}",
            out.stderr
        );
    }
}
