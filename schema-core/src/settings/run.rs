//! The run options: the main section's run settings as ONE value that goes
//! from the ini file to every runner (`cargo schema`'s, the one `embed!()`
//! bakes in as a constant, the offline script's), and the one place that
//! decides what a run does with them on a given database ([`RunPlan`]).
//!
//! A new run setting is a field here (its default, its reading, its
//! constant for `embed!()`, and what it changes in the plan) and its line
//! in [`super::MIGRATION_KEYS`]; the runners only follow the plan.

use std::time::Duration;

use proc_macro2::TokenStream;
use quote::quote;

use super::migration::{flag, invalid, read, seconds};
use crate::config::Config;
use crate::diag::Diagnostic;
use crate::options::asbool;
use crate::url::{Backend, Flavor};

/// How runners on one database take turns (the main section's `lock`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LockMode {
    /// The backend's own lock: a PostgreSQL advisory lock, MySQL's
    /// `GET_LOCK`, SQLite's write lock.
    Advisory,
    /// A lease row in `__schema_lock` with an expiry, renewed while the run
    /// lasts, for engines without advisory locks.
    Table,
    /// No lock: for a single runner only.
    None,
}

impl LockMode {
    /// The words `lock =` accepts.
    pub const WORDS: &'static [&'static str] = &["advisory", "table", "none"];

    /// The mode a word names.
    pub fn from_word(word: &str) -> Option<LockMode> {
        match word.trim().to_ascii_lowercase().as_str() {
            "advisory" => Some(LockMode::Advisory),
            "table" => Some(LockMode::Table),
            "none" => Some(LockMode::None),
            _ => None,
        }
    }

    /// How the ini spells it.
    pub fn word(self) -> &'static str {
        match self {
            LockMode::Advisory => "advisory",
            LockMode::Table => "table",
            LockMode::None => "none",
        }
    }
}

/// How long a `lock = table` lease lasts unless renewed.
pub const DEFAULT_LOCK_LEASE: Duration = Duration::from_secs(30);

/// How a run behaves: the main section's run settings, typed, with their
/// defaults. The same value reaches every runner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOptions {
    /// One transaction per revision instead of one for the run.
    pub transaction_per_migration: bool,
    /// How long to wait for another runner's lock.
    pub lock_timeout: Duration,
    /// Accept applied revisions whose up.sql changed, recording the new
    /// checksums (`upgrade --allow-edited`; no ini key).
    pub allow_edited: bool,
    /// Which lock to take; `None` picks by engine: a lease row on
    /// CockroachDB, YugabyteDB and a Galera cluster, the backend's
    /// advisory lock elsewhere.
    pub lock: Option<LockMode>,
    /// How long a `lock = table` lease lasts unless renewed.
    pub lock_lease: Duration,
    /// Whether DDL is transactional; `None` picks by engine. `false` runs
    /// each revision on its own and records one that failed partway.
    pub transactional_ddl: Option<bool>,
    /// How long one statement of a revision may run before the server
    /// cancels it (PostgreSQL's `statement_timeout`, MariaDB's
    /// `max_statement_time`), set around each revision's own statements and
    /// restored after them; `None` leaves the session's as it is. SQLite,
    /// where nothing waits on a server, ignores it.
    pub statement_timeout: Option<Duration>,
    /// How long one statement of a revision may wait for a lock another
    /// session holds before the server gives up (PostgreSQL's
    /// `lock_timeout`, MySQL/MariaDB's `lock_wait_timeout` and
    /// `innodb_lock_wait_timeout`, SQLite's busy timeout), set around each
    /// revision's own statements and restored after them; `None` leaves the
    /// session's as it is. Not [`RunOptions::lock_timeout`], which is how
    /// long a runner waits for another runner.
    pub statement_lock_timeout: Option<Duration>,
    /// How many times a revision that failed on a lock timeout is run again,
    /// where its failure left nothing behind (see
    /// [`RunPlan::retry_leaves_nothing`]).
    pub lock_timeout_retries: u32,
}

impl RunOptions {
    /// The options of a main section that sets none of the keys.
    pub const DEFAULT: RunOptions = RunOptions {
        transaction_per_migration: false,
        lock_timeout: Duration::from_secs(60),
        allow_edited: false,
        lock: None,
        lock_lease: DEFAULT_LOCK_LEASE,
        transactional_ddl: None,
        statement_timeout: None,
        statement_lock_timeout: None,
        lock_timeout_retries: 0,
    };

