//! The command line: the global options and the list of commands. Each
//! command's own arguments are defined in its module under `commands`
//! (re-exported here).

// These doc comments are also `--help`'s text, where `[schema]` and
// `[print_schema]` name ini sections, not Rust items.
#![allow(rustdoc::broken_intra_doc_links)]

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use crate::commands::check::CheckArgs;
pub use crate::commands::completions::CompletionsArgs;
pub use crate::commands::config::ConfigArgs;
pub use crate::commands::generate::{GenerateArgs, MergeArgs};
pub use crate::commands::init::{InitArgs, Template};
pub use crate::commands::inspect::{
    ColorChoice, CurrentArgs, HistoryArgs, HistoryFormat, ListArgs, ShowArgs,
};
pub use crate::commands::inspect_schema::{InspectArgs, InspectFormat};
pub use crate::commands::lint::{LintArgs, LintFormat};
pub use crate::commands::man::ManArgs;
pub use crate::commands::migrate::{
    DowngradeArgs, MigrateArgs, MigrateTarget, RunFlags, StampArgs,
};
pub use crate::commands::print_schema::PrintSchemaArgs;

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

/// Which of schema.ini's timeouts is which: three keys whose names alone
/// could be confused.
const TIMEOUTS_HELP: &str = "Timeouts (schema.ini's main section, in seconds):
  lock_timeout            how long this runner waits for another runner's migration lock [default: 60]
  statement_lock_timeout  how long one statement of a revision waits for a table or row lock held
                          by anyone else (PostgreSQL lock_timeout, MySQL/MariaDB lock_wait_timeout,
                          SQLite busy timeout) [default: none]
  statement_timeout       how long one statement of a revision may run [default: none]
  lock_timeout_retries    retries of a revision that failed on a lock timeout and left nothing behind [default: 0]
A revision's metadata.toml may set its own statement_timeout and statement_lock_timeout.";

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write schema.ini, the migrations folder and a .env for a new project.
    Init(InitArgs),
    /// Create a new revision.
    Generate(GenerateArgs),
    /// Apply revisions up to TARGET (default: head).
    #[command(after_long_help = TIMEOUTS_HELP)]
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
    Lint(LintArgs),
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

/// Output format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    #[default]
    Text,
    /// One JSON object on stdout, for tools.
    Json,
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
