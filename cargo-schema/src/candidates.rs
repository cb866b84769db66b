//! What a shell's TAB offers for an argument that takes a revision:
//! `head`, `heads`, `base`, the folder's revision ids and branch labels,
//! read from the project the command line names at TAB time. cli.rs
//! attaches [`revisions`] to each such argument (`#[arg(add =
//! revisions())]`), so the candidates follow the typed arguments.

use std::ffi::OsString;
use std::sync::OnceLock;

use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};

use crate::cli::GlobalArgs;
use crate::project::ProjectContext;

/// The options of the command line being completed (`-c`, `-n`, ...),
/// which say which project the revisions come from; set once, before the
/// candidates are asked for.
static LINE: OnceLock<GlobalArgs> = OnceLock::new();

/// The candidates of an argument that takes a revision: `head`, `heads`,
/// `base`, the folder's revisions and branch labels, read at TAB time.
/// cli.rs attaches them to each such argument (`#[arg(add = revisions())]`).
pub fn revisions() -> ArgValueCandidates {
    ArgValueCandidates::new(|| {
        let fallback = GlobalArgs {
            quiet: true,
            ..GlobalArgs::default()
        };
        candidates(LINE.get().unwrap_or(&fallback))
    })
}

/// Remember the options of the line being completed (`words` after the
/// program's name), before the candidates are asked for.
pub fn from_line(words: &[OsString]) {
    let _ = LINE.set(globals(words));
}

/// The options of the line so far that change which project (and so which
/// folder) the candidates come from.
fn globals(words: &[OsString]) -> GlobalArgs {
    let mut global = GlobalArgs {
        quiet: true,
        ..GlobalArgs::default()
    };
    let words: Vec<String> = words
        .iter()
        .map(|w| w.to_string_lossy().into_owned())
        .collect();
    let mut i = 0;
    while i < words.len() {
        let word = words[i].as_str();
        let (flag, inline) = match word.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_owned())),
            _ => (word, None),
        };
        let value = || inline.clone().or_else(|| words.get(i + 1).cloned());
        match flag {
            "-c" | "--config" => global.config = value().map(Into::into),
            "-n" | "--name" => global.name = value(),
            "--manifest-path" => global.manifest_path = value().map(Into::into),
            "-x" | "--set" => global.set.extend(value()),
            "--database-url" => global.database_url = value(),
            _ => {}
        }
        i += 1;
    }
    global
}

/// `head`, `heads`, `base`, the folder's revision ids (newest first, the
/// message as help) and its branch labels; nothing when the project cannot
/// be read (a completion must never print an error).
fn candidates(global: &GlobalArgs) -> Vec<CompletionCandidate> {
    let help = |text: &str| Some(text.to_owned().into());
    let mut out = vec![
        CompletionCandidate::new("head").help(help("the head of the revision graph")),
        CompletionCandidate::new("heads").help(help("every head")),
        CompletionCandidate::new("base").help(help("before the first revision")),
    ];
    let Ok(project) = ProjectContext::open(global) else {
        return out;
    };
    let Ok(graph) = project.graph() else {
        return out;
    };
    let mut labels = Vec::new();
    for m in graph.migrations().iter().rev() {
        let message = m.message.as_deref().unwrap_or(&m.folder_name);
        out.push(CompletionCandidate::new(&m.revision).help(help(message)));
        for label in &m.branch_labels {
            if !labels.contains(label) {
                labels.push(label.clone());
            }
        }
    }
    for label in labels {
        out.push(
            CompletionCandidate::new(format!("{label}@head"))
                .help(help(&format!("the head of branch {label}"))),
        );
        out.push(CompletionCandidate::new(&label).help(help(&format!("branch {label}"))));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::SchemaCli;
    use clap::CommandFactory;

    /// The arguments that take a revision, as `(subcommand, argument id)`.
    const REVISION_ARGS: &[(&str, &str)] = &[
        ("upgrade", "target"),
        ("downgrade", "target"),
        ("stamp", "revs"),
        ("show", "rev"),
        ("merge", "revs"),
        ("generate", "head"),
        ("generate", "depends_on"),
    ];

    /// Exactly the arguments that take a revision complete revisions:
    /// renaming a field in cli.rs keeps its completion, and no other
    /// argument gets revision candidates.
    #[test]
    fn every_revision_argument_completes_revisions() {
        let cmd = SchemaCli::command();
        let mut with: Vec<(String, String)> = Vec::new();
        for sub in cmd.get_subcommands() {
            for arg in sub.get_arguments() {
                if arg.get::<ArgValueCandidates>().is_some() {
                    with.push((sub.get_name().to_owned(), arg.get_id().to_string()));
                }
            }
        }
        with.sort();
        let mut want: Vec<(String, String)> = REVISION_ARGS
            .iter()
            .map(|(s, a)| ((*s).to_owned(), (*a).to_owned()))
            .collect();
        want.sort();
        assert_eq!(with, want);
    }

    #[test]
    fn globals_pick_the_project_options() {
        let words: Vec<OsString> = ["schema", "-c", "db/x.ini", "--name=prod", "upgrade", ""]
            .map(Into::into)
            .to_vec();
        let g = globals(&words);
        assert_eq!(g.config, Some("db/x.ini".into()));
        assert_eq!(g.name.as_deref(), Some("prod"));
        assert!(g.quiet);
    }
}
