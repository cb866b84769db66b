//! One module per command; `run` dispatches. A command module owns what is
//! particular to its command and imports no other command module: shared
//! workflows are in [`crate::ops`], views in [`crate::output`]. Every
//! command that touches migrations starts from [`ProjectContext::open`], so
//! the preamble (find the ini, apply overrides, read the settings and the
//! folder) exists once.
//!
//! A command that runs against one database implements [`OnDatabase`]: it
//! returns a typed [`Report`] and prints nothing on stdout; [`run`] prints
//! the report for one database, and [`crate::fleet`] runs the very same
//! code on each database of a fleet.

pub mod check;
pub mod completions;
pub mod config;
pub mod generate;
pub mod init;
pub mod inspect;
pub mod inspect_schema;
pub mod lint;
pub mod man;
pub mod migrate;
pub mod print_schema;

use crate::cli::{Command, Format, GlobalArgs, SchemaCli};
use crate::output::{self, Printer, TextOptions, View};
use crate::project::ProjectContext;
use crate::{fleet, Failure, Outcome};

/// Run the parsed command line.
pub fn run(cli: &SchemaCli) -> Result<Outcome, Failure> {
    let g = &cli.global;
    match &cli.command {
        Command::Init(args) => init::run(g, args),
        Command::Config(args) => config::run(g, args),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => man::run(g, args),
        Command::Generate(args) => generate::generate(&ProjectContext::open_one(g)?, args),
        Command::Merge(args) => generate::merge(&ProjectContext::open_one(g)?, args),
        Command::Upgrade(args) => each_or_one(g, &migrate::Upgrade(args)),
        Command::Downgrade(args) => each_or_one(g, &migrate::Downgrade(args)),
        Command::Stamp(args) => each_or_one(g, &migrate::Stamp(args)),
        Command::Current(args) => each_or_one(g, &inspect::Current(args)),
        Command::Check(args) => each_or_one(g, &check::Check(args)),
        // Drawn with -i, the graph marks every database of a fleet.
        Command::History(args) if args.indicate_current && inspect::history_draws(args) => {
            inspect::history(&ProjectContext::open(g)?.without_sql(), args)
        }
        Command::History(args) => {
            inspect::history(&ProjectContext::open_one(g)?.without_sql(), args)
        }
        Command::Heads(args) => one(g, &inspect::Heads(args)),
        Command::Branches(args) => one(g, &inspect::Branches(args)),
        Command::Show(args) => inspect::show(&ProjectContext::open_one(g)?, args),
        Command::Lint(args) => one(g, &lint::Lint(args)),
        Command::PrintSchema(args) => print_schema::run(&ProjectContext::open_one(g)?, args),
        Command::Inspect(args) => inspect_schema::run(&ProjectContext::open_one(g)?, args),
    }
}

/// What a command found for one database: a typed view (its JSON is the
/// derived `Serialize`, its text [`View::text`]) and the exit code it asks
/// for.
#[derive(Debug)]
pub struct Report<V> {
    /// What is printed: on stdout alone, or as the database's entry of a
    /// fleet.
    pub view: V,
    /// How it ended.
    pub outcome: Outcome,
}

impl<V> Report<V> {
    /// A report that ended well.
    pub fn ok(view: V) -> Self {
        Report {
            view,
            outcome: Outcome::Ok,
        }
    }
}

/// Whether a command runs on the project's one database or as one of a
/// fleet's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The project's only database (or the one `--database NAME` named
    /// when the command cannot run on several): progress at the terminal,
    /// the print_schema file follows the database.
    One,
    /// One of several, `--jobs` at a time: quiet until its one line.
    Fleet,
}

/// A command that runs against one database; [`crate::fleet`] runs it on
/// each database of a fleet.
pub trait OnDatabase: Sync {
    /// What it reports for one database (may borrow the context).
    type View<'c>: View + Send
    where
        Self: 'c;

    /// `--format`.
    fn format(&self) -> Format;

    /// Whether it runs or prints SQL (the folder's SQL is read then) or
    /// only needs the graph.
    fn needs_sql(&self) -> bool {
        true
    }

    /// The command against `ctx`'s database.
    fn run<'c>(
        &'c self,
        ctx: &'c ProjectContext,
        reach: Reach,
    ) -> Result<Report<Self::View<'c>>, Failure>;

    /// What runs instead of [`OnDatabase::run`] when the arguments ask for
    /// something other than a report per database (an offline script, or
    /// a usage error on a fleet); `dbs` is the fleet, `None` for the
    /// project's one database. `None` to run as usual.
    fn instead(
        &self,
        _base: &ProjectContext,
        _dbs: Option<&[schema_core::databases::Database]>,
    ) -> Option<Result<Outcome, Failure>> {
        None
    }

    /// The database's line in a fleet's text: the view's text on one line
    /// (`; ` between its lines), or `empty` when it has none.
    fn line(&self, view: &Self::View<'_>, global: &GlobalArgs) -> String {
        one_line(view, global, "ok")
    }
}

