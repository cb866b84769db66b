//! A database of its own for each integration test, on SQLite, PostgreSQL
//! and MySQL/MariaDB: the one harness the CLI's tests (`tests/cli`) and the
//! runtime's (`schema-runtime/tests/it`) share.
//!
//! The contract:
//! - Servers come from `SCHEMA_TEST_POSTGRES_URL` and `SCHEMA_TEST_MYSQL_URL`
//!   (admin URLs; local defaults, see [`server`]).
//! - [`TestDb`] creates a database of a unique name and drops it, sessions
//!   first, when the guard goes: on every path, a failing test's included.
//!   SQLite gets a file instead.
//! - A server that does not answer skips its tests with `skipped: <reason>`
//!   on stderr, unless `SCHEMA_TEST_REQUIRE_DATABASES` is set (CI): then the
//!   test fails ([`unavailable`]).
//! - The server is administered through an [`Admin`]: the database's own
//!   command-line client ([`Client`]: `psql`, `mariadb`), or with the
//!   `diesel` feature a diesel connection (`DieselAdmin`).
//! - What a test reads back: the catalog queries of [`inspect`], and on
//!   [`TestDb`] a query through the client (`sqlite3`, `psql`, `mariadb`),
//!   never through the code under test.

mod client;
mod db;
#[cfg(feature = "diesel")]
mod diesel_admin;
pub mod inspect;
mod poll;
pub mod pooler;
mod server;

#[cfg(test)]
mod module_cycles;

pub use client::Client;
pub use db::{Admin, TestDb};
#[cfg(feature = "diesel")]
pub use diesel_admin::{strings, DieselAdmin, StringRow};
pub use poll::{wait_until, GENEROUS};
pub use schema_core::url::Backend;
pub use server::{server, ServerUrl, MYSQL_VAR, POSTGRES_VAR};

/// Set (to anything) where the servers must be there: CI.
pub const REQUIRE_VAR: &str = "SCHEMA_TEST_REQUIRE_DATABASES";

/// The skip policy: prints `skipped: <reason>` and gives `None` (the test
/// returns and passes), or panics when [`REQUIRE_VAR`] is set.
#[track_caller]
pub fn unavailable<T>(reason: &str) -> Option<T> {
    if std::env::var_os(REQUIRE_VAR).is_some() {
        panic!("{REQUIRE_VAR} is set, so this is a failure, not a skip: {reason}");
    }
    eprintln!("skipped: {reason}");
    None
}

/// Whether DDL takes part in transactions (a failed run leaves no tables).
pub fn transactional_ddl(backend: Backend) -> bool {
    backend != Backend::Mysql
}

/// The user guide's pages and the README, so that rustdoc compiles every
/// Rust block in them as a doctest (`cargo test --doc -p
/// schema-test-support`; a block that cannot compile is `rust,ignore` with
/// the reason above it, which `tests/cli/guide.rs` requires).
#[cfg(doctest)]
pub mod guide {
    macro_rules! pages {
        ($($name:ident = $path:literal),* $(,)?) => {
            $(
                #[doc = include_str!(concat!("../../", $path))]
                pub struct $name;
            )*
        };
    }
    pages! {
        Readme = "README.md",
        Introduction = "docs/src/introduction.md",
        Install = "docs/src/install.md",
        GettingStartedDiesel = "docs/src/getting-started-diesel.md",
        GettingStartedAlembic = "docs/src/getting-started-alembic.md",
        GettingStartedSqlx = "docs/src/getting-started-sqlx.md",
        Configuration = "docs/src/configuration.md",
        Commands = "docs/src/commands.md",
        Migrations = "docs/src/migrations.md",
        SchemaRs = "docs/src/schema-rs.md",
        Application = "docs/src/application.md",
        Scale = "docs/src/scale.md",
        Clusters = "docs/src/clusters.md",
        Drivers = "docs/src/drivers.md",
        Security = "docs/src/security.md",
        Performance = "docs/src/performance.md",
        Troubleshooting = "docs/src/troubleshooting.md",
        Contributing = "docs/src/contributing.md",
    }
}
