//! What `check` found. JSON lists every finding; text lists them one a line
//! but folds a long run of one kind (340 pending revisions after a fresh
//! clone, say) into one line, which `-v` unfolds.

use std::io::{self, Write};

use schema_core::project::SeveralHeads;
use schema_core::schema::drift::{Difference, DifferenceKind};
use serde::Serialize;

use super::{TextOptions, View};

/// More findings of one kind than this are summarised in text.
pub const SUMMARY_FROM: usize = 5;

/// `check`'s document.
#[derive(Debug, Serialize)]
pub struct CheckView {
    /// Whether nothing was found (`check` exits 0).
    pub ok: bool,
    /// Every finding, pending revisions in upgrade order first.
    pub findings: Vec<Finding>,
    /// Whether the live schema was compared with what the revisions build.
    pub drift: DriftStatus,
    /// Applied revisions whose up.sql could not be compared, for want of a
    /// recorded checksum.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unverified: Vec<String>,
}

impl CheckView {
    /// The view of `findings`, with drift checked as `drift` says.
    pub fn new(findings: Vec<Finding>, drift: DriftStatus) -> Self {
        CheckView {
            ok: findings.is_empty(),
            findings,
            drift,
            unverified: Vec::new(),
        }
    }
}

/// Whether the drift check ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DriftStatus {
    /// It ran: the drift findings are complete.
    pub checked: bool,
    /// Why it did not run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl DriftStatus {
    /// It ran.
    pub fn checked() -> Self {
        DriftStatus {
            checked: true,
            reason: None,
        }
    }

    /// It did not run, for `reason`.
    pub fn not_checked(reason: impl Into<String>) -> Self {
        DriftStatus {
            checked: false,
            reason: Some(reason.into()),
        }
    }
}

/// What kind of problem a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A revision not applied.
    Pending,
    /// An applied revision whose up.sql changed.
    Edited,
    /// A version the database has and the folder does not.
    Unknown,
    /// A revision that failed partway.
    Failed,
    /// Several heads where one is expected.
    MultipleHeads,
    /// A print_schema file out of date.
    SchemaRs,
    /// An object of the live database that differs from what the applied
    /// revisions build.
    Drift,
    /// An object of the live database that differs from a print_schema
    /// file (schema.rs).
    SchemaRsDrift,
    /// An error `cargo schema lint` finds in a pending revision.
    Lint,
}

/// One problem and what to do about it.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Its kind.
    pub kind: Kind,
    /// What it is about: a revision id or version; the heads, comma
    /// separated, for `multiple_heads`; the file for `schema_rs`.
    pub revision: String,
    /// The sentence for people, with the next step.
    pub message: String,
    /// For `drift` and `schema_rs_drift`: the object and how it differs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub difference: Option<Difference>,
}

impl Finding {
    /// `revision` is not applied.
    pub fn pending(revision: &str) -> Self {
        Finding {
            kind: Kind::Pending,
            revision: revision.to_owned(),
            difference: None,
            message: format!("revision {revision} is not applied; run `cargo schema upgrade`"),
        }
    }

    /// `revision`'s up.sql changed after it was applied.
    pub fn edited(revision: &str) -> Self {
        Finding {
            kind: Kind::Edited,
            revision: revision.to_owned(),
            difference: None,
            message: format!("revision {revision} was edited after it was applied; restore its up.sql, or accept it with `cargo schema upgrade --allow-edited`"),
        }
    }

    /// The database has `version`, which the folder does not.
    pub fn unknown(version: &str) -> Self {
        Finding {
            kind: Kind::Unknown,
            revision: version.to_owned(),
            difference: None,
            message: format!("the database has version {version}, which the migrations folder does not; restore its folder or `cargo schema stamp` the database"),
        }
    }

    /// `revision` failed partway in an earlier run.
    pub fn failed(revision: &str) -> Self {
        Finding {
            kind: Kind::Failed,
            revision: revision.to_owned(),
            difference: None,
            message: format!("revision {revision} failed partway in an earlier run; repair the database, then `cargo schema stamp` or fix the SQL and upgrade"),
        }
    }

    /// The folder has several `heads` and `multiple_heads` is off (the
    /// project pipeline's finding, worded as `embed!()` words it).
    pub fn multiple_heads(several: &SeveralHeads) -> Self {
        Finding {
            kind: Kind::MultipleHeads,
            revision: several.heads.join(","),
            message: several.to_string(),
            difference: None,
        }
    }

    /// The live database differs from what the applied `revisions` (a
    /// range, `1a2b..3c4d`) build, as `difference` says.
    pub fn drift(revisions: &str, difference: Difference) -> Self {
        let built = format!("revisions {revisions}");
        let message = describe(
            &difference,
            &format!("built by {built}"),
            &format!("what {built} build"),
            &format!("from {built}"),
        );
        Finding {
            kind: Kind::Drift,
            revision: revisions.to_owned(),
            message,
            difference: Some(difference),
        }
    }

    /// The live database differs from the print_schema `file`, as
    /// `difference` says.
    pub fn schema_rs_drift(file: &str, difference: Difference) -> Self {
        let message = describe(
            &difference,
            &format!("declared in {file}"),
            file,
            &format!("in {file}"),
        );
        Finding {
            kind: Kind::SchemaRsDrift,
            revision: file.to_owned(),
            message,
            difference: Some(difference),
        }
    }

