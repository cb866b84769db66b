//! `current`, `history`, `heads`, `branches`, `show`: the graph and the
//! database's place in it, in Alembic's layout (or JSON).

use std::collections::{HashMap, HashSet};

use schema_core::migrations::{Migration, Range, RevisionGraph};
use schema_runtime::Status;

use super::with_connection;
use crate::cli::{CurrentArgs, Format, HistoryArgs, ListArgs, ShowArgs};
use crate::output::outln;
use crate::project::ProjectContext;
use crate::{Failure, Outcome};

/// Marks Alembic puts after a revision: `(head)`, `(branchpoint)`, ...
struct Marks<'g> {
    heads: HashSet<&'g str>,
    children: HashMap<&'g str, Vec<&'g Migration>>,
    current: HashSet<String>,
}

impl<'g> Marks<'g> {
    fn new(graph: &'g RevisionGraph, current: &[String]) -> Self {
        let mut children: HashMap<&str, Vec<&Migration>> = HashMap::new();
        for m in graph.migrations() {
            for parent in &m.down_revisions {
                children.entry(parent.as_str()).or_default().push(m);
            }
        }
        Marks {
            heads: graph
                .heads()
                .into_iter()
                .map(|m| m.revision.as_str())
                .collect(),
            children,
            current: current.iter().cloned().collect(),
        }
    }

    fn of(&self, m: &Migration) -> String {
        let mut out = String::new();
        if !m.branch_labels.is_empty() {
            out.push_str(&format!(" ({})", m.branch_labels.join(", ")));
        }
        if self.heads.contains(m.revision.as_str()) {
            out.push_str(" (head)");
        }
        if self.current.contains(&m.revision) {
            out.push_str(" (current)");
        }
        if self
            .children
            .get(m.revision.as_str())
            .is_some_and(|c| c.len() > 1)
        {
            out.push_str(" (branchpoint)");
        }
        if m.down_revisions.len() > 1 {
            out.push_str(" (mergepoint)");
        }
        out
    }

    /// `down -> rev (marks), message`, as `alembic history` prints it.
    fn line(&self, m: &Migration) -> String {
        let down = if m.down_revisions.is_empty() {
            "<base>".to_owned()
        } else {
            m.down_revisions.join(", ")
        };
        format!("{down} -> {}{}, {}", m.revision, self.of(m), message(m))
    }

    /// The multi-line form of `--verbose` and `show`.
    fn verbose(&self, m: &Migration) -> String {
        let mut out = format!("Rev: {}{}\n", m.revision, self.of(m));
        if m.down_revisions.len() > 1 {
            out.push_str(&format!("Merges: {}\n", m.down_revisions.join(", ")));
        } else {
            out.push_str(&format!(
                "Parent: {}\n",
                m.down_revisions.first().map_or("<base>", String::as_str)
            ));
        }
        if let Some(children) = self.children.get(m.revision.as_str()) {
            let names: Vec<&str> = children.iter().map(|c| c.revision.as_str()).collect();
            let label = if names.len() > 1 {
                "Branches into"
            } else {
                "Child"
            };
            out.push_str(&format!("{label}: {}\n", names.join(", ")));
        }
        if !m.depends_on.is_empty() {
            out.push_str(&format!("Also depends on: {}\n", m.depends_on.join(", ")));
        }
        if !m.branch_labels.is_empty() {
            out.push_str(&format!("Branch names: {}\n", m.branch_labels.join(", ")));
        }
        out.push_str(&format!("Path: {}\n", m.file_path("up.sql").display()));
        out.push_str(&format!("\n    {}\n", message(m)));
        out
    }
}

fn message(m: &Migration) -> &str {
    m.message.as_deref().unwrap_or(&m.folder_name)
}

fn json(m: &Migration, marks: &Marks<'_>) -> serde_json::Value {
    serde_json::json!({
        "revision": m.revision,
        "version": m.version,
        "folder": m.folder_name,
        "down_revisions": m.down_revisions,
        "branch_labels": m.branch_labels,
        "depends_on": m.depends_on,
        "message": m.message,
        "is_head": marks.heads.contains(m.revision.as_str()),
        "is_current": marks.current.contains(&m.revision),
    })
}

fn status(
    project: &ProjectContext,
    graph: RevisionGraph,
) -> Result<(Status, RevisionGraph), Failure> {
    let engine = project.engine_settings()?;
    let migrator = schema_runtime::Migrator::new(graph);
    let status = with_connection!(&engine, |conn| migrator.status(&mut conn))?;
    Ok((status, migrator.graph().clone()))
}