    /// Read the run keys of the main section; problems go to `problems`
    /// (each key keeps its default when its value is bad).
    pub(super) fn read(config: &Config, problems: &mut Vec<Diagnostic>) -> RunOptions {
        let d = RunOptions::DEFAULT;
        let transaction_per_migration = flag(config, "transaction_per_migration", problems);
        let lock_timeout = seconds(config, "lock_timeout", d.lock_timeout, problems);
        let lock = read(config, "lock", problems).and_then(|(v, line)| {
            let mode = LockMode::from_word(&v);
            if mode.is_none() {
                let mut d = invalid(
                    config,
                    "lock",
                    line,
                    &format!(
                        "expected one of {}, got `{}`",
                        LockMode::WORDS.join(", "),
                        v.trim()
                    ),
                );
                if let Some(s) = crate::diag::suggest(v.trim(), LockMode::WORDS.iter().copied()) {
                    d = d.suggest(s);
                }
                problems.push(d);
            }
            mode
        });
        let lock_lease = seconds(config, "lock_lease", d.lock_lease, problems);
        if lock_lease.is_zero() {
            let line = read(config, "lock_lease", problems).and_then(|(_, line)| line);
            problems.push(invalid(
                config,
                "lock_lease",
                line,
                "a lease must last longer than 0 seconds",
            ));
        }
        let transactional_ddl = read(config, "transactional_ddl", problems).map(|(v, line)| {
            asbool(&v).unwrap_or_else(|| {
                problems.push(invalid(
                    config,
                    "transactional_ddl",
                    line,
                    &format!("expected true or false, got `{}`", v.trim()),
                ));
                true
            })
        });
        let statement_timeout = optional_timeout(config, "statement_timeout", problems);
        let statement_lock_timeout = optional_timeout(config, "statement_lock_timeout", problems);
        let lock_timeout_retries =
            read(config, "lock_timeout_retries", problems).map_or(0, |(v, line)| {
                v.trim().parse::<u32>().unwrap_or_else(|_| {
                    problems.push(invalid(
                        config,
                        "lock_timeout_retries",
                        line,
                        &format!("expected a whole number of retries, got `{}`", v.trim()),
                    ));
                    0
                })
            });
        RunOptions {
            transaction_per_migration,
            lock_timeout,
            allow_edited: false,
            lock,
            lock_lease,
            transactional_ddl,
            statement_timeout,
            statement_lock_timeout,
            lock_timeout_retries,
        }
    }

    /// Whether a run takes its lock on a connection of its own (a `lock =
    /// table` lease, which `lock` unset may pick; with `lock` unset, the
    /// PostgreSQL advisory lock held by a transaction kept open there, which
    /// holds through a transaction-mode pooler), so the runner needs the
    /// URL: where it cannot, reading the URL (and the environment) is
    /// skipped. `lock = advisory` keeps the session lock on the runner's
    /// own connection.
    pub fn needs_lock_connection(&self) -> bool {
        !matches!(self.lock, Some(LockMode::Advisory | LockMode::None))
    }

    /// Whether [`RunOptions::plan`] needs the server's version string on
    /// `backend` (what was left to the engine is decided by it).
    pub fn needs_server_version(&self, backend: Backend) -> bool {
        match backend {
            Backend::Sqlite => false,
            Backend::Postgres => self.lock.is_none() || self.transactional_ddl.is_none(),
            // Always: a Galera node needs causal reads and retries of
            // certification failures whatever the keys say.
            Backend::Mysql => true,
        }
    }

