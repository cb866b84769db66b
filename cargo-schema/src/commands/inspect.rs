//! `current`, `history`, `heads`, `branches`, `show`: the graph and the
//! database's place in it, in Alembic's layout (or JSON).

use schema_core::migrations::Range;
use schema_runtime::{Bookkeeping, Status};

use super::with_connection;
use std::io::IsTerminal;

use crate::cli::{
    ColorChoice, CurrentArgs, Format, HistoryArgs, HistoryFormat, ListArgs, ShowArgs,
};
use std::collections::HashMap;

use crate::output::graph::{terminal_safe, Charset, GraphView, Palette};
pub(crate) use crate::output::revision::Revisions;
use crate::output::revision::{BranchPoint, BranchesView, CurrentView, HeadsView, HistoryView};
use crate::output::{outln, Printer};
use crate::project::ProjectContext;
use crate::{Failure, Outcome};
use schema_core::migrations::RevisionGraph;

pub(crate) fn status(project: &ProjectContext) -> Result<Status, Failure> {
    let engine = project.engine_settings()?;
    let migrator = project.migrator(false)?;
    Ok(with_connection!(&engine, |conn| migrator.status(&mut conn))?)
}

/// `current`.
pub fn current(project: &ProjectContext, args: &CurrentArgs) -> Result<Outcome, Failure> {
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
                super::end_of_read(conn);
                read
            })?)
        })();
        let graph = graph
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (graph, read)
    });
    let graph = graph?;
    let status = project.migrator(false)?.status_of(&read?)?;
    let revisions = Revisions::new(graph, &status.heads);
    let view = current_view(graph, &status, &revisions);
    Printer::new(args.format, &project.global).print(&view)?;
    Ok(Outcome::Ok)
}

/// `current`'s document for the database in `status`.
pub(crate) fn current_view<'g>(
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
        Some(status(project)?)
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
        match self::status(&ctx) {
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
pub fn heads(project: &ProjectContext, args: &ListArgs) -> Result<Outcome, Failure> {
    let graph = project.graph()?;
    let revisions = Revisions::new(graph, &[]);
    let view = HeadsView {
        heads: graph
            .heads()
            .into_iter()
            .map(|m| revisions.view(m))
            .collect(),
    };
    Printer::new(args.format, &project.global).print(&view)?;
    Ok(Outcome::Ok)
}

/// `branches`.
pub fn branches(project: &ProjectContext, args: &ListArgs) -> Result<Outcome, Failure> {
    let graph = project.graph()?;
    let revisions = Revisions::new(graph, &[]);
    let view = BranchesView {
        points: graph
            .branch_points()
            .into_iter()
            .map(|m| BranchPoint {
                point: revisions.view(m),
                children: revisions.children(m),
            })
            .collect(),
    };
    Printer::new(args.format, &project.global).print(&view)?;
    Ok(Outcome::Ok)
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