/// `current`.
pub fn current(project: &ProjectContext, args: &CurrentArgs) -> Result<Outcome, Failure> {
    let (status, graph) = status(project, project.graph()?.clone())?;
    let marks = Marks::new(&graph, &status.heads);
    let heads: Vec<&Migration> = status.heads.iter().filter_map(|r| graph.get(r)).collect();
    if args.format == Format::Json {
        let out = serde_json::json!({
            "heads": heads.iter().map(|m| json(m, &marks)).collect::<Vec<_>>(),
            "applied": status.applied.iter().collect::<Vec<_>>(),
            "pending": status.pending,
            "edited": status.edited,
            "unknown": status.unknown,
            "failed": status.failed,
        });
        outln!("{out:#}")?;
        return Ok(Outcome::Ok);
    }
    for m in heads {
        if project.global.verbose > 0 {
            outln!("{}", marks.verbose(m))?;
        } else {
            let head = if marks.heads.contains(m.revision.as_str()) {
                " (head)"
            } else {
                ""
            };
            outln!("{}{head}", m.revision)?;
        }
    }
    for version in &status.unknown {
        outln!("{version} (not in the migrations folder)")?;
    }
    Ok(Outcome::Ok)
}

/// `history [-r A:B] [--indicate-current]`.
pub fn history(project: &ProjectContext, args: &HistoryArgs) -> Result<Outcome, Failure> {
    let graph = project.graph()?;
    let needs_db =
        args.indicate_current || args.rev_range.as_ref().is_some_and(Range::needs_database);
    let (status, graph) = if needs_db {
        let (status, graph) = status(project, graph.clone())?;
        (Some(status), std::borrow::Cow::Owned(graph))
    } else {
        (None, std::borrow::Cow::Borrowed(graph))
    };
    let current = status.as_ref().map(|s| s.heads.clone()).unwrap_or_default();
    let marks = Marks::new(&graph, if args.indicate_current { &current } else { &[] });
    let list = graph.history(args.rev_range.as_ref(), status.as_ref().map(|s| &s.applied))?;
    if args.format == Format::Json {
        outln!(
            "{:#}",
            serde_json::Value::Array(list.iter().map(|m| json(m, &marks)).collect())
        )?;
        return Ok(Outcome::Ok);
    }
    for m in list {
        if project.global.verbose > 0 {
            outln!("{}", marks.verbose(m))?;
        } else {
            outln!("{}", marks.line(m))?;
        }
    }
    Ok(Outcome::Ok)
}

/// `heads`.
pub fn heads(project: &ProjectContext, args: &ListArgs) -> Result<Outcome, Failure> {
    let graph = project.graph()?;
    let marks = Marks::new(graph, &[]);
    let heads = graph.heads();
    if args.format == Format::Json {
        outln!(
            "{:#}",
            serde_json::Value::Array(heads.iter().map(|m| json(m, &marks)).collect())
        )?;
        return Ok(Outcome::Ok);
    }
    for m in heads {
        if project.global.verbose > 0 {
            outln!("{}", marks.verbose(m))?;
        } else {
            outln!("{}{}", m.revision, marks.of(m))?;
        }
    }
    Ok(Outcome::Ok)
}

/// `branches`.
pub fn branches(project: &ProjectContext, args: &ListArgs) -> Result<Outcome, Failure> {
    let graph = project.graph()?;
    let marks = Marks::new(graph, &[]);
    let points = graph.branch_points();
    if args.format == Format::Json {
        outln!(
            "{:#}",
            serde_json::Value::Array(points.iter().map(|m| json(m, &marks)).collect())
        )?;
        return Ok(Outcome::Ok);
    }
    for m in points {
        if project.global.verbose > 0 {
            outln!("{}", marks.verbose(m))?;
        } else {
            outln!("{}{}", m.revision, marks.of(m))?;
        }
        for child in marks
            .children
            .get(m.revision.as_str())
            .into_iter()
            .flatten()
        {
            outln!(
                "  -> {}{}, {}",
                child.revision,
                marks.of(child),
                message(child)
            )?;
        }
    }
    Ok(Outcome::Ok)
}

/// `show REV`.
pub fn show(project: &ProjectContext, args: &ShowArgs) -> Result<Outcome, Failure> {
    let graph = project.graph()?;
    let marks = Marks::new(graph, &[]);
    for m in graph.resolve(&args.rev)? {
        outln!("{}", marks.verbose(m))?;
        outln!("-- up.sql\n{}", m.up_sql.trim_end())?;
        match &m.down_sql {
            Some(down) => outln!("\n-- down.sql\n{}", down.trim_end())?,
            None => outln!("\n-- no down.sql: this revision cannot be downgraded")?,
        }
    }
    Ok(Outcome::Ok)
}
