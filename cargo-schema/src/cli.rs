//! The command line, as clap types. Parsing only: behaviour lives in
//! `commands`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
    version,
    about = "Alembic-style configuration and migrations for diesel projects",
    long_about = None,
    after_help = "Exit codes: 0 ok, 1 database or migration failure, 2 usage or configuration error, 3 `check` found something."
)]
pub struct SchemaCli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
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

    /// The package whose schema.ini to use.
    #[arg(long = "manifest-path", value_name = "PATH", global = true)]
    pub manifest_path: Option<PathBuf>,

    /// Print less.
    #[arg(short = 'q', long = "quiet", global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more (repeat for more still).
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the effective configuration, where each value came from, and
    /// every problem (exits 2 when there is one).
    Config(ConfigArgs),
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
