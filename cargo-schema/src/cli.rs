//! The command line, as clap types. Parsing only: behaviour lives in
//! `commands`.

// These doc comments are also `--help`'s text, where `[schema]` and
// `[print_schema]` name ini sections, not Rust items.
#![allow(rustdoc::broken_intra_doc_links)]

use std::path::PathBuf;
use std::str::FromStr;

use clap::{Args, Parser, Subcommand, ValueEnum};
use schema_core::migrations::{MigrationError, Range, Target};

/// `cargo schema ...`: cargo runs `cargo-schema schema ...`.
#[derive(Debug, Parser)]
#[command(name = "cargo", bin_name = "cargo", styles = clap::builder::Styles::styled())]
pub enum CargoCli {
    /// Alembic-style configuration and migrations for diesel projects.
    Schema(SchemaCli),
}

/// `cargo-schema ...`, run directly.
#[derive(Debug, Parser)]
#[command(
    name = "cargo-schema",
    version = version(),
    about = "Alembic-style configuration and migrations for diesel projects",
    long_about = None,
    after_help = "Exit codes: 0 ok, 1 database or migration failure, 2 usage or configuration error, 3 `check` found something, or `lint` an error."
)]
pub struct SchemaCli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// `--version`'s text: the version, then the backends this build has and
/// the driver of each (a build with `--no-default-features --features X`
/// has fewer, and a user reporting a problem should be able to say which).
pub fn version() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| {
        let mut backends = Vec::new();
        if cfg!(feature = "sqlite") {
            backends.push("sqlite (bundled libsqlite3)");
        }
        if cfg!(feature = "postgres") {
            backends.push("postgres (tokio-postgres, pure Rust; TLS by rustls)");
        }
        if cfg!(feature = "mysql") {
            backends.push("mysql (mysql_async, pure Rust; TLS by rustls)");
        }
        format!(
            "{}\nbackends: {}",
            env!("CARGO_PKG_VERSION"),
            backends.join(", ")
        )
    })
}

/// Options every command takes.
#[derive(Debug, Args, Default, Clone)]
pub struct GlobalArgs {
    /// The ini file [default: schema.ini in the package root].
    #[arg(short = 'c', long = "config", value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,

    /// The main section [default: schema, or alembic when the file has no
    /// [schema]].
    #[arg(short = 'n', long = "name", value_name = "SECTION", global = true)]
    pub name: Option<String>,

    /// Set KEY of the main section, literally (no %% escaping needed).
    #[arg(short = 'x', long = "set", value_name = "KEY=VALUE", global = true)]
    pub set: Vec<String>,

    /// Set KEY of SECTION, literally.
    #[arg(long = "set-section", num_args = 2, value_names = ["SECTION", "KEY=VALUE"], global = true)]
    pub set_section: Vec<String>,

    /// The database URL, over DATABASE_URL and the ini file.
    #[arg(long = "database-url", value_name = "URL", global = true)]
    pub database_url: Option<String>,

    /// One of the databases the ini file lists (`databases`,
    /// `databases_file`); repeat for several [default: every one].
    #[arg(long = "database", value_name = "NAME", global = true)]
    pub database: Vec<String>,

    /// How many of the listed databases to work on at once [default: 4].
    #[arg(short = 'j', long = "jobs", value_name = "N", global = true)]
    pub jobs: Option<std::num::NonZeroUsize>,

    /// The package whose schema.ini to use.
    #[arg(long = "manifest-path", value_name = "PATH", global = true)]
    pub manifest_path: Option<PathBuf>,