    /// What a run does on a `backend` server whose `SELECT version()`
    /// returned `server_version` (`None` when
    /// [`RunOptions::needs_server_version`] said it was not needed): the
    /// lock, the transactions and the session statements around each
    /// revision. A setting the server cannot honour is refused.
    pub fn plan(
        &self,
        backend: Backend,
        server_version: Option<&str>,
    ) -> Result<RunPlan, RefusedSetting> {
        if self.transactional_ddl == Some(true) && !backend.transactional_ddl() {
            return Err(RefusedSetting {
                key: "transactional_ddl",
                message: format!(
                    "`true`, but {} commits DDL as it runs; remove the key",
                    Flavor::recognise(backend, "")
                ),
            });
        }
        if let (Backend::Mysql, Some(version), Some(_)) =
            (backend, server_version, self.statement_timeout)
        {
            if !version.contains("MariaDB") {
                return Err(RefusedSetting {
                    key: "statement_timeout",
                    message: format!(
                        "{} has no timeout for DDL and DML statements (its \
                         max_execution_time covers SELECT only); remove the key",
                        Flavor::recognise(backend, version)
                    ),
                });
            }
        }
        let flavor = server_version.map(|v| Flavor::recognise(backend, v));
        if flavor == Some(Flavor::Galera) && self.lock == Some(LockMode::Advisory) {
            // Measured: nine runners over three nodes all failed, one
            // revision ran twice and the database was left failed partway.
            return Err(RefusedSetting {
                key: "lock",
                message: "`advisory` is GET_LOCK, which holds on one node of a Galera \
                          cluster only: runners on two nodes would both hold it; \
                          remove the key (the lease row, `table`, holds across the cluster)"
                    .to_owned(),
            });
        }
        let lock = self.lock.unwrap_or(match flavor {
            Some(flavor) if !flavor.advisory_locks() => LockMode::Table,
            _ => LockMode::Advisory,
        });
        let transactional = match self.transactional_ddl {
            Some(set) => set,
            None => flavor.map_or(backend.transactional_ddl(), Flavor::transactional_ddl),
        };
        let mut plan = self.plan_with(backend, lock, transactional);
        plan.galera = flavor == Some(Flavor::Galera);
        Ok(plan)
    }

    /// What the offline script writes for `backend`, which no server
    /// answers for: the backend's own rules, and a setting the runner
    /// would refuse followed as far as the backend can.
    pub fn offline_plan(&self, backend: Backend) -> RunPlan {
        let transactional = backend.transactional_ddl() && self.transactional_ddl != Some(false);
        self.plan_with(backend, LockMode::None, transactional)
    }

    fn plan_with(&self, backend: Backend, lock: LockMode, transactional: bool) -> RunPlan {
        RunPlan {
            lock,
            transactional,
            per_migration: self.transaction_per_migration,
            // A backend whose DDL is in fact transactional told it is not
            // (PostgreSQL standing in for CockroachDB or YugabyteDB): each
            // statement commits by itself, as those engines run DDL.
            each_statement_commits: backend.transactional_ddl() && !transactional,
            backend,
            timeouts: RevisionTimeouts {
                statement: self.statement_timeout,
                lock: self.statement_lock_timeout,
            },
            runner_lock_timeout: self.lock_timeout,
            lock_timeout_retries: self.lock_timeout_retries,
            galera: false,
            idle_limit: (lock == LockMode::Table).then_some(self.lock_lease),
        }
    }

