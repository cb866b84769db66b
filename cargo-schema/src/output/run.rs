//! What `upgrade`, `downgrade` and `stamp` print on stderr, as a wrapper
//! around the runner (which prints nothing itself).
//!
//! Three modes. Piped, one `Running upgrade A -> B, message` line per
//! revision, as Alembic logs it (scripts and CI logs read these). At a
//! terminal, cargo's shape: one line per revision left above a progress
//! bar as each one lands, then a closing summary of where the database went
//! and how long it took. With `-q`, nothing but errors.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use clap::builder::styling::{AnsiColor, Style};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use schema_core::migrations::{
    AppliedSet, Direction, Migration, RevisionGraph, StampPlan, Step, BASE,
};
use schema_runtime::Observer;

use crate::render;

/// How much to print, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `-q` (or JSON on stdout): errors only.
    Quiet,
    /// stderr is a pipe or a file: Alembic's lines, nothing else.
    Lines,
    /// stderr is a terminal: lines above a bar and a summary.
    Terminal {
        /// Whether to colour the status words.
        styled: bool,
    },
}

impl Mode {
    /// The mode for this process's stderr.
    pub fn detect(quiet: bool) -> Mode {
        if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            Mode::Terminal {
                styled: render::stderr_styled(),
            }
        } else {
            Mode::Lines
        }
    }

    /// `status` right-aligned in twelve columns, then `rest`: cargo's
    /// `   Compiling foo` layout.
    fn status(self, status: &str, rest: &str) -> String {
        let styled = matches!(self, Mode::Terminal { styled: true });
        let style = Style::new().bold().fg_color(Some(AnsiColor::Green.into()));
        if styled {
            format!("{style}{status:>12}{style:#} {rest}")
        } else {
            format!("{status:>12} {rest}")
        }
    }
}

/// Observes an upgrade or downgrade and prints as it goes.
pub struct RunPrinter<'g> {
    graph: &'g RevisionGraph,
    mode: Mode,
    direction: Direction,
    bar: Option<ProgressBar>,
    started: Instant,
    before: Option<AppliedSet>,
}

impl<'g> RunPrinter<'g> {
    /// Runs shorter than this show no bar: their lines say enough.
    const BAR_FROM: usize = 5;

    /// A printer for a run over `graph`; the clock starts now.
    pub fn new(mode: Mode, direction: Direction, graph: &'g RevisionGraph) -> Self {
        RunPrinter {
            graph,
            mode,
            direction,
            bar: None,
            started: Instant::now(),
            before: None,
        }
    }

    /// The run ended with `steps`: clear the bar and say what happened.
    pub fn finish(mut self, steps: &[Step], target: &str) {
        self.clear_bar();
        match self.mode {
            Mode::Quiet => {}
            Mode::Lines => {
                if steps.is_empty() {
                    eprintln!("Nothing to do: the database is already at {target}.");
                }
            }
            Mode::Terminal { .. } => {
                let Some(before) = &self.before else {
                    return;
                };
                let from = heads(self.graph, before);
                if steps.is_empty() {
                    eprintln!("Nothing to do: the database is already at {from}.");
                    return;
                }
                let mut after = before.clone();
                for step in steps {
                    match step.direction {
                        Direction::Up => after.insert(step.revision.clone()),
                        Direction::Down => after.remove(&step.revision),
                    };
                }
                let verb = match self.direction {
                    Direction::Up => "Upgraded",
                    Direction::Down => "Downgraded",
                };
                let summary = format!(
                    "{}: {from} -> {} in {}",
                    count(steps.len()),
                    heads(self.graph, &after),
                    seconds(self.started.elapsed())
                );
                eprintln!("{}", self.mode.status(verb, &summary));
            }
        }
    }

    fn clear_bar(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }

    fn migration(&self, step: &Step) -> Option<&'g Migration> {
        self.graph.resolve_revision(&step.revision).ok()
    }

    /// Above the bar when there is one, so the lines stay on screen.
    fn line(&self, text: String) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }
}

impl Drop for RunPrinter<'_> {
    /// A failed run must not leave a half-drawn bar above its error.
    fn drop(&mut self) {
        self.clear_bar();
    }
}

impl Observer for RunPrinter<'_> {
    fn starting(&mut self, applied: &AppliedSet) {
        self.before = Some(applied.clone());
    }

    fn planned(&mut self, steps: &[Step]) {
        if matches!(self.mode, Mode::Terminal { .. }) && steps.len() >= Self::BAR_FROM {
            let bar = ProgressBar::with_draw_target(
                Some(steps.len() as u64),
                ProgressDrawTarget::stderr(),
            );
            let verb = match self.direction {
                Direction::Up => "Upgrading",
                Direction::Down => "Downgrading",
            };
            if let Ok(style) =
                ProgressStyle::with_template("{prefix:>12.cyan.bold} [{bar:27}] {pos}/{len}: {msg}")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_prefix(verb);
            self.bar = Some(bar);
        }
    }

    fn started(&mut self, step: &Step) {
        if let Some(bar) = &self.bar {
            bar.set_message(step.folder_name.clone());
        }
    }

    fn retrying(&mut self, step: &Step, attempt: u32, of: u32) {
        if matches!(self.mode, Mode::Quiet) {
            return;
        }
        let name = self
            .migration(step)
            .map_or_else(|| step.revision.clone(), Migration::describe);
        self.line(format!(
            "retrying revision {name} after lock timeout ({attempt}/{of})"
        ));
    }

    fn finished(&mut self, step: &Step) {
        match self.mode {
            Mode::Quiet => {}
            Mode::Lines => self.line(running(self.migration(step), step)),
            Mode::Terminal { .. } => {
                let (status, rest) = match self.migration(step) {
                    Some(m) => arrow(m, step.direction),
                    None => (verb_of(step.direction), step.revision.clone()),
                };
                self.line(self.mode.status(status, &rest));
                if let Some(bar) = &self.bar {
                    bar.inc(1);
                }
            }
        }
    }
}

