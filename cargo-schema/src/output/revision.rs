//! Revisions as `current`, `history`, `heads`, `branches` and `show` print
//! them: Alembic's layout in text, one object per revision in JSON.

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::path::PathBuf;

use schema_core::migrations::{parents_display, Migration, RevisionGraph};
use serde::Serialize;

use super::{TextOptions, View};

/// Builds [`RevisionView`]s of one graph: knows its heads, each revision's
/// children and which revisions the database is at.
pub struct Revisions<'g> {
    heads: HashSet<&'g str>,
    children: HashMap<&'g str, Vec<&'g Migration>>,
    current: HashSet<&'g str>,
}

impl<'g> Revisions<'g> {
    /// Views of `graph`'s revisions; those in `current` are marked
    /// `(current)`.
    pub fn new(graph: &'g RevisionGraph, current: &'g [String]) -> Self {
        let mut children: HashMap<&str, Vec<&Migration>> = HashMap::new();
        for m in graph.migrations() {
            for parent in &m.down_revisions {
                children.entry(parent.as_str()).or_default().push(m);
            }
        }
        Revisions {
            heads: graph
                .heads()
                .into_iter()
                .map(|m| m.revision.as_str())
                .collect(),
            children,
            current: current.iter().map(String::as_str).collect(),
        }
    }

    /// The view of `m`.
    pub fn view(&self, m: &'g Migration) -> RevisionView<'g> {
        RevisionView {
            revision: &m.revision,
            version: &m.version,
            folder: &m.folder_name,
            down_revisions: &m.down_revisions,
            branch_labels: &m.branch_labels,
            depends_on: &m.depends_on,
            message: m.message.as_deref(),
            is_head: self.heads.contains(m.revision.as_str()),
            is_current: self.current.contains(m.revision.as_str()),
            children: self
                .children
                .get(m.revision.as_str())
                .map(|c| c.iter().map(|c| c.revision.as_str()).collect())
                .unwrap_or_default(),
            path: m.file_path("up.sql"),
        }
    }

    /// The views of `m`'s children, in folder order.
    pub fn children(&self, m: &Migration) -> Vec<RevisionView<'g>> {
        self.children
            .get(m.revision.as_str())
            .into_iter()
            .flatten()
            .map(|c| self.view(c))
            .collect()
    }
}

/// One revision: the JSON object every revision listing uses.
#[derive(Debug, Clone, Serialize)]
pub struct RevisionView<'g> {
    /// The revision id.
    pub revision: &'g str,
    /// diesel's version (from the folder name).
    pub version: &'g str,
    /// The folder's name.
    pub folder: &'g str,
    /// The parents.
    pub down_revisions: &'g [String],
    /// Branch labels it declares.
    pub branch_labels: &'g [String],
    /// What it depends on besides its parents.
    pub depends_on: &'g [String],
    /// Its message, if it has one.
    pub message: Option<&'g str>,
    /// Whether it is a head of the graph.
    pub is_head: bool,
    /// Whether the database is at it (when that was asked).
    pub is_current: bool,
    /// Its children's ids (for `(branchpoint)` and `-v`).
    #[serde(skip)]
    pub(crate) children: Vec<&'g str>,
    /// Its up.sql (for `-v`).
    #[serde(skip)]
    path: PathBuf,
}

impl RevisionView<'_> {
    /// The message, or the folder's name when there is none.
    pub(crate) fn message(&self) -> &str {
        self.message.unwrap_or(self.folder)
    }

    /// The marks Alembic puts after a revision: ` (label) (head)
    /// (current) (branchpoint) (mergepoint)`.
    pub fn marks(&self) -> String {
        let mut out = String::new();
        if !self.branch_labels.is_empty() {
            out.push_str(&format!(" ({})", self.branch_labels.join(", ")));
        }
        if self.is_head {
            out.push_str(" (head)");
        }
        if self.is_current {
            out.push_str(" (current)");
        }
        if self.children.len() > 1 {
            out.push_str(" (branchpoint)");
        }
        if self.down_revisions.len() > 1 {
            out.push_str(" (mergepoint)");
        }
        out
    }

    /// `down -> rev (marks), message`, as `alembic history` prints it.
    pub fn line(&self) -> String {
        let down = parents_display(self.down_revisions);
        format!(
            "{down} -> {}{}, {}",
            self.revision,
            self.marks(),
            self.message()
        )
    }

    /// The multi-line form of `-v` and `show` (ends with a blank line's
    /// worth: the caller's newline closes it).
    pub fn verbose(&self) -> String {
        let mut out = format!("Rev: {}{}\n", self.revision, self.marks());
        if self.down_revisions.len() > 1 {
            out.push_str(&format!("Merges: {}\n", self.down_revisions.join(", ")));
        } else {
            out.push_str(&format!(
                "Parent: {}\n",
                parents_display(self.down_revisions)
            ));
        }
        if !self.children.is_empty() {
            let label = if self.children.len() > 1 {
                "Branches into"
            } else {
                "Child"
            };
            out.push_str(&format!("{label}: {}\n", self.children.join(", ")));
        }
        if !self.depends_on.is_empty() {
            out.push_str(&format!(
                "Also depends on: {}\n",
                self.depends_on.join(", ")
            ));
        }
        if !self.branch_labels.is_empty() {
            out.push_str(&format!(
                "Branch names: {}\n",
                self.branch_labels.join(", ")
            ));
        }
        out.push_str(&format!("Path: {}\n", self.path.display()));
        out.push_str(&format!("\n    {}\n", self.message()));
        out
    }
}