/// A view's text on one line (`; ` between its lines), or `empty`.
pub fn one_line(view: &impl View, global: &GlobalArgs, empty: &str) -> String {
    let mut buffer = Vec::new();
    let opts = TextOptions {
        verbose: global.verbose,
        quiet: false,
    };
    let _ = view.text(&mut buffer, opts);
    let text = String::from_utf8_lossy(&buffer);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if lines.is_empty() {
        empty.to_owned()
    } else {
        lines.join("; ")
    }
}

/// Run `command` on each listed database of a multidb ini file (the
/// fleet), or on the project's one database and print its report.
fn each_or_one<C: OnDatabase>(global: &GlobalArgs, command: &C) -> Result<Outcome, Failure> {
    let mut context = ProjectContext::open(global)?;
    if !command.needs_sql() {
        context = context.without_sql();
    }
    match context.databases()? {
        Some(databases) => match command.instead(&context, Some(&databases)) {
            Some(done) => done,
            None => fleet::each(&context, databases, command),
        },
        None => alone(&context, command),
    }
}

/// Run `command` on the project's one database (a fleet must name one
/// with `--database NAME`), and print its report.
fn one<C: OnDatabase>(global: &GlobalArgs, command: &C) -> Result<Outcome, Failure> {
    let mut context = ProjectContext::open_one(global)?;
    if !command.needs_sql() {
        context = context.without_sql();
    }
    alone(&context, command)
}

/// The one place a single database's report is printed and turned into
/// the exit code.
fn alone<C: OnDatabase>(context: &ProjectContext, command: &C) -> Result<Outcome, Failure> {
    if let Some(done) = command.instead(context, None) {
        return done;
    }
    let report = command.run(context, Reach::One)?;
    let printed = Printer::new(command.format(), &context.global).print(&report.view);
    output::verdict(printed, report.outcome)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The command modules: every `.rs` in this folder but `mod.rs`.
    fn modules() -> Vec<(String, String)> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/commands");
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&dir).expect("src/commands") {
            let path = entry.expect("entry").path();
            let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            if path.extension().is_some_and(|e| e == "rs") && name != "mod" {
                let text = std::fs::read_to_string(&path).expect("readable");
                out.push((name.to_owned(), text));
            }
        }
        out.sort();
        out
    }

    /// Each path a module names from `super::` or `crate::commands::`,
    /// in `use` items (braced lists included) and in expressions alike.
    fn named_siblings(text: &str) -> Vec<String> {
        let mut names = Vec::new();
        for prefix in ["super::", "crate::commands::", "commands::"] {
            for (at, _) in text.match_indices(prefix) {
                let rest = &text[at + prefix.len()..];
                if let Some(list) = rest.strip_prefix('{') {
                    let end = list.find('}').unwrap_or(list.len());
                    names.extend(
                        list[..end]
                            .split(',')
                            .map(|n| n.trim().split("::").next().unwrap_or("").to_owned()),
                    );
                } else {
                    let end = rest
                        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .unwrap_or(rest.len());
                    names.push(rest[..end].to_owned());
                }
            }
        }
        names
    }

    /// No command module imports another: what two commands share is a
    /// workflow in `crate::ops` or a view in `crate::output`.
    #[test]
    fn no_command_module_imports_another() {
        let modules = modules();
        assert!(modules.len() >= 10, "the command modules were not found");
        let names: Vec<&str> = modules.iter().map(|(n, _)| n.as_str()).collect();
        let mut offences = Vec::new();
        for (name, text) in &modules {
            // A module's own unit tests (`use super::*`) name the module
            // itself, not a sibling.
            for sibling in named_siblings(text) {
                if sibling != *name && names.contains(&sibling.as_str()) {
                    offences.push(format!("commands/{name}.rs names commands::{sibling}"));
                }
            }
        }
        assert!(offences.is_empty(), "{}", offences.join("\n"));
    }

    /// The check itself sees the forms an import takes.
    #[test]
    fn named_siblings_sees_lists_and_paths() {
        let text = "use super::{check, inspect::status};\nfn f() { super::migrate::run(); crate::commands::lint::x(); }";
        assert_eq!(
            named_siblings(text),
            ["check", "inspect", "migrate", "lint", "lint"]
        );
    }
}
