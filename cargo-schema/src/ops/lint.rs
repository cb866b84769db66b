//! Linting revisions: the `[lint]` section, each revision's `lint.allow`,
//! and the schema before each revision built by replay in a scratch
//! database ([`schema_runtime::replay`]). `lint` and `check` call
//! [`lint_revisions`]. With `--base REF` the revisions come from git
//! ([`changed_since`]), and the previous release's schema.rs, read at REF
//! or from `--previous-schema FILE` ([`previous_at`], [`previous_from`]),
//! is what a revision may not take away.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use diesel::connection::LoadConnection;
use schema_core::lint::{
    lint_revision, Finding, LintConfig, PreviousRelease, RevisionInput, Severity,
};
use schema_core::migrations::{lint_allow_of, Migration};
use schema_core::options::Value;
use schema_core::schema::diesel::parse::declared_tables;
use schema_core::schema::drift::{self, DifferenceKind};
use schema_core::schema::Schema;
use schema_core::sql;
use schema_core::url::Backend;
use schema_core::{ConfigError, EngineSettings};
use schema_runtime::connect::establish;
use schema_runtime::introspect::{row_estimates, IntrospectBackend};
use schema_runtime::replay::Replay;
use schema_runtime::scratch::ScratchError;
use schema_runtime::{Dialect, Migrator};

use super::git::Base;
use super::print_schema;
use super::schema_cache::{ReplayPlan, SchemaCache};
use crate::output::lint::LintView;
use crate::project::ProjectContext;
use crate::Failure;

/// The `[lint]` section of the project's ini file (empty without one).
pub fn config(project: &ProjectContext) -> Result<LintConfig, Failure> {
    let config = project.project.config();
    let Some(mut section) = config.get_section("lint")? else {
        return Ok(LintConfig::default());
    };
    let document = config.document();
    // [DEFAULT]'s keys (and `here`) are in every section; only [lint]'s own
    // keys are lint settings.
    let own = document.section_data(Some("lint"));
    section.retain(|key, _| own.is_some_and(|s| s.entries.contains_key(key)));
    let line_of = |key: &str| document.entry("lint", key).and_then(|e| e.origin.line());
    LintConfig::from_section(&section, document.path(), &line_of).map_err(|errors| {
        let errors = ConfigError::try_from(errors).unwrap_or_else(|()| {
            ConfigError::from(schema_core::Diagnostic::new(
                schema_core::Kind::Parse,
                "[lint]",
            ))
        });
        Failure::Config(errors)
    })
}

/// How [`lint_revisions`] lints.
#[derive(Debug, Clone, Copy, Default)]
pub struct LintOptions<'p> {
    /// Build the schema before each revision by replay (else every table
    /// a statement names is taken to exist).
    pub replay: bool,
    /// Also prove in the scratch database that each revision's down.sql
    /// brings the schema back to what it was before its up.sql.
    pub round_trip: bool,
    /// The previous release's schema.rs files (none: not checked).
    pub previous: &'p [PreviousRelease],
    /// Give findings the live tables' row estimates, read on a read-only
    /// session ([`schema_runtime::introspect::row_estimates`]).
    pub against_database: bool,
}

/// Lint `revisions` (in upgrade order) of the project as `options` say.
pub fn lint_revisions(
    project: &ProjectContext,
    engine: &EngineSettings,
    migrator: &Migrator,
    revisions: &[&Migration],
    options: &LintOptions<'_>,
) -> Result<LintView, Failure> {
    let LintOptions {
        replay,
        round_trip,
        previous,
        against_database,
    } = *options;
    let config = config(project)?;
    let mut skipped = HashSet::new();
    if let Some(rev) = &config.start_after {
        let old = migrator.graph().resolve_revision(rev)?;
        skipped.insert(old.revision.clone());
        for a in migrator.graph().ancestors(&old.revision)? {
            skipped.insert(a.revision.clone());
        }
    }
    let revisions: Vec<&Migration> = revisions
        .iter()
        .copied()
        .filter(|m| !skipped.contains(&m.revision))
        .collect();
    let verbose = project.global.verbose > 0;
    // What the cache did is a detail, said at -vv as the folder
    // snapshot's use is.
    let cache_notes = project.global.verbose > 1;
    let run = Run {
        engine,
        migrator,
        revisions: &revisions,
        config: &config,
        replay: replay || round_trip,
        round_trip,
        verbose,
        cache_notes,
        previous,
        cache_dir: project.cache_dir(),
        against_database,
    };
    match engine.url.backend() {
        #[cfg(feature = "sqlite")]
        Backend::Sqlite => run.lint::<diesel::SqliteConnection>(),
        #[cfg(feature = "postgres")]
        Backend::Postgres => run.lint::<schema_runtime::PgConnection>(),
        #[cfg(feature = "mysql")]
        Backend::Mysql => run.lint::<schema_runtime::MysqlConnection>(),
        #[allow(unreachable_patterns)]
        other => Err(Failure::Usage(format!(
            "this build of cargo-schema has no {other} support"
        ))),
    }
}

