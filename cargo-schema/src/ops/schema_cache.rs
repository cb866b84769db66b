//! The schema each prefix of the revisions builds, kept on disk so that
//! `lint` and `check`'s drift check run again on an unchanged folder need
//! no scratch database: replaying 300 revisions costs seconds, reading a
//! schema back from a file a millisecond.
//!
//! A replay is a sequence of upgrades from an empty database; the cache
//! knows which revisions each one applies, and in what order, by planning
//! it as the runner does ([`ReplayPlan`]). An entry's key is a SHA-256 of
//! everything the schema the replay reads back depends on:
//! - each revision applied, in order: its id, the SHA-256 of its up.sql as
//!   read (not the normalised checksum) and whether it runs in a
//!   transaction;
//! - the backend, the server's version (`SELECT version()`; SQLite's
//!   library version) and the server settings that shape DDL
//!   ([`Dialect::ddl_settings`]: `search_path`, `sql_mode`, the default
//!   engine and character set...), as read at the start of the run;
//! - the settings a replay runs with: the run options, the URL (password
//!   masked) and `connect_args` (those naming a password left out), and
//!   the isolation level;
//! - cargo-schema's version and the cache's format, so that another
//!   introspection never reads this one's entries.
//!
//! So an edited revision, another order, a changed setting or another
//! server is another key: an entry is never wrong, at worst unused. Each
//! entry is one JSON file named by its key under `schemas/` in the folder
//! snapshots' cache directory (`CARGO_SCHEMA_CACHE_DIR`, else
//! `~/.cache/cargo-schema`; none with `--no-cache`), written whole to a
//! sibling and renamed. A file that is missing, unreadable, corrupt, or
//! holds another key is a miss, and is written again. Only the newest
//! [`KEEP`] entries are kept.

use std::path::{Path, PathBuf};

