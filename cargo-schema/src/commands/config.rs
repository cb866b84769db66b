//! `cargo schema config`: the effective configuration, each value's source,
//! and every problem. Exits 2 when there is a problem, so it doubles as a CI
//! check of the configuration.

// These doc comments are also `--help`'s text, where `[schema]` and
// `[print_schema]` name ini sections, not Rust items.
#![allow(rustdoc::broken_intra_doc_links)]

use clap::Args;
use schema_core::databases;
use schema_core::engine::ResolveOptions;
use schema_core::report::{self, UnreadableReport};
use schema_core::ConfigError;
use schema_runtime::BACKENDS;

use crate::cli::{Format, GlobalArgs};
use crate::output::config::{self as view, ConfigView};
use crate::output::{self, Printer};
use crate::project;
use crate::{Failure, Outcome};

/// Run `config`.
pub fn run(global: &GlobalArgs, args: &ConfigArgs) -> Result<Outcome, Failure> {
    let (path, opened) = match project::locate(global) {
        Ok(located) => (
            Some(located.config_path.clone()),
            project::open(global, &located).map(|project| (located, project)),
        ),
        Err(d) => (None, Err(ConfigError::from(d))),
    };
    let (located, project) = match opened {
        Ok(opened) => opened,
        Err(error) if args.format == Format::Json => {
            let printed = output::json(&UnreadableReport::new(path, &error));
            return output::verdict(printed, Outcome::Usage);
        }
        Err(error) => return Err(Failure::Config(error)),
    };
    // `--database NAME`: that database's configuration, as the fleet
    // commands resolve it.
    let project = match global.database.as_slice() {
        [] => project,
        [name] => {
            let chosen = databases::select(project.databases()?, std::slice::from_ref(name))?;
            match chosen.first() {
                Some(db) => project.database(db),
                None => project,
            }
        }
        _ => {
            return Err(Failure::Usage(
                "config shows one database; name one with --database NAME".into(),
            ))
        }
    };
    let opts = ResolveOptions {
        section: args.section.as_deref(),
        prefix: args.prefix.as_deref(),
        backends: BACKENDS,
        build_time: false,
        features_of: "cargo-schema",
        database_url_env: project.database_name().is_none(),
    };
    let report = report::build(project.config(), project.environment(), &opts, args.reveal);
    let outcome = if report.problems.is_empty() {
        Outcome::Ok
    } else {
        Outcome::Usage
    };
    let printed = Printer::new(args.format, global).print(&ConfigView { report: &report });
    if args.format == Format::Text {
        // On stderr, so they show even when stdout went to a closed pipe.
        view::problems(
            &report,
            located.config_path.parent().unwrap_or(&located.root),
        )?;
    }
    output::verdict(printed, outcome)
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
