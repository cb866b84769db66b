//! The migration runner: Alembic's upgrade, downgrade and stamp over a
//! revision graph, on a real diesel connection, one runner at a time.
//!
//! Transactions follow Alembic: where DDL is transactional (PostgreSQL,
//! SQLite) a whole run is one transaction, bookkeeping included, so it lands
//! whole or not at all; `transaction_per_migration` gives one per revision;
//! a revision with `run_in_transaction = false` runs outside any. On
//! MySQL/MariaDB each revision gets its own transaction (DDL commits anyway)
//! and a revision that fails partway is recorded, so the next run stops
//! until someone looks. `transactional_ddl = false` (the default on
//! CockroachDB, YugabyteDB and TiDB, recognised from the server's version
//! string) runs any backend that way.
//!
//! Round trips: on PostgreSQL a revision inside the run's transaction goes
//! to the server as one batch with its bookkeeping rows, under a savepoint;
//! only when the batch fails is it undone to the savepoint and sent again
//! statement by statement, so the error names the statement and its line as
//! before. A revision outside a transaction is never batched (nothing could
//! undo what part of it did). Elsewhere statements go one at a time and a
//! revision's bookkeeping rows in one round trip.
//!
//! The pending set is always computed after the lock is taken: a runner that
//! waited for another finds nothing left to do and exits cleanly.

use std::collections::{HashMap, VecDeque};

use std::sync::Arc;

use schema_core::migrations::{
    AppliedSet, Direction, Migration, RevisionGraph, StampPlan, Step, Target,
};
pub use schema_core::settings::RunOptions;
use schema_core::settings::{RevisionTimeouts, RunPlan};
use schema_core::EngineSettings;

use diesel::migration::Migration as DieselMigration;
use schema_core::sql;
use schema_core::url::Backend;

use crate::bookkeeping::{
    self, RevisionRow, SqlxRow, APPLIED, DIESEL_TABLE, FAILED, REVISIONS_TABLE,
};
use crate::dialect::Dialect;
use crate::error::{RunError, StatementFailed};
use crate::lock::{LeaseState, LockGuard};
use crate::revision::Revision;

/// Hooks for progress output; the runner itself prints nothing.
pub trait Observer {
    /// The revisions the database holds as the run starts, read under the
    /// lock (so a summary can say where the run started from).
    fn starting(&mut self, _applied: &AppliedSet) {}
    /// The plan, once computed under the lock.
    fn planned(&mut self, _steps: &[Step]) {}
    /// A step is about to run.
    fn started(&mut self, _step: &Step) {}
    /// A step ran (and its bookkeeping is written).
    fn finished(&mut self, _step: &Step) {}
    /// A step failed on a lock timeout, left nothing behind, and runs again
    /// (`lock_timeout_retries`): this is retry `attempt` of `of`.
    fn retrying(&mut self, _step: &Step, _attempt: u32, _of: u32) {}
}

/// An observer that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Observer for Silent {}

/// The bookkeeping tables as read, before they are compared with a folder:
/// it needs no graph, so a command can read the database on one thread
/// while the folder is loaded on another (`cargo schema current` does).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bookkeeping {
    /// diesel's applied versions; `None` when its table does not exist.
    versions: Option<Vec<String>>,
    /// This tool's rows (empty without its table).
    rows: Vec<RevisionRow>,
    /// sqlx's rows; `None` without its table or without sqlx migrations.
    sqlx: Option<Vec<SqlxRow>>,
    /// The sqlx table that was looked for, if any.
    sqlx_table: Option<String>,
}

impl Bookkeeping {
    /// Reads both bookkeeping tables, changing nothing.
    pub fn read<C: Dialect>(conn: &mut C) -> Result<Self, RunError> {
        Self::read_with_sqlx(conn, None)
    }

    /// [`Bookkeeping::read`], plus sqlx's table `sqlx_table` when given
    /// (the folder has migrations in sqlx's layout).
    pub fn read_with_sqlx<C: Dialect>(
        conn: &mut C,
        sqlx_table: Option<&str>,
    ) -> Result<Self, RunError> {
        let sqlx = match sqlx_table {
            Some(table) if conn.table_exists(table)? => Some(conn.sqlx_rows(table)?),
            _ => None,
        };
        let sqlx_table = sqlx_table.map(str::to_owned);
        if !conn.table_exists(DIESEL_TABLE)? {
            return Ok(Bookkeeping {
                versions: sqlx.as_ref().map(|_| Vec::new()),
                sqlx,
                sqlx_table,
                ..Bookkeeping::default()
            });
        }
        let versions = conn.applied_versions()?;
        let rows = if conn.table_exists(REVISIONS_TABLE)? {
            conn.revision_rows()?
        } else {
            Vec::new()
        };
        Ok(Bookkeeping {
            versions: Some(versions),
            rows,
            sqlx,
            sqlx_table,
        })
    }

    /// Whether sqlx's table `table` was looked for (a read made before the
    /// folder was known may not have).
    pub fn read_sqlx(&self, table: &str) -> bool {
        self.sqlx_table.as_deref() == Some(table)
    }
}