use schema_core::migrations::{AppliedSet, Migration, RevisionGraph, Target};
use schema_core::schema::Schema;
use schema_core::EngineSettings;
use schema_runtime::{Dialect, Migrator, RunError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Bumped whenever what an entry holds, or what its key covers, changes.
const FORMAT: &str = concat!(
    "cargo-schema ",
    env!("CARGO_PKG_VERSION"),
    " replayed schema 1"
);

/// How many entries are kept: enough for several projects' last runs
/// (`lint` writes one per linted revision, `check` one more).
pub const KEEP: usize = 256;

/// The schemas replays built, for one backend, server and settings.
pub struct SchemaCache {
    dir: PathBuf,
    /// What every key of this run shares (format, server, settings).
    context: Sha256,
}

/// One entry as written.
#[derive(Serialize, Deserialize)]
struct Entry {
    format: String,
    key: String,
    schema: Schema,
}

impl SchemaCache {
    /// The cache under `cache_dir` for replays of `migrator`'s revisions
    /// with `live`'s settings on a server of version `server_version`
    /// (with the settings that shape its DDL).
    pub fn new(
        cache_dir: &Path,
        live: &EngineSettings,
        migrator: &Migrator,
        server_version: &str,
    ) -> Self {
        let mut context = Sha256::new();
        let mut field = |label: &str, value: &str| {
            context.update(label.as_bytes());
            context.update([0]);
            context.update(value.len().to_le_bytes());
            context.update(value.as_bytes());
        };
        field("format", FORMAT);
        field("backend", live.url.backend().name());
        field("server", server_version);
        field("url", &live.url.masked());
        field("options", &format!("{:?}", migrator.options()));
        field("isolation", live.isolation_level.unwrap_or_default());
        for (name, value) in &live.connect_args {
            if !name.to_ascii_lowercase().contains("pass") {
                field(name, &value.to_string());
            }
        }
        SchemaCache {
            dir: cache_dir.join("schemas"),
            context,
        }
    }

    /// The cache for a replay through a connection of `live`'s backend,
    /// the server's version and DDL settings read through `conn`.
    pub fn open<C: Dialect>(
        cache_dir: &Path,
        live: &EngineSettings,
        migrator: &Migrator,
        conn: &mut C,
    ) -> Result<Self, RunError> {
        let server = format!("{}\n{}", conn.server_version()?, conn.ddl_settings()?);
        Ok(Self::new(cache_dir, live, migrator, &server))
    }

    /// The key of the schema `plan`'s replay leaves.
    pub fn key(&self, plan: &ReplayPlan<'_>) -> String {
        let mut hasher = self.context.clone();
        for m in &plan.order {
            hasher.update(m.revision.as_bytes());
            hasher.update([0, u8::from(m.run_in_transaction)]);
            hasher.update(Sha256::digest(m.up_sql.as_bytes()));
        }
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The schema stored under `key`, if a sound entry holds it.
    pub fn get(&self, key: &str) -> Option<Schema> {
        let bytes = std::fs::read(self.file(key)).ok()?;
        let entry: Entry = serde_json::from_slice(&bytes).ok()?;
        (entry.format == FORMAT && entry.key == key).then_some(entry.schema)
    }

    /// Store `schema` under `key`; failing to is silent (the cache is an
    /// optimisation only).
    pub fn put(&self, key: &str, schema: &Schema) {
        let entry = Entry {
            format: FORMAT.to_owned(),
            key: key.to_owned(),
            schema: schema.clone(),
        };
        let _ = self.write(key, &entry);
        self.prune();
    }

    fn write(&self, key: &str, entry: &Entry) -> std::io::Result<()> {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        // Private, as the folder snapshots: a schema names every table.
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&self.dir)?;
        let bytes = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
        let mut file = tempfile::NamedTempFile::new_in(&self.dir)?;
        std::io::Write::write_all(&mut file, &bytes)?;
        file.persist(self.file(key)).map_err(|e| e.error)?;
        Ok(())
    }

    /// Removes the oldest entries beyond [`KEEP`].
    fn prune(&self) {
        let Ok(listing) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut entries: Vec<(std::time::SystemTime, PathBuf)> = listing
            .filter_map(|e| {
                let e = e.ok()?;
                let path = e.path();
                (path.extension()? == "json")
                    .then(|| Some((e.metadata().ok()?.modified().ok()?, path)))?
            })
            .collect();
        if entries.len() <= KEEP {
            return;
        }
        entries.sort();
        for (_, path) in &entries[..entries.len() - KEEP] {
            let _ = std::fs::remove_file(path);
        }
    }

    /// The folder the entries are in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn file(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }
}

/// The revisions a replay applies, in the order the runner applies them,
/// planned without a database: the replay upgrades an empty database to
/// one target after another, as [`Migrator::upgrade`] does.
pub struct ReplayPlan<'m> {
    graph: &'m RevisionGraph,
    applied: AppliedSet,
    order: Vec<&'m Migration>,
}

impl<'m> ReplayPlan<'m> {
    /// An empty database.
    pub fn new(graph: &'m RevisionGraph) -> Self {
        ReplayPlan {
            graph,
            applied: AppliedSet::new(),
            order: Vec::new(),
        }
    }

    /// Upgrade to `target` (a revision id); `None` when the graph cannot
    /// plan it (the replay itself then says why).
    pub fn upgrade(&mut self, target: &str) -> Option<()> {
        let target: Target = target.parse().ok()?;
        for step in self.graph.plan_upgrade(&self.applied, &target).ok()? {
            let m = self.graph.get(&step.revision)?;
            self.applied.insert(step.revision);
            self.order.push(m);
        }
        Some(())
    }

    /// Upgrade to everything `migration` needs (its parents and
    /// `depends_on`), as [`schema_runtime::replay::Replay::schema_before`].
    pub fn before(&mut self, migration: &Migration) -> Option<()> {
        for needed in migration.down_revisions.iter().chain(&migration.depends_on) {
            self.upgrade(needed)?;
        }
        Some(())
    }
}