    /// Read every migration file, ignoring the snapshot of the folder kept
    /// in CARGO_SCHEMA_CACHE_DIR (default ~/.cache/cargo-schema) and writing none.
    /// `CARGO_SCHEMA_NO_CACHE=1` (or true, yes, on) does the same.
    #[arg(
        long = "no-cache",
        env = "CARGO_SCHEMA_NO_CACHE",
        global = true,
        value_parser = clap::builder::BoolishValueParser::new(),
        num_args = 0,
        default_missing_value = "true",
        default_value = "false"
    )]
    pub no_cache: bool,

    /// Print less.
    #[arg(short = 'q', long = "quiet", global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more: each revision in full for current, history, heads and
    /// branches; every finding of check, however many.
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write schema.ini, the migrations folder and a .env for a new project.
    Init(InitArgs),
    /// Create a new revision.
    Generate(GenerateArgs),
    /// Apply revisions up to TARGET (default: head).
    Upgrade(MigrateArgs),
    /// Revert revisions down to TARGET.
    Downgrade(DowngradeArgs),
    /// Show the database's current revisions.
    Current(CurrentArgs),
    /// List revisions, newest first.
    History(HistoryArgs),
    /// Show the heads of the revision graph.
    Heads(ListArgs),
    /// Show the branch points of the revision graph.
    Branches(ListArgs),
    /// Show one revision.
    Show(ShowArgs),
    /// Record revisions as applied without running them.
    Stamp(StampArgs),
    /// Create a revision that merges several heads.
    Merge(MergeArgs),
    /// Exit 3 when revisions are pending, edited after being applied,
    /// unknown to the folder, the graph has several heads, or the
    /// database has drifted from what its applied revisions build.
    Check(CheckArgs),
    /// Say what each pending revision will lock, rewrite, lose or break on
    /// the server, before it runs (exits 3 on an error); see the guide's
    /// Lint section.
    Lint(crate::commands::lint::LintArgs),
    /// Show the effective configuration, where each value came from, and
    /// every problem (exits 2 when there is one).
    Config(ConfigArgs),
    /// Print the completion script for SHELL (commands, flags, and the
    /// folder's revision ids and branch labels); see the guide.
    Completions(CompletionsArgs),
    /// Write the manual pages (cargo-schema.1 and one per command) into
    /// DIR, e.g. ~/.local/share/man/man1.
    Man(ManArgs),
    /// Print diesel's schema.rs for the database, as `diesel print-schema`
    /// does, with the [print_schema] settings of schema.ini or diesel.toml.
    PrintSchema(PrintSchemaArgs),
    /// Print the database's schema: tables, columns, keys, indexes,
    /// constraints, views and types.
    Inspect(InspectArgs),
}

/// `print-schema` options.
#[derive(Debug, Args)]
pub struct PrintSchemaArgs {
    /// Print only the configuration KEY (`[print_schema.KEY]`; `default`
    /// for the plain section) [default: every configuration, in key order].
    #[arg(long = "schema-key", value_name = "KEY")]
    pub schema_key: Vec<String>,
}

/// `inspect` options.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: InspectFormat,
}

/// `inspect --format`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum InspectFormat {
    /// The schema model as JSON.
    #[default]
    Json,
    /// The DDL that recreates the schema.
    Sql,
    /// An entity-relationship diagram for Mermaid (tables as
    /// `[print_schema]` filters them).
    Mermaid,
    /// An entity-relationship diagram for Graphviz (tables as
    /// `[print_schema]` filters them).
    Dot,
}

/// `init` options.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Directory to initialise [default: the package root].
    pub dir: Option<PathBuf>,
    /// Which database the new schema.ini points at.
    #[arg(long, value_enum, default_value_t)]
    pub template: Template,
}

/// `init --template`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Template {
    /// SQLite, bundled: nothing to install.
    #[default]
    Sqlite,
    /// PostgreSQL, URL from DATABASE_URL.
    Postgres,
    /// MySQL/MariaDB, URL from DATABASE_URL.
    Mysql,
    /// PostgreSQL for an async app (NullPool, as Alembic's async template).
    Async,
    /// Several databases, Alembic's multidb layout: `databases = engine1,
    /// engine2` and a section with its own URL for each (SQLite files to
    /// start with).
    Multidb,
}

/// `generate` options.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The revision's message.
    #[arg(short = 'm', long)]
    pub message: String,
    /// The parent revision (needed when there are several heads).
    #[arg(long, value_name = "REV")]
    pub head: Option<Target>,
    /// A branch label for the new revision.
    #[arg(long = "branch-label", value_name = "LABEL")]
    pub branch_label: Vec<String>,
    /// A revision or label the new revision depends on.
    #[arg(long = "depends-on", value_name = "REV")]
    pub depends_on: Vec<String>,
    /// Use this revision id instead of a generated one.
    #[arg(long = "rev-id", value_name = "ID")]
    pub rev_id: Option<String>,
    /// Write up.sql and down.sql with comments only.
    #[arg(long, conflicts_with = "autogenerate")]
    pub empty: bool,
    /// Write the SQL that turns the database (which must be at head) into
    /// what schema.rs declares.
    #[arg(long)]
    pub autogenerate: bool,
    /// The schema.rs to compare with (default: the `[print_schema] file`).
    #[arg(long = "schema-file", value_name = "PATH", requires = "autogenerate")]
    pub schema_file: Option<std::path::PathBuf>,
    /// A table renamed in schema.rs (never guessed); repeatable.
    #[arg(long = "rename-table", value_name = "OLD=NEW", requires = "autogenerate", value_parser = parse_rename_table)]
    pub rename_table: Vec<(String, String)>,
    /// A column renamed in schema.rs, TABLE being the table's new name;
    /// repeatable.
    #[arg(long = "rename-column", value_name = "TABLE.OLD=NEW", requires = "autogenerate", value_parser = parse_rename_column)]
    pub rename_column: Vec<(String, String, String)>,
    /// Print the revision's up.sql and down.sql instead of writing them.
    #[arg(long, requires = "autogenerate")]
    pub sql: bool,
}

