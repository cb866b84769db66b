//! Errors of a migration run, each naming the revision and file it is about
//! and saying what to do next. Messages never hold a password.

use std::path::PathBuf;
use std::time::Duration;

use schema_core::migrations::MigrationError;

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The migrations folder or the target is wrong.
    #[error(transparent)]
    Graph(#[from] MigrationError),

    /// The configuration is wrong.
    #[error(transparent)]
    Config(#[from] schema_core::ConfigError),

    /// Connecting failed.
    #[error("cannot connect to {url}: {message}")]
    Connect {
        /// The URL, password masked.
        url: String,
        /// The driver's message, password masked.
        message: String,
    },

    /// A query of cargo-schema's own failed.
    #[error("database error: {0}")]
    Database(#[from] diesel::result::Error),

    /// Another runner holds the lock.
    #[error(
        "another migration runner holds the lock on this database (waited {:.1}s); \
         wait for it to finish, or raise lock_timeout",
        waited.as_secs_f64()
    )]
    LockTimeout {
        /// How long this runner waited.
        waited: Duration,
    },

    /// The connection failed while a revision ran (the server went away,
    /// a failover): whether its transaction committed is the server's to
    /// say.
    #[error(
        "revision {revision} may not have finished: {message}. What it did is rolled back \
         unless its commit had reached the server; run the command again (after a failover, \
         through a URL that reaches the new primary): revisions recorded as applied are skipped"
    )]
    Interrupted {
        /// The revision that was running.
        revision: String,
        /// The driver's error.
        message: String,
    },

    /// The server is a hot standby (PostgreSQL's `pg_is_in_recovery()`):
    /// nothing can be written there.
    #[error(
        "the server is a read-only standby (pg_is_in_recovery() is true): migrations run on \
         the primary. Connect to the primary, or name every server in the URL with \
         target_session_attrs=read-write so the driver picks the one that takes writes \
         (postgresql://user@host1:5432,host2:5432/db?target_session_attrs=read-write)"
    )]
    ReadOnlyStandby,

    /// A main-section setting cannot be honoured on this database.
    #[error("`{key}`: {message}")]
    Setting {
        /// The key.
        key: &'static str,
        /// Why, and what to set instead.
        message: String,
    },

    /// A `lock = table` lease stopped being this runner's while it ran.
    #[error(
        "the migration lock's lease was lost: {reason}. This run stopped before its next \
         revision; raise lock_lease if runs take longer than renewals can keep up with"
    )]
    LeaseLost {
        /// What happened.
        reason: String,
    },

    /// A statement of a revision failed; the transaction that held it was
    /// rolled back (except where DDL is not transactional, see `partial`).
    #[error(
        "revision {revision} failed at {file}:{line}\n  statement: {statement}\n  database said: {message}{}{}",
        if *partial { PARTIAL_ADVICE } else { "" },
        if note.is_empty() { String::new() } else { format!("\n  {note}") }
    )]
    Statement {
        /// The revision, as `id (folder)`.
        revision: String,
        /// up.sql or down.sql.
        file: PathBuf,
        /// Line of the statement in that file.
        line: usize,
        /// The statement (shortened).
        statement: String,
        /// The database's message.
        message: String,
        /// The database committed part of the revision (DDL that is not
        /// transactional: MySQL/MariaDB, or `transactional_ddl = false`).
        partial: bool,
        /// What the rollback undid, for a user who just saw the revisions
        /// of the run scroll by.
        note: String,
    },

    /// Applied revisions whose up.sql changed since they ran.
    #[error(
        "{} applied revision{} changed since {} ran:\n{}\nrestore the file{}, or run with --allow-edited to accept the new checksum{}",
        revisions.len(),
        plural(revisions.len()),
        if revisions.len() == 1 { "it" } else { "they" },
        revisions.iter().map(|r| format!("  {r}")).collect::<Vec<_>>().join("\n"),
        plural(revisions.len()),
        plural(revisions.len())
    )]
    Edited {
        /// `id (folder/up.sql)` of each.
        revisions: Vec<String>,
    },

    /// A bookkeeping row's `state` is neither `applied` nor `failed`: written
    /// by a newer tool or by hand, its meaning is unknown, so nothing is
    /// taken for applied.
    #[error(
        "the bookkeeping row of version {} in __schema_revisions has the state `{}`, which is neither \
         `applied` nor `failed`; fix or delete the row (`cargo schema stamp` rewrites it) before running again",
        schema_core::text::escape_controls(version),
        schema_core::text::escape_controls(state)
    )]
    UnknownState {
        /// The row's version.
        version: String,
        /// The state it holds.
        state: String,
    },

    /// Embedded migrations that do not rebuild into a graph (the binary was
    /// built with another schema-core, or tampered with).
    #[error("the embedded migrations are inconsistent: {0}")]
    Embedded(String),

    /// A previous run failed partway on a database without transactional
    /// DDL.
    #[error(
        "revision {revision} failed partway in an earlier run, and the database had already committed part of it \
         (its DDL is not transactional). \
         Repair the database by hand, then either run `cargo schema stamp {parent}` (undone by hand) or \
         `cargo schema stamp {revision_id}` (finished by hand); or fix its up.sql so it can run again on the \
         database as it is, and re-run"
    )]
    FailedEarlier {
        /// The revision, as `id (folder)`.
        revision: String,
        /// Its id.
        revision_id: String,
        /// What to stamp to mark it undone.
        parent: String,
    },

    /// sqlx recorded a migration as failed partway (`success = false`).
    #[error(
        "migration {revision} failed partway when sqlx ran it: {table} records it with success = false \
         (sqlx calls the database dirty). Repair the database by hand, then run \
         `cargo schema stamp {parent}` (undone by hand) or `cargo schema stamp {revision_id}` \
         (finished by hand); a stamp rewrites sqlx's row too"
    )]
    SqlxDirty {
        /// The migration, as `id (file)`.
        revision: String,
        /// Its id.
        revision_id: String,
        /// What to stamp to mark it undone.
        parent: String,
        /// sqlx's table.
        table: String,
    },
}

/// Appended to statement failures where DDL is not transactional.
const PARTIAL_ADVICE: &str =
    "\n  The database commits DDL as it runs (MySQL/MariaDB, or transactional_ddl = false), \
     so statements before this one stay applied. \
     The failure is recorded: repair the database, then `cargo schema stamp` the revision, \
     or fix its SQL and re-run.";

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// A statement failure inside a revision's SQL, carried through
/// diesel_migrations' boxed error and unpacked by the runner.
#[derive(Debug, thiserror::Error)]
#[error("statement at line {line} failed: {source}")]
pub(crate) struct StatementFailed {
    pub line: usize,
    pub statement: String,
    #[source]
    pub source: diesel::result::Error,
}
