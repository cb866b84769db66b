//! What git says about the project, for `lint --base REF`: the files that
//! differ from REF (committed since, changed in the work tree, or new and
//! untracked) and a file's text at REF. Read by running the `git` command,
//! as the user's own git sees the repository (its config, worktrees and
//! sparse checkouts included); cargo-schema has no git library.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Failure;

/// A repository and the commit `--base` named.
#[derive(Debug)]
pub struct Base {
    /// The ref as the user wrote it, for messages.
    pub reference: String,
    /// The work tree's top folder.
    top: PathBuf,
    /// The commit the ref names.
    commit: String,
}

impl Base {
    /// The commit `reference` names in the repository holding `dir`.
    pub fn resolve(dir: &Path, reference: &str) -> Result<Base, Failure> {
        let usage = |what: String| Failure::Usage(format!("`--base {reference}`: {what}"));
        // A ref that git would read as an option.
        if reference.is_empty() || reference.starts_with('-') {
            return Err(usage("not a git ref".into()));
        }
        let top = git(dir, ["rev-parse", "--show-toplevel"]).map_err(|e| match e {
            GitError::Failed(message) => usage(format!(
                "{} is not in a git repository ({message})",
                dir.display()
            )),
            GitError::Spawn(e) => usage(e),
        })?;
        let top = PathBuf::from(top.trim_end_matches(['\n', '\r']));
        let spec = format!("{reference}^{{commit}}");
        let commit = git(&top, ["rev-parse", "--verify", "--quiet", spec.as_str()]).map_err(
            |e| match e {
                GitError::Failed(_) => usage(format!(
                    "git knows no commit by that name in {}",
                    top.display()
                )),
                GitError::Spawn(e) => usage(e),
            },
        )?;
        Ok(Base {
            reference: reference.to_owned(),
            top,
            commit: commit.trim().to_owned(),
        })
    }

    /// Every file under `dir` that differs from the base commit: changed
    /// or deleted since (committed or not) and untracked new files, as
    /// absolute paths.
    pub fn changed_under(&self, dir: &Path) -> Result<Vec<PathBuf>, Failure> {
        let dir = self.relative(dir)?;
        let dir = dir.as_os_str();
        let diff = self.run([
            OsStr::new("diff"),
            OsStr::new("--name-only"),
            OsStr::new("-z"),
            OsStr::new("--no-renames"),
            OsStr::new(&self.commit),
            OsStr::new("--"),
            dir,
        ])?;
        let untracked = self.run([
            OsStr::new("ls-files"),
            OsStr::new("-z"),
            OsStr::new("--others"),
            OsStr::new("--exclude-standard"),
            OsStr::new("--full-name"),
            OsStr::new("--"),
            dir,
        ])?;
        Ok(diff
            .split('\0')
            .chain(untracked.split('\0'))
            .filter(|f| !f.is_empty())
            .map(|f| self.top.join(f))
            .collect())
    }

    /// `file`'s text at the base commit, `None` when it did not exist
    /// there.
    pub fn read(&self, file: &Path) -> Result<Option<String>, Failure> {
        let object = format!("{}:{}", self.commit, self.name(file)?);
        if self.run(["cat-file", "-e", object.as_str()]).is_err() {
            return Ok(None);
        }
        self.run(["cat-file", "blob", object.as_str()]).map(Some)
    }

    /// `REF:path/in/repo`, how findings name `file` as it was at the base.
    pub fn label(&self, file: &Path) -> Result<String, Failure> {
        Ok(format!("{}:{}", self.reference, self.name(file)?))
    }

    /// `file`'s path in the repository, `/`-separated.
    fn name(&self, file: &Path) -> Result<String, Failure> {
        Ok(self.relative(file)?.to_string_lossy().replace('\\', "/"))
    }

    /// `path` relative to the work tree's top (git's pathspecs and object
    /// names are).
    fn relative(&self, path: &Path) -> Result<PathBuf, Failure> {
        let absolute = canonical(path);
        let top = canonical(&self.top);
        absolute
            .strip_prefix(&top)
            .map(Path::to_path_buf)
            .map_err(|_| {
                Failure::Usage(format!(
                    "`--base {}`: {} is outside the git repository at {}",
                    self.reference,
                    path.display(),
                    self.top.display()
                ))
            })
    }

    fn run<I, S>(&self, args: I) -> Result<String, Failure>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        git(&self.top, args).map_err(|e| {
            let message = match e {
                GitError::Failed(m) | GitError::Spawn(m) => m,
            };
            Failure::Usage(format!("`--base {}`: {message}", self.reference))
        })
    }
}

/// `path` with its symbolic links resolved; a file that does not exist
/// yet keeps its name under its resolved folder.
fn canonical(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => canonical(parent).join(name),
        _ => path.to_path_buf(),
    }
}

enum GitError {
    /// git ran and failed: its stderr's first line.
    Failed(String),
    /// git could not be run.
    Spawn(String),
}

fn git<I, S>(dir: &Path, args: I) -> Result<String, GitError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| GitError::Spawn(format!("cannot run `git`: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr.lines().next().unwrap_or("").trim();
        return Err(GitError::Failed(if first.is_empty() {
            format!("git exited with {}", output.status)
        } else {
            first.to_owned()
        }));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
