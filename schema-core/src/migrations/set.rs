//! A migration and the set of them, built from file contents. The filesystem
//! loader ([`MigrationSet::load`]) and the build-time macro (embedded strings)
//! both end in [`MigrationSet::from_files`], so they can never disagree.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use super::checksum::Checksum;
use super::error::MigrationError;
use super::folder::{diesel_version, par_map};
use super::metadata;
use super::sqlx::{self, SqlxConfig, SqlxMigration};

/// The contents of one migration folder, as read from disk or embedded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationFiles {
    /// The folder's name, e.g. `2024-01-31-120000-0000_create_users`.
    pub folder_name: String,
    /// `up.sql`.
    pub up_sql: String,
    /// `down.sql`, if the folder has one.
    pub down_sql: Option<String>,
    /// `metadata.toml`, if the folder has one.
    pub metadata_toml: Option<String>,
    /// Where the folder is on disk; `None` for embedded migrations.
    pub dir: Option<PathBuf>,
}

/// One migration: its SQL and its place in the revision graph.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Migration {
    /// The folder's name.
    pub folder_name: String,
    /// The version diesel derives from the folder name and records in
    /// `__diesel_schema_migrations`.
    pub version: String,
    /// The revision id: `revision` from `metadata.toml`, else the version.
    pub revision: String,
    /// The parents (several for a merge point, none for a base).
    pub down_revisions: Vec<String>,
    /// Branch labels declared by this revision.
    pub branch_labels: Vec<String>,
    /// Revision ids or branch labels this revision needs applied first.
    pub depends_on: Vec<String>,
    /// The revision's message.
    pub message: Option<String>,
    /// diesel's `run_in_transaction` (default true).
    pub run_in_transaction: bool,
    /// metadata.toml's `statement_timeout`, over the main section's.
    #[serde(default)]
    pub statement_timeout: Option<Duration>,
    /// metadata.toml's `statement_lock_timeout`, over the main section's.
    #[serde(default)]
    pub statement_lock_timeout: Option<Duration>,
    /// `up.sql`.
    pub up_sql: String,
    /// `down.sql`; without it the revision cannot be downgraded.
    pub down_sql: Option<String>,
    /// The checksum of `up.sql`.
    pub checksum: Checksum,
    /// The folder on disk, `None` for embedded migrations.
    pub dir: Option<PathBuf>,
    /// True when the parent came from diesel's version order (no graph keys
    /// in `metadata.toml`), false when `metadata.toml` declared it.
    pub linked_by_version: bool,
    /// What the migration is to sqlx, for one in sqlx's layout (its
    /// `folder_name` is then its up file's name).
    pub sqlx: Option<SqlxMigration>,
}

/// What Alembic prints for "before the first revision".
pub const BASE: &str = "<base>";

/// Parents as Alembic prints them: [`BASE`] for none, else the ids joined
/// with `, `.
///
/// ```
/// use schema_core::migrations::parents_display;
/// assert_eq!(parents_display(&[]), "<base>");
/// assert_eq!(parents_display(&["a1".into(), "b2".into()]), "a1, b2");
/// ```
pub fn parents_display(down_revisions: &[String]) -> String {
    if down_revisions.is_empty() {
        BASE.to_owned()
    } else {
        down_revisions.join(", ")
    }
}

impl Migration {
    /// Its parents as Alembic prints them ([`parents_display`]).
    pub fn parents(&self) -> String {
        parents_display(&self.down_revisions)
    }

    /// `revision (folder)`, the way errors and listings name a revision.
    pub fn describe(&self) -> String {
        if self.revision == self.version {
            self.folder_name.clone()
        } else {
            format!("{} ({})", self.revision, self.folder_name)
        }
    }

    /// The path of a file of this migration (on disk, or relative to the
    /// migrations directory for embedded ones), for error messages.
    pub fn file_path(&self, file: &str) -> PathBuf {
        file_path(self.dir.as_ref(), &self.folder_name, file)
    }
}

pub(crate) fn file_path(dir: Option<&PathBuf>, folder: &str, file: &str) -> PathBuf {
    // sqlx's migrations are files of the folder itself.
    if sqlx::is_sqlx_name(folder) {
        let name = match file {
            "down.sql" => sqlx::down_name(folder),
            _ => folder.to_owned(),
        };
        return dir.map_or_else(|| PathBuf::from(&name), |d| d.join(&name));
    }
    match dir {
        Some(dir) => dir.join(file),
        None => PathBuf::from(folder).join(file),
    }
}

