//! The schema before each revision, for `cargo schema lint`: one scratch
//! database (see [`crate::scratch`]) brought forward revision by revision
//! through the same [`Migrator`] as `upgrade`, and read back by
//! introspection just before each revision to lint.

use diesel::connection::LoadConnection;
use schema_core::migrations::{Migration, Target};
use schema_core::schema::Schema;
use schema_core::url::{Backend, DatabaseUrl, UrlStyle};
use schema_core::EngineSettings;

use crate::connect::establish;
use crate::dialect::Dialect;
use crate::error::RunError;
use crate::introspect::{introspect, introspect_again, IntrospectBackend, IntrospectOptions, Kept};
use crate::runner::Migrator;
use crate::scratch::{ScratchDatabase, ScratchError};

/// A scratch database that revisions are replayed into, in order.
pub struct Replay<C: Dialect> {
    // Declared before the scratch guard, so it closes before the drop.
    conn: C,
    _scratch: Option<ScratchDatabase<C>>,
    // The last read, so that each revision's read takes the tables it left
    // alone from here (linting 1500 revisions on SQLite was quadratic).
    kept: Kept,
}

impl<C> Replay<C>
where
    C: Dialect + LoadConnection,
    C::Backend: IntrospectBackend,
{
    /// An empty scratch database of `live`'s backend (SQLite: in memory);
    /// `created` hears a server's scratch database name.
    pub fn start(live: &EngineSettings, created: impl FnOnce(&str)) -> Result<Self, ScratchError> {
        if C::BACKEND == Backend::Sqlite {
            let mut settings = live.clone();
            settings.url = DatabaseUrl::parse(":memory:", UrlStyle::Diesel).map_err(|e| {
                ScratchError::Create {
                    message: e.to_string(),
                }
            })?;
            let conn: C = establish(&settings).map_err(ScratchError::Read)?;
            return Ok(Replay {
                conn,
                _scratch: None,
                kept: Kept::default(),
            });
        }
        let scratch = ScratchDatabase::<C>::create(live)?;
        created(scratch.name());
        let conn: C = establish(scratch.settings()).map_err(ScratchError::Read)?;
        Ok(Replay {
            conn,
            _scratch: Some(scratch),
            kept: Kept::default(),
        })
    }

    /// The schema just before `migration` runs: everything it needs
    /// (parents and `depends_on`) applied with `migrator`, then read back.
    pub fn schema_before(
        &mut self,
        migrator: &Migrator,
        migration: &Migration,
    ) -> Result<Schema, ScratchError> {
        self.apply_before(migrator, migration)?;
        introspect_again(
            &mut self.conn,
            &IntrospectOptions::default(),
            &mut self.kept,
        )
        .map_err(ScratchError::Read)
    }

    /// Apply everything `migration` needs (parents and `depends_on`) with
    /// `migrator`, without reading the schema back: what
    /// [`Replay::schema_before`] does first, for a replay that starts
    /// late and must go through the same upgrades as one that did not.
    pub fn apply_before(
        &mut self,
        migrator: &Migrator,
        migration: &Migration,
    ) -> Result<(), ScratchError> {
        for needed in migration.down_revisions.iter().chain(&migration.depends_on) {
            let target: Target = needed
                .parse()
                .map_err(|e| ScratchError::Replay(RunError::Graph(e)))?;
            migrator
                .upgrade(&mut self.conn, &target)
                .map_err(ScratchError::Replay)?;
        }
        Ok(())
    }

    /// The schema after `migration`'s up.sql and then its down.sql, run
    /// from where [`Replay::schema_before`] left the scratch database; it is
    /// left without `migration`, which the next `schema_before` applies
    /// again when a later revision needs it.
    pub fn schema_after_round_trip(
        &mut self,
        migrator: &Migrator,
        migration: &Migration,
    ) -> Result<Schema, ScratchError> {
        let parse = |text: &str| {
            text.parse::<Target>()
                .map_err(|e| ScratchError::Replay(RunError::Graph(e)))
        };
        migrator
            .upgrade(&mut self.conn, &parse(&migration.revision)?)
            .map_err(ScratchError::Replay)?;
        // Down to one parent: of a merge, that reverts the merge alone.
        let back = parse(
            migration
                .down_revisions
                .first()
                .map_or("base", String::as_str),
        )?;
        migrator
            .downgrade(&mut self.conn, &back)
            .map_err(ScratchError::Replay)?;
        // A full read: `kept` stays the read before this revision, which the
        // next `schema_before` compares the database with as it finds it.
        introspect(&mut self.conn, &IntrospectOptions::default()).map_err(ScratchError::Read)
    }
}