    /// A lint error of a pending revision (`cargo schema lint` shows it
    /// with its statement).
    pub fn lint(f: &schema_core::lint::Finding) -> Self {
        Finding {
            kind: Kind::Lint,
            revision: f.revision.clone(),
            difference: None,
            message: format!(
                "{}:{}: error[{}]: {}; {} (revision {})",
                f.file.display(),
                f.line,
                f.code,
                f.message,
                f.help,
                f.revision
            ),
        }
    }

    /// `file` is not what print-schema prints now; `diff` shows how.
    pub fn schema_rs(file: &str, diff: &str) -> Self {
        Finding {
            kind: Kind::SchemaRs,
            revision: file.to_owned(),
            difference: None,
            message: format!("{file} is not what `cargo schema print-schema` prints for the database now; regenerate it with `cargo schema print-schema > {file}`\n{diff}"),
        }
    }
}

/// `drift: OBJECT: ...` for a difference between the database and what
/// `built` (`built by X`), `not_in` (`what X build`) and `from` (`from X`)
/// name.
fn describe(d: &Difference, built: &str, not_in: &str, from: &str) -> String {
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    match d.kind {
        DifferenceKind::Missing => {
            format!("drift: {}: {built}, missing from the database", d.object)
        }
        DifferenceKind::Extra => {
            format!("drift: {}: in the database but not in {not_in}", d.object)
        }
        DifferenceKind::Changed => format!(
            "drift: {}: {} {} in the database, {} {from}",
            d.object,
            d.aspect.as_deref().unwrap_or("definition"),
            value(&d.actual),
            value(&d.expected)
        ),
    }
}

/// The one line that stands for `n` (more than [`SUMMARY_FROM`]) findings
/// of `kind`, from `first` to `last`; `None` for kinds never folded (each
/// schema file has its diff).
fn summary(kind: Kind, n: usize, first: &str, last: &str) -> Option<String> {
    let span = format!("{first} … {last}");
    Some(match kind {
        Kind::Pending => format!(
            "{n} revisions pending: {span}; run `cargo schema upgrade`"
        ),
        Kind::Edited => format!(
            "{n} revisions edited after they were applied: {span}; restore their up.sql, or accept them with `cargo schema upgrade --allow-edited`"
        ),
        Kind::Unknown => format!(
            "{n} versions in the database that the migrations folder does not have: {span}; restore their folders or `cargo schema stamp` the database"
        ),
        Kind::Failed => format!(
            "{n} revisions failed partway in an earlier run: {span}; repair the database, then `cargo schema stamp` or fix the SQL and upgrade"
        ),
        Kind::MultipleHeads | Kind::SchemaRs | Kind::Drift | Kind::SchemaRsDrift | Kind::Lint => {
            return None
        }
    })
}

impl View for CheckView {
    fn text(&self, out: &mut dyn Write, opts: TextOptions) -> io::Result<()> {
        if self.findings.is_empty() {
            if opts.quiet {
            } else if self.unverified.is_empty() {
                writeln!(
                    out,
                    "ok: the database is at head and every applied revision is unchanged"
                )?;
            } else {
                // Said, not implied: without a checksum an edit cannot show.
                writeln!(
                    out,
                    "ok: the database is at head, but {} applied revisions have no checksum recorded \
                     (no row in __schema_revisions), so whether their up.sql changed since they ran \
                     was not verified: {}; the next upgrade records their checksums as they are now",
                    self.unverified.len(),
                    self.unverified.join(", ")
                )?;
            }
            return Ok(());
        }
        for run in self.findings.chunk_by(|a, b| a.kind == b.kind) {
            let folded = match run {
                [first, .., last] if run.len() > SUMMARY_FROM && opts.verbose == 0 => {
                    summary(first.kind, run.len(), &first.revision, &last.revision)
                }
                _ => None,
            };
            match folded {
                Some(line) => writeln!(out, "{line}")?,
                None => {
                    for finding in run {
                        writeln!(out, "{}", finding.message)?;
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(view: &CheckView, verbose: u8) -> String {
        let mut out = Vec::new();
        let opts = TextOptions {
            verbose,
            quiet: false,
        };
        view.text(&mut out, opts).expect("write to a Vec");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn long_runs_fold_into_one_line_and_short_ones_do_not() {
        let names: Vec<String> = (1..=7).map(|i| format!("r{i}")).collect();
        let mut findings: Vec<Finding> = names.iter().map(|r| Finding::pending(r)).collect();
        findings.extend(names[..SUMMARY_FROM].iter().map(|r| Finding::edited(r)));
        findings.push(Finding::multiple_heads(&SeveralHeads {
            heads: vec!["a".into(), "b".into()],
            folder: "migrations".into(),
        }));
        let view = CheckView::new(findings, DriftStatus::checked());
        let folded = text(&view, 0);
        let lines: Vec<&str> = folded.lines().collect();
        assert_eq!(lines.len(), 1 + SUMMARY_FROM + 1, "{folded}");
        assert_eq!(
            lines[0],
            "7 revisions pending: r1 … r7; run `cargo schema upgrade`"
        );
        assert!(lines[1].starts_with("revision r1 was edited"), "{folded}");
        assert!(lines[6].contains("2 heads (a, b)"), "{folded}");
        assert_eq!(text(&view, 1).lines().count(), 7 + SUMMARY_FROM + 1);
    }
}
