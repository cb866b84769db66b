//! Target syntax ([`Target`], [`Range`]: parsed once, where the text comes
//! in) and its resolution, as Alembic's `RevisionMap` reads it:
//!
//! | form | meaning |
//! | --- | --- |
//! | `head` | the single head (refused when there are several) |
//! | `heads` | every head |
//! | `base` | before the first revision |
//! | `ae10`, `ae1027a6acf1` | a revision by unambiguous prefix or full id; also a branch label or a diesel version |
//! | `label@head`, `label@base`, `label@ae10` | the same, within the branch `label` (a label, or a revision standing for its branch) |
//! | `+N`, `-N`, `label@+N`, `label@-N` | N steps from the database's current revision (on that branch) |
//! | `REV+N`, `REV-N`, `head-1`, `base+2` | N steps from an absolute point |
//!
//! `current` (the database's heads) is a history bound only.
//!
//! Walks follow `down_revision` only; a walk that reaches a branch point
//! (going up) or a merge point (going down) with no label to choose is
//! refused, as Alembic refuses an "ambiguous walk". In a downgrade, Alembic
//! resolves what follows `label@` without the label (the label then only
//! chooses among the destination's children); the plans do the same.

use std::fmt;
use std::str::FromStr;

use super::error::MigrationError;
use super::graph::RevisionGraph;
use super::plan::AppliedSet;
use super::set::Migration;

/// A position in the graph: before everything, or at a revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Point {
    Base,
    Rev(usize),
}

/// A target as the command line and the runtime take it, parsed once; see
/// the module docs (`schema_core::migrations::target`) for the forms.
///
/// ```
/// # use schema_core::migrations::Target;
/// let t: Target = "lib@head-1".parse().unwrap();
/// assert_eq!(t.branch(), Some("lib"));
/// assert!(!t.needs_database());
/// assert!("-2".parse::<Target>().unwrap().needs_database());
/// assert!("a@b@c".parse::<Target>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    text: String,
    /// Byte ranges into `text`, so that the parts borrow from one string.
    branch: Option<(usize, usize)>,
    symbol: Option<(usize, usize)>,
    relative: Option<i64>,
}

/// A target split into its parts, borrowed from a [`Target`] (or built by
/// the planner when it needs a variant of one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Parsed<'a> {
    pub text: &'a str,
    pub branch: Option<&'a str>,
    pub symbol: Option<&'a str>,
    /// `+N` / `-N`.
    pub relative: Option<i64>,
}

impl Target {
    fn word(word: &str) -> Self {
        Target {
            text: word.to_string(),
            branch: None,
            symbol: Some((0, word.len())),
            relative: None,
        }
    }

    /// `head`: the single head.
    pub fn head() -> Self {
        Self::word("head")
    }

    /// `heads`: every head.
    pub fn heads() -> Self {
        Self::word("heads")
    }

    /// `base`: before the first revision.
    pub fn base() -> Self {
        Self::word("base")
    }

    /// The target as typed.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The branch of `label@...`.
    pub fn branch(&self) -> Option<&str> {
        self.branch.map(|(a, b)| &self.text[a..b])
    }

    /// What the target names before any `+N` / `-N`: `head`, `heads`,
    /// `base`, `current` or a revision (id, prefix, label or version);
    /// `None` for a bare `+N` / `-N` (or `label@+N`).
    pub fn symbol(&self) -> Option<&str> {
        self.symbol.map(|(a, b)| &self.text[a..b])
    }

    /// The `+N` / `-N` steps, if any.
    pub fn relative(&self) -> Option<i64> {
        self.relative
    }

    /// Whether the target means something only against a database state:
    /// `current`, and `+N` / `-N` without a revision (`label@-1` included).
    pub fn needs_database(&self) -> bool {
        self.symbol.is_none() || self.symbol() == Some("current")
    }

    pub(crate) fn parts(&self) -> Parsed<'_> {
        Parsed {
            text: &self.text,
            branch: self.branch(),
            symbol: self.symbol(),
            relative: self.relative,
        }
    }

    /// `current`, refused by the commands that move the database.
    pub(crate) fn refuse_current(&self, command: &str) -> Result<(), MigrationError> {
        if self.symbol() == Some("current") {
            return Err(MigrationError::InvalidTarget {
                target: self.text.clone(),
                reason: format!(
                    "`current` names the database state, which `{command}` starts from; \
                     name a revision, head, heads or base"
                ),
            });
        }
        Ok(())
    }
}

impl FromStr for Target {
    type Err = MigrationError;