/// Whether the configured database is a Galera node (`wsrep_on`): its
/// limits are then findings. A database that cannot be reached is not
/// taken for one; `[lint] galera = true` says so instead.
fn galera_node<C: Dialect>(engine: &EngineSettings) -> bool {
    schema_runtime::connect::establish::<C>(engine)
        .and_then(|mut conn| conn.server_version())
        .is_ok_and(|version| version.ends_with(schema_core::url::GALERA_MARK))
}

struct Run<'a> {
    engine: &'a EngineSettings,
    migrator: &'a Migrator,
    revisions: &'a [&'a Migration],
    config: &'a LintConfig,
    replay: bool,
    round_trip: bool,
    verbose: bool,
    cache_notes: bool,
    previous: &'a [PreviousRelease],
    cache_dir: Option<PathBuf>,
    against_database: bool,
}

impl Run<'_> {
    /// The replayed-schema cache, when there is a cache directory and the
    /// server (SQLite: the library) says its version. A round trip leaves
    /// the scratch database where no cached schema can stand in for it.
    fn cache<C: Dialect>(&self) -> Option<SchemaCache> {
        if !self.replay || self.round_trip || self.revisions.is_empty() {
            return None;
        }
        let dir = self.cache_dir.as_deref()?;
        let mut settings = self.engine.clone();
        if C::BACKEND == Backend::Sqlite {
            // The version of the library linked in, without touching (or
            // creating) the live file.
            settings.url = schema_core::url::DatabaseUrl::parse(
                ":memory:",
                schema_core::url::UrlStyle::Diesel,
            )
            .ok()?;
        }
        let mut conn: C = establish(&settings).ok()?;
        SchemaCache::open(dir, self.engine, self.migrator, &mut conn).ok()
    }

    fn lint<C>(&self) -> Result<LintView, Failure>
    where
        C: Dialect + LoadConnection,
        C::Backend: IntrospectBackend,
    {
        let mut notes = Vec::new();
        let mut scratch: Option<Replay<C>> = None;
        // Set once the schema before the revisions left can no longer be
        // known (no scratch database, or a revision failed in it).
        let mut gave_up = !self.replay;
        let verbose = self.verbose;
        let start = || {
            Replay::<C>::start(self.engine, |name| {
                if verbose {
                    eprintln!("note: replaying the revisions before each linted one into the scratch database {name}");
                }
            })
        };
        if !self.replay {
            notes.push(
                "--no-replay: every table a statement names is taken to exist already".to_owned(),
            );
        }
        let rows = if self.against_database {
            let mut conn: C = establish(self.engine)?;
            let rows = row_estimates(&mut conn)?;
            if verbose {
                eprintln!(
                    "note: row estimates of {} tables read from the live database on a read-only session",
                    rows.len()
                );
            }
            Some(rows)
        } else {
            None
        };
        let cache = self.cache::<C>();
        let mut plan = ReplayPlan::new(self.migrator.graph());
        let mut planned = cache.is_some();
        let mut from_cache = 0;
        let transactional =
            C::TRANSACTIONAL_DDL && self.migrator.options().transactional_ddl != Some(false);
        let galera = C::BACKEND == Backend::Mysql
            && self
                .config
                .galera
                .unwrap_or_else(|| galera_node::<C>(self.engine));
        let foreign_keys = matches!(
            self.engine.connect_args.get("foreign_keys"),
            Some(Value::Bool(true))
        );
        let base = std::env::current_dir().unwrap_or_default();
        let mut findings = Vec::new();
        for (i, m) in self.revisions.iter().enumerate() {
            let key = match &cache {
                Some(cache) if planned => {
                    planned = plan.before(m).is_some();
                    planned.then(|| cache.key(&plan))
                }
                _ => None,
            };
            let cached = match (&cache, &key) {
                (Some(cache), Some(key)) => cache.get(key),
                _ => None,
            };
            let before = if let Some(schema) = cached {
                from_cache += 1;
                Some(schema)
            } else {
                if scratch.is_none() && !gave_up {
                    // Started late, the replay goes through the upgrades
                    // of the revisions before this one first, so that the
                    // scratch database holds what the plan says it does.
                    let started = start().map_err(|e| e.to_string()).and_then(|mut r| {
                        for earlier in &self.revisions[..i] {
                            r.apply_before(self.migrator, earlier).map_err(|e| {
                                format!("{e} (replaying what {} needs)", earlier.revision)
                            })?;
                        }
                        Ok(r)
                    });
                    match started {
                        Ok(r) => {
                            if self.cache_notes && C::BACKEND == Backend::Sqlite {
                                eprintln!("note: replaying the revisions before each linted one into an in-memory database");
                            }
                            scratch = Some(r);
                        }
                        Err(e) => {
                            gave_up = true;
                            notes.push(format!("the schema before each revision is not known ({e}); every table a statement names is taken to exist already"));
                        }
                    }
                }
                match scratch.as_mut().map(|r| r.schema_before(self.migrator, m)) {
                    Some(Ok(schema)) => {
                        if let (Some(cache), Some(key)) = (&cache, &key) {
                            cache.put(key, &schema);
                        }
                        Some(schema)
                    }
                    Some(Err(e)) => {
                        notes.push(format!("the schema before {} and later revisions is not known: {e}; their tables are taken to exist already", m.revision));
                        scratch = None;
                        gave_up = true;
                        None
                    }
                    None => None,
                }
            };
            let allow = metadata_allow(m)?;
            let file = m.file_path("up.sql");
            let file = file
                .strip_prefix(&base)
                .map(Path::to_path_buf)
                .unwrap_or(file);
            let input = RevisionInput {
                revision: &m.revision,
                file,
                sql: &m.up_sql,
                backend: C::BACKEND,
                before: before.as_ref(),
                in_transaction: transactional && m.run_in_transaction,
                lock_timeout: m
                    .statement_lock_timeout
                    .or(self.migrator.options().statement_lock_timeout)
                    .is_some(),
                statement_timeout: m
                    .statement_timeout
                    .or(self.migrator.options().statement_timeout)
                    .is_some(),
                sqlite_foreign_keys: foreign_keys,
                metadata_allow: &allow,
                previous: self.previous,
                rows: rows.as_ref(),
                galera,
            };
            findings.extend(lint_revision(&input, self.config));
            if self.round_trip {
                match (&before, scratch.as_mut()) {
                    (Some(before), Some(replay)) => {
                        let finding = round_trip_finding(m, C::BACKEND, &base, before, || {
                            replay.schema_after_round_trip(self.migrator, m)
                        });
                        if let Some(finding) = finding {
                            let reported = self
                                .config
                                .apply(vec![finding.clone()])
                                .into_iter()
                                .filter(|f| !allow.iter().any(|a| a == f.code));
                            findings.extend(reported);
                            if finding.code == ROUND_TRIP {
                                // What down.sql left behind would make the
                                // next replay of this revision fail: the
                                // later revisions get a new scratch database.
                                scratch = None;
                                match start() {
                                    Ok(r) => scratch = Some(r),
                                    Err(e) => {
                                        gave_up = true;
                                        notes.push(format!("the schema before the revisions after {} is not known ({e})", m.revision));
                                    }
                                }
                            }
                        }
                    }
                    _ => notes.push(format!(
                        "the round trip of {} was not checked: the schema before it is not known",
                        m.revision
                    )),
                }
            }
        }
        if let (Some(cache), true) = (&cache, self.cache_notes) {
            eprintln!(
                "note: the schema before {from_cache} of {} linted revisions read from the cache ({})",
                self.revisions.len(),
                cache.dir().display()
            );
        }
        let revisions = self.revisions.iter().map(|m| m.revision.clone()).collect();
        Ok(LintView::new(revisions, findings, notes))
    }
}

