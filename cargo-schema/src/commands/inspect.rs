//! `current`, `history`, `heads`, `branches`, `show`: the graph and the
//! database's place in it, in Alembic's layout (or JSON). `current` runs
//! on a fleet too ([`Current`]).

// These doc comments are also `--help`'s text, where `[schema]` and
// `[print_schema]` name ini sections, not Rust items.
#![allow(rustdoc::broken_intra_doc_links)]

use std::collections::HashMap;
use std::io::IsTerminal;
use std::io::{self, Write};

use clap::{Args, ValueEnum};
use schema_core::migrations::RevisionGraph;
use schema_core::migrations::{Range, Target, BASE};
use schema_runtime::{Bookkeeping, Status};
use serde::{Serialize, Serializer};

use super::{one_line, OnDatabase, Reach, Report};
use crate::candidates::revisions;
use crate::cli::{Format, GlobalArgs};
use crate::ops;
use crate::ops::with_connection;
use crate::output::graph::{terminal_safe, Charset, GraphView, Palette};
use crate::output::revision::Revisions;
use crate::output::revision::{BranchPoint, BranchesView, CurrentView, HeadsView, HistoryView};
use crate::output::{outln, Printer, TextOptions, View};
use crate::project::ProjectContext;
use crate::{Failure, Outcome};

/// `current`.
pub struct Current<'a>(pub &'a CurrentArgs);

/// Where the database is: `current`'s document ([`CurrentView`]).
#[derive(Debug)]
pub struct CurrentReport<'g> {
    graph: &'g RevisionGraph,
    status: Status,
}

impl CurrentReport<'_> {
    fn with_view<T>(&self, f: impl FnOnce(&CurrentView<'_>) -> T) -> T {
        let revisions = Revisions::new(self.graph, &self.status.heads);
        f(&current_view(self.graph, &self.status, &revisions))
    }
}

impl Serialize for CurrentReport<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.with_view(|view| view.serialize(s))
    }
}

impl View for CurrentReport<'_> {
    fn text(&self, out: &mut dyn Write, opts: TextOptions) -> io::Result<()> {
        self.with_view(|view| view.text(out, opts))
    }
}

impl OnDatabase for Current<'_> {
    type View<'c>
        = CurrentReport<'c>
    where
        Self: 'c;

    fn format(&self) -> Format {
        self.0.format
    }

    fn needs_sql(&self) -> bool {
        false
    }

    fn run<'c>(
        &'c self,
        project: &'c ProjectContext,
        reach: Reach,
    ) -> Result<Report<CurrentReport<'c>>, Failure> {
        let engine = project.engine_settings()?;
        // The folder is loaded on a second thread while this one opens and
        // reads the database: neither needs the other until the comparison.
        // The database stays on the thread that is already running because on
        // SQLite opening means parsing the whole schema, the longer half at
        // 1000 tables, and a new thread may wait a while for a core (up to
        // 3 ms seen on 2 cores, `perf sched`); SQLite's allocations also come
        // from the main heap then, which grows in larger steps than a
        // thread's. A folder error still wins over a database error, as when
        // the two ran one after the other.
        let (graph, read) = std::thread::scope(|scope| {
            let graph = scope.spawn(|| project.graph());
            let read = (|| -> Result<Bookkeeping, Failure> {
                Ok(with_connection!(&engine, |conn| {
                    let read = Bookkeeping::read(&mut conn);
                    match reach {
                        Reach::One => crate::ops::end_of_read(conn),
                        Reach::Fleet => drop(conn),
                    }
                    read
                })?)
            })();
            let graph = graph
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            (graph, read)
        });
        let graph = graph?;
        let migrator = project.migrator(false)?;
        let mut read = read?;
        // A folder in sqlx's layout: sqlx's table too, read once the
        // folder has said which.
        if let Some(table) = migrator.sqlx_table().filter(|t| !read.read_sqlx(t)) {
            read = with_connection!(&engine, |conn| Bookkeeping::read_with_sqlx(
                &mut conn,
                Some(table)
            ))?;
        }
        let status = migrator.status_of(&read)?;
        Ok(Report::ok(CurrentReport { graph, status }))
    }

    fn line(&self, view: &CurrentReport<'_>, global: &GlobalArgs) -> String {
        one_line(view, global, BASE)
    }
}

