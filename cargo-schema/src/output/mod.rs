//! Everything the commands print. Writes to stdout go through [`out!`] and
//! [`outln!`], which return the error instead of panicking as `println!`
//! does: `cargo schema history | head` closes the pipe early, and the
//! command then ends quietly with exit 0 (see [`crate::main_with`]), as
//! ripgrep and cargo treat EPIPE.

pub mod run;

/// `print!` to stdout, returning `std::io::Result<()>`.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout().lock(), $($arg)*)
    }};
}

/// `println!` to stdout, returning `std::io::Result<()>`.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)
    }};
}

pub(crate) use {out, outln};
