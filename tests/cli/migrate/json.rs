//! `--format json` of upgrade, downgrade, current, history, heads and
//! check: one JSON document on stdout, with the fields tools read.

use serde_json::{json, Value};

use super::{Backend, Ctx};

const R1: &str = "f1f1f1f1f1f1";
const R2: &str = "f2f2f2f2f2f2";
const F1: &str = "2024-02-01-000001_accounts";
const F2: &str = "2024-02-01-000002_invoices";
const V1: &str = "20240201000001";
const V2: &str = "20240201000002";

/// What every revision object holds.
fn revision(id: &str, version: &str, folder: &str, down: &[&str], message: &str) -> Value {
    json!({
        "revision": id,
        "version": version,
        "folder": folder,
        "down_revisions": down,
        "branch_labels": [],
        "depends_on": [],
        "message": message,
    })
}

/// `actual` has every field of `expected` with the same value.
#[track_caller]
fn assert_fields(actual: &Value, expected: &Value) {
    for (key, value) in expected.as_object().expect("an object") {
        assert_eq!(&actual[key], value, "{key} of {actual:#}");
    }
}

fn json_output(backend: Backend) {
    let Some(ctx) = Ctx::new(backend, "") else {
        return;
    };
    ctx.revision(
        F1,
        &format!("revision = \"{R1}\"\nmessage = \"accounts\"\n"),
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY);\n",
        "DROP TABLE accounts;\n",
    );
    ctx.revision(
        F2,
        &format!("revision = \"{R2}\"\ndown_revision = \"{R1}\"\nmessage = \"invoices\"\n"),
        "CREATE TABLE invoices (id INTEGER PRIMARY KEY);\n",
        "DROP TABLE invoices;\n",
    );
    let r1 = revision(R1, V1, F1, &[], "accounts");
    let r2 = revision(R2, V2, F2, &[R1], "invoices");

    // Before anything is applied.
    let out = ctx.run(&["current", "--format", "json"]);
    out.code(0);
    assert_eq!(
        out.json(),
        json!({"heads": [], "applied": [], "pending": [R1, R2], "edited": [], "unknown": [], "failed": []})
    );
    let out = ctx.run(&["check", "--format", "json"]);
    out.code(3);
    let report = out.json();
    assert_eq!(report["ok"], false);
    let findings = report["findings"].as_array().expect("findings");
    let kinds: Vec<(&str, &str)> = findings
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap_or_default(),
                f["revision"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(kinds, [("pending", R1), ("pending", R2)]);
    assert!(findings
        .iter()
        .all(|f| f["message"].as_str().is_some_and(|m| m.contains("upgrade"))));

    // upgrade: the steps, no progress lines.
    let out = ctx.run(&["upgrade", "--format", "json"]);
    out.code(0);
    assert_eq!(
        out.json(),
        json!({"steps": [
            {"revision": R1, "version": V1, "folder": F1, "direction": "up"},
            {"revision": R2, "version": V2, "folder": F2, "direction": "up"},
        ]})
    );
    assert!(!out.stderr.contains("Running"), "{}", out.stderr);
    let out = ctx.run(&["upgrade", "--format", "json"]);
    out.code(0);
    assert_eq!(out.json(), json!({"steps": []}));

    // current
    let out = ctx.run(&["current", "--format", "json"]);
    out.code(0);
    let current = out.json();
    let heads = current["heads"].as_array().expect("heads");
    assert_eq!(heads.len(), 1);
    assert_fields(&heads[0], &r2);
    assert_eq!(heads[0]["is_head"], true);
    assert_eq!(heads[0]["is_current"], true);
    assert_eq!(current["applied"], json!([R1, R2]));
    for empty in ["pending", "edited", "unknown", "failed"] {
        assert_eq!(current[empty], json!([]), "{empty}");
    }

    // history, newest first, and heads
    let out = ctx.run(&["history", "--format", "json"]);
    out.code(0);
    let history = out.json();
    let history = history.as_array().expect("an array");
    assert_eq!(history.len(), 2);
    assert_fields(&history[0], &r2);
    assert_fields(&history[1], &r1);
    assert_eq!(history[0]["is_head"], true);
    assert_eq!(history[1]["is_head"], false);
    assert_eq!(history[0]["is_current"], false, "not asked for");
    let out = ctx.run(&["history", "--indicate-current", "--format", "json"]);
    out.code(0);
    assert_eq!(out.json()[0]["is_current"], true);
    let out = ctx.run(&["heads", "--format", "json"]);
    out.code(0);
    let heads = out.json();
    assert_eq!(heads.as_array().map(Vec::len), Some(1));
    assert_fields(&heads[0], &r2);

    // check, clean
    let out = ctx.run(&["check", "--format", "json"]);
    out.code(0);
    assert_eq!(
        out.json(),
        json!({"ok": true, "findings": [], "drift": {"checked": true}})
    );

    // downgrade
    let out = ctx.run(&["downgrade", "base", "--format", "json"]);
    out.code(0);
    assert_eq!(
        out.json(),
        json!({"steps": [
            {"revision": R2, "version": V2, "folder": F2, "direction": "down"},
            {"revision": R1, "version": V1, "folder": F1, "direction": "down"},
        ]})
    );
    assert!(ctx.db.user_tables().is_empty());
}

on_backends!(json_output);

/// The documents byte for byte (field order, layout) on a graph with a
/// branch point, a merge point, a label and a dependency: one snapshot of
/// every view's JSON.
#[test]
fn documents_byte_for_byte() {
    let Some(ctx) = Ctx::new(Backend::Sqlite, "") else {
        return;
    };
    let folders = [
        ("2024-04-01-000001_a", "revision = \"aaaa\"\nmessage = \"first\"\nbranch_labels = [\"core\"]\n"),
        ("2024-04-01-000002_b", "revision = \"bbbb\"\ndown_revision = \"aaaa\"\n"),
        ("2024-04-01-000003_c", "revision = \"cccc\"\ndown_revision = \"aaaa\"\nmessage = \"third\"\n"),
        ("2024-04-01-000004_d", "revision = \"dddd\"\ndown_revision = [\"bbbb\", \"cccc\"]\ndepends_on = [\"aaaa\"]\nmessage = \"merge\"\n"),
    ];
    for (i, (folder, metadata)) in folders.iter().enumerate() {
        ctx.revision(
            folder,
            metadata,
            &format!("CREATE TABLE t{i} (id INTEGER PRIMARY KEY);\n"),
            &format!("DROP TABLE t{i};\n"),
        );
    }
    let mut transcript = String::new();
    for (args, code) in [
        (&["heads", "--format", "json"][..], 0),
        (&["branches", "--format", "json"], 0),
        (&["check", "--format", "json"], 3),
        (&["upgrade", "bbbb", "--format", "json"], 0),
        (&["current", "--format", "json"], 0),
        (&["history", "-i", "--format", "json"], 0),
        (&["upgrade", "--format", "json"], 0),
        (&["check", "--format", "json"], 0),
        (&["downgrade", "base", "--format", "json"], 0),
    ] {
        let out = ctx.run(args);
        out.code(code);
        transcript.push_str(&format!("$ {}\n{}", args.join(" "), out.stdout));
    }
    insta::assert_snapshot!(transcript);
}
