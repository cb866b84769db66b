//! The `cargo schema` command line: parsing with clap, then a thin layer
//! over schema-core and schema-runtime. Everything here is callable from
//! tests; `main.rs` only maps the outcome to an exit code.

pub mod candidates;
pub mod cli;
pub mod commands;
pub mod files;
pub mod fleet;
pub mod ops;
pub mod output;
pub mod project;
pub mod render;

use std::process::ExitCode;

use schema_core::migrations::MigrationError;
use schema_core::secret::mask_urls;
use schema_core::text::escape_terminal;
use schema_core::{ConfigError, Diagnostic, Kind};
use schema_runtime::RunError;

/// How a command ended, and the exit code that says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 0.
    Ok,
    /// 1: the database or a migration failed.
    Failed,
    /// 2: usage or configuration error.
    Usage,
    /// 3: `check` found something, or `lint` an error.
    CheckFound,
}

impl Outcome {
    /// The exit code.
    pub fn code(self) -> u8 {
        match self {
            Outcome::Ok => 0,
            Outcome::Failed => 1,
            Outcome::Usage => 2,
            Outcome::CheckFound => 3,
        }
    }
}

impl From<Outcome> for ExitCode {
    fn from(o: Outcome) -> Self {
        ExitCode::from(o.code())
    }
}

/// Why a command stopped.
#[derive(Debug)]
pub enum Failure {
    /// The configuration (or the project) is wrong: exit 2.
    Config(ConfigError),
    /// The migrations folder or a target is wrong: exit 2.
    Migrations(Vec<MigrationError>),
    /// The command cannot do what was asked (exit 2).
    Usage(String),
    /// The database or a migration failed: exit 1.
    Run(RunError),
    /// Writing the output failed (a closed pipe, say).
    Io(std::io::Error),
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Self {
        Failure::Config(e)
    }
}

impl From<Diagnostic> for Failure {
    fn from(d: Diagnostic) -> Self {
        Failure::Config(d.into())
    }
}

impl From<MigrationError> for Failure {
    fn from(e: MigrationError) -> Self {
        Failure::Migrations(vec![e])
    }
}

impl From<RunError> for Failure {
    fn from(e: RunError) -> Self {
        match e {
            RunError::Graph(e) => Failure::Migrations(vec![e]),
            RunError::Config(e) => Failure::Config(e),
            // A key this database cannot honour is a configuration error
            // (exit 2), found only once connected.
            RunError::Setting { key, message } => Failure::Config(
                Diagnostic::new(Kind::InvalidValue, format!("`{key}`: {message}")).into(),
            ),
            other => Failure::Run(other),
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Io(e)
    }
}

/// Run the command line `args` (the whole argv) and return the exit code.
pub fn main_with(args: Vec<std::ffi::OsString>) -> ExitCode {
    if let Some(code) = commands::completions::complete_from_env(&args) {
        return code;
    }
    let cli = match cli::parse(args) {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout (exit 0) and usage
            // errors to stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match commands::run(&cli) {
        Ok(outcome) => outcome.into(),
        Err(Failure::Config(error)) => {
            let styled = render::stderr_styled();
            let base = std::env::current_dir().unwrap_or_default();
            for d in error.diagnostics() {
                eprintln!("{}\n", render::diagnostic(d, &base, styled));
            }
            Outcome::Usage.into()
        }
        Err(Failure::Migrations(errors)) => {
            for e in &errors {
                eprintln!("{}", escape_terminal(&render::migration_error(e)));
            }
            Outcome::Usage.into()
        }
        Err(Failure::Usage(message)) => {
            eprintln!("error: {}", escape_terminal(&mask_urls(&message)));
            Outcome::Usage.into()
        }
        Err(Failure::Run(e)) => {
            eprintln!("error: {}", escape_terminal(&mask_urls(&e.to_string())));
            Outcome::Failed.into()
        }
        Err(Failure::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => Outcome::Ok.into(),
        Err(Failure::Io(e)) => {
            eprintln!("error: {e}");
            Outcome::Failed.into()
        }
    }
}
