//! The migrations folder and Alembic's revision graph over it.
//!
//! - [`MigrationSet::load`] reads diesel's layout (`<version>_<name>/up.sql`,
//!   `down.sql`, `metadata.toml`); [`MigrationSet::from_files`] builds the same
//!   set from embedded strings; [`FolderCache`] spares the command line
//!   reading an unchanged folder again.
//! - [`RevisionGraph::new`] validates the graph (Alembic's `RevisionMap`) and
//!   answers queries: heads, bases, labels, ancestors, [`history`](RevisionGraph::history).
//! - [`RevisionGraph::plan_upgrade`], [`plan_downgrade`](RevisionGraph::plan_downgrade)
//!   and [`plan_stamp`](RevisionGraph::plan_stamp) turn a target into steps;
//!   [`RevisionGraph::generate`] and [`merge`](RevisionGraph::merge) compute new revisions.
//!
//! # diesel folders in the graph
//!
//! A folder without graph keys in `metadata.toml` keeps diesel's meaning:
//! its revision id is its version and its parent is the previous folder in
//! version order. An unmodified diesel project is therefore a linear chain,
//! and a database migrated by diesel_cli (which records every version) is
//! recognised as up to date.
//!
//! # sqlx folders in the graph
//!
//! Files named as sqlx names its migrations (`1_init.sql`,
//! `2_posts.up.sql` with `2_posts.down.sql`) are revisions too, in sqlx's
//! numeric version order as a linear chain; see [`sqlx`].
//!
//! # From Alembic's heads to the applied set
//!
//! Alembic stores only the current heads (`alembic_version`); the state it
//! means is the heads plus all their ancestors. diesel's bookkeeping, which
//! this tool keeps, records every applied version. The plans here take that
//! **set of applied revisions** and translate Alembic's rules as follows:
//!
//! - *current heads* are the applied revisions no other applied revision
//!   builds on, through `down_revision` or `depends_on` (what
//!   `alembic_version` would hold); relative targets (`+N`, `-N`) start there.
//! - *upgrade*: Alembic runs `ancestors(target) - ancestors(current heads)`;
//!   here it is `ancestors(target) - applied`. For a set that is closed under
//!   ancestors (every state Alembic can express) this is the same; a set with
//!   holes (a migration added below already applied ones, which diesel also
//!   runs) gets the holes filled.
//! - *downgrade*: Alembic reverts the descendants of the destination's
//!   children that are below the current heads; here, those that are applied.
//!   A destination with nothing applied above it is a no-op when it is a
//!   current head and refused otherwise (Alembic's "not a valid downgrade
//!   target": not applied, or applied but only `depends_on`-ed).
//! - *stamp*: the current heads related to the target are replaced by it;
//!   the new applied set is the ancestors of the remaining heads that were
//!   applied, plus the target's ancestors.
//!
//! Where Alembic picks arbitrarily, this tool refuses: `downgrade -1` with
//! several current heads (Alembic warns and takes the first row of its table)
//! is an [`AmbiguousCurrent`](MigrationError::AmbiguousCurrent) error naming
//! the heads; where Alembic fails an assertion (`upgrade REV-N` walking down
//! to base, `downgrade label@-N` with no single current revision on the
//! branch, a relative walk that lands outside the graph) this tool refuses
//! with a message. `tests/alembic_parity.rs` checks all of this against
//! real Alembic on generated graphs.
//!
//! Step order: parents before children for upgrades (children first for
//! downgrades), and among revisions ready at the same time the oldest
//! version first (newest first going down). Alembic instead walks branch by
//! branch; both orders respect every dependency.

mod cache;
mod checksum;
mod error;
mod folder;
mod generate;
mod graph;
mod history;
mod metadata;
mod plan;
pub mod record;
mod set;
pub mod sqlx;
mod target;

pub use cache::{CacheUse, FolderCache};
pub use checksum::Checksum;
pub use error::{MigrationError, Warning};
pub use folder::{diesel_version, FolderContents};
pub use generate::{slug, GenerateOptions, Generated, GeneratedFile, Timestamp};
pub use graph::RevisionGraph;
pub use metadata::lint_allow_of;
pub use plan::{AppliedSet, Direction, StampPlan, Step};
pub use set::{parents_display, Migration, MigrationFiles, MigrationSet, BASE};
pub use target::{Range, Target};

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