/// diesel's applied versions with sqlx's table laid over them: for a
/// migration in sqlx's layout, sqlx's table says whether it is applied
/// (`sqlx migrate run` and `revert` write only there).
#[derive(Debug, Default)]
struct SqlxOverlay {
    /// The applied versions, as diesel's table would hold them.
    versions: Vec<String>,
    /// Versions sqlx applied that diesel's table lacks.
    adopt: Vec<String>,
    /// Versions diesel's table holds that sqlx has reverted.
    drop: Vec<String>,
    /// sqlx's checksum of each version it applied (diesel version to hex).
    checksums: HashMap<String, String>,
    /// The first migration sqlx records with `success = false`.
    dirty: Option<RunError>,
}

/// What the database holds, compared with the migrations folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    /// Applied revisions the folder knows.
    pub applied: AppliedSet,
    /// The database's heads (what `alembic_version` would hold).
    pub heads: Vec<String>,
    /// Revisions `upgrade heads` would apply, in order.
    pub pending: Vec<String>,
    /// Applied revisions whose up.sql changed since they ran.
    pub edited: Vec<String>,
    /// Versions the database records that the folder does not have.
    pub unknown: Vec<String>,
    /// Revisions that failed partway (where DDL is not transactional).
    pub failed: Vec<String>,
    /// Applied revisions with no bookkeeping row, so no checksum to
    /// compare their up.sql with (diesel applied them, or the table was
    /// dropped): whether they were edited is not known.
    pub unverified: Vec<String>,
}

/// Refuses a bookkeeping row whose state this version does not know.
fn known_state(row: &RevisionRow) -> Result<(), RunError> {
    if row.state == APPLIED || row.state == FAILED {
        Ok(())
    } else {
        Err(RunError::UnknownState {
            version: row.version.clone(),
            state: row.state.clone(),
        })
    }
}

/// A revision graph plus the options to run it with.
#[derive(Debug, Clone)]
pub struct Migrator {
    graph: RevisionGraph,
    options: RunOptions,
    lock_db: Option<Arc<EngineSettings>>,
}

impl Migrator {
    /// A migrator with default options.
    pub fn new(graph: RevisionGraph) -> Self {
        Migrator {
            graph,
            options: RunOptions::default(),
            lock_db: None,
        }
    }

    /// The database a `lock = table` lease is taken, renewed and released
    /// on, through a connection of its own (the runner's connection is busy
    /// with the run, and inside its transaction a renewal would not be
    /// seen). It must be the database the runner migrates: a lease taken
    /// elsewhere protects nothing. `None` leaves `lock = table` refused.
    pub fn with_lock_connection(mut self, settings: Option<EngineSettings>) -> Self {
        self.lock_db = settings.map(Arc::new);
        self
    }

    /// Replace the options.
    pub fn with_options(mut self, options: RunOptions) -> Self {
        self.options = options;
        self
    }

    /// The revision graph.
    pub fn graph(&self) -> &RevisionGraph {
        &self.graph
    }

    /// The options.
    pub fn options(&self) -> &RunOptions {
        &self.options
    }

    /// Apply what `target` needs (Alembic's `upgrade`); returns the steps run.
    pub fn upgrade<C: Dialect>(
        &self,
        conn: &mut C,
        target: &Target,
    ) -> Result<Vec<Step>, RunError> {
        self.run(conn, Direction::Up, target, &mut Silent)
    }

    /// Revert down to `target` (Alembic's `downgrade`); returns the steps run.
    pub fn downgrade<C: Dialect>(
        &self,
        conn: &mut C,
        target: &Target,
    ) -> Result<Vec<Step>, RunError> {
        self.run(conn, Direction::Down, target, &mut Silent)
    }

    /// [`Migrator::upgrade`] or [`Migrator::downgrade`], reporting progress.
    pub fn run<C: Dialect>(
        &self,
        conn: &mut C,
        direction: Direction,
        target: &Target,
        observer: &mut dyn Observer,
    ) -> Result<Vec<Step>, RunError> {
        debug_assert!(
            self.graph.has_sql(),
            "a graph read without its SQL cannot run"
        );
        let plan = self.plan_for(conn)?;
        let mut guard = self.lock(conn, &plan)?;
        let lease = guard.lease_state();
        let conn = &mut *guard;
        crate::lock::retry_certification(C::BACKEND, || {
            conn.locked_transaction(|c| {
                c.ensure_bookkeeping()?;
                self.ensure_sqlx(c)
            })
        })?;
        let ran = if plan.transactional {
            self.run_transactional(conn, direction, target, observer, &plan, &lease)
        } else {
            self.run_autocommit(conn, direction, target, observer, &plan, &lease)
        };
        ran.map_err(|e| lost_lease_first(e, &lease))
    }

    /// The plan of a run on this database ([`RunOptions::plan`]), asking
    /// the server for its version only when something is left to it.
    fn plan_for<C: Dialect>(&self, conn: &mut C) -> Result<RunPlan, RunError> {
        // Before the lock and the bookkeeping tables: a standby would
        // refuse the first write with "cannot execute CREATE TABLE in a
        // read-only transaction", which says nothing of the primary.
        if conn.is_standby()? {
            return Err(RunError::ReadOnlyStandby);
        }
        let version = if self.options.needs_server_version(C::BACKEND) {
            Some(conn.server_version()?)
        } else {
            None
        };
        self.options
            .plan(C::BACKEND, version.as_deref())
            .map_err(|refused| RunError::Setting {
                key: refused.key,
                message: refused.message,
            })
    }

