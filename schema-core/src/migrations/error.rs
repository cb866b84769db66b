//! What can go wrong while reading the migrations folder, validating the
//! revision graph, resolving a target or planning a run.
//!
//! Every variant names what the user has to open (a folder, a file and line,
//! or the target they typed) and its message ends with what to do next.

use std::fmt;
use std::path::PathBuf;

/// One problem found in the migrations or in a requested target.
///
/// Loading and graph validation collect every problem of a run into a
/// `Vec<MigrationError>` so the build-time macro can report them all at once;
/// target resolution and planning stop at the first one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MigrationError {
    /// The migrations directory itself cannot be listed.
    #[error("cannot read the migrations directory {}: {reason}; check `script_location` in the ini file", path.display())]
    DirectoryUnreadable {
        /// The directory.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// A file of a migration cannot be read.
    #[error("cannot read {}: {reason}; fix its permissions or remove it", path.display())]
    UnreadableFile {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// A file or folder name, or a file's content, is not valid UTF-8.
    #[error("{} is not valid UTF-8; save it as UTF-8 (SQL and metadata are read as text)", path.display())]
    NotUtf8 {
        /// The offending entry.
        path: PathBuf,
    },
    /// A folder in the migrations directory has no `up.sql`.
    #[error("migration folder {} has no up.sql; add one (diesel's layout is <version>_<name>/up.sql) or move the folder out of the migrations directory", path.display())]
    MissingUpSql {
        /// The folder.
        path: PathBuf,
    },
    /// A folder name does not start with a version diesel can use.
    #[error("migration folder {} is misnamed: {reason}; rename it to <version>_<name>, e.g. 2024-01-31-120000-0000_create_users", crate::text::escape_controls(&path.display().to_string()))]
    MisnamedMigration {
        /// The folder.
        path: PathBuf,
        /// What is wrong with the name.
        reason: String,
    },
    /// A file of sqlx's layout (`<VERSION>_<DESCRIPTION>.sql`, `.up.sql`,
    /// `.down.sql`) or the `sqlx.toml` beside it that cannot be used.
    #[error("{}: {reason}", crate::text::escape_controls(&path.display().to_string()))]
    Sqlx {
        /// The file.
        path: PathBuf,
        /// What is wrong and what to do.
        reason: String,
    },
    /// Two folders derive the same diesel version; the database could not tell
    /// them apart.
    #[error("migration folders {} have the same version {version}; rename one so each version is unique", folders.join(" and "))]
    DuplicateVersion {
        /// The shared version.
        version: String,
        /// The folders sharing it.
        folders: Vec<String>,
    },
    /// `metadata.toml` is not valid TOML.
    #[error("{}:{line}:{column}: {message}; fix the TOML syntax", path.display())]
    MetadataParse {
        /// The metadata file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// `metadata.toml` has a key this tool does not know.
    #[error("{}:{line}: unknown key `{key}`{}; the keys are revision, down_revision, branch_labels, depends_on, message, run_in_transaction, lint, statement_timeout, statement_lock_timeout", path.display(), suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownMetadataKey {
        /// The metadata file.
        path: PathBuf,
        /// 1-based line of the key.
        line: usize,
        /// The unknown key.
        key: String,
        /// The closest known key, for a typo.
        suggestion: Option<String>,
    },
    /// A key of `metadata.toml` has a value of the wrong type.
    #[error("{}:{line}: `{key}` must be {expected}, found {found}; change its value", path.display())]
    MetadataType {
        /// The metadata file.
        path: PathBuf,
        /// 1-based line of the value.
        line: usize,
        /// The key.
        key: String,
        /// What the key accepts.
        expected: &'static str,
        /// The TOML type found.
        found: String,
    },
    /// A revision id or branch label cannot be used in targets.
    #[error(
        "migration {folder}: {what} `{}` is not allowed: {reason}; choose another",
        crate::text::escape_controls(id)
    )]
    InvalidIdentifier {
        /// The folder declaring it.
        folder: String,
        /// `revision id` or `branch label`.
        what: &'static str,
        /// The identifier.
        id: String,
        /// Why it is refused.
        reason: String,
    },
    /// Two migrations declare the same revision id.
    #[error("revision {revision} is declared by several folders: {}; give each a unique `revision` in metadata.toml", folders.join(", "))]
    DuplicateRevision {
        /// The repeated id.
        revision: String,
        /// Every folder declaring it.
        folders: Vec<String>,
    },
    /// Two migrations declare the same branch label.
    #[error("branch label `{label}` is declared by several folders: {}; keep it on one revision only", folders.join(", "))]
    DuplicateBranchLabel {
        /// The repeated label.
        label: String,
        /// Every folder declaring it.
        folders: Vec<String>,
    },
    /// A branch label is also some revision's id, so targets would be ambiguous.
    #[error("branch label `{label}` of migration {folder} is also the revision id of {other_folder}; rename the label")]
    LabelCollidesWithRevision {
        /// The label.
        label: String,
        /// The folder declaring the label.
        folder: String,
        /// The folder whose revision id it is.
        other_folder: String,
    },
    /// `down_revision` names a revision that no folder declares.
    #[error("migration {folder}: down_revision `{down_revision}` is not a revision of this directory; fix the id or restore the missing migration")]
    UnknownDownRevision {
        /// The folder.
        folder: String,
        /// The missing parent.
        down_revision: String,
    },
    /// `depends_on` names neither a revision nor a branch label.
    #[error("migration {folder}: depends_on `{target}` is neither a revision id nor a branch label; fix the id or restore the missing migration")]
    UnknownDependsOn {
        /// The folder.
        folder: String,
        /// The unresolved entry.
        target: String,
    },
    /// The `down_revision` (or `depends_on`) links form a cycle.
    #[error("{} cycle among migrations {}; a revision cannot (even indirectly) come after itself: fix their {}", if *via_depends_on { "dependency" } else { "revision" }, folders.join(", "), if *via_depends_on { "depends_on" } else { "down_revision" })]
    Cycle {
        /// Folders on or inside the cycle, in version order.
        folders: Vec<String>,
        /// Whether the cycle only exists through `depends_on`.
        via_depends_on: bool,
    },
    /// A target names no revision, label or version.
    #[error("no revision, branch label or version matches `{target}`{}; run `cargo schema history` to list revisions", if target.len() < 4 { " (a partial id needs at least 4 characters to be useful)" } else { "" })]
    UnknownRevision {
        /// What was asked for.
        target: String,
    },
    /// A partial id matches several revisions.
    #[error("`{prefix}` matches several revisions: {}; type more characters", candidates.join(", "))]
    AmbiguousRevision {
        /// The partial id.
        prefix: String,
        /// Matching revisions (`id (folder)`), at most ten.
        candidates: Vec<String>,
    },
    /// `head` (or `label@head`) while there are several heads.
    #[error("`{target}` is ambiguous: there are several heads: {}; name one of them{}, use `heads` for all of them, or run `cargo schema merge` to join them", heads.join(", "), if target.contains('@') { "" } else { " (or `label@head`)" })]
    MultipleHeads {
        /// The target as typed.
        target: String,
        /// The heads (`id (folder)`).
        heads: Vec<String>,
    },
    /// `label@...` names no branch label nor revision.
    #[error("no branch label or revision `{label}` (in `{target}`); run `cargo schema branches` to list labels")]
    UnknownBranch {
        /// The label.
        label: String,
        /// The target as typed.
        target: String,
    },
    /// `label@rev` where rev is not on that branch.
    #[error("revision {revision} ({folder}) is not on branch `{label}`; pick a revision of that branch or drop the `{label}@` prefix")]
    NotOnBranch {
        /// The revision.
        revision: String,
        /// Its folder.
        folder: String,
        /// The label.
        label: String,
    },
    /// A target that has no meaning for this command.
    #[error("target `{target}` cannot be used here: {reason}")]
    InvalidTarget {
        /// The target as typed.
        target: String,
        /// Why, and what to use instead.
        reason: String,
    },
    /// `+N` / `-N` walks past the end of the history.
    #[error("relative revision `{target}` didn't produce {steps} migrations; use a smaller number or an absolute target")]
    RelativeOutOfRange {
        /// The target as typed.
        target: String,
        /// The requested step count.
        steps: u64,
    },
    /// A relative walk reaches a branch point or merge point and cannot choose.
    #[error("`{target}` is ambiguous at revision {at}: it could continue to {}; use `label@{}` or an explicit revision", candidates.join(" or "), if *upward { "+N" } else { "-N" })]
    AmbiguousWalk {
        /// The target as typed.
        target: String,
        /// Where the walk stopped (`base` or `id (folder)`).
        at: String,
        /// The possible next revisions.
        candidates: Vec<String>,
        /// Whether the walk went up (towards heads).
        upward: bool,
    },
    /// A target relative to the current state while the database has several
    /// heads: Alembic picks one arbitrarily, this tool refuses.
    #[error("`{target}` is ambiguous: the database is at several heads: {}; use `label@{target}` or `<revision>{target}`", heads.join(", "))]
    AmbiguousCurrent {
        /// The target as typed.
        target: String,
        /// The database's current heads (`id (folder)`).
        heads: Vec<String>,
    },
    /// Downgrade to a revision that is not applied and has nothing applied above it.
    #[error("`{target}` is not a valid downgrade target from the current state: nothing above {revision} is applied and it is not a current head; run `cargo schema current` to see what is applied")]
    NotADowngradeTarget {
        /// The target as typed.
        target: String,
        /// The resolved revision (`id (folder)`).
        revision: String,
    },
    /// A downgrade would revert migrations that have no `down.sql`.
    #[error("cannot downgrade: {} {} no down.sql; write one, or use `cargo schema stamp` to record the state without running SQL", folders.join(", "), if folders.len() == 1 { "has" } else { "have" })]
    NoDownSql {
        /// The folders lacking `down.sql`, in plan order.
        folders: Vec<String>,
    },
    /// A downgrade would revert migrations whose `down.sql` runs nothing
    /// while their `up.sql` runs SQL (diesel_cli refuses an empty one too).
    #[error("cannot downgrade: the down.sql of {} runs no SQL (empty or only comments) while up.sql does, so reverting would leave what up.sql made; write the SQL that undoes up.sql, or a line `-- irreversible` in down.sql to revert without running SQL on purpose", folders.join(", "))]
    EmptyDownSql {
        /// The folders, in plan order.
        folders: Vec<String>,
    },
    /// The database records a revision or version that no folder declares.
    #[error("the database has `{entry}` applied but no migration folder declares it; restore the folder, or run `cargo schema stamp --purge <revision>` to rewrite the bookkeeping")]
    UnknownApplied {
        /// The recorded revision id or version.
        entry: String,
    },
    /// `generate --head` on a revision that is not a head without `--splice`.
    #[error("revision {revision} ({folder}) is not a head; pass --splice to start a new branch from it, or use a head")]
    NotAHead {
        /// The revision.
        revision: String,
        /// Its folder.
        folder: String,
    },
    /// Several heads and no `--head` for a new revision.
    #[error("there are several heads: {}; pass --head to choose the parent of the new revision, or run `cargo schema merge` first", heads.join(", "))]
    GenerateMultipleHeads {
        /// The heads (`id (folder)`).
        heads: Vec<String>,
    },
    /// A merge request that does not join distinct, unrelated revisions.
    #[error("cannot merge {}: {reason}", revisions.join(", "))]
    InvalidMerge {
        /// The revisions asked for.
        revisions: Vec<String>,
        /// Why it is refused.
        reason: String,
    },
    /// Bad input to `generate` (timestamp, message, revision id).
    #[error("cannot generate a migration: {reason}")]
    InvalidGenerate {
        /// Why, and what to do instead.
        reason: String,
    },
}

