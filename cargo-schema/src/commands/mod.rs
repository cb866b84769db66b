//! One module per command; `run` dispatches.

pub mod config;

use crate::cli::{Command, SchemaCli};
use crate::{project, Failure, Outcome};

/// Run the parsed command line.
pub fn run(cli: &SchemaCli) -> Result<Outcome, Failure> {
    let located = project::locate(&cli.global)?;
    match &cli.command {
        Command::Config(args) => config::run(&cli.global, args, located),
    }
}
