//! The typed settings a project's configuration resolves to, in one place:
//! the engine settings (`<prefix>*` keys, resolved by [`crate::engine`])
//! and the migration settings (`script_location`, the transaction keys,
//! `lock_timeout`, `multiple_heads`).

mod engine;
mod migration;

pub use engine::{Echo, EngineSettings, PoolClass};
pub use migration::{LockMode, MigrationSettings, DEFAULT_LOCK_LEASE, MIGRATION_KEYS};