/// Every migration of a directory, in diesel's version order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationSet {
    migrations: Vec<Migration>,
    /// The SQL was left out (a folder snapshot read for a command that
    /// runs and prints no SQL): `up_sql` and `down_sql` are empty.
    sql_elided: bool,
}

/// Words a target gives a meaning to; a revision or label named so would
/// be unreachable.
const RESERVED: [&str; 4] = ["head", "heads", "base", "current"];

/// Characters that carry meaning in targets (`label@rev`, `rev+2`, `a:b`).
const TARGET_SYNTAX: [char; 4] = ['@', '-', '+', ':'];

impl MigrationSet {
    /// Builds the set from file contents (read from disk or embedded),
    /// reporting every problem at once.
    ///
    /// Folders are ordered by diesel version (string order, as diesel sorts
    /// them). A folder whose `metadata.toml` has none of the graph keys
    /// (`revision`, `down_revision`, `branch_labels`, `depends_on`), or that
    /// has no `metadata.toml`, keeps diesel's meaning: its revision is its
    /// version and its parent is the previous folder in that order, whatever
    /// kind that folder is. A folder with graph keys gets exactly what it
    /// declares: no `down_revision` makes it a base, no `revision` makes its
    /// version the revision.
    pub fn from_files(files: Vec<MigrationFiles>) -> Result<Self, Vec<MigrationError>> {
        Self::from_files_with(files, &SqlxConfig::default())
    }

    /// [`MigrationSet::from_files`] with the `sqlx.toml` settings that
    /// migrations in sqlx's layout are read with (their checksums and
    /// table). A migration named as a sqlx file (`1_init.sql`,
    /// `2_posts.up.sql`) is sqlx's: its version is the number, padded to
    /// [`sqlx::VERSION_WIDTH`] digits so that version order is sqlx's
    /// numeric order, its revision id the number as sqlx prints it, its
    /// message the description, and its parent the previous migration.
    pub fn from_files_with(
        files: Vec<MigrationFiles>,
        sqlx_config: &SqlxConfig,
    ) -> Result<Self, Vec<MigrationError>> {
        let mut errors = Vec::new();
        let mut parsed = Vec::with_capacity(files.len());
        // Each folder's own work (its version, its metadata.toml, the hash
        // of its up.sql) depends on nothing else: a few threads share it.
        let analysed = par_map(&files, |files| {
            let meta = files.metadata_toml.as_ref().map(|text| {
                let path = file_path(files.dir.as_ref(), &files.folder_name, "metadata.toml");
                metadata::parse(text, &path)
            });
            let sqlx = sqlx::describe(&files.folder_name, &files.up_sql, sqlx_config);
            (
                diesel_version(&files.folder_name),
                meta,
                Checksum::of_sql(&files.up_sql),
                sqlx,
            )
        });
        for (files, (version, meta, checksum, sqlx)) in files.into_iter().zip(analysed) {
            let (version, sqlx) = match sqlx {
                None => (version, None),
                Some(Ok(m)) => (Ok(sqlx::padded_version(m.version)), Some(m)),
                Some(Err(reason)) => {
                    errors.push(MigrationError::Sqlx {
                        path: file_path(files.dir.as_ref(), &files.folder_name, "up.sql"),
                        reason,
                    });
                    continue;
                }
            };
            if sqlx.is_some() && files.metadata_toml.is_some() {
                errors.push(MigrationError::Sqlx {
                    path: file_path(files.dir.as_ref(), &files.folder_name, "up.sql"),
                    reason: "a migration in sqlx's layout has no metadata.toml".into(),
                });
                continue;
            }
            let version = match folder_name_problem(&files.folder_name).map_or(version, Err) {
                Ok(v) => v,
                Err(reason) => {
                    errors.push(MigrationError::MisnamedMigration {
                        path: files
                            .dir
                            .clone()
                            .unwrap_or_else(|| PathBuf::from(&files.folder_name)),
                        reason,
                    });
                    continue;
                }
            };
            let meta = match meta {
                None => metadata::Metadata::default(),
                Some(Ok(m)) => m,
                Some(Err(mut errs)) => {
                    errors.append(&mut errs);
                    continue;
                }
            };
            parsed.push((version, files, meta, checksum, sqlx));
        }
        parsed.sort_by(|a, b| (&a.0, &a.1.folder_name).cmp(&(&b.0, &b.1.folder_name)));

        // Equal versions are adjacent after the sort; each group's error is
        // reported where the group starts.
        let mut duplicates = Vec::new();
        let mut i = 0;
        while i < parsed.len() {
            let mut j = i + 1;
            while j < parsed.len() && parsed[j].0 == parsed[i].0 {
                j += 1;
            }
            if j - i > 1 {
                duplicates.push((
                    i,
                    MigrationError::DuplicateVersion {
                        version: parsed[i].0.clone(),
                        folders: parsed[i..j]
                            .iter()
                            .map(|p| p.1.folder_name.clone())
                            .collect(),
                    },
                ));
            }
            i = j;
        }
        let mut duplicates = duplicates.into_iter().peekable();
        let mut migrations: Vec<Migration> = Vec::with_capacity(parsed.len());
        let mut previous: Option<String> = None;
        // By value: the SQL moves into the migration instead of being copied.
        for (k, (version, files, meta, checksum, sqlx)) in parsed.into_iter().enumerate() {
            if let Some((_, e)) = duplicates.next_if(|(at, _)| *at == k) {
                errors.push(e);
            }
            let m = build(version, files, meta, checksum, sqlx, previous.as_deref());
            check_identifiers(&m, &mut errors);
            previous = Some(m.revision.clone());
            migrations.push(m);
        }
        if errors.is_empty() {
            Ok(Self {
                migrations,
                sql_elided: false,
            })
        } else {
            Err(errors)
        }
    }

