//! Everything the commands print. Each command that has a JSON document
//! fills a typed view (in [`revision`], [`check`], [`steps`], [`config`])
//! and hands it to one [`Printer`], which writes its JSON (`--format json`,
//! the derived `Serialize`) or its text. Progress of runs goes to stderr
//! ([`run`]).
//!
//! Writes never panic as `println!` does: `cargo schema history | head`
//! closes the pipe early, the write fails with EPIPE, and the command then
//! ends quietly with exit 0 (see [`crate::main_with`]), as ripgrep and cargo
//! treat EPIPE. Commands whose exit code is a verdict (`check`, `config`)
//! keep it through a closed pipe: see [`verdict`].

pub mod check;
pub mod config;
pub mod er;
pub mod graph;
pub mod lint;
pub mod revision;
pub mod run;
pub mod steps;

use std::io::{self, BufWriter, Write};

use serde::Serialize;

use crate::cli::{Format, GlobalArgs};
use crate::{Failure, Outcome};

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

/// A command's document: its JSON is the derived `Serialize`; its text for
/// people is [`View::text`].
pub trait View: Serialize {
    /// Write the text form to `out`.
    fn text(&self, out: &mut dyn Write, opts: TextOptions) -> io::Result<()>;
}

/// What the text forms depend on besides the view.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextOptions {
    /// `-v` (counted): every revision in full, every finding listed.
    pub verbose: u8,
    /// `-q`: nothing but what was asked for.
    pub quiet: bool,
}

/// Writes views to stdout in the format asked for.
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    format: Format,
    opts: TextOptions,
}

impl Printer {
    /// A printer for `--format` and the global `-v`/`-q`.
    pub fn new(format: Format, global: &GlobalArgs) -> Self {
        Printer {
            format,
            opts: TextOptions {
                verbose: global.verbose,
                quiet: global.quiet,
            },
        }
    }

    /// Print `view`: its JSON, pretty and newline-terminated, or its text.
    pub fn print(&self, view: &impl View) -> io::Result<()> {
        match self.format {
            Format::Json => json(view),
            Format::Text => {
                let mut out = Escaping(BufWriter::new(io::stdout().lock()));
                view.text(&mut out, self.opts)?;
                out.0.flush()
            }
        }
    }
}

/// A writer that escapes what would act at a terminal (ESC, CR, bidi
/// overrides) in the text passing through it: the views print folder
/// names, revision ids and rows read from the database, none of which may
/// drive the reader's terminal. (JSON escapes control characters itself.)
struct Escaping<W: Write>(W);

impl<W: Write> Write for Escaping<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // `write!` hands over whole `str` pieces, so a piece is valid UTF-8.
        match std::str::from_utf8(buf) {
            Ok(text) => self
                .0
                .write_all(schema_core::text::escape_terminal(text).as_bytes())?,
            Err(_) => self.0.write_all(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Print `value` as one pretty JSON document on stdout (for documents that
/// have no text form, such as `config`'s report of an unreadable file).
pub fn json(value: &impl Serialize) -> io::Result<()> {
    let mut out = BufWriter::new(io::stdout().lock());
    // serde_json hands an io error back unchanged, so EPIPE stays EPIPE.
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    out.flush()
}

/// The outcome of a command that printed its verdict: a reader that closed
/// the pipe early does not turn a failing `check` green (`cargo schema
/// check | head -n 3` in CI keeps exit 3); other write errors fail.
pub fn verdict(printed: io::Result<()>, outcome: Outcome) -> Result<Outcome, Failure> {
    match printed {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(Failure::Io(e)),
        _ => Ok(outcome),
    }
}
