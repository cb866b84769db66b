//! The typed settings a project's configuration resolves to, in one place:
//! the engine settings (`<prefix>*` keys, resolved by [`crate::engine`])
//! and the migration settings (`script_location`, the transaction keys,
//! `lock_timeout`, `multiple_heads`), and the run options every runner
//! takes ([`RunOptions`]) with the one decision of what a run does
//! ([`RunPlan`]).

mod engine;
mod migration;
mod run;

pub use engine::{Echo, EngineSettings, PoolClass};
pub use migration::{MigrationSettings, MIGRATION_KEYS};
pub use run::{
    LockMode, RefusedSetting, RevisionTimeouts, RunOptions, RunPlan, DEFAULT_LOCK_LEASE,
};