/// `history`: the revisions, newest first; JSON is an array of them.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct HistoryView<'g> {
    /// Newest first.
    pub revisions: Vec<RevisionView<'g>>,
}

impl View for HistoryView<'_> {
    fn text(&self, out: &mut dyn Write, opts: TextOptions) -> io::Result<()> {
        for r in &self.revisions {
            if opts.verbose > 0 {
                writeln!(out, "{}", r.verbose())?;
            } else {
                writeln!(out, "{}", r.line())?;
            }
        }
        Ok(())
    }
}

/// `heads`: the graph's heads; JSON is an array of them.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct HeadsView<'g> {
    /// The heads.
    pub heads: Vec<RevisionView<'g>>,
}

impl View for HeadsView<'_> {
    fn text(&self, out: &mut dyn Write, opts: TextOptions) -> io::Result<()> {
        for r in &self.heads {
            if opts.verbose > 0 {
                writeln!(out, "{}", r.verbose())?;
            } else {
                writeln!(out, "{}{}", r.revision, r.marks())?;
            }
        }
        Ok(())
    }
}

/// `branches`: the branch points; JSON is an array of them.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct BranchesView<'g> {
    /// The branch points.
    pub points: Vec<BranchPoint<'g>>,
}

/// A branch point and, for the text, its children.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct BranchPoint<'g> {
    /// The branch point.
    pub point: RevisionView<'g>,
    /// Its children, listed under it in text.
    #[serde(skip)]
    pub children: Vec<RevisionView<'g>>,
}

impl View for BranchesView<'_> {
    fn text(&self, out: &mut dyn Write, opts: TextOptions) -> io::Result<()> {
        for BranchPoint { point, children } in &self.points {
            if opts.verbose > 0 {
                writeln!(out, "{}", point.verbose())?;
            } else {
                writeln!(out, "{}{}", point.revision, point.marks())?;
            }
            for child in children {
                writeln!(
                    out,
                    "  -> {}{}, {}",
                    child.revision,
                    child.marks(),
                    child.message()
                )?;
            }
        }
        Ok(())
    }
}

/// `current`: where the database is, and what is pending or wrong.
#[derive(Debug, Serialize)]
pub struct CurrentView<'g> {
    /// The database's heads.
    pub heads: Vec<RevisionView<'g>>,
    /// Every applied revision the folder knows.
    pub applied: Vec<&'g str>,
    /// What `upgrade heads` would apply, in order.
    pub pending: &'g [String],
    /// Applied revisions whose up.sql changed.
    pub edited: &'g [String],
    /// Versions the database has and the folder does not.
    pub unknown: &'g [String],
    /// Revisions that failed partway.
    pub failed: &'g [String],
}

impl View for CurrentView<'_> {
    fn text(&self, out: &mut dyn Write, opts: TextOptions) -> io::Result<()> {
        for r in &self.heads {
            if opts.verbose > 0 {
                writeln!(out, "{}", r.verbose())?;
            } else {
                // Only `(head)`: the rest of the marks say nothing here.
                let head = if r.is_head { " (head)" } else { "" };
                writeln!(out, "{}{head}", r.revision)?;
            }
        }
        for version in self.unknown {
            writeln!(out, "{version} (not in the migrations folder)")?;
        }
        Ok(())
    }
}
