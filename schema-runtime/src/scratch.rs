//! The schema the applied revisions build: the revisions replayed, through
//! the same [`Migrator`] as `upgrade`, into a scratch database of the live
//! database's backend, then read back by introspection.
//!
//! SQLite replays into a private in-memory database. PostgreSQL and MySQL
//! replay into a database with a unique name created on the live server
//! with the live URL's credentials; a [`ScratchDatabase`] guard drops it on
//! every path out, errors and panics included.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use diesel::connection::LoadConnection;
use schema_core::migrations::Target;
use schema_core::schema::Schema;
use schema_core::url::{Backend, DatabaseUrl, UrlStyle};
use schema_core::EngineSettings;

use crate::connect::establish;
use crate::dialect::Dialect;
use crate::error::RunError;
use crate::introspect::{introspect, IntrospectBackend, IntrospectOptions};
use crate::runner::Migrator;

/// Every scratch database's name starts with this.
pub const SCRATCH_PREFIX: &str = "cargo_schema_drift_";

/// Why the revisions could not be replayed.
#[derive(Debug, thiserror::Error)]
pub enum ScratchError {
    /// The server refused a scratch database (most often: the user may
    /// not create databases).
    #[error("cannot create a scratch database on the server ({message}); grant the user CREATE DATABASE rights, or skip the drift check with --no-drift")]
    Create {
        /// The server's message, password masked.
        message: String,
    },
    /// A revision failed in the scratch database.
    #[error("the applied revisions do not replay into an empty database: {0}")]
    Replay(RunError),
    /// Reading the scratch database failed.
    #[error("cannot read the scratch database: {0}")]
    Read(RunError),
}

/// A database created for a replay and dropped with the guard.
pub struct ScratchDatabase<C: Dialect> {
    admin: C,
    name: String,
    settings: EngineSettings,
}

impl<C: Dialect> ScratchDatabase<C> {
    /// Create a database with a fresh name on the server of `live`
    /// (PostgreSQL, MySQL), through a connection of its own.
    pub fn create(live: &EngineSettings) -> Result<Self, ScratchError> {
        let create_error = |message: String| ScratchError::Create { message };
        let name = scratch_name();
        let url = live
            .url
            .with_database(&name)
            .ok_or_else(|| create_error(format!("{} has no server", live.url.backend())))?;
        let mut admin: C = establish(live).map_err(|e| create_error(e.to_string()))?;
        let redact = |message: String| match live.url.password() {
            Some(p) if !p.is_empty() => message.replace(p, "***"),
            _ => message,
        };
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .map_err(|e| create_error(redact(e.to_string())))?;
        let mut settings = live.clone();
        settings.url = url;
        Ok(ScratchDatabase {
            admin,
            name,
            settings,
        })
    }

    /// Its name (it starts with [`SCRATCH_PREFIX`]).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The live settings, pointed at the scratch database.
    pub fn settings(&self) -> &EngineSettings {
        &self.settings
    }
}

impl<C: Dialect> Drop for ScratchDatabase<C> {
    fn drop(&mut self) {
        let plain = format!("DROP DATABASE IF EXISTS {}", self.name);
        let mut result = match C::BACKEND {
            // FORCE: the server may not have noticed yet that the replay's
            // connection closed. Servers before PostgreSQL 13 lack it.
            Backend::Postgres => self.admin.batch_execute(&format!("{plain} WITH (FORCE)")),
            _ => self.admin.batch_execute(&plain),
        };
        if result.is_err() && C::BACKEND == Backend::Postgres {
            result = self.admin.batch_execute(&plain);
        }
        if let Err(e) = result {
            // Nothing else can be done from a destructor; say which
            // database is left so that the user can drop it.
            eprintln!(
                "warning: cannot drop the scratch database {}: {e}; drop it by hand",
                self.name
            );
        }
    }
}

/// A name no other run picks: the process, the time and a counter.
fn scratch_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{SCRATCH_PREFIX}{}_{}_{:x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos & 0xffff_ffff_ffff
    )
}

/// What the revisions `heads` and their ancestors build, replayed with
/// `migrator` into a scratch database of `live`'s backend and read back.
/// `created` hears the scratch database's name (PostgreSQL, MySQL) as
/// soon as it exists; it is dropped before this returns, whatever happens.
pub fn built_schema<C>(
    migrator: &Migrator,
    live: &EngineSettings,
    heads: &[String],
    created: impl FnOnce(&str),
) -> Result<Schema, ScratchError>
where
    C: Dialect + LoadConnection,
    C::Backend: IntrospectBackend,
{
    if C::BACKEND == Backend::Sqlite {
        let mut settings = live.clone();
        settings.url =
            DatabaseUrl::parse(":memory:", UrlStyle::Diesel).map_err(|e| ScratchError::Create {
                message: e.to_string(),
            })?;
        let mut conn: C = establish(&settings).map_err(ScratchError::Read)?;
        return replay(migrator, &mut conn, heads);
    }
    // Declared before the connection, so the connection closes first.
    let scratch = ScratchDatabase::<C>::create(live)?;
    created(scratch.name());
    let mut conn: C = establish(scratch.settings()).map_err(ScratchError::Read)?;
    replay(migrator, &mut conn, heads)
}

fn replay<C>(migrator: &Migrator, conn: &mut C, heads: &[String]) -> Result<Schema, ScratchError>
where
    C: Dialect + LoadConnection,
    C::Backend: IntrospectBackend,
{
    for head in heads {
        let target: Target = head
            .parse()
            .map_err(|e| ScratchError::Replay(RunError::Graph(e)))?;
        migrator
            .upgrade(conn, &target)
            .map_err(ScratchError::Replay)?;
    }
    introspect(conn, &IntrospectOptions::default()).map_err(ScratchError::Read)
}