    fn lock<'c, C: Dialect>(
        &self,
        conn: &'c mut C,
        plan: &RunPlan,
    ) -> Result<LockGuard<'c, C>, RunError> {
        let mut guard = LockGuard::take(
            conn,
            plan.lock,
            self.options.lock_timeout,
            self.options.lock_lease,
            self.lock_db.as_deref(),
        )?;
        if plan.galera {
            // What was applied is read on this node, which may not have
            // applied the last writes another node certified (the previous
            // holder's bookkeeping): reads wait until it has.
            guard.batch_execute(CAUSAL_READS)?;
        }
        Ok(guard)
    }

    fn run_transactional<C: Dialect>(
        &self,
        conn: &mut C,
        direction: Direction,
        target: &Target,
        observer: &mut dyn Observer,
        run_plan: &RunPlan,
        lease: &LeaseState,
    ) -> Result<Vec<Step>, RunError> {
        let whole = run_plan.whole_run_transaction();
        let mut done = Vec::new();
        let mut announced = false;
        // The rest of the plan, and how many versions diesel's table holds
        // once the steps so far are done. A transaction re-reads the
        // bookkeeping and plans again only when that count shows that
        // someone else changed the database in between (SQLite's lock lasts
        // one transaction): doing so for every revision made
        // `transaction_per_migration` runs quadratic in the revisions.
        let mut carried: Option<(VecDeque<Step>, i64)> = None;
        let mut retries = Retries::default();
        loop {
            let before = done.len();
            // The step being applied, and whether it was the first of its
            // transaction, for a lock timeout that may be retried.
            let mut current: Option<(Step, bool)> = None;
            let result = conn.locked_transaction(|c| {
                if let Some(limit) = run_plan.idle_limit_sql() {
                    c.batch_execute(&limit)?;
                }
                let mut count = c.version_count()?;
                let mut plan = match carried.take() {
                    Some((rest, expected)) if expected == count => rest,
                    _ => {
                        let applied = self.prepare(c)?;
                        if !announced {
                            observer.starting(&applied);
                        }
                        VecDeque::from(self.plan(&applied, direction, target)?)
                    }
                };
                if !announced {
                    observer.planned(plan.make_contiguous());
                    announced = true;
                }
                let mut ran = Vec::new();
                while let Some(step) = plan.pop_front() {
                    let migration = self.migration(&step)?;
                    if !migration.run_in_transaction {
                        fence(c, lease)?;
                        return Ok((ran, Some(step), plan, count));
                    }
                    lease.check()?;
                    current = Some((step.clone(), ran.is_empty()));
                    self.apply(c, &step, migration, observer, run_plan, false, true, lease)?;
                    current = None;
                    count += step_delta(&step);
                    ran.push(step);
                    if !whole {
                        break;
                    }
                }
                // Not committed once another runner may have taken
                // over: the fence is the transaction's last statement.
                fence(c, lease)?;
                Ok((ran, None, plan, count))
            });
            let (ran, outside, rest, count) = match result {
                Ok(ran) => ran,
                Err(error) => {
                    let error = rollback_note(error, whole, before);
                    let Some((step, first)) = current else {
                        return Err(error);
                    };
                    let migration = self.migration(&step)?;
                    // An error no statement of the revision owns (the
                    // connection lost): say which revision it cut short.
                    let error = match error {
                        RunError::Database(e) => RunError::Interrupted {
                            revision: migration.describe(),
                            message: e.to_string(),
                        },
                        other => other,
                    };
                    retries.after(error, &step, migration, first, run_plan, observer)?;
                    // Planned again from what the database holds now.
                    carried = None;
                    continue;
                }
            };
            done.extend(ran);
            let mut count = count;
            match outside {
                Some(step) => {
                    let migration = self.migration(&step)?;
                    // Outside a transaction a lock timeout is never
                    // retried; the error says so when retries were asked for.
                    while let Err(error) = self.apply(
                        conn, &step, migration, observer, run_plan, false, false, lease,
                    ) {
                        retries.after(error, &step, migration, true, run_plan, observer)?;
                    }
                    count += step_delta(&step);
                    done.push(step);
                }
                None if whole || rest.is_empty() => return Ok(done),
                None => {}
            }
            carried = Some((rest, count));
        }
    }

    /// MySQL/MariaDB, and `transactional_ddl = false`: DDL commits as it
    /// goes, so each revision runs in its own transaction (for its DML and
    /// bookkeeping) under the runner lock, and one that fails is recorded.
    fn run_autocommit<C: Dialect>(
        &self,
        conn: &mut C,
        direction: Direction,
        target: &Target,
        observer: &mut dyn Observer,
        run_plan: &RunPlan,
        lease: &LeaseState,
    ) -> Result<Vec<Step>, RunError> {
        let applied = self.prepare(conn)?;
        observer.starting(&applied);
        let plan = self.plan(&applied, direction, target)?;
        observer.planned(&plan);
        let mut retries = Retries::default();
        for step in &plan {
            let migration = self.migration(step)?;
            lease.check()?;
            while let Err(error) = self.apply(
                conn, step, migration, observer, run_plan, true, false, lease,
            ) {
                let Err(error) = retries.after(error, step, migration, false, run_plan, observer)
                else {
                    continue;
                };
                if direction == Direction::Up && matches!(error, RunError::Statement { .. }) {
                    // A runner that lost its lease writes nothing more: the
                    // failure may be the new holder's work colliding.
                    lease.verify()?;
                    conn.put_row(&RevisionRow::of(migration, FAILED))?;
                }
                return Err(error);
            }
        }
        Ok(plan)
    }

    /// sqlx's table, when the folder has migrations in sqlx's layout.
    pub fn sqlx_table(&self) -> Option<&str> {
        self.graph
            .migrations()
            .iter()
            .find_map(|m| m.sqlx.as_ref())
            .map(|s| s.table.as_str())
    }

    /// Lays sqlx's `rows` over diesel's `versions` ([`SqlxOverlay`]).
    fn overlay_sqlx(&self, versions: Vec<String>, rows: &[SqlxRow], table: &str) -> SqlxOverlay {
        let mut out = SqlxOverlay::default();
        let mut by_sqlx = HashMap::new();
        for row in rows {
            let known = row
                .version
                .parse::<i64>()
                .ok()
                .map(schema_core::migrations::sqlx::padded_version)
                .and_then(|v| self.graph.by_version(&v))
                .filter(|m| m.sqlx.is_some());
            if !row.succeeded() {
                if out.dirty.is_none() {
                    out.dirty = Some(RunError::SqlxDirty {
                        revision: known.map_or_else(|| row.version.clone(), |m| m.describe()),
                        revision_id: known
                            .map_or_else(|| row.version.clone(), |m| m.revision.clone()),
                        parent: match known {
                            Some(m) if !m.down_revisions.is_empty() => m.down_revisions.join(" "),
                            _ => "base".to_owned(),
                        },
                        table: table.to_owned(),
                    });
                }
                continue;
            }
            match known {
                Some(m) => {
                    by_sqlx.insert(m.version.clone(), row.checksum.clone());
                }
                // Reported as unknown, by the number sqlx shows.
                None => out.versions.push(row.version.clone()),
            }
        }
        for version in versions {
            let sqlx_kind = self
                .graph
                .by_version(&version)
                .is_some_and(|m| m.sqlx.is_some());
            if sqlx_kind && !by_sqlx.contains_key(&version) {
                out.drop.push(version);
            } else {
                out.versions.push(version);
            }
        }
        let held: std::collections::HashSet<&str> =
            out.versions.iter().map(String::as_str).collect();
        let mut adopt: Vec<String> = by_sqlx
            .keys()
            .filter(|v| !held.contains(v.as_str()))
            .cloned()
            .collect();
        adopt.sort();
        out.versions.extend(adopt.iter().cloned());
        out.adopt = adopt;
        out.checksums = by_sqlx;
        out
    }

    /// Brings diesel's table in step with sqlx's for the migrations in
    /// sqlx's layout, and returns the applied versions and sqlx's
    /// checksums. `dirty_ok` lets a stamp settle a row sqlx left failed.
    fn sync_sqlx<C: Dialect>(
        &self,
        conn: &mut C,
        versions: Vec<String>,
        dirty_ok: bool,
    ) -> Result<(Vec<String>, HashMap<String, String>), RunError> {
        let Some(table) = self.sqlx_table() else {
            return Ok((versions, HashMap::new()));
        };
        let rows = conn.sqlx_rows(table)?;
        let overlay = self.overlay_sqlx(versions, &rows, table);
        if let Some(dirty) = overlay.dirty {
            if !dirty_ok {
                return Err(dirty);
            }
            conn.batch_execute(&format!("DELETE FROM {table} WHERE success = FALSE"))?;
        }
        for version in &overlay.adopt {
            conn.insert_version(version)?;
        }
        for version in &overlay.drop {
            conn.forget(version, true)?;
        }
        Ok((overlay.versions, overlay.checksums))
    }

    /// Creates sqlx's table when the folder has migrations in sqlx's layout.
    fn ensure_sqlx<C: Dialect>(&self, conn: &mut C) -> Result<(), RunError> {
        if let Some(table) = self.sqlx_table() {
            conn.batch_execute(&bookkeeping::sqlx_ddl(table, C::BACKEND))?;
        }
        Ok(())
    }

    fn migration(&self, step: &Step) -> Result<&Migration, RunError> {
        self.graph
            .resolve_revision(&step.revision)
            .map_err(RunError::from)
    }

    fn plan(
        &self,
        applied: &AppliedSet,
        direction: Direction,
        target: &Target,
    ) -> Result<Vec<Step>, RunError> {
        Ok(match direction {
            Direction::Up => self.graph.plan_upgrade(applied, target)?,
            Direction::Down => self.graph.plan_downgrade(applied, target)?,
        })
    }

    /// Run one step. `enclosed`: inside the runner's transaction, which
    /// fences its own commit; otherwise this step's statements commit as
    /// they go (`partial`) or outside any transaction, so each is preceded
    /// by a check of the lease on its own connection, and the bookkeeping
    /// commits in a transaction that ends with the fence.
    #[allow(clippy::too_many_arguments)]
    fn apply<C: Dialect>(
        &self,
        conn: &mut C,
        step: &Step,
        migration: &Migration,
        observer: &mut dyn Observer,
        run_plan: &RunPlan,
        partial: bool,
        enclosed: bool,
        lease: &LeaseState,
    ) -> Result<(), RunError> {
        observer.started(step);
        let record = bookkeeping::record_step_sql(migration, step.direction, C::BACKEND, true);
        if enclosed
            && C::BATCHED_STEPS
            && self.apply_batched(conn, step, migration, run_plan, &record)?
        {
            observer.finished(step);
            return Ok(());
        }
        let revision = Revision::new(migration, C::BACKEND);
        let session = run_plan.revision_session(RevisionTimeouts::of(migration));
        type Boxed = Box<dyn std::error::Error + Send + Sync>;
        let statements = |c: &mut C| -> Result<(), Boxed> {
            let script = match step.direction {
                Direction::Up => Some(&migration.up_sql),
                Direction::Down => migration.down_sql.as_ref(),
            };
            for statement in &session.0 {
                c.batch_execute(statement)?;
            }
            let ran: Result<(), Boxed> = match script {
                Some(script) if !enclosed => {
                    crate::revision::execute_checked(c, script, C::BACKEND, &|| lease.verify())
                }
                _ => match step.direction {
                    Direction::Up => DieselMigration::<C::Backend>::run(&revision, c),
                    Direction::Down => DieselMigration::<C::Backend>::revert(&revision, c),
                },
            };
            // After a failure the session is restored too where it can be;
            // inside a transaction that failed, the rollback restores it.
            for statement in &session.1 {
                let restored = c.batch_execute(statement);
                if ran.is_ok() {
                    restored?;
                }
            }
            ran
        };
        // Both tables' rows in one round trip; fenced unless the caller's
        // transaction fences its own commit. Its failure names the
        // revision: the SQL before it may have committed.
        let record_fenced = |c: &mut C| -> Result<(), Boxed> {
            c.batch_execute(&record).map_err(|e| {
                format!(
                    "recording revision {} ({}) in the bookkeeping tables failed: {e}",
                    migration.describe(),
                    migration
                        .file_path(match step.direction {
                            Direction::Up => "up.sql",
                            Direction::Down => "down.sql",
                        })
                        .display()
                )
            })?;
            if !enclosed {
                fence(c, lease)?;
            }
            Ok(())
        };
        // What diesel's harness does, bookkeeping included: a revision's own
        // transaction unless the caller's encloses it or it must run outside.
        // With `transactional_ddl = false` on a backend whose DDL is in fact
        // transactional (PostgreSQL standing in for CockroachDB or
        // YugabyteDB), each statement commits by itself, as those engines
        // run DDL (YugabyteDB: each DDL its own transaction; CockroachDB
        // advises schema changes outside explicit transactions); the
        // bookkeeping rows still land together, in one batch.
        let own_transaction = migration.run_in_transaction
            && !enclosed
            && !(partial && run_plan.each_statement_commits);
        let result = if own_transaction || enclosed {
            let run = |c: &mut C| -> Result<(), Boxed> {
                statements(c)?;
                record_fenced(c)
            };
            if own_transaction {
                conn.transaction(run)
            } else {
                run(conn)
            }
        } else {
            // On Galera the bookkeeping's commit can fail certification
            // (a write or DDL certified first on another node); it is
            // rolled back whole, so it is sent again. The revision's
            // statements before it are not.
            statements(conn).and_then(|()| {
                crate::lock::retry_certification(run_plan.backend, || {
                    conn.transaction(record_fenced)
                })
            })
        };
        if let Err(error) = result {
            return Err(step_error(error, migration, step.direction, partial));
        }
        observer.finished(step);
        Ok(())
    }

    /// Send a revision's statements and its bookkeeping as one batch (two
    /// round trips instead of one per statement), under a savepoint of the
    /// caller's transaction. When the batch fails, the savepoint undoes
    /// whatever of it took effect and `false` sends the caller to the
    /// statement-by-statement path, which fails again at the statement that
    /// failed and names it and its line, as a run without batches would.
    fn apply_batched<C: Dialect>(
        &self,
        conn: &mut C,
        step: &Step,
        migration: &Migration,
        run_plan: &RunPlan,
        record: &str,
    ) -> Result<bool, RunError> {
        let script = match step.direction {
            Direction::Up => migration.up_sql.as_str(),
            Direction::Down => match &migration.down_sql {
                Some(down) => down.as_str(),
                None => return Ok(false),
            },
        };
        // The savepoint goes first, on its own: PostgreSQL parses a whole
        // batch before running any of it, so a syntax error anywhere would
        // also stop a savepoint inside the batch from being taken.
        conn.batch_execute(&format!("SAVEPOINT {SAVEPOINT}"))?;
        let mut batch = String::with_capacity(script.len() + record.len() + 64);
        let (before, after) = run_plan.revision_session(RevisionTimeouts::of(migration));
        for statement in &before {
            batch.push_str(statement);
            batch.push_str(";\n");
        }
        for statement in sql::split(script, C::BACKEND) {
            // The terminator on a line of its own: a statement may end in a
            // line comment.
            batch.push_str(&statement.text);
            batch.push_str("\n;\n");
        }
        for statement in &after {
            batch.push_str(statement);
            batch.push_str(";\n");
        }
        batch.push_str(record);
        batch.push_str(&format!("RELEASE SAVEPOINT {SAVEPOINT};"));
        if conn.batch_execute(&batch).is_ok() {
            return Ok(true);
        }
        conn.batch_execute(&format!(
            "ROLLBACK TO SAVEPOINT {SAVEPOINT}; RELEASE SAVEPOINT {SAVEPOINT}"
        ))?;
        Ok(false)
    }

    /// Read the bookkeeping, refuse what must be refused, and record
    /// checksums of revisions diesel applied (or whose edits are accepted).
    fn prepare<C: Dialect>(&self, conn: &mut C) -> Result<AppliedSet, RunError> {
        let versions = conn.applied_versions()?;
        let (versions, sqlx_checksums) = self.sync_sqlx(conn, versions, false)?;
        let rows = conn.revision_rows()?;
        let applied = self
            .graph
            .applied_from_versions(versions.iter().map(String::as_str))?;
        rows.iter().try_for_each(known_state)?;
        let rows: HashMap<&str, &RevisionRow> =
            rows.iter().map(|r| (r.version.as_str(), r)).collect();

        for row in rows.values().filter(|r| r.state == FAILED) {
            if let Some(m) = self.graph.by_version(&row.version) {
                // An edited up.sql is the user's fix: let it run again.
                if m.checksum.as_str() == row.checksum && !applied.contains(&m.revision) {
                    return Err(RunError::FailedEarlier {
                        revision: m.describe(),
                        revision_id: m.revision.clone(),
                        // A merge revision undone by hand leaves the
                        // database at all of its parents.
                        parent: if m.down_revisions.is_empty() {
                            "base".to_owned()
                        } else {
                            m.down_revisions.join(" ")
                        },
                    });
                }
            }
        }

        let mut edited = Vec::new();
        let mut to_record = Vec::new();
        let mut sqlx_rewrite = Vec::new();
        for version in &versions {
            let Some(m) = self.graph.by_version(version) else {
                continue;
            };
            if let (Some(recorded), Some(sqlx)) = (sqlx_checksums.get(version), &m.sqlx) {
                if *recorded != sqlx.checksum {
                    edited.push(format!(
                        "{} ({}, by sqlx's checksum)",
                        m.revision,
                        m.file_path("up.sql").display()
                    ));
                    sqlx_rewrite.push(m);
                    to_record.push(m);
                    continue;
                }
            }
            match rows.get(version.as_str()) {
                Some(row) if row.state == APPLIED && row.checksum == m.checksum.as_str() => {}
                Some(row) if row.state == APPLIED => {
                    edited.push(format!(
                        "{} ({})",
                        m.revision,
                        m.file_path("up.sql").display()
                    ));
                    to_record.push(m);
                }
                _ => to_record.push(m),
            }
        }
        if !edited.is_empty() && !self.options.allow_edited {
            return Err(RunError::Edited { revisions: edited });
        }
        for m in to_record {
            conn.put_row(&RevisionRow::of(m, APPLIED))?;
        }
        // An accepted edit is recorded in sqlx's table too, so that sqlx
        // accepts it as well.
        for m in sqlx_rewrite {
            conn.batch_execute(&bookkeeping::sqlx_record_sql(m, Direction::Up, C::BACKEND))?;
        }
        Ok(applied)
    }

    /// Compare the database with the folder without changing either.
    pub fn status<C: Dialect>(&self, conn: &mut C) -> Result<Status, RunError> {
        self.status_of(&Bookkeeping::read_with_sqlx(conn, self.sqlx_table())?)
    }

    /// [`Migrator::status`] from bookkeeping already read, so that the
    /// database can be read while the folder is (see [`Bookkeeping`]).
    pub fn status_of(&self, read: &Bookkeeping) -> Result<Status, RunError> {
        let mut status = Status::default();
        let Some(versions) = &read.versions else {
            status.pending = self.pending_from(&status.applied)?;
            return Ok(status);
        };
        read.rows.iter().try_for_each(known_state)?;
        let rows: HashMap<&str, &RevisionRow> =
            read.rows.iter().map(|r| (r.version.as_str(), r)).collect();
        let mut sqlx_checksums = HashMap::new();
        let overlaid;
        let versions = match (&read.sqlx, self.sqlx_table()) {
            (Some(sqlx_rows), Some(table)) => {
                let overlay = self.overlay_sqlx(versions.clone(), sqlx_rows, table);
                if let Some(RunError::SqlxDirty { revision_id, .. }) = overlay.dirty {
                    status.failed.push(revision_id);
                }
                sqlx_checksums = overlay.checksums;
                overlaid = overlay.versions;
                &overlaid
            }
            _ => versions,
        };
        for version in versions {
            match self.graph.by_version(version) {
                Some(m) => {
                    status.applied.insert(m.revision.clone());
                    if let (Some(recorded), Some(sqlx)) = (sqlx_checksums.get(version), &m.sqlx) {
                        if *recorded != sqlx.checksum {
                            status.edited.push(m.revision.clone());
                            continue;
                        }
                    }
                    match rows.get(version.as_str()) {
                        Some(row)
                            if row.state == APPLIED && row.checksum != m.checksum.as_str() =>
                        {
                            status.edited.push(m.revision.clone());
                        }
                        Some(_) => {}
                        None if sqlx_checksums.contains_key(version) => {}
                        None => status.unverified.push(m.revision.clone()),
                    }
                }
                None => status.unknown.push(version.clone()),
            }
        }
        for row in rows.values().filter(|r| r.state == FAILED) {
            status.failed.push(row.revision.clone());
        }
        status.heads = self
            .graph
            .current_heads(&status.applied)?
            .into_iter()
            .map(|m| m.revision.clone())
            .collect();
        status.pending = self.pending_from(&status.applied)?;
        Ok(status)
    }

    fn pending_from(&self, applied: &AppliedSet) -> Result<Vec<String>, RunError> {
        if self.graph.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self
            .graph
            .plan_upgrade(applied, &Target::heads())?
            .into_iter()
            .map(|s| s.revision)
            .collect())
    }

    /// Record the database as being at `targets` without running SQL
    /// (Alembic's `stamp`); `purge` forgets everything first.
    pub fn stamp<C: Dialect>(
        &self,
        conn: &mut C,
        targets: &[Target],
        purge: bool,
    ) -> Result<Vec<StampPlan>, RunError> {
        let plan = self.plan_for(conn)?;
        let mut guard = self.lock(conn, &plan)?;
        let lease = guard.lease_state();
        let conn = &mut *guard;
        conn.locked_transaction(|c| {
            lease.check()?;
            c.ensure_bookkeeping()?;
            self.ensure_sqlx(c)?;
            let versions = c.applied_versions()?;
            let (versions, _) = self.sync_sqlx(c, versions, true)?;
            let mut applied = if purge {
                for v in &versions {
                    c.forget(v, true)?;
                }
                if let Some(table) = self.sqlx_table() {
                    c.batch_execute(&format!("DELETE FROM {table}"))?;
                }
                AppliedSet::new()
            } else {
                self.graph
                    .applied_from_versions(versions.iter().map(String::as_str))?
            };
            // A stamp is how a user settles a revision that failed partway.
            for row in c.revision_rows()?.into_iter().filter(|r| r.state == FAILED) {
                c.forget(&row.version, false)?;
            }
            let mut plans = Vec::new();
            for (i, target) in targets.iter().enumerate() {
                let plan = self.graph.plan_stamp(&applied, target, purge && i == 0)?;
                for step in &plan.delete {
                    c.forget(&step.version, true)?;
                    let m = self.migration(step)?;
                    if m.sqlx.is_some() {
                        c.batch_execute(&bookkeeping::sqlx_record_sql(
                            m,
                            Direction::Down,
                            C::BACKEND,
                        ))?;
                    }
                }
                for step in &plan.insert {
                    let m = self.migration(step)?;
                    c.insert_version(&m.version)?;
                    c.put_row(&RevisionRow::of(m, APPLIED))?;
                    if m.sqlx.is_some() {
                        c.batch_execute(&bookkeeping::sqlx_record_sql(
                            m,
                            Direction::Up,
                            C::BACKEND,
                        ))?;
                    }
                }
                applied = plan.applied_after.clone();
                plans.push(plan);
            }
            fence(c, &lease)?;
            Ok(plans)
        })
    }
}