    /// The options as a constant expression for `embed!()`, through the
    /// runtime's re-exports (the application depends on `schema_runtime`
    /// only).
    pub fn to_tokens(&self) -> TokenStream {
        fn duration(d: Duration) -> TokenStream {
            let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
            quote!(::core::time::Duration::from_millis(#ms))
        }
        fn option<T>(value: Option<T>, some: impl FnOnce(T) -> TokenStream) -> TokenStream {
            match value {
                Some(v) => {
                    let v = some(v);
                    quote!(::core::option::Option::Some(#v))
                }
                None => quote!(::core::option::Option::None),
            }
        }
        let RunOptions {
            transaction_per_migration,
            lock_timeout,
            allow_edited,
            lock,
            lock_lease,
            transactional_ddl,
            statement_timeout,
            statement_lock_timeout,
            lock_timeout_retries,
        } = *self;
        let lock_timeout = duration(lock_timeout);
        let lock = option(lock, |mode| match mode {
            LockMode::Advisory => quote!(::schema_runtime::LockMode::Advisory),
            LockMode::Table => quote!(::schema_runtime::LockMode::Table),
            LockMode::None => quote!(::schema_runtime::LockMode::None),
        });
        let lock_lease = duration(lock_lease);
        let transactional_ddl = option(transactional_ddl, |set| quote!(#set));
        let statement_timeout = option(statement_timeout, duration);
        let statement_lock_timeout = option(statement_lock_timeout, duration);
        quote! {
            ::schema_runtime::RunOptions {
                transaction_per_migration: #transaction_per_migration,
                lock_timeout: #lock_timeout,
                allow_edited: #allow_edited,
                lock: #lock,
                lock_lease: #lock_lease,
                transactional_ddl: #transactional_ddl,
                statement_timeout: #statement_timeout,
                statement_lock_timeout: #statement_lock_timeout,
                lock_timeout_retries: #lock_timeout_retries,
            }
        }
    }
}

/// A timeout of the main section that is off unless set; `0` is refused
/// (removing the key says "none" without doubt).
fn optional_timeout(
    config: &Config,
    key: &str,
    problems: &mut Vec<Diagnostic>,
) -> Option<Duration> {
    let timeout = seconds(config, key, Duration::ZERO, problems);
    if timeout.is_zero() {
        if let Some((v, line)) = read(config, key, problems) {
            if v.trim().parse::<f64>() == Ok(0.0) {
                problems.push(invalid(
                    config,
                    key,
                    line,
                    "a timeout must be longer than 0 seconds; remove the key for none",
                ));
            }
        }
    }
    Some(timeout).filter(|d| !d.is_zero())
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions::DEFAULT
    }
}

/// What a run does on one database: the options, with what they left to
/// the engine decided. Every runner follows it; none re-derives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunPlan {
    /// The lock to take.
    pub lock: LockMode,
    /// Whether DDL takes part in transactions: a run (or each revision,
    /// with `per_migration`) is one transaction. Otherwise each revision
    /// runs on its own and one that fails partway is recorded.
    pub transactional: bool,
    /// `transaction_per_migration`.
    pub per_migration: bool,
    /// Whether a revision's statements commit one by one rather than in
    /// the revision's transaction (`transactional_ddl = false` on a backend
    /// whose DDL is transactional).
    pub each_statement_commits: bool,
    /// The backend the plan is for.
    pub backend: Backend,
    /// The main section's timeouts for the revisions' own statements.
    pub timeouts: RevisionTimeouts,
    /// The runner's `lock_timeout`: on SQLite the busy timeout the session
    /// holds while the runner runs, so the one a revision's statements ran
    /// under is set back to it.
    pub runner_lock_timeout: Duration,
    /// `lock_timeout_retries`.
    pub lock_timeout_retries: u32,
    /// The server is a Galera node: the reads that decide what to run wait
    /// for the cluster (`wsrep_sync_wait`), and a certification failure
    /// while taking the lock or writing bookkeeping, which leaves nothing
    /// behind, is retried.
    pub galera: bool,
    /// Under a lease (`lock = table`), how long the server lets the
    /// runner's session sit idle inside a transaction before it ends it:
    /// the lease, so that a frozen or stalled runner's locks go when its
    /// lease does (see `schema_runtime::lock`).
    pub idle_limit: Option<Duration>,
}

/// The timeouts a revision's own statements run under: the main section's,
/// or a revision's own from its metadata.toml.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RevisionTimeouts {
    /// `statement_timeout`.
    pub statement: Option<Duration>,
    /// `statement_lock_timeout`.
    pub lock: Option<Duration>,
}

impl RevisionTimeouts {
    /// What a revision's metadata.toml sets.
    pub fn of(migration: &crate::migrations::Migration) -> RevisionTimeouts {
        RevisionTimeouts {
            statement: migration.statement_timeout,
            lock: migration.statement_lock_timeout,
        }
    }

    /// These, with what a revision sets (`overrides`) taking the place of
    /// the main section's.
    pub fn overridden_by(self, overrides: RevisionTimeouts) -> RevisionTimeouts {
        RevisionTimeouts {
            statement: overrides.statement.or(self.statement),
            lock: overrides.lock.or(self.lock),
        }
    }
}

impl RunPlan {
    /// The session statements around one revision's own statements (its
    /// metadata.toml's timeouts, `overrides`, over the main section's), and
    /// those that restore the session after them. The previous value is
    /// kept in a variable of the session rather than reset to the server's
    /// default, so a timeout set by `connect_args` survives the run.
    pub fn revision_session(&self, overrides: RevisionTimeouts) -> (Vec<String>, Vec<String>) {
        let timeouts = self.timeouts.overridden_by(overrides);
        let (mut before, mut after) = (Vec::new(), Vec::new());
        let ms = |d: Duration| d.as_millis().max(1);
        match self.backend {
            // SQLite has no server to hold up: only a lock wait, the busy
            // timeout, which the runner set to its own `lock_timeout`.
            Backend::Sqlite => {
                if let Some(lock) = timeouts.lock {
                    before.push(format!("PRAGMA busy_timeout = {}", ms(lock)));
                    after.push(format!(
                        "PRAGMA busy_timeout = {}",
                        self.runner_lock_timeout.as_millis()
                    ));
                }
            }
            Backend::Postgres => {
                for (setting, value) in [
                    ("statement_timeout", timeouts.statement),
                    ("lock_timeout", timeouts.lock),
                ] {
                    let Some(value) = value else { continue };
                    before.push(format!(
                        "SELECT set_config('cargo_schema.{setting}', \
                         current_setting('{setting}'), false)"
                    ));
                    before.push(format!(
                        "SELECT set_config('{setting}', '{}ms', false)",
                        ms(value)
                    ));
                    after.push(format!(
                        "SELECT set_config('{setting}', \
                         current_setting('cargo_schema.{setting}'), false)"
                    ));
                }
            }
            Backend::Mysql => {
                if let Some(timeout) = timeouts.statement {
                    let ms = ms(timeout);
                    before.push(
                        "SET @cargo_schema_statement_time = @@SESSION.max_statement_time"
                            .to_owned(),
                    );
                    before.push(format!(
                        "SET SESSION max_statement_time = {}.{:03}",
                        ms / 1000,
                        ms % 1000
                    ));
                    after.push(
                        "SET SESSION max_statement_time = @cargo_schema_statement_time".to_owned(),
                    );
                }
                if let Some(lock) = timeouts.lock {
                    // Whole seconds, at least one: what both servers take.
                    let seconds = lock.as_millis().div_ceil(1000).max(1);
                    // Metadata locks (DDL) and InnoDB's row locks (DML).
                    for setting in ["lock_wait_timeout", "innodb_lock_wait_timeout"] {
                        before.push(format!("SET @cargo_schema_{setting} = @@SESSION.{setting}"));
                        before.push(format!("SET SESSION {setting} = {seconds}"));
                        after.push(format!("SET SESSION {setting} = @cargo_schema_{setting}"));
                    }
                }
            }
        }
        (before, after)
    }

    /// The statement that opens each of the runner's transactions under a
    /// lease on PostgreSQL: the server ends the session once it sits idle
    /// in that transaction for the lease ([`RunPlan::idle_limit`]). Local
    /// to the transaction: nothing to put back, and nothing left on a
    /// server session that a transaction-mode pooler hands to another
    /// client. MariaDB's limit has no transaction-local form; the runtime
    /// sets it on the session.
    pub fn idle_limit_sql(&self) -> Option<String> {
        match (self.backend, self.idle_limit) {
            (Backend::Postgres, Some(limit)) => Some(format!(
                "SELECT set_config('idle_in_transaction_session_timeout', '{}ms', true)",
                limit.as_millis().max(1000)
            )),
            _ => None,
        }
    }

    /// Whether a revision that failed on a lock timeout left nothing behind,
    /// so running it again is safe, and if not, why. `run_in_transaction`
    /// is the revision's; `first_of_run` says no revision ran before it in
    /// this run's transaction; `first_statement` says it failed at its first
    /// statement.
    pub fn retry_leaves_nothing(
        &self,
        run_in_transaction: bool,
        first_of_run: bool,
        first_statement: bool,
    ) -> Result<(), &'static str> {
        if !run_in_transaction {
            return Err("it ran outside a transaction (run_in_transaction = false), so its statements before the one that failed stay applied");
        }
        if self.each_statement_commits {
            return Err("each of its statements commits by itself (transactional_ddl = false), so those before the one that failed stay applied");
        }
        if !self.transactional {
            // DDL commits as it runs: only a failure at the revision's first
            // statement leaves nothing of it.
            return if first_statement {
                Ok(())
            } else {
                Err("the server committed its statements before the one that failed (DDL is not transactional here)")
            };
        }
        if self.per_migration || first_of_run {
            Ok(())
        } else {
            Err("it ran in the run's transaction after other revisions, which the rollback undid with it; set transaction_per_migration = true to retry revisions on their own")
        }
    }

    /// Whether the whole run is one transaction.
    pub fn whole_run_transaction(&self) -> bool {
        self.transactional && !self.per_migration
    }

    /// Whether a revision (with its `run_in_transaction`) runs in a
    /// transaction of its own rather than the run's or none.
    pub fn own_transaction(&self, run_in_transaction: bool) -> bool {
        run_in_transaction
            && (self.per_migration || !self.transactional)
            && !self.each_statement_commits
    }
}

/// A run setting the database cannot honour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedSetting {
    /// The key.
    pub key: &'static str,
    /// Why, and what to set instead.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_follows_the_engine_unless_set() {
        let plan = |options: RunOptions, backend, version| options.plan(backend, version);
        let d = RunOptions::DEFAULT;
        let cockroach = Some("CockroachDB CCL v23.1.11");
        let p = plan(d, Backend::Postgres, cockroach).unwrap();
        assert_eq!((p.lock, p.transactional), (LockMode::Table, false));
        assert!(p.each_statement_commits);
        let p = plan(d, Backend::Postgres, Some("PostgreSQL 16.4")).unwrap();
        assert_eq!((p.lock, p.transactional), (LockMode::Advisory, true));
        assert!(p.whole_run_transaction() && !p.own_transaction(true));
        let p = plan(d, Backend::Mysql, Some("10.11.6-MariaDB")).unwrap();
        assert!(!p.transactional && p.own_transaction(true) && !p.own_transaction(false));
        assert!(!p.galera && p.lock == LockMode::Advisory);
        // GET_LOCK is one node's: a Galera node takes the lease by default.
        let p = plan(d, Backend::Mysql, Some("10.11.6-MariaDB (wsrep_on)")).unwrap();
        assert_eq!(
            (p.lock, p.transactional, p.galera),
            (LockMode::Table, false, true)
        );
        let advisory = RunOptions {
            lock: Some(LockMode::Advisory),
            ..d
        };
        let refused = plan(advisory, Backend::Mysql, Some("10.11.6-MariaDB (wsrep_on)"));
        assert_eq!(refused.unwrap_err().key, "lock");
        let set = RunOptions {
            lock: Some(LockMode::None),
            transactional_ddl: Some(true),
            ..d
        };
        assert!(!set.needs_server_version(Backend::Postgres));
        let p = plan(set, Backend::Postgres, None).unwrap();
        assert_eq!((p.lock, p.transactional), (LockMode::None, true));
        let refused = plan(set, Backend::Mysql, None).unwrap_err();
        assert_eq!(refused.key, "transactional_ddl");
        // The offline script follows the backend as far as it can.
        assert!(!set.offline_plan(Backend::Mysql).transactional);
    }

