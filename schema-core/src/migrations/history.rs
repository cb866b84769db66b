//! `history [-r LOWER:UPPER]`, as `alembic history` lists it: newest first,
//! from the upper targets down to (and including) the lower ones.

use super::error::MigrationError;
use super::graph::RevisionGraph;
use super::plan::AppliedSet;
use super::set::Migration;
use super::target::{Parsed, Point, Range, Resolved, Target};

impl RevisionGraph {
    /// The revisions of a range, newest first, in Alembic's order
    /// (children before parents, one branch finished before its sibling).
    ///
    /// `range` is `LOWER:UPPER` with either side optional (`base` and
    /// `heads` by default); `None` is the whole history. Each side is any
    /// target; `current` (and `+N` / `-N` without a revision) needs
    /// `applied`. `UPPER` may be relative to `LOWER` (`ae10:+2`) and `LOWER`
    /// to `UPPER` (`-3:head`). A `label@base` lower bound keeps to that
    /// branch. The range holds every ancestor of `UPPER` that is `LOWER` or
    /// above it.
    pub fn history(
        &self,
        range: Option<&Range>,
        applied: Option<&AppliedSet>,
    ) -> Result<Vec<&Migration>, MigrationError> {
        let (base, heads) = (Target::base(), Target::heads());
        let lower_t = range.and_then(Range::lower).unwrap_or(&base);
        let upper_t = range.and_then(Range::upper).unwrap_or(&heads);
        let (lower, upper) = (lower_t.as_str(), upper_t.as_str());
        let current = match applied {
            Some(a) => Some(self.current_head_nodes(&self.applied_mask(a)?)),
            None => None,
        };
        let lower_p = side_parts(lower_t);
        let upper_p = side_parts(upper_t);
        fn floating(p: Option<Parsed<'_>>) -> Option<Parsed<'_>> {
            p.filter(|p| p.relative.is_some() && p.symbol.is_none())
        }
        let (lower_nodes, upper_nodes) = match (floating(lower_p), floating(upper_p)) {
            (Some(_), Some(_)) => {
                return Err(MigrationError::InvalidTarget {
                    target: format!("{lower}:{upper}"),
                    reason: "at most one side of a range can be relative without a revision".into(),
                })
            }
            (None, Some(up)) => {
                let lower_nodes = self.side(lower, lower_p.as_ref(), current.as_deref())?;
                let from = one_point(self, lower, &lower_nodes)?;
                (
                    lower_nodes,
                    point_nodes(self.relative_point(&up, Some(from))?),
                )
            }
            (Some(lp), None) => {
                let upper_nodes = self.side(upper, upper_p.as_ref(), current.as_deref())?;
                let candidates: Vec<usize> = match lp.branch {
                    Some(b) => {
                        let l = self.lineage_mask(self.branch_node(b, lower)?);
                        upper_nodes.iter().copied().filter(|&u| l[u]).collect()
                    }
                    None => upper_nodes.clone(),
                };
                let from = one_point(self, upper, &candidates)?;
                let steps = lp.relative.unwrap_or(0);
                if steps >= 0 {
                    return Err(MigrationError::InvalidTarget {
                        target: lower.to_string(),
                        reason: "the lower side of a range can only go down (-N)".into(),
                    });
                }
                (
                    point_nodes(self.walk_down(lower, from, steps.unsigned_abs())?),
                    upper_nodes,
                )
            }
            (None, None) => (
                self.side(lower, lower_p.as_ref(), current.as_deref())?,
                self.side(upper, upper_p.as_ref(), current.as_deref())?,
            ),
        };

        // A named base (`label@base`) keeps the listing to that branch.
        let mut upper_nodes = upper_nodes;
        if let Some(Parsed {
            branch: Some(b),
            symbol: Some("base"),
            relative: None,
            ..
        }) = lower_p
        {
            let l = self.lineage_mask(self.branch_node(b, lower)?);
            upper_nodes.retain(|&u| l[u]);
        }

        let required = self.ancestors_mask(&upper_nodes, true);
        if let Some(&outside) = lower_nodes.iter().find(|&&l| !required[l]) {
            return Err(MigrationError::InvalidTarget {
                target: format!("{lower}:{upper}"),
                reason: format!(
                    "revision {} is not an ancestor of {}; swap the bounds or pick related revisions",
                    self.describe(outside),
                    upper
                ),
            });
        }
        let mut mask = required;
        if !lower_nodes.is_empty() {
            let above = self.descendants_mask(&lower_nodes, false);
            let mut below = self.ancestors_mask(&lower_nodes, true);
            for &l in &lower_nodes {
                below[l] = false;
            }
            for i in 0..self.len() {
                mask[i] = mask[i] && above[i] && !below[i];
            }
        }
        Ok(self.nodes(self.alembic_order(&mask, &upper_nodes)))
    }

    fn side(
        &self,
        text: &str,
        parsed: Option<&Parsed<'_>>,
        current: Option<&[usize]>,
    ) -> Result<Vec<usize>, MigrationError> {
        let Some(p) = parsed else {
            return current
                .map(<[usize]>::to_vec)
                .ok_or_else(|| needs_database(text));
        };
        if p.relative.is_some() {
            return Ok(point_nodes(self.relative_point(p, None)?));
        }
        Ok(match self.resolve_absolute(p)? {
            Resolved::Base => vec![],
            Resolved::Nodes(n) => n,
        })
    }
}

/// `None` for `current`, which needs the database.
fn side_parts(target: &Target) -> Option<Parsed<'_>> {
    (target.symbol() != Some("current")).then(|| target.parts())
}

fn needs_database(text: &str) -> MigrationError {
    MigrationError::InvalidTarget {
        target: text.to_string(),
        reason: "`current` needs the database state".into(),
    }
}

fn point_nodes(p: Point) -> Vec<usize> {
    match p {
        Point::Base => vec![],
        Point::Rev(i) => vec![i],
    }
}

fn one_point(graph: &RevisionGraph, text: &str, nodes: &[usize]) -> Result<Point, MigrationError> {
    match nodes {
        [] => Ok(Point::Base),
        [one] => Ok(Point::Rev(*one)),
        many => Err(MigrationError::MultipleHeads {
            target: text.to_string(),
            heads: graph.describe_all(many),
        }),
    }
}
