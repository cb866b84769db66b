//! The runner on real databases: every behaviour as one scenario generic
//! over the connection type, run on SQLite, PostgreSQL and MySQL/MariaDB,
//! each test in a database of its own (see `support`).

// Helpers panic on purpose: a panic is a failing test (clippy.toml allows
// unwrap in #[test] functions; this extends it to the helpers).
#![allow(clippy::unwrap_used)]

#[macro_use]
mod support;

mod asynchronous;
mod batches;
mod connect;
mod deferred_url;
mod distributed;
mod embedded;
mod engine;
mod failures;
mod faults;
mod interop;
mod introspect;
mod lint_claims;
mod lock_timeout;
mod locking;
#[cfg(feature = "postgres")]
mod pooler;
mod scratch;
mod smoke;
mod stamp;
mod statement_errors;
mod statement_lock_timeout;
mod statement_timeout;
mod upgrade;