    #[test]
    fn a_statement_timeout_wraps_each_revision_where_the_server_has_one() {
        let options = RunOptions {
            statement_timeout: Some(Duration::from_millis(1500)),
            ..RunOptions::DEFAULT
        };
        let none = RevisionTimeouts::default();
        let p = options
            .plan(Backend::Postgres, Some("PostgreSQL 16.4"))
            .unwrap();
        let (before, after) = p.revision_session(none);
        assert_eq!(
            before[1],
            "SELECT set_config('statement_timeout', '1500ms', false)"
        );
        assert_eq!(after.len(), 1);
        let p = options
            .plan(Backend::Mysql, Some("10.11.6-MariaDB"))
            .unwrap();
        assert_eq!(
            p.revision_session(none).0[1],
            "SET SESSION max_statement_time = 1.500"
        );
        // MySQL itself has none for DDL: refused, not silently dropped.
        assert!(options.needs_server_version(Backend::Mysql));
        let refused = options.plan(Backend::Mysql, Some("8.0.36")).unwrap_err();
        assert_eq!(refused.key, "statement_timeout");
        assert!(refused.message.contains("MySQL"), "{}", refused.message);
        // `embed!()` bakes it in.
        let tokens = options.to_tokens().to_string().replace(' ', "");
        assert!(
            tokens.contains("statement_timeout:::core::option::Option::Some(::core::time::Duration::from_millis(1500u64))"),
            "{tokens}"
        );
        // SQLite ignores it.
        let p = options.plan(Backend::Sqlite, None).unwrap();
        assert_eq!(p.revision_session(none), (vec![], vec![]));
        let p = RunOptions::DEFAULT.plan(Backend::Postgres, None).unwrap();
        assert_eq!(p.revision_session(none), (vec![], vec![]));
    }