/// A run that failed while its lease was lost failed because of that loss:
/// the server ends the session of a runner that sat idle in a transaction
/// past its lease (see `lock::limit_idle_transactions`), and "connection
/// closed" alone would hide why. The lease is renewed once, on its own
/// connection, to tell; a lease still held leaves the error as it was.
fn lost_lease_first(error: RunError, lease: &LeaseState) -> RunError {
    if matches!(error, RunError::LeaseLost { .. }) {
        return error;
    }
    match lease.verify() {
        Err(RunError::LeaseLost { reason }) => {
            let first_line = error.to_string();
            let first_line = first_line.lines().next().unwrap_or_default();
            RunError::LeaseLost {
                reason: format!("{reason}, and then this runner's run failed: {first_line}"),
            }
        }
        _ => error,
    }
}

/// The last statement of a transaction about to commit, when the runner
/// holds a lease: the transaction commits only if the lease is still this
/// runner's, proven inside the transaction itself (see [`crate::lock::lease`]).
fn fence<C: Dialect>(conn: &mut C, lease: &LeaseState) -> Result<(), RunError> {
    lease.check()?;
    match lease.fence_sql() {
        Some(sql) => lease.fenced(conn.execute_counted(sql)?),
        None => Ok(()),
    }
}

/// `lock_timeout_retries`: how many times the revision that failed last
/// has been run again.
#[derive(Default)]
struct Retries {
    revision: String,
    done: u32,
}