fn parse_rename_table(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((old, new)) if !old.is_empty() && !new.is_empty() => {
            Ok((old.to_owned(), new.to_owned()))
        }
        _ => Err(format!("expected OLD=NEW, got `{text}`")),
    }
}

fn parse_rename_column(text: &str) -> Result<(String, String, String), String> {
    let bad = || format!("expected TABLE.OLD=NEW, got `{text}`");
    let (column, new) = text.split_once('=').ok_or_else(bad)?;
    let (table, old) = column.rsplit_once('.').ok_or_else(bad)?;
    if [table, old, new].iter().any(|s| s.is_empty()) {
        return Err(bad());
    }
    Ok((table.to_owned(), old.to_owned(), new.to_owned()))
}

/// `upgrade` options.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// head, heads, base, a revision (or unique prefix), label@head, +N,
    /// REV+N; FROM:TO with --sql.
    #[arg(default_value = "head", allow_hyphen_values = true)]
    pub target: MigrateTarget,
    /// Options `upgrade` and `downgrade` share.
    #[command(flatten)]
    pub run: RunFlags,
}

/// `downgrade` options.
#[derive(Debug, Args)]
pub struct DowngradeArgs {
    /// base, -N, a revision, label@base, REV-N; FROM:TO with --sql.
    #[arg(allow_hyphen_values = true)]
    pub target: MigrateTarget,
    /// Options `upgrade` and `downgrade` share.
    #[command(flatten)]
    pub run: RunFlags,
}

/// What `upgrade` and `downgrade` take: a target, or with `--sql` the
/// range `FROM:TO` (Alembic's offline `start:end`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrateTarget {
    /// `TARGET`.
    To(Target),
    /// `FROM:TO`.
    Range(Range),
}

impl FromStr for MigrateTarget {
    type Err = MigrationError;

    fn from_str(text: &str) -> Result<Self, MigrationError> {
        if text.contains(':') {
            text.parse().map(Self::Range)
        } else {
            text.parse().map(Self::To)
        }
    }
}

/// How `upgrade` and `downgrade` run.
#[derive(Debug, Args)]
pub struct RunFlags {
    /// Print the SQL instead of running it (no connection; the URL only
    /// picks the dialect). FROM:TO starts from FROM.
    #[arg(long)]
    pub sql: bool,
    /// Accept applied revisions whose up.sql changed, recording the new
    /// checksums.
    #[arg(long = "allow-edited")]
    pub allow_edited: bool,
    /// Leave the print_schema `file` (schema.rs) as it is.
    #[arg(long = "no-print-schema")]
    pub no_print_schema: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// `current` options.
#[derive(Debug, Args)]
pub struct CurrentArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// `history` options.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// A range A:B (either side may be empty, or current).
    #[arg(
        short = 'r',
        long = "rev-range",
        value_name = "A:B",
        allow_hyphen_values = true
    )]
    pub rev_range: Option<Range>,
    /// Mark the database's current revisions (connects).
    #[arg(short = 'i', long = "indicate-current")]
    pub indicate_current: bool,
    /// Output format: text, json, or the graph for Graphviz (dot) or
    /// Mermaid.
    #[arg(long, value_enum, default_value_t)]
    pub format: HistoryFormat,
    /// Draw the revision graph with lanes, as `git log --graph` does.
    #[arg(long)]
    pub graph: bool,
    /// Draw the graph with ASCII characters instead of box drawing.
    #[arg(long, requires = "graph")]
    pub ascii: bool,
    /// When to colour the graph [default: auto: when stdout is a terminal
    /// and NO_COLOR is unset].
    #[arg(long, value_enum, default_value_t, value_name = "WHEN")]
    pub color: ColorChoice,
}

/// `history --format`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    /// For people.
    #[default]
    Text,
    /// One JSON array on stdout, for tools.
    Json,
    /// A Graphviz digraph.
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
}

/// `--color`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// When stdout is a terminal and NO_COLOR is unset.
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// `heads` and `branches` options.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// `show` options.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The revision.
    pub rev: Target,
}

/// `stamp` options.
#[derive(Debug, Args)]
pub struct StampArgs {
    /// Revisions to stamp.
    #[arg(required = true, allow_hyphen_values = true)]
    pub revs: Vec<Target>,
    /// Forget every recorded revision first.
    #[arg(long)]
    pub purge: bool,
    /// Leave the print_schema `file` (schema.rs) as it is.
    #[arg(long = "no-print-schema")]
    pub no_print_schema: bool,
}