    #[test]
    fn a_statement_lock_timeout_sets_each_backends_lock_wait() {
        let options = RunOptions {
            statement_lock_timeout: Some(Duration::from_millis(1500)),
            ..RunOptions::DEFAULT
        };
        let none = RevisionTimeouts::default();
        let (before, after) = options
            .plan(Backend::Postgres, None)
            .unwrap()
            .revision_session(none);
        assert_eq!(
            before[1],
            "SELECT set_config('lock_timeout', '1500ms', false)"
        );
        assert_eq!(
            after,
            ["SELECT set_config('lock_timeout', current_setting('cargo_schema.lock_timeout'), false)"]
        );
        // Whole seconds on MySQL/MariaDB, rounded up; both kinds of lock.
        let (before, after) = options
            .plan(Backend::Mysql, Some("8.0.36"))
            .unwrap()
            .revision_session(none);
        assert!(before.contains(&"SET SESSION lock_wait_timeout = 2".to_owned()));
        assert!(before.contains(&"SET SESSION innodb_lock_wait_timeout = 2".to_owned()));
        assert_eq!(after.len(), 2);
        // SQLite's busy timeout goes back to the runner's own.
        let (before, after) = options
            .plan(Backend::Sqlite, None)
            .unwrap()
            .revision_session(none);
        assert_eq!(before, ["PRAGMA busy_timeout = 1500"]);
        assert_eq!(after, ["PRAGMA busy_timeout = 60000"]);
        // A revision's own timeouts win over the main section's.
        let own = RevisionTimeouts {
            statement: Some(Duration::from_secs(600)),
            lock: Some(Duration::from_millis(250)),
        };
        let (before, _) = options
            .plan(Backend::Postgres, None)
            .unwrap()
            .revision_session(own);
        assert_eq!(
            before[1],
            "SELECT set_config('statement_timeout', '600000ms', false)"
        );
        assert_eq!(
            before[3],
            "SELECT set_config('lock_timeout', '250ms', false)"
        );
    }