impl Retries {
    /// After `error` from `step`: `Ok` when it was a lock timeout that left
    /// nothing behind and retries remain (the observer is told), otherwise
    /// the error, saying why a lock timeout was not retried. `first`: the
    /// step was the first of its transaction.
    fn after(
        &mut self,
        mut error: RunError,
        step: &Step,
        migration: &Migration,
        first: bool,
        run_plan: &RunPlan,
        observer: &mut dyn Observer,
    ) -> Result<(), RunError> {
        let allowed = run_plan.lock_timeout_retries;
        let RunError::Statement {
            message,
            line,
            note,
            ..
        } = &mut error
        else {
            return Err(error);
        };
        if allowed == 0 || !is_lock_timeout(run_plan.backend, message) {
            return Err(error);
        }
        if self.revision != step.revision {
            *self = Retries {
                revision: step.revision.clone(),
                done: 0,
            };
        }
        let script = match step.direction {
            Direction::Up => Some(migration.up_sql.as_str()),
            Direction::Down => migration.down_sql.as_deref(),
        };
        let first_statement = script
            .and_then(|s| sql::split(s, run_plan.backend).into_iter().next())
            .is_some_and(|s| s.line == *line);
        let why = match run_plan.retry_leaves_nothing(
            migration.run_in_transaction,
            first,
            first_statement,
        ) {
            Ok(()) if self.done < allowed => {
                self.done += 1;
                observer.retrying(step, self.done, allowed);
                return Ok(());
            }
            Ok(()) => format!("it failed on a lock timeout again after {allowed} retries (lock_timeout_retries = {allowed})"),
            Err(why) => format!("not retried after the lock timeout (lock_timeout_retries = {allowed}): {why}"),
        };
        if !note.is_empty() {
            note.push_str("\n  ");
        }
        note.push_str(&why);
        Err(error)
    }
}

