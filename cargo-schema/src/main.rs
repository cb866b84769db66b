//! `cargo schema` / `cargo-schema`: see the library for everything.

use std::process::ExitCode;

fn main() -> ExitCode {
    // SAFETY: nothing has started a thread or touched SQLite yet, and every
    // SQLite connection of the command is diesel's, owned by one thread at
    // a time.
    #[cfg(feature = "sqlite")]
    #[allow(unsafe_code)]
    unsafe {
        schema_runtime::connect::sqlite_owned_connections();
    }
    cargo_schema::main_with(std::env::args_os().collect())
}