    /// Wraps migrations already in version order and linked.
    pub(crate) fn from_sorted(migrations: Vec<Migration>) -> Self {
        Self {
            migrations,
            sql_elided: false,
        }
    }

    /// [`MigrationSet::from_sorted`] for migrations whose `up_sql` and
    /// `down_sql` were left out (empty); their checksums are still right.
    pub(crate) fn without_sql(migrations: Vec<Migration>) -> Self {
        Self {
            migrations,
            sql_elided: true,
        }
    }

    /// Whether each migration's `up_sql` and `down_sql` hold the files'
    /// text. False only for a set read from a folder snapshot with
    /// [`FolderCache::without_sql`](super::FolderCache::without_sql), which
    /// only a command that neither runs nor prints SQL asks for; the
    /// checksums, and whether a `down.sql` exists, are right either way.
    pub fn has_sql(&self) -> bool {
        !self.sql_elided
    }

    /// The migrations, in version order.
    pub fn migrations(&self) -> &[Migration] {
        &self.migrations
    }

    /// Takes the migrations out, in version order.
    pub fn into_migrations(self) -> Vec<Migration> {
        self.migrations
    }

    /// How many migrations there are.
    pub fn len(&self) -> usize {
        self.migrations.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.migrations.is_empty()
    }

    /// The migration whose diesel version is `version`.
    pub fn by_version(&self, version: &str) -> Option<&Migration> {
        self.migrations
            .binary_search_by(|m| m.version.as_str().cmp(version))
            .ok()
            .and_then(|i| self.migrations.get(i))
    }
}

fn build(
    version: String,
    files: MigrationFiles,
    meta: metadata::Metadata,
    checksum: Checksum,
    sqlx: Option<SqlxMigration>,
    previous: Option<&str>,
) -> Migration {
    let linked_by_version = !meta.has_graph_keys;
    let (revision, down_revisions) = if linked_by_version {
        (
            sqlx.as_ref()
                .map_or_else(|| version.clone(), |s| s.version.to_string()),
            previous.map(str::to_string).into_iter().collect(),
        )
    } else {
        (
            meta.revision.unwrap_or_else(|| version.clone()),
            dedup(meta.down_revisions.unwrap_or_default()),
        )
    };
    Migration {
        folder_name: files.folder_name,
        version,
        revision,
        down_revisions,
        branch_labels: dedup(meta.branch_labels),
        depends_on: dedup(meta.depends_on),
        message: meta
            .message
            .or_else(|| sqlx.as_ref().map(|s| s.description.clone())),
        run_in_transaction: meta
            .run_in_transaction
            .unwrap_or_else(|| !(sqlx.is_some() && sqlx::no_transaction(&files.up_sql))),
        statement_timeout: meta.statement_timeout,
        statement_lock_timeout: meta.statement_lock_timeout,
        checksum,
        up_sql: files.up_sql,
        down_sql: files.down_sql,
        dir: files.dir,
        linked_by_version,
        sqlx,
    }
}