/// The code of a revision whose down.sql does not undo its up.sql.
const ROUND_TRIP: &str = "round-trip";

/// `round-trip`: a revision whose down.sql does not bring the schema back
/// to what it was before its up.sql (or fails), naming the objects that
/// differ; `irreversible-down`: one whose down.sql runs nothing.
fn round_trip_finding(
    m: &Migration,
    backend: Backend,
    base: &Path,
    before: &Schema,
    after: impl FnOnce() -> Result<Schema, ScratchError>,
) -> Option<Finding> {
    let file = m.file_path("down.sql");
    let file = file
        .strip_prefix(base)
        .map(Path::to_path_buf)
        .unwrap_or(file);
    let finding = |code, severity, message: String, help: &str| Finding {
        code,
        severity,
        revision: m.revision.clone(),
        file: file.clone(),
        line: 1,
        statement: String::new(),
        message,
        help: help.to_owned(),
    };
    let down = m.down_sql.as_deref().unwrap_or_default();
    if sql::split(down, backend).is_empty() {
        if m.reverts_nothing() {
            return Some(finding(
                "irreversible-down",
                Severity::Error,
                "down.sql runs no SQL while up.sql does: the revision cannot be reverted, and `downgrade` refuses it".to_owned(),
                "write the statements that undo up.sql in down.sql, or say `-- irreversible` in it if nothing can undo it",
            ));
        }
        // Declared `-- irreversible`, or an up.sql that runs nothing too.
        return None;
    }
    let after = match after() {
        Ok(after) => after,
        Err(e) => {
            return Some(finding(
                ROUND_TRIP,
                Severity::Error,
                format!("applying up.sql and then down.sql in the scratch database failed: {e}"),
                "fix down.sql so that it runs after up.sql",
            ))
        }
    };
    let differences = drift::compare(&after, before);
    if differences.is_empty() {
        return None;
    }
    let objects: Vec<String> = differences
        .iter()
        .map(|d| {
            let what = match d.kind {
                DifferenceKind::Missing => "missing after down.sql".to_owned(),
                DifferenceKind::Extra => "left behind by down.sql".to_owned(),
                DifferenceKind::Changed => format!(
                    "{} differs: {} before, {} after",
                    d.aspect.as_deref().unwrap_or("definition"),
                    d.expected.as_deref().unwrap_or("none"),
                    d.actual.as_deref().unwrap_or("none")
                ),
            };
            format!("{} ({what})", d.object)
        })
        .collect();
    Some(finding(
        ROUND_TRIP,
        Severity::Error,
        format!(
            "down.sql does not bring the schema back to what it was before up.sql: {}",
            objects.join("; ")
        ),
        "make down.sql undo exactly what up.sql does, object by object",
    ))
}