    fn from_str(text: &str) -> Result<Self, MigrationError> {
        let invalid = |reason: &str| MigrationError::InvalidTarget {
            target: text.to_string(),
            reason: reason.to_string(),
        };
        if text.trim().is_empty() {
            return Err(invalid("it is empty; use head, heads, base or a revision"));
        }
        if text.contains(char::is_whitespace) {
            return Err(invalid("a target has no spaces"));
        }
        if text.contains(':') {
            return Err(invalid(
                "`:` separates the two ends of a range (history -r A:B, --sql FROM:TO), not a target",
            ));
        }
        let (branch, rest_start) = match text.split_once('@') {
            Some(("", _)) => return Err(invalid("nothing before `@`; write label@head")),
            Some((_, r)) if r.contains('@') => return Err(invalid("more than one `@`")),
            Some((b, _)) => (Some((0, b.len())), b.len() + 1),
            None => (None, 0),
        };
        let rest = &text[rest_start..];
        let (symbol, relative) = match rest.rfind(['+', '-']) {
            Some(pos) => {
                let digits = &rest[pos + 1..];
                let steps: i64 = digits
                    .parse()
                    .ok()
                    .filter(|_| digits.chars().all(|c| c.is_ascii_digit()))
                    .ok_or_else(|| invalid("`+`/`-` must be followed by a number of steps"))?;
                let steps = if rest.as_bytes()[pos] == b'-' {
                    -steps
                } else {
                    steps
                };
                if rest[..pos].contains(['+', '-']) {
                    return Err(invalid("only one `+N` or `-N` is allowed"));
                }
                let symbol = (pos > 0).then_some((rest_start, rest_start + pos));
                (symbol, Some(steps))
            }
            None if rest.is_empty() => return Err(invalid("nothing after `@`; write label@head")),
            None => (Some((rest_start, text.len())), None),
        };
        let target = Target {
            text: text.to_string(),
            branch,
            symbol,
            relative,
        };
        if target.symbol() == Some("current") && (target.branch.is_some() || relative.is_some()) {
            return Err(invalid(
                "`current` stands alone; for steps from the database state write +N or -N",
            ));
        }
        Ok(target)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// `LOWER:UPPER`, as `history -r` and `upgrade --sql FROM:TO` take it;
/// either side may be empty.
///
/// ```
/// # use schema_core::migrations::Range;
/// let r: Range = "ae10:head".parse().unwrap();
/// assert_eq!(r.lower().unwrap().as_str(), "ae10");
/// assert!(":heads".parse::<Range>().unwrap().lower().is_none());
/// assert!("head".parse::<Range>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Range {
    lower: Option<Target>,
    upper: Option<Target>,
}

impl Range {
    /// A range from its two sides (`None`: open).
    pub fn new(lower: Option<Target>, upper: Option<Target>) -> Self {
        Self { lower, upper }
    }

    /// The lower side, `None` when empty.
    pub fn lower(&self) -> Option<&Target> {
        self.lower.as_ref()
    }

    /// The upper side, `None` when empty.
    pub fn upper(&self) -> Option<&Target> {
        self.upper.as_ref()
    }

    /// Whether a side is `current`, which only the database knows. (A
    /// side's `+N` / `-N` counts from the other side, not from the
    /// database.)
    pub fn needs_database(&self) -> bool {
        [&self.lower, &self.upper]
            .into_iter()
            .flatten()
            .any(|t| t.symbol() == Some("current"))
    }
}

impl FromStr for Range {
    type Err = MigrationError;

    fn from_str(text: &str) -> Result<Self, MigrationError> {
        let (lower, upper) = text
            .split_once(':')
            .ok_or_else(|| MigrationError::InvalidTarget {
                target: text.to_string(),
                reason: "a range is LOWER:UPPER, LOWER: or :UPPER".into(),
            })?;
        let side = |s: &str| (!s.is_empty()).then(|| s.parse()).transpose();
        Ok(Self {
            lower: side(lower)?,
            upper: side(upper)?,
        })
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let side = |t: &Option<Target>| t.as_ref().map_or("", Target::as_str).to_string();
        write!(f, "{}:{}", side(&self.lower), side(&self.upper))
    }
}

/// What an absolute target stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolved {
    Base,
    Nodes(Vec<usize>),
}

