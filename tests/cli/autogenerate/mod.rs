//! `generate --autogenerate` end to end: schema.rs edited as a user edits
//! it, the revision written, reviewed (snapshots of its SQL) and run
//! forward and back on each backend, with the rows checked through the
//! database's own client.

mod changes;
mod judge;
mod property;
mod real_projects;
mod refusals;

use crate::migrate::{Backend, Ctx};
use crate::support::Outcome;

/// The desired schema lives in a file `upgrade` does not rewrite, so that
/// every comparison is against what the test wrote.
const DESIRED: &str = "desired.rs";

/// `generate --autogenerate --schema-file desired.rs` plus `args`.
fn autogenerate(ctx: &Ctx, args: &[&str]) -> Outcome {
    let mut all = vec!["generate", "--autogenerate", "--schema-file", DESIRED];
    all.extend_from_slice(args);
    ctx.run(&all)
}

/// Write the desired schema.rs.
fn desire(ctx: &Ctx, schema_rs: &str) {
    ctx.project.file(DESIRED, schema_rs);
}

/// The database matches the desired schema: autogenerate finds nothing
/// and writes nothing.
#[track_caller]
fn assert_matches(ctx: &Ctx, context: &str) {
    let before = folders(ctx);
    let out = autogenerate(ctx, &["-m", "nothing"]);
    out.code(0);
    assert!(
        out.stderr.contains("No changes in schema detected."),
        "{context}: the database differs from schema.rs:\n{}",
        out.stderr
    );
    assert_eq!(folders(ctx), before, "{context}: a folder was written");
}

/// The revision folders.
fn folders(ctx: &Ctx) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(ctx.root().join("migrations"))
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Rows as the client prints them, MySQL's `NULL` as the others' empty
/// field.
fn rows(ctx: &Ctx, sql: &str) -> Vec<String> {
    ctx.db
        .query(sql)
        .into_iter()
        .map(|r| {
            if ctx.db.backend() == Backend::Mysql {
                r.split('|')
                    .map(|f| if f == "NULL" { "" } else { f })
                    .collect::<Vec<_>>()
                    .join("|")
            } else {
                r
            }
        })
        .collect()
}

/// `--sql` output with the parts that change from run to run (the folder's
/// timestamp, the creation date) replaced.
fn redacted(text: &str) -> String {
    text.lines()
        .map(|line| {
            if line.starts_with("-- Create Date: ") {
                "-- Create Date: [date]".to_owned()
            } else if let Some(folder) = line
                .strip_prefix("-- ")
                .filter(|l| l.ends_with("/up.sql") || l.ends_with("/down.sql"))
            {
                // YYYY-MM-DD-HHMMSS-NNNN_slug/up.sql
                format!("-- [folder]{}", folder.get(22..).unwrap_or(folder))
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