impl MigrationError {
    /// A stable snake_case name of the error, for JSON output and tests.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::DirectoryUnreadable { .. } => "directory_unreadable",
            Self::UnreadableFile { .. } => "unreadable_file",
            Self::NotUtf8 { .. } => "not_utf8",
            Self::MissingUpSql { .. } => "missing_up_sql",
            Self::MisnamedMigration { .. } => "misnamed_migration",
            Self::Sqlx { .. } => "sqlx_layout",
            Self::DuplicateVersion { .. } => "duplicate_version",
            Self::MetadataParse { .. } => "metadata_parse",
            Self::UnknownMetadataKey { .. } => "unknown_metadata_key",
            Self::MetadataType { .. } => "metadata_type",
            Self::InvalidIdentifier { .. } => "invalid_identifier",
            Self::DuplicateRevision { .. } => "duplicate_revision",
            Self::DuplicateBranchLabel { .. } => "duplicate_branch_label",
            Self::LabelCollidesWithRevision { .. } => "label_collides_with_revision",
            Self::UnknownDownRevision { .. } => "unknown_down_revision",
            Self::UnknownDependsOn { .. } => "unknown_depends_on",
            Self::Cycle { .. } => "cycle",
            Self::UnknownRevision { .. } => "unknown_revision",
            Self::AmbiguousRevision { .. } => "ambiguous_revision",
            Self::MultipleHeads { .. } => "multiple_heads",
            Self::UnknownBranch { .. } => "unknown_branch",
            Self::NotOnBranch { .. } => "not_on_branch",
            Self::InvalidTarget { .. } => "invalid_target",
            Self::RelativeOutOfRange { .. } => "relative_out_of_range",
            Self::AmbiguousWalk { .. } => "ambiguous_walk",
            Self::AmbiguousCurrent { .. } => "ambiguous_current",
            Self::NotADowngradeTarget { .. } => "not_a_downgrade_target",
            Self::NoDownSql { .. } => "no_down_sql",
            Self::EmptyDownSql { .. } => "empty_down_sql",
            Self::UnknownApplied { .. } => "unknown_applied",
            Self::NotAHead { .. } => "not_a_head",
            Self::GenerateMultipleHeads { .. } => "multiple_heads",
            Self::InvalidMerge { .. } => "invalid_merge",
            Self::InvalidGenerate { .. } => "invalid_generate",
        }
    }

    /// The file or folder the error is about, when there is one on disk.
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            Self::DirectoryUnreadable { path, .. }
            | Self::UnreadableFile { path, .. }
            | Self::NotUtf8 { path }
            | Self::MissingUpSql { path }
            | Self::MisnamedMigration { path, .. }
            | Self::Sqlx { path, .. }
            | Self::MetadataParse { path, .. }
            | Self::UnknownMetadataKey { path, .. }
            | Self::MetadataType { path, .. } => Some(path),
            _ => None,
        }
    }

    /// The 1-based line in [`path`](Self::path) the error points at, if any.
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::MetadataParse { line, .. }
            | Self::UnknownMetadataKey { line, .. }
            | Self::MetadataType { line, .. } => Some(*line),
            _ => None,
        }
    }
}

/// Something suspicious that does not stop a load: a stray `.sql` file at the
/// top of the migrations directory, an unexpected file in a migration folder,
/// an empty `up.sql`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// A stable snake_case name, like [`MigrationError::kind`].
    pub kind: &'static str,
    /// The file or folder concerned.
    pub path: PathBuf,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}
