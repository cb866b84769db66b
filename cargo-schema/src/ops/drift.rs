//! `check`'s drift check: the live schema against what its applied
//! revisions build (replayed into a scratch database by schema-runtime's
//! runner), and against each stale print_schema file (schema.rs, through
//! `diff`).

use std::path::{Path, PathBuf};

use diesel::connection::LoadConnection;
use schema_core::migrations::RevisionGraph;
use schema_core::schema::diesel::parse::parse_schema_rs;
use schema_core::schema::diesel::{unpatch, PrintSchemaSettings};
use schema_core::schema::diff::{diff, Renames};
use schema_core::schema::drift::{compare, from_changes};
use schema_core::schema::Schema;
use schema_core::EngineSettings;
use schema_runtime::introspect::{introspect, IntrospectBackend, IntrospectOptions};
use schema_runtime::scratch::built_schema;
use schema_runtime::{Dialect, Migrator, Status};

use super::schema_cache::{ReplayPlan, SchemaCache};
use crate::output::check::{DriftStatus, Finding};
use crate::Failure;

/// What the drift check found, and whether it ran.
pub struct Drift {
    /// One finding per differing object.
    pub findings: Vec<Finding>,
    /// Whether the revisions were compared.
    pub status: DriftStatus,
}

/// Compare the database `conn` is connected to (described by `engine`,
/// at `status`) with what its applied revisions build, and with each of
/// the `stale` schema.rs files (with its print_schema settings); at
/// `verbose` 1 the scratch database is named on stderr, at 2 the cache's
/// use too. With `cache_dir`, what the
/// applied revisions build is read from the replayed-schema cache when it
/// holds it ([`super::schema_cache`]), and saved there when not.
pub fn check<C>(
    conn: &mut C,
    engine: &EngineSettings,
    migrator: &Migrator,
    status: &Status,
    stale: &[(&PrintSchemaSettings, PathBuf)],
    verbose: u8,
    cache_dir: Option<&Path>,
) -> Result<Drift, Failure>
where
    C: Dialect + LoadConnection,
    C::Backend: IntrospectBackend,
{
    let live = introspect(conn, &IntrospectOptions::default())?;
    let mut findings = Vec::new();
    for (settings, file) in stale {
        findings.extend(schema_rs(&live, settings, file));
    }
    if !(status.edited.is_empty() && status.unknown.is_empty() && status.failed.is_empty()) {
        return Ok(Drift {
            findings,
            status: DriftStatus::not_checked(
                "the database records revisions the migrations folder cannot replay as they ran \
                 (edited, unknown or failed); resolve those findings first",
            ),
        });
    }
    let created = |name: &str| {
        if verbose > 0 {
            eprintln!("note: replaying the applied revisions into the scratch database {name}");
        }
    };
    // The same cache as lint's: the schema before the first pending
    // revision is the one the applied revisions build.
    let cache = cache_dir.and_then(|dir| SchemaCache::open(dir, engine, migrator, conn).ok());
    let mut plan = ReplayPlan::new(migrator.graph());
    let key = match &cache {
        Some(cache) if status.heads.iter().all(|h| plan.upgrade(h).is_some()) => {
            Some(cache.key(&plan))
        }
        _ => None,
    };
    let cached = match (&cache, &key) {
        (Some(cache), Some(key)) => cache.get(key),
        _ => None,
    };
    if let (Some(cache), true) = (&cache, verbose > 1) {
        let how = if cached.is_some() {
            "read from"
        } else {
            "not in"
        };
        eprintln!(
            "note: the schema the applied revisions build {how} the cache ({})",
            cache.dir().display()
        );
    }
    let replayed = match cached {
        Some(built) => Ok(built),
        None => built_schema::<C>(migrator, engine, &status.heads, created).inspect(|built| {
            if let (Some(cache), Some(key)) = (&cache, &key) {
                cache.put(key, built);
            }
        }),
    };
    let built = match replayed {
        Ok(built) => built,
        Err(e) => {
            return Ok(Drift {
                findings,
                status: DriftStatus::not_checked(e.to_string()),
            })
        }
    };
    let range = revision_range(migrator.graph(), &status.heads);
    let mut drift: Vec<Finding> = compare(&live, &built)
        .into_iter()
        .map(|d| Finding::drift(&range, d))
        .collect();
    drift.append(&mut findings);
    Ok(Drift {
        findings: drift,
        status: DriftStatus::checked(),
    })
}

/// `first..head` of the applied revisions (heads comma separated), the
/// one revision when only one is applied, `base` when none is.
fn revision_range(graph: &RevisionGraph, heads: &[String]) -> String {
    let Some(head) = heads.first() else {
        return "base".to_owned();
    };
    let first = graph
        .ancestors(head)
        .ok()
        .and_then(|a| a.first().map(|m| m.revision.clone()));
    match first {
        Some(first) => format!("{first}..{}", heads.join(",")),
        None if heads.len() == 1 => head.clone(),
        None => format!("{head}..{}", heads[1..].join(",")),
    }
}

/// The differences between the live tables `settings` prints and the
/// tables `file` declares; none when it cannot be read (the `schema_rs`
/// finding already says it is stale).
fn schema_rs(live: &Schema, settings: &PrintSchemaSettings, file: &Path) -> Vec<Finding> {
    let label = file.display().to_string();
    let Ok(text) = std::fs::read_to_string(file) else {
        return Vec::new();
    };
    let text = match unpatch(&text, settings) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("warning: {e}; {label} is not compared with the database object by object");
            return Vec::new();
        }
    };
    let desired = match parse_schema_rs(&text, file, live.backend) {
        Ok(desired) => desired,
        Err(e) => {
            eprintln!("warning: {e}; {label} is not compared with the database object by object");
            return Vec::new();
        }
    };
    let printed = settings.schema.clone().or(live.default_schema.clone());
    let mut live = live.clone();
    live.tables
        .retain(|t| t.schema == printed && !settings.filter.should_ignore(&t.name));
    let Ok(changes) = diff(&live, &desired, &Renames::default()) else {
        return Vec::new();
    };
    from_changes(&changes.changes, live.default_schema.as_deref())
        .into_iter()
        .map(|d| Finding::schema_rs_drift(&label, d))
        .collect()
}