/// `current`'s document for the database in `status`.
fn current_view<'g>(
    graph: &'g RevisionGraph,
    status: &'g Status,
    revisions: &Revisions<'g>,
) -> CurrentView<'g> {
    CurrentView {
        heads: status
            .heads
            .iter()
            .filter_map(|r| graph.get(r))
            .map(|m| revisions.view(m))
            .collect(),
        applied: status.applied.iter().collect(),
        pending: &status.pending,
        edited: &status.edited,
        unknown: &status.unknown,
        failed: &status.failed,
    }
}

/// Whether `history` draws a picture (`--graph`, dot, Mermaid), which can
/// mark where each database of a fleet is.
pub fn history_draws(args: &HistoryArgs) -> bool {
    args.graph || matches!(args.format, HistoryFormat::Dot | HistoryFormat::Mermaid)
}

/// `history [-r A:B] [--indicate-current]`.
pub fn history(project: &ProjectContext, args: &HistoryArgs) -> Result<Outcome, Failure> {
    let graph = project.graph()?;
    // A picture with -i over a fleet marks every database's revisions.
    let fleet = match project.databases()? {
        Some(dbs) if args.indicate_current && history_draws(args) => Some(dbs),
        _ => None,
    };
    let ranged = args.rev_range.as_ref().is_some_and(Range::needs_database);
    if fleet.is_some() && ranged {
        return Err(Failure::Usage(
            "a range that counts from the database's revision needs one database; name it with --database NAME"
                .to_owned(),
        ));
    }
    let needs_db = fleet.is_none() && (args.indicate_current || ranged);
    let status = if needs_db {
        Some(ops::status::status(project)?)
    } else {
        None
    };
    let mut current = match (&status, args.indicate_current) {
        (Some(status), true) => status.heads.clone(),
        _ => Vec::new(),
    };
    let mut at: HashMap<String, Vec<String>> = HashMap::new();
    for db in fleet.iter().flatten() {
        let ctx = project.for_database(db)?;
        if ctx.settings.script_location != project.settings.script_location {
            return Err(Failure::Usage(format!(
                "database `{}` has a migrations folder of its own; draw its graph with --database {}",
                terminal_safe(&db.name),
                terminal_safe(&db.name)
            )));
        }
        match ops::status::status(&ctx) {
            Ok(read) => {
                for head in read.heads {
                    at.entry(head).or_default().push(db.name.clone());
                }
            }
            // One database that cannot be read does not hide the others;
            // it is named, as a fleet's run names it.
            Err(e) => {
                let why = match &e {
                    Failure::Run(run) => run.to_string(),
                    _ => "its settings could not be read".to_owned(),
                };
                eprintln!(
                    "warning: database `{}` was not read: {}",
                    terminal_safe(&db.name),
                    terminal_safe(why.lines().next().unwrap_or_default())
                );
            }
        }
    }
    current.extend(at.keys().cloned());
    let revisions = Revisions::new(graph, &current);
    let list = graph.history(args.rev_range.as_ref(), status.as_ref().map(|s| &s.applied))?;
    let views = list.into_iter().map(|m| revisions.view(m)).collect();
    let format =
        match args.format {
            HistoryFormat::Text if !args.graph => Format::Text,
            HistoryFormat::Json if !args.graph => Format::Json,
            HistoryFormat::Json => return Err(Failure::Usage(
                "--graph draws text; for the graph as data use --format dot or --format mermaid"
                    .to_owned(),
            )),
            picture => {
                let mut view = GraphView::new(views, |d| {
                    graph.resolve_revision(d).ok().map(|m| m.revision.as_str())
                });
                if fleet.is_some() {
                    view = view.with_databases(at, project.global.verbose > 0);
                }
                let mut out = std::io::BufWriter::new(std::io::stdout().lock());
                match picture {
                    HistoryFormat::Dot => view.dot(&mut out)?,
                    HistoryFormat::Mermaid => view.mermaid(&mut out)?,
                    _ => {
                        let coloured = match args.color {
                            ColorChoice::Always => true,
                            ColorChoice::Never => false,
                            ColorChoice::Auto => {
                                std::io::stdout().is_terminal()
                                    && std::env::var_os("NO_COLOR").is_none()
                            }
                        };
                        let palette = if coloured {
                            Palette::coloured()
                        } else {
                            Palette::default()
                        };
                        let charset = if args.ascii {
                            Charset::Ascii
                        } else {
                            Charset::Unicode
                        };
                        view.text(&mut out, charset, palette)?;
                    }
                }
                std::io::Write::flush(&mut out)?;
                return Ok(Outcome::Ok);
            }
        };
    let view = HistoryView { revisions: views };
    Printer::new(format, &project.global).print(&view)?;
    Ok(Outcome::Ok)
}

