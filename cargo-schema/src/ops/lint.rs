//! Linting revisions: the `[lint]` section, each revision's `lint.allow`,
//! and the schema before each revision built by replay in a scratch
//! database ([`schema_runtime::replay`]). `lint` and `check` call
//! [`lint_revisions`].

use std::collections::HashSet;
use std::path::Path;

use diesel::connection::LoadConnection;
use schema_core::lint::{lint_revision, LintConfig, RevisionInput};
use schema_core::migrations::{lint_allow_of, Migration};
use schema_core::options::Value;
use schema_core::url::Backend;
use schema_core::{ConfigError, EngineSettings};
use schema_runtime::introspect::IntrospectBackend;
use schema_runtime::replay::Replay;
use schema_runtime::{Dialect, Migrator};

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

/// Lint `revisions` (in upgrade order) of the project, the schema before
/// each one built by replay unless `replay` is false.
pub fn lint_revisions(
    project: &ProjectContext,
    engine: &EngineSettings,
    migrator: &Migrator,
    revisions: &[&Migration],
    replay: bool,
) -> Result<LintView, Failure> {
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
    let run = Run {
        engine,
        migrator,
        revisions: &revisions,
        config: &config,
        replay,
        verbose,
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

struct Run<'a> {
    engine: &'a EngineSettings,
    migrator: &'a Migrator,
    revisions: &'a [&'a Migration],
    config: &'a LintConfig,
    replay: bool,
    verbose: bool,
}

impl Run<'_> {
    fn lint<C>(&self) -> Result<LintView, Failure>
    where
        C: Dialect + LoadConnection,
        C::Backend: IntrospectBackend,
    {
        let mut notes = Vec::new();
        let mut scratch = None;
        if self.replay && !self.revisions.is_empty() {
            let verbose = self.verbose;
            match Replay::<C>::start(self.engine, |name| {
                if verbose {
                    eprintln!("note: replaying the revisions before each linted one into the scratch database {name}");
                }
            }) {
                Ok(r) => scratch = Some(r),
                Err(e) => notes.push(format!("the schema before each revision is not known ({e}); every table a statement names is taken to exist already")),
            }
        } else if !self.replay {
            notes.push(
                "--no-replay: every table a statement names is taken to exist already".to_owned(),
            );
        }
        let transactional =
            C::TRANSACTIONAL_DDL && self.migrator.options().transactional_ddl != Some(false);
        let foreign_keys = matches!(
            self.engine.connect_args.get("foreign_keys"),
            Some(Value::Bool(true))
        );
        let base = std::env::current_dir().unwrap_or_default();
        let mut findings = Vec::new();
        for m in self.revisions {
            let before = match scratch.as_mut().map(|r| r.schema_before(self.migrator, m)) {
                Some(Ok(schema)) => Some(schema),
                Some(Err(e)) => {
                    notes.push(format!("the schema before {} and later revisions is not known: {e}; their tables are taken to exist already", m.revision));
                    scratch = None;
                    None
                }
                None => None,
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
                sqlite_foreign_keys: foreign_keys,
                metadata_allow: &allow,
            };
            findings.extend(lint_revision(&input, self.config));
        }
        let revisions = self.revisions.iter().map(|m| m.revision.clone()).collect();
        Ok(LintView::new(revisions, findings, notes))
    }
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
