//! Target syntax and its resolution, as Alembic's `RevisionMap` reads it:
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
//! Walks follow `down_revision` only; a walk that reaches a branch point
//! (going up) or a merge point (going down) with no label to choose is
//! refused, as Alembic refuses an "ambiguous walk".

use super::error::MigrationError;
use super::graph::RevisionGraph;
use super::set::Migration;

/// A position in the graph: before everything, or at a revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Point {
    Base,
    Rev(usize),
}

/// A target split into its parts; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Parsed<'a> {
    pub text: &'a str,
    pub branch: Option<&'a str>,
    pub symbol: Option<&'a str>,
    /// `+N` / `-N`.
    pub relative: Option<i64>,
}

pub(crate) fn parse(text: &str) -> Result<Parsed<'_>, MigrationError> {
    let invalid = |reason: &str| MigrationError::InvalidTarget {
        target: text.to_string(),
        reason: reason.to_string(),
    };
    if text.trim().is_empty() {
        return Err(invalid("it is empty; use head, heads, base or a revision"));
    }
    let (branch, rest) = match text.split_once('@') {
        Some(("", _)) => return Err(invalid("nothing before `@`; write label@head")),
        Some((_, r)) if r.contains('@') => return Err(invalid("more than one `@`")),
        Some((b, r)) => (Some(b), r),
        None => (None, text),
    };
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
            let symbol = &rest[..pos];
            if symbol.contains(['+', '-']) {
                return Err(invalid("only one `+N` or `-N` is allowed"));
            }
            (Some(symbol).filter(|s| !s.is_empty()), Some(steps))
        }
        None if rest.is_empty() => return Err(invalid("nothing after `@`; write label@head")),
        None => (Some(rest), None),
    };
    Ok(Parsed {
        text,
        branch,
        symbol,
        relative,
    })
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
    /// assert_eq!(graph.resolve("head").unwrap()[0].revision, "bbbb2222");
    /// assert_eq!(graph.resolve("lib@head-1").unwrap()[0].revision, "aaaa1111");
    /// assert!(graph.resolve("base").unwrap().is_empty());
    /// ```
    pub fn resolve(&self, target: &str) -> Result<Vec<&Migration>, MigrationError> {
        let parsed = parse(target)?;
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