/// Whether a server's message is its lock timeout: PostgreSQL's 55P03
/// (`lock_timeout`), MySQL/MariaDB's 1205 (`lock_wait_timeout`,
/// `innodb_lock_wait_timeout`). The message is matched because diesel's
/// error carries no SQLSTATE or error number; both are the servers'
/// English messages, the default `lc_messages`.
fn is_lock_timeout(backend: Backend, message: &str) -> bool {
    match backend {
        Backend::Postgres => message.contains("canceling statement due to lock timeout"),
        Backend::Mysql => message.contains("Lock wait timeout exceeded"),
        // The runner holds SQLite's write lock: nothing of its own waits.
        Backend::Sqlite => false,
    }
}

/// Makes a Galera node's reads causal: each `SELECT` (and `BEGIN`) waits
/// until the node has applied every write the cluster certified before it
/// (`wsrep_sync_wait` bit 1).
const CAUSAL_READS: &str = "SET SESSION wsrep_sync_wait = 1";

/// The savepoint a batched revision runs under.
const SAVEPOINT: &str = "cargo_schema_revision";

/// How a step changes the number of versions in diesel's table.
fn step_delta(step: &Step) -> i64 {
    match step.direction {
        Direction::Up => 1,
        Direction::Down => -1,
    }
}

