//! `cargo schema` / `cargo-schema`: see the library for everything.

use std::process::ExitCode;

fn main() -> ExitCode {
    cargo_schema::main_with(std::env::args_os().collect())
}