/// `merge` options.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The merge revision's message.
    #[arg(short = 'm', long)]
    pub message: String,
    /// Heads to merge (at least two; `heads` for all).
    #[arg(required = true)]
    pub revs: Vec<Target>,
    /// A branch label for the merge revision.
    #[arg(long = "branch-label", value_name = "LABEL")]
    pub branch_label: Vec<String>,
    /// Use this revision id.
    #[arg(long = "rev-id", value_name = "ID")]
    pub rev_id: Option<String>,
}

/// `check` options.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Skip the drift check: no scratch database is created, and the live
    /// schema is compared with neither the revisions nor schema.rs.
    #[arg(long)]
    pub no_drift: bool,
    /// Skip linting the pending revisions (`cargo schema lint`); with
    /// --no-drift they are linted without the schema before each one.
    #[arg(long)]
    pub no_lint: bool,
}

/// Output format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    #[default]
    Text,
    /// One JSON object on stdout, for tools.
    Json,
}

/// `config` options.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// The section to show [default: the main section].
    #[arg(long, value_name = "NAME")]
    pub section: Option<String>,

    /// The engine option prefix [default: diesel., or sqlalchemy. for an
    /// alembic.ini].
    #[arg(long, value_name = "P")]
    pub prefix: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,

    /// Show passwords instead of ***.
    #[arg(long)]
    pub reveal: bool,
}

/// `completions` options.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
    /// Call back `cargo-schema` as found on PATH at TAB time, not this
    /// binary's path: for a script installed with a package (a release's
    /// completions/), not sourced at shell start.
    #[arg(long = "on-path")]
    pub on_path: bool,
}

/// `man` options.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The folder to write the pages into (created if missing).
    #[arg(long = "out", value_name = "DIR")]
    pub out: PathBuf,
}

/// Parse `args` (the whole argv), accepting both `cargo schema CMD` (which
/// cargo turns into `cargo-schema schema CMD`) and `cargo-schema CMD`.
pub fn parse(args: Vec<std::ffi::OsString>) -> Result<SchemaCli, clap::Error> {
    if args.get(1).is_some_and(|a| a == "schema") {
        CargoCli::try_parse_from(args).map(|CargoCli::Schema(cli)| cli)
    } else {
        SchemaCli::try_parse_from(args)
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn clap_definitions_are_consistent() {
        CargoCli::command().debug_assert();
        SchemaCli::command().debug_assert();
    }

    #[test]
    fn targets_are_parsed_with_the_command_line() {
        let argv = |args: &[&str]| {
            parse(
                std::iter::once("cargo-schema")
                    .chain(args.iter().copied())
                    .map(Into::into)
                    .collect(),
            )
        };
        let Command::Upgrade(up) = argv(&["upgrade", "billing@+2"]).unwrap().command else {
            panic!("not upgrade");
        };
        let MigrateTarget::To(target) = up.target else {
            panic!("not a target");
        };
        assert_eq!(target.branch(), Some("billing"));
        assert_eq!(target.relative(), Some(2));
        let Command::Downgrade(down) = argv(&["downgrade", "-1"]).unwrap().command else {
            panic!("not downgrade");
        };
        assert!(matches!(down.target, MigrateTarget::To(t) if t.needs_database()));
        let Command::Upgrade(up) = argv(&["upgrade", "a:head", "--sql"]).unwrap().command else {
            panic!("not upgrade");
        };
        assert!(matches!(up.target, MigrateTarget::Range(r) if r.lower().is_some()));
        let Command::History(h) = argv(&["history", "-r", "-2:current"]).unwrap().command else {
            panic!("not history");
        };
        assert!(h.rev_range.is_some_and(|r| r.needs_database()));
        for bad in [
            &["upgrade", "a@b@c"][..],
            &["downgrade", "head+x"],
            &["history", "-r", "head"],
            &["show", "@head"],
        ] {
            let err = argv(bad).unwrap_err();
            assert_eq!(
                err.kind(),
                clap::error::ErrorKind::ValueValidation,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn both_invocations_parse() {
        let direct = parse(
            ["cargo-schema", "config", "-x", "a=b"]
                .map(Into::into)
                .to_vec(),
        )
        .unwrap();
        assert_eq!(direct.global.set, ["a=b"]);
        let via_cargo = parse(
            ["cargo-schema", "schema", "-c", "x.ini", "config"]
                .map(Into::into)
                .to_vec(),
        )
        .unwrap();
        assert_eq!(via_cargo.global.config, Some(PathBuf::from("x.ini")));
    }
}