/// Turn diesel_migrations' boxed error into one that names the revision,
/// its file and the failing statement.
fn step_error(
    error: Box<dyn std::error::Error + Send + Sync>,
    migration: &Migration,
    direction: Direction,
    partial: bool,
) -> RunError {
    let file = migration.file_path(match direction {
        Direction::Up => "up.sql",
        Direction::Down => "down.sql",
    });
    let error = match error.downcast::<RunError>() {
        Ok(run) => return *run,
        Err(other) => other,
    };
    let error = match error.downcast::<StatementFailed>() {
        Ok(failed) => {
            return RunError::Statement {
                revision: migration.describe(),
                file,
                line: failed.line,
                statement: shorten(&failed.statement),
                message: failed.source.to_string(),
                partial,
                note: String::new(),
            }
        }
        Err(other) => other,
    };
    match error.downcast::<diesel::result::Error>() {
        Ok(db) => RunError::Database(*db),
        Err(other) => RunError::Statement {
            revision: migration.describe(),
            file,
            line: 1,
            statement: String::new(),
            message: other.to_string(),
            partial,
            note: String::new(),
        },
    }
}

/// A statement as an error shows it: one line, at most 200 characters.
fn shorten(statement: &str) -> String {
    let one_line = statement.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 200 {
        format!("{}...", one_line.chars().take(200).collect::<String>())
    } else {
        one_line
    }
}

/// Say what a rolled-back transaction undid: after a failure in the middle
/// of a run, the `Running upgrade` lines above it no longer hold.
fn rollback_note(mut error: RunError, whole: bool, before: usize) -> RunError {
    if let RunError::Statement { note, .. } = &mut error {
        *note = match (whole, before) {
            (true, 0) => "the run's transaction was rolled back: the database is as it was before this run".to_owned(),
            (true, n) => format!(
                "the transaction was rolled back; the {n} revision(s) applied before a revision with run_in_transaction = false stay applied"
            ),
            (false, n) => format!("this revision was rolled back; the {n} revision(s) before it in this run stay applied"),
        };
    }
    error
}
