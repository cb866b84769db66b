//! `check`: for CI. Exits 3 when the database is not exactly at the
//! folder's head(s) with every applied revision unchanged.

use super::{print_schema, with_connection};
use crate::cli::{CheckArgs, Format};
use crate::output::outln;
use crate::project::ProjectContext;
use crate::{Failure, Outcome};

/// `check`.
pub fn run(project: &ProjectContext, args: &CheckArgs) -> Result<Outcome, Failure> {
    let engine = project.engine_settings()?;
    let migrator = project.migrator(false)?;
    let status = with_connection!(&engine, |conn| migrator.status(&mut conn))?;
    let graph = migrator.graph();
    let heads = graph.heads();
    let mut findings = Vec::new();
    for revision in &status.pending {
        findings.push((
            "pending",
            revision.clone(),
            format!("revision {revision} is not applied; run `cargo schema upgrade`"),
        ));
    }
    for revision in &status.edited {
        findings.push((
            "edited",
            revision.clone(),
            format!("revision {revision} was edited after it was applied; restore its up.sql, or accept it with `cargo schema upgrade --allow-edited`"),
        ));
    }
    for version in &status.unknown {
        findings.push((
            "unknown",
            version.clone(),
            format!("the database has version {version}, which the migrations folder does not; restore its folder or `cargo schema stamp` the database"),
        ));
    }
    for revision in &status.failed {
        findings.push((
            "failed",
            revision.clone(),
            format!("revision {revision} failed partway in an earlier run; repair the database, then `cargo schema stamp` or fix the SQL and upgrade"),
        ));
    }
    if heads.len() > 1 && !project.settings.multiple_heads {
        let names: Vec<&str> = heads.iter().map(|m| m.revision.as_str()).collect();
        findings.push((
            "multiple_heads",
            names.join(","),
            format!(
                "the migrations folder has {} heads ({}); merge them with `cargo schema merge -m MSG heads`, or set multiple_heads = true",
                names.len(),
                names.join(", ")
            ),
        ));
    }
    let configs = print_schema::settings(project)?;
    if !print_schema::with_files(&configs).is_empty() {
        let stale = with_connection!(&engine, |conn| print_schema::stale(&mut conn, &configs))?;
        for (file, diff) in stale {
            let file = file.display().to_string();
            findings.push((
                "schema_rs",
                file.clone(),
                format!("{file} is not what `cargo schema print-schema` prints for the database now; regenerate it with `cargo schema print-schema > {file}`\n{diff}"),
            ));
        }
    }
    if args.format == Format::Json {
        let items: Vec<_> = findings
            .iter()
            .map(|(kind, subject, message)| serde_json::json!({"kind": kind, "revision": subject, "message": message}))
            .collect();
        outln!(
            "{:#}",
            serde_json::json!({ "ok": findings.is_empty(), "findings": items })
        )?;
    } else if findings.is_empty() {
        if !project.global.quiet {
            outln!("ok: the database is at head and every applied revision is unchanged")?;
        }
    } else {
        for (_, _, message) in &findings {
            outln!("{message}")?;
        }
    }
    Ok(if findings.is_empty() {
        Outcome::Ok
    } else {
        Outcome::CheckFound
    })
}