    #[test]
    fn a_lock_timeout_is_retried_only_where_nothing_was_left_behind() {
        let plan = |per_migration, ddl| {
            RunOptions {
                transaction_per_migration: per_migration,
                transactional_ddl: ddl,
                ..RunOptions::DEFAULT
            }
            .plan(Backend::Postgres, None)
            .unwrap()
        };
        // The run's transaction: only its first revision.
        assert!(plan(false, None)
            .retry_leaves_nothing(true, true, false)
            .is_ok());
        let why = plan(false, None)
            .retry_leaves_nothing(true, false, true)
            .unwrap_err();
        assert!(why.contains("transaction_per_migration"), "{why}");
        assert!(plan(true, None)
            .retry_leaves_nothing(true, false, false)
            .is_ok());
        assert!(plan(true, None)
            .retry_leaves_nothing(false, true, true)
            .is_err());
        assert!(plan(true, Some(false))
            .retry_leaves_nothing(true, true, true)
            .is_err());
        // MariaDB commits DDL: only a failure at the first statement.
        let mariadb = RunOptions::DEFAULT
            .plan(Backend::Mysql, Some("10.11.6-MariaDB"))
            .unwrap();
        assert!(mariadb.retry_leaves_nothing(true, false, true).is_ok());
        assert!(mariadb.retry_leaves_nothing(true, true, false).is_err());
    }

    #[test]
    fn the_lock_connection_is_needed_only_where_a_lease_may_be_taken() {
        let with = |lock| RunOptions {
            lock,
            ..RunOptions::DEFAULT
        };
        assert!(with(None).needs_lock_connection());
        assert!(with(Some(LockMode::Table)).needs_lock_connection());
        assert!(!with(Some(LockMode::Advisory)).needs_lock_connection());
        assert!(!with(Some(LockMode::None)).needs_lock_connection());
    }
}