impl RevisionGraph {
    /// Resolves an absolute target (no database state needed) to revisions:
    /// empty for `base` and `label@base`, several for `heads`.
    ///
    /// ```
    /// # use schema_core::migrations::*;
    /// # let files = |name: &str, meta: &str| MigrationFiles { folder_name: name.into(), up_sql: "SELECT 1;".into(), down_sql: None, metadata_toml: Some(meta.into()), dir: None };
    /// let graph = RevisionGraph::from_files(vec![
    ///     files("1_a", "revision = \"aaaa1111\""),
    ///     files("2_b", "revision = \"bbbb2222\"\ndown_revision = \"aaaa1111\"\nbranch_labels = [\"lib\"]"),
    /// ]).unwrap();
    /// let t = |s: &str| s.parse::<Target>().unwrap();
    /// assert_eq!(graph.resolve(&t("head")).unwrap()[0].revision, "bbbb2222");
    /// assert_eq!(graph.resolve(&t("lib@head-1")).unwrap()[0].revision, "aaaa1111");
    /// assert!(graph.resolve(&t("base")).unwrap().is_empty());
    /// ```
    pub fn resolve(&self, target: &Target) -> Result<Vec<&Migration>, MigrationError> {
        target.refuse_current("resolve")?;
        let parsed = target.parts();
        let nodes = match parsed.relative {
            None => match self.resolve_absolute(&parsed)? {
                Resolved::Base => vec![],
                Resolved::Nodes(n) => n,
            },
            Some(_) => match self.relative_point(&parsed, None)? {
                Point::Base => vec![],
                Point::Rev(i) => vec![i],
            },
        };
        Ok(self.nodes(nodes))
    }

    /// The applied set of a database standing at `target`: what it resolves
    /// to and everything that needs (Alembic's state for `alembic_version`
    /// rows equal to the target). `--sql FROM:TO` starts from `FROM` so.
    /// Refused for a target that [needs the database](Target::needs_database).
    pub fn applied_at(&self, target: &Target) -> Result<AppliedSet, MigrationError> {
        if target.needs_database() {
            return Err(MigrationError::InvalidTarget {
                target: target.to_string(),
                reason: "it is relative to the database state; name a revision here".into(),
            });
        }
        let nodes: Vec<usize> = self
            .resolve(target)?
            .into_iter()
            .filter_map(|m| self.index(&m.revision))
            .collect();
        Ok(self
            .masked(&self.ancestors_mask(&nodes, true))
            .into_iter()
            .map(|m| m.revision.clone())
            .collect())
    }

    /// The node a branch label (or a revision standing for its branch) names.
    pub(crate) fn branch_node(&self, label: &str, target: &str) -> Result<usize, MigrationError> {
        self.lookup(label).map_err(|e| match e {
            MigrationError::UnknownRevision { .. } => MigrationError::UnknownBranch {
                label: label.to_string(),
                target: target.to_string(),
            },
            other => other,
        })
    }

    pub(crate) fn resolve_absolute(&self, p: &Parsed<'_>) -> Result<Resolved, MigrationError> {
        let branch = p.branch.map(|b| self.branch_node(b, p.text)).transpose()?;
        let lineage = branch.map(|b| self.lineage_mask(b));
        let symbol = p.symbol.unwrap_or("base");
        match symbol {
            "base" => Ok(Resolved::Base),
            "heads" => {
                let heads = match &lineage {
                    None => self.real_head_nodes(),
                    Some(l) => self.head_nodes().into_iter().filter(|&h| l[h]).collect(),
                };
                Ok(Resolved::Nodes(heads))
            }
            "head" => {
                let heads: Vec<usize> = match &lineage {
                    None => self.head_nodes(),
                    Some(l) => self.head_nodes().into_iter().filter(|&h| l[h]).collect(),
                };
                if heads.len() > 1 {
                    return Err(MigrationError::MultipleHeads {
                        target: p.text.to_string(),
                        heads: self.describe_all(&heads),
                    });
                }
                Ok(Resolved::Nodes(heads))
            }
            rev => {
                let i = match (&lineage, branch) {
                    (Some(l), Some(_)) => {
                        self.lookup_on_branch(rev, l, p.branch.unwrap_or_default())?
                    }
                    _ => self.lookup(rev)?,
                };
                Ok(Resolved::Nodes(vec![i]))
            }
        }
    }