/// `heads`.
pub struct Heads<'a>(pub &'a ListArgs);

impl OnDatabase for Heads<'_> {
    type View<'c>
        = HeadsView<'c>
    where
        Self: 'c;

    fn format(&self) -> Format {
        self.0.format
    }

    fn needs_sql(&self) -> bool {
        false
    }

    fn run<'c>(
        &'c self,
        project: &'c ProjectContext,
        _reach: Reach,
    ) -> Result<Report<HeadsView<'c>>, Failure> {
        let graph = project.graph()?;
        let revisions = Revisions::new(graph, &[]);
        Ok(Report::ok(HeadsView {
            heads: graph
                .heads()
                .into_iter()
                .map(|m| revisions.view(m))
                .collect(),
        }))
    }
}

/// `branches`.
pub struct Branches<'a>(pub &'a ListArgs);

impl OnDatabase for Branches<'_> {
    type View<'c>
        = BranchesView<'c>
    where
        Self: 'c;

    fn format(&self) -> Format {
        self.0.format
    }

    fn needs_sql(&self) -> bool {
        false
    }

    fn run<'c>(
        &'c self,
        project: &'c ProjectContext,
        _reach: Reach,
    ) -> Result<Report<BranchesView<'c>>, Failure> {
        let graph = project.graph()?;
        let revisions = Revisions::new(graph, &[]);
        Ok(Report::ok(BranchesView {
            points: graph
                .branch_points()
                .into_iter()
                .map(|m| BranchPoint {
                    point: revisions.view(m),
                    children: revisions.children(m),
                })
                .collect(),
        }))
    }
}

/// `show REV`.
pub fn show(project: &ProjectContext, args: &ShowArgs) -> Result<Outcome, Failure> {
    let graph = project.graph()?;
    let revisions = Revisions::new(graph, &[]);
    for m in graph.resolve(&args.rev)? {
        outln!("{}", revisions.view(m).verbose())?;
        outln!("-- up.sql\n{}", m.up_sql.trim_end())?;
        match &m.down_sql {
            Some(down) => outln!("\n-- down.sql\n{}", down.trim_end())?,
            None => outln!("\n-- no down.sql: this revision cannot be downgraded")?,
        }
    }
    Ok(Outcome::Ok)
}

/// `current` options.
#[derive(Debug, Args)]
pub struct CurrentArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// `history` options.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// A range A:B (either side may be empty, or current).
    #[arg(
        short = 'r',
        long = "rev-range",
        value_name = "A:B",
        allow_hyphen_values = true
    )]
    pub rev_range: Option<Range>,
    /// Mark the database's current revisions (connects).
    #[arg(short = 'i', long = "indicate-current")]
    pub indicate_current: bool,
    /// Output format: text, json, or the graph for Graphviz (dot) or
    /// Mermaid.
    #[arg(long, value_enum, default_value_t)]
    pub format: HistoryFormat,
    /// Draw the revision graph with lanes, as `git log --graph` does.
    #[arg(long)]
    pub graph: bool,
    /// Draw the graph with ASCII characters instead of box drawing.
    #[arg(long, requires = "graph")]
    pub ascii: bool,
    /// When to colour the graph [default: auto: when stdout is a terminal
    /// and NO_COLOR is unset].
    #[arg(long, value_enum, default_value_t, value_name = "WHEN")]
    pub color: ColorChoice,
}

/// `history --format`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    /// For people.
    #[default]
    Text,
    /// One JSON array on stdout, for tools.
    Json,
    /// A Graphviz digraph.
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
}

/// `--color`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// When stdout is a terminal and NO_COLOR is unset.
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// `heads` and `branches` options.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// `show` options.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The revision.
    #[arg(add = revisions())]
    pub rev: Target,
}
