//! `man --out DIR`: the manual pages, from the clap definitions `--help`
//! prints, so that they cannot drift from the parser. One page for
//! `cargo-schema` and one per command (`cargo-schema-upgrade.1`, ...), as
//! git and cargo ship theirs, for a release to carry or a user to install.

use std::path::PathBuf;

use clap::{Args, CommandFactory};

use crate::cli::{GlobalArgs, SchemaCli};
use crate::{Failure, Outcome};

/// `man` options.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The folder to write the pages into (created if missing).
    #[arg(long = "out", value_name = "DIR")]
    pub out: PathBuf,
}

/// Write the pages into `args.out`; prints each file written (stderr).
pub fn run(global: &GlobalArgs, args: &ManArgs) -> Result<Outcome, Failure> {
    std::fs::create_dir_all(&args.out).map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("cannot create {}: {e}", args.out.display()),
        )
    })?;
    let command = SchemaCli::command();
    let written = write_pages(&command, &args.out)?;
    if !global.quiet {
        eprintln!("Wrote {} manual pages into {}", written, args.out.display());
    }
    Ok(Outcome::Ok)
}

/// The page of `command` and, recursively, of each of its subcommands, as
/// `NAME-SUB.1`; returns how many were written.
fn write_pages(command: &clap::Command, dir: &std::path::Path) -> std::io::Result<usize> {
    let mut command = command.clone();
    // The help subcommand has no page of its own (cargo's and git's man
    // pages have none either).
    command = command.disable_help_subcommand(true);
    command.build();
    let mut written = 0;
    let name = command
        .get_display_name()
        .unwrap_or(command.get_name())
        .to_owned();
    let path = dir.join(format!("{name}.1"));
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut page)?;
    crate::files::write(&path, &page, Some(0o644), crate::files::Existing::Replace)?;
    written += 1;
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        let sub = sub
            .clone()
            .display_name(format!("{name}-{}", sub.get_name()));
        written += write_pages(&sub, dir)?;
    }
    Ok(written)
}