    /// Like `lookup`, but a prefix only counts revisions of the branch, and
    /// the result must be on it.
    fn lookup_on_branch(
        &self,
        rev: &str,
        lineage: &[bool],
        label: &str,
    ) -> Result<usize, MigrationError> {
        let i = match self.lookup(rev) {
            Ok(i) => i,
            Err(MigrationError::AmbiguousRevision { prefix, .. }) => {
                let on_branch: Vec<usize> = self
                    .migrations
                    .iter()
                    .enumerate()
                    .filter(|(i, m)| lineage[*i] && m.revision.starts_with(&prefix))
                    .map(|(i, _)| i)
                    .collect();
                match on_branch[..] {
                    [one] => one,
                    [] => return Err(MigrationError::UnknownRevision { target: prefix }),
                    _ => {
                        return Err(MigrationError::AmbiguousRevision {
                            prefix,
                            candidates: self.describe_all(&on_branch),
                        })
                    }
                }
            }
            Err(e) => return Err(e),
        };
        if !lineage[i] {
            return Err(MigrationError::NotOnBranch {
                revision: self.migrations[i].revision.clone(),
                folder: self.migrations[i].folder_name.clone(),
                label: label.to_string(),
            });
        }
        Ok(i)
    }

    /// A single absolute point (a walk's start or a downgrade destination):
    /// `heads` is accepted only when there is one.
    pub(crate) fn single_point(&self, p: &Parsed<'_>) -> Result<Point, MigrationError> {
        match self.resolve_absolute(p)? {
            Resolved::Base => Ok(Point::Base),
            Resolved::Nodes(n) => match n[..] {
                [] => Ok(Point::Base),
                [one] => Ok(Point::Rev(one)),
                _ => Err(MigrationError::MultipleHeads {
                    target: p.text.to_string(),
                    heads: self.describe_all(&n),
                }),
            },
        }
    }

    /// Resolves a relative target. `current` is where the database is on the
    /// branch (needed only when the target has no symbol; `None` refuses).
    pub(crate) fn relative_point(
        &self,
        p: &Parsed<'_>,
        current: Option<Point>,
    ) -> Result<Point, MigrationError> {
        let steps = p.relative.unwrap_or(0);
        let start = match p.symbol {
            Some(_) => {
                // The branch restricts the walk, not the starting point,
                // except for `label@REV-N` where Alembic resolves `label@REV`.
                let start_target = Parsed {
                    branch: if steps < 0 { p.branch } else { None },
                    relative: None,
                    ..*p
                };
                self.single_point(&start_target)?
            }
            None => current.ok_or_else(|| MigrationError::InvalidTarget {
                target: p.text.to_string(),
                reason: "a target relative to the database state needs the database; \
                         use REV+N or REV-N here"
                    .into(),
            })?,
        };
        if steps >= 0 {
            let lineage = p
                .branch
                .map(|b| self.branch_node(b, p.text).map(|n| self.lineage_mask(n)))
                .transpose()?;
            self.walk_up(p.text, start, steps.unsigned_abs(), lineage.as_deref())
        } else {
            self.walk_down(p.text, start, steps.unsigned_abs())
        }
    }

    /// Walks `steps` children up from `start`, keeping to `lineage` when given.
    pub(crate) fn walk_up(
        &self,
        target: &str,
        start: Point,
        steps: u64,
        lineage: Option<&[bool]>,
    ) -> Result<Point, MigrationError> {
        let mut at = start;
        for _ in 0..steps {
            let next: Vec<usize> = match at {
                Point::Base => self.base_nodes(),
                Point::Rev(i) => self.children[i].clone(),
            }
            .into_iter()
            .filter(|&c| lineage.is_none_or(|l| l[c]))
            .collect();
            at = match next[..] {
                [] => {
                    return Err(MigrationError::RelativeOutOfRange {
                        target: target.to_string(),
                        steps,
                    })
                }
                [one] => Point::Rev(one),
                _ => return Err(self.ambiguous_walk(target, at, &next, true)),
            };
        }
        Ok(at)
    }

    /// Walks `steps` parents down from `start`; past the bases is `Base`.
    pub(crate) fn walk_down(
        &self,
        target: &str,
        start: Point,
        steps: u64,
    ) -> Result<Point, MigrationError> {
        let mut at = start;
        for _ in 0..steps {
            at = match at {
                Point::Base => {
                    return Err(MigrationError::RelativeOutOfRange {
                        target: target.to_string(),
                        steps,
                    })
                }
                Point::Rev(i) => match self.parents[i][..] {
                    [] => Point::Base,
                    [one] => Point::Rev(one),
                    _ => return Err(self.ambiguous_walk(target, at, &self.parents[i], false)),
                },
            };
        }
        Ok(at)
    }

    fn ambiguous_walk(
        &self,
        target: &str,
        at: Point,
        next: &[usize],
        upward: bool,
    ) -> MigrationError {
        MigrationError::AmbiguousWalk {
            target: target.to_string(),
            at: match at {
                Point::Base => "base".into(),
                Point::Rev(i) => self.describe(i),
            },
            candidates: self.describe_all(next),
            upward,
        }
    }
}