/// `Running upgrade A -> B, message`, as Alembic logs it.
fn running(m: Option<&Migration>, step: &Step) -> String {
    let word = match step.direction {
        Direction::Up => "upgrade",
        Direction::Down => "downgrade",
    };
    match m {
        Some(m) => format!("Running {word} {}", arrow(m, step.direction).1),
        None => format!("Running {word} {}", step.revision),
    }
}

/// The status word and `A -> B, message` of one step.
fn arrow(m: &Migration, direction: Direction) -> (&'static str, String) {
    let parents = m.parents();
    let message = m.message.as_deref().unwrap_or(&m.folder_name);
    let rest = match direction {
        Direction::Up => format!("{parents} -> {}, {message}", m.revision),
        Direction::Down => format!("{} -> {parents}, {message}", m.revision),
    };
    (verb_of(direction), rest)
}

fn verb_of(direction: Direction) -> &'static str {
    match direction {
        Direction::Up => "Applied",
        Direction::Down => "Reverted",
    }
}

/// The heads of an applied set, marked `(head)` where they are heads of
/// the graph too; `<base>` when nothing is applied.
pub(crate) fn heads(graph: &RevisionGraph, applied: &AppliedSet) -> String {
    let heads = graph.current_heads(applied).unwrap_or_default();
    if heads.is_empty() {
        return BASE.to_owned();
    }
    let graph_heads: Vec<&str> = graph.heads().iter().map(|m| m.revision.as_str()).collect();
    heads
        .iter()
        .map(|m| {
            if graph_heads.contains(&m.revision.as_str()) {
                format!("{} (head)", m.revision)
            } else {
                m.revision.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn count(n: usize) -> String {
    if n == 1 {
        "1 revision".to_owned()
    } else {
        format!("{n} revisions")
    }
}

/// `6.2 s`: tenths are what a person reads at the end of a run.
fn seconds(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// What `stamp` did, printed once it is done (a stamp runs no SQL and
/// takes one transaction, so there is nothing to show while it runs).
/// `before` is what the database held before, read at a terminal only.
pub fn stamped(
    mode: Mode,
    graph: &RevisionGraph,
    plans: &[StampPlan],
    before: Option<&AppliedSet>,
    started: Instant,
) {
    match mode {
        Mode::Quiet => {}
        Mode::Lines => {
            for plan in plans {
                for step in &plan.delete {
                    eprintln!("Forgot {} ({})", step.revision, step.folder_name);
                }
                for step in &plan.insert {
                    eprintln!("Stamped {} ({})", step.revision, step.folder_name);
                }
            }
        }
        Mode::Terminal { .. } => {
            let (Some(before), Some(last)) = (before, plans.last()) else {
                return;
            };
            let after = &last.applied_after;
            // `--purge` forgets outside the plans; count what went.
            let forgot = before.iter().filter(|r| !after.contains(r)).count();
            let recorded = after.iter().filter(|r| !before.contains(r)).count();
            let explicit: usize = plans.iter().map(|p| p.delete.len()).sum();
            if forgot > explicit {
                let line = format!("{} recorded before (--purge)", count(forgot - explicit));
                eprintln!("{}", mode.status("Forgot", &line));
            }
            for plan in plans {
                for step in &plan.delete {
                    let line = format!("{} ({})", step.revision, step.folder_name);
                    eprintln!("{}", mode.status("Forgot", &line));
                }
                for step in &plan.insert {
                    let line = format!("{} ({})", step.revision, step.folder_name);
                    eprintln!("{}", mode.status("Recorded", &line));
                }
            }
            let to = heads(graph, after);
            if recorded + forgot == 0 {
                eprintln!("Nothing to do: the database is already at {to}.");
                return;
            }
            let (verb, what) = match (recorded, forgot) {
                (n, 0) => ("Stamped", count(n)),
                (0, n) => ("Unstamped", count(n)),
                (n, m) => ("Stamped", format!("{}, forgot {m}", count(n))),
            };
            let summary = format!(
                "{what}: {} -> {to} in {}",
                heads(graph, before),
                seconds(started.elapsed())
            );
            eprintln!("{}", mode.status(verb, &summary));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_words_line_up_as_cargo_does() {
        let mode = Mode::Terminal { styled: false };
        assert_eq!(mode.status("Applied", "x"), "     Applied x");
        assert_eq!(mode.status("Downgraded", "x"), "  Downgraded x");
        assert_eq!(seconds(Duration::from_millis(6_249)), "6.2 s");
        assert_eq!(count(1), "1 revision");
        assert_eq!(count(60), "60 revisions");
    }
}