/// `lint.allow` of the revision's metadata.toml, read from its folder.
fn metadata_allow(m: &Migration) -> Result<Vec<String>, Failure> {
    if m.dir.is_none() {
        return Ok(Vec::new());
    }
    let path = m.file_path("metadata.toml");
    match std::fs::read_to_string(&path) {
        Ok(text) => lint_allow_of(&text, &path).map_err(Failure::Migrations),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(Failure::Io(e)),
    }
}

/// The revisions whose folder has a file that differs from `base`
/// (changed or deleted since, committed or not, or new), in upgrade order.
pub fn changed_since<'m>(
    migrator: &'m Migrator,
    base: &Base,
) -> Result<Vec<&'m Migration>, Failure> {
    let graph = migrator.graph();
    let mut locations: Vec<&Path> = graph
        .migrations()
        .iter()
        .filter_map(|m| m.dir.as_deref()?.parent())
        .collect();
    locations.sort();
    locations.dedup();
    let mut changed = Vec::new();
    for location in locations {
        changed.extend(base.changed_under(location)?.iter().map(|f| canonical(f)));
    }
    let mut revisions = graph.history(None, None)?;
    revisions.reverse();
    revisions.retain(|m| {
        m.dir
            .as_deref()
            .map(canonical)
            .is_some_and(|dir| changed.iter().any(|f| f.starts_with(&dir)))
    });
    Ok(revisions)
}

/// The previous release's schema.rs files: each `[print_schema]` `file`
/// as it was at `base`. Notes say what could not be read.
pub fn previous_at(
    project: &ProjectContext,
    base: &Base,
    notes: &mut Vec<String>,
) -> Result<Vec<PreviousRelease>, Failure> {
    let configs = print_schema::settings(project)?;
    let files = print_schema::with_files(&configs);
    if files.is_empty() {
        notes.push(format!(
            "no [print_schema] file is set, so the previous release's schema.rs is not read at `{}`; name one with --previous-schema FILE",
            base.reference
        ));
    }
    let mut previous = Vec::new();
    for (_, file) in files {
        let label = base.label(file)?;
        match base.read(file)? {
            None => notes.push(format!(
                "{label} does not exist: no previous release's schema.rs to check against"
            )),
            Some(text) => match declared_tables(&text, Path::new(&label)) {
                Ok(tables) => previous.push(PreviousRelease { label, tables }),
                Err(e) => notes.push(format!(
                    "the previous release's schema.rs cannot be read ({e}); it is not checked against"
                )),
            },
        }
    }
    Ok(previous)
}

/// The previous release's schema.rs from `--previous-schema FILE`.
pub fn previous_from(file: &Path) -> Result<PreviousRelease, Failure> {
    let label = file.display().to_string();
    let text = std::fs::read_to_string(file)
        .map_err(|e| Failure::Usage(format!("--previous-schema: cannot read {label}: {e}")))?;
    let tables = declared_tables(&text, file)
        .map_err(|e| Failure::Usage(format!("--previous-schema: {e}")))?;
    Ok(PreviousRelease { label, tables })
}

/// `path` with its symbolic links resolved, as git reports paths.
fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}