impl Migration {
    /// Whether reverting this revision would silently do nothing: its
    /// down.sql runs no SQL (empty or only comments) while its up.sql runs
    /// some, and down.sql does not say `-- irreversible`. A revision whose
    /// up.sql runs nothing either (a merge, `generate --empty`) reverts
    /// correctly by running nothing.
    pub fn reverts_nothing(&self) -> bool {
        self.down_sql
            .as_deref()
            .is_some_and(|down| down_reverts_nothing(&self.up_sql, down))
    }
}

/// [`Migration::reverts_nothing`] on the files' text.
pub(crate) fn down_reverts_nothing(up_sql: &str, down_sql: &str) -> bool {
    crate::sql::runs_nothing(down_sql)
        && !crate::sql::runs_nothing(up_sql)
        && !crate::sql::marked_irreversible(down_sql)
}

/// Removes repeats, keeping the first occurrence (Alembic dedupes too).
fn dedup(list: Vec<String>) -> Vec<String> {
    if list.len() < 2 {
        return list;
    }
    let mut seen = HashMap::with_capacity(list.len());
    list.into_iter()
        .filter(|s| seen.insert(s.clone(), ()).is_none())
        .collect()
}

/// The longest revision id the bookkeeping table holds
/// (`__schema_revisions.revision VARCHAR(255)`).
pub const MAX_REVISION_LEN: usize = 255;

/// The longest diesel version the bookkeeping tables hold
/// (`version VARCHAR(50)`, as diesel's own table).
pub const MAX_VERSION_LEN: usize = 50;

/// Why a folder name cannot be used, beyond its version: a character that
/// would act in a terminal or end a SQL comment (a folder name is written
/// into `--sql` scripts and printed), or a version longer than the
/// bookkeeping tables hold.
fn folder_name_problem(name: &str) -> Option<String> {
    if let Some(c) = crate::text::unsafe_char(name) {
        return Some(format!(
            "the name holds the control character `{}`, which would act in a terminal or a SQL script",
            crate::text::escaped_char(c)
        ));
    }
    let version = diesel_version(name).ok()?;
    (version.len() > MAX_VERSION_LEN).then(|| {
        format!(
            "its version is {} characters long; the bookkeeping tables hold at most {MAX_VERSION_LEN}",
            version.len()
        )
    })
}

/// Why `id` cannot name a revision or label, if it cannot.
pub(crate) fn identifier_problem(id: &str) -> Option<String> {
    if id.is_empty() {
        return Some("it is empty".into());
    }
    if let Some(c) = crate::text::unsafe_char(id) {
        return Some(format!(
            "it holds the control character `{}`, which would act in a terminal or a SQL script",
            crate::text::escaped_char(c)
        ));
    }
    if id.chars().count() > MAX_REVISION_LEN {
        return Some(format!(
            "it is {} characters long; the bookkeeping table holds at most {MAX_REVISION_LEN}",
            id.chars().count()
        ));
    }
    if let Some(c) = id
        .chars()
        .find(|c| TARGET_SYNTAX.contains(c) || c.is_whitespace())
    {
        return Some(format!(
            "`{c}` has a meaning in targets (label@rev, rev+N, rev-N, a:b) and spaces separate arguments"
        ));
    }
    if RESERVED.contains(&id) {
        return Some(format!("`{id}` is a reserved target word"));
    }
    None
}

fn check_identifiers(m: &Migration, errors: &mut Vec<MigrationError>) {
    // A message may span lines; anything else that acts (a carriage
    // return that rewrites the line, ESC, a bidi override) may not.
    if let Some(c) = m.message.as_deref().and_then(|msg| {
        msg.chars()
            .find(|&c| c != '\n' && c != '\t' && crate::text::is_unsafe_char(c))
    }) {
        errors.push(MigrationError::InvalidIdentifier {
            folder: m.folder_name.clone(),
            what: "message",
            id: m.message.clone().unwrap_or_default(),
            reason: format!(
                "it holds the control character `{}`, which would act in a terminal or a SQL script",
                crate::text::escaped_char(c)
            ),
        });
    }
    if let Some(reason) = identifier_problem(&m.revision) {
        errors.push(MigrationError::InvalidIdentifier {
            folder: m.folder_name.clone(),
            what: "revision id",
            id: m.revision.clone(),
            reason,
        });
    }
    for label in &m.branch_labels {
        if let Some(reason) = identifier_problem(label) {
            errors.push(MigrationError::InvalidIdentifier {
                folder: m.folder_name.clone(),
                what: "branch label",
                id: label.clone(),
                reason,
            });
        }
    }
}
