//! `generate` and `merge`: write a new revision folder.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

use schema_core::migrations::{GenerateOptions, Generated, Target, Timestamp};

use crate::cli::{GenerateArgs, MergeArgs};
use crate::output::outln;
use crate::project::ProjectContext;
use crate::{Failure, Outcome};

/// `generate -m MSG ...`.
pub fn generate(project: &ProjectContext, args: &GenerateArgs) -> Result<Outcome, Failure> {
    if args.autogenerate {
        return super::autogenerate::run(project, args);
    }
    let graph = project.graph()?;
    let generated = graph.generate(&options(args), now(), entropy())?;
    write(project, &generated)
}

/// The new revision's place and name, as the flags give them.
pub(crate) fn options(args: &GenerateArgs) -> GenerateOptions {
    GenerateOptions {
        message: args.message.clone(),
        head: args.head.iter().cloned().collect(),
        branch_labels: args.branch_label.clone(),
        depends_on: args.depends_on.clone(),
        rev_id: args.rev_id.clone(),
        empty: args.empty,
        ..GenerateOptions::default()
    }
}

/// `merge -m MSG REV REV...` (or `heads`).
pub fn merge(project: &ProjectContext, args: &MergeArgs) -> Result<Outcome, Failure> {
    let graph = project.graph()?;
    let mut parents: Vec<Target> = Vec::new();
    for rev in &args.revs {
        for m in graph.resolve(rev)? {
            if !parents.iter().any(|p| p.as_str() == m.revision) {
                parents.push(m.revision.parse()?);
            }
        }
    }
    let opts = GenerateOptions {
        message: args.message.clone(),
        head: parents,
        branch_labels: args.branch_label.clone(),
        rev_id: args.rev_id.clone(),
        empty: true,
        ..GenerateOptions::default()
    };
    if opts.head.len() < 2 {
        return Err(Failure::Migrations(vec![
            schema_core::migrations::MigrationError::InvalidGenerate {
                reason: format!(
                    "merge needs at least two revisions, got {}",
                    args.revs
                        .iter()
                        .map(Target::to_string)
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            },
        ]));
    }
    let generated = graph.generate(&opts, now(), entropy())?;
    write(project, &generated)
}

/// Write the folder; nothing is left half-written if a file fails.
pub(crate) fn write(project: &ProjectContext, generated: &Generated) -> Result<Outcome, Failure> {
    let dir = project
        .settings
        .script_location
        .join(&generated.folder_name);
    let staging = project
        .settings
        .script_location
        .join(format!(".{}.partial", generated.folder_name));
    let result = (|| {
        std::fs::create_dir(&staging)?;
        for file in &generated.files {
            std::fs::write(staging.join(file.name), &file.contents)?;
        }
        std::fs::rename(&staging, &dir)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(Failure::Io(std::io::Error::new(
            e.kind(),
            format!("cannot write {}: {e}", dir.display()),
        )));
    }
    if !project.global.quiet {
        let shown = dir
            .strip_prefix(std::env::current_dir().unwrap_or_default())
            .unwrap_or(&dir);
        eprintln!("Generating {} ... done", shown.display());
    }
    // The folder on stdout, for `$EDITOR "$(cargo schema generate -m x)/up.sql"`.
    outln!("{}", dir.display())?;
    Ok(Outcome::Ok)
}

pub(crate) fn now() -> Timestamp {
    let t = time::OffsetDateTime::now_utc();
    Timestamp {
        year: u16::try_from(t.year()).unwrap_or(9999),
        month: u8::from(t.month()),
        day: t.day(),
        hour: t.hour(),
        minute: t.minute(),
        second: t.second(),
    }
}

/// Randomness for new revision ids: the standard library's per-process
/// random hasher keys, mixed with the clock.
pub(crate) fn entropy() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    hasher.finish()
}
