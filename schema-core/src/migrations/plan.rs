//! Upgrade, downgrade and stamp plans over the set of applied revisions.
//!
//! See the [module docs](super) for how Alembic's heads-only state maps to
//! the applied set.

use std::collections::BTreeSet;

use super::error::MigrationError;
use super::graph::RevisionGraph;
use super::set::Migration;
use super::target::{Parsed, Point, Resolved, Target};

/// The revisions recorded as applied in the database, by revision id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppliedSet {
    revisions: BTreeSet<String>,
}

impl AppliedSet {
    /// An empty set (a fresh database).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a revision id.
    pub fn insert(&mut self, revision: impl Into<String>) -> bool {
        self.revisions.insert(revision.into())
    }

    /// Removes a revision id.
    pub fn remove(&mut self, revision: &str) -> bool {
        self.revisions.remove(revision)
    }

    /// Whether a revision id is in the set.
    pub fn contains(&self, revision: &str) -> bool {
        self.revisions.contains(revision)
    }

    /// The revision ids, sorted.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.revisions.iter().map(String::as_str)
    }

    /// How many revisions are applied.
    pub fn len(&self) -> usize {
        self.revisions.len()
    }

    /// Whether nothing is applied.
    pub fn is_empty(&self) -> bool {
        self.revisions.is_empty()
    }
}

impl<S: Into<String>> FromIterator<S> for AppliedSet {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        Self {
            revisions: iter.into_iter().map(Into::into).collect(),
        }
    }
}

/// Which way a step runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Run `up.sql`.
    Up,
    /// Run `down.sql`.
    Down,
}

/// One migration to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The revision id.
    pub revision: String,
    /// Its diesel version (what the bookkeeping table stores).
    pub version: String,
    /// Its folder.
    pub folder_name: String,
    /// Up or down.
    pub direction: Direction,
}

/// The bookkeeping changes of a stamp: no SQL runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StampPlan {
    /// Revisions to record as applied, parents first.
    pub insert: Vec<Step>,
    /// Revisions to forget, children first.
    pub delete: Vec<Step>,
    /// The applied set once the stamp is done.
    pub applied_after: AppliedSet,
}

impl RevisionGraph {
    /// The applied set from the versions the database records.
    pub fn applied_from_versions<'a>(
        &self,
        versions: impl IntoIterator<Item = &'a str>,
    ) -> Result<AppliedSet, MigrationError> {
        versions
            .into_iter()
            .map(|v| {
                self.by_version(v)
                    .map(|m| m.revision.clone())
                    .ok_or_else(|| MigrationError::UnknownApplied {
                        entry: v.to_string(),
                    })
            })
            .collect()
    }

    pub(crate) fn applied_mask(&self, applied: &AppliedSet) -> Result<Vec<bool>, MigrationError> {
        let mut mask = vec![false; self.len()];
        for rev in applied.iter() {
            match self.index(rev) {
                Some(i) => mask[i] = true,
                None => {
                    return Err(MigrationError::UnknownApplied {
                        entry: rev.to_string(),
                    })
                }
            }
        }
        Ok(mask)
    }

    /// The database's current heads: applied revisions that no other
    /// applied revision builds on (through `down_revision` or `depends_on`).
    /// This is what Alembic's `alembic_version` table would hold.
    pub fn current_heads(&self, applied: &AppliedSet) -> Result<Vec<&Migration>, MigrationError> {
        let mask = self.applied_mask(applied)?;
        Ok(self.nodes(self.current_head_nodes(&mask)))
    }

    pub(crate) fn current_head_nodes(&self, mask: &[bool]) -> Vec<usize> {
        (0..self.len())
            .filter(|&i| {
                mask[i]
                    && !self.children[i].iter().any(|&c| mask[c])
                    && !self.dependents[i].iter().any(|&d| mask[d])
            })
            .collect()
    }

    /// Where the database stands for a target relative to it (`+N`, `-N`),
    /// restricted to the branch `lineage` when given: the current heads on
    /// that branch; when none is, Alembic falls back differently by
    /// direction. Going up (`label@+N`) it takes the tips of the applied
    /// revisions on the branch; going down (`label@-N`) the applied
    /// revisions no applied revision builds on through `down_revision`,
    /// kept to the branch. Several candidates are refused (Alembic asserts
    /// or refuses there too).
    fn current_point(
        &self,
        target: &str,
        mask: &[bool],
        lineage: Option<&[bool]>,
        upward: bool,
    ) -> Result<Option<usize>, MigrationError> {
        let heads = self.current_head_nodes(mask);
        let mut tips: Vec<usize> = match lineage {
            None => heads,
            Some(l) => heads.into_iter().filter(|&h| l[h]).collect(),
        };
        if let (true, Some(l)) = (tips.is_empty(), lineage) {
            tips = if upward {
                let on_branch = |i: usize| mask[i] && l[i];
                (0..self.len())
                    .filter(|&i| on_branch(i) && !self.children[i].iter().any(|&c| on_branch(c)))
                    .collect()
            } else {
                (0..self.len())
                    .filter(|&i| mask[i] && l[i] && !self.children[i].iter().any(|&c| mask[c]))
                    .collect()
            };
        }
        match tips[..] {
            [] => Ok(None),
            [one] => Ok(Some(one)),
            _ => Err(MigrationError::AmbiguousCurrent {
                target: target.to_string(),
                heads: self.describe_all(&tips),
            }),
        }
    }

    fn lineage_of(
        &self,
        branch: Option<&str>,
        target: &str,
    ) -> Result<Option<Vec<bool>>, MigrationError> {
        branch
            .map(|b| self.branch_node(b, target).map(|n| self.lineage_mask(n)))
            .transpose()
    }

    /// The steps that bring the database from `applied` to `target`.
    ///
    /// Everything the target needs (its `down_revision`s and `depends_on`,
    /// transitively) that is not applied yet runs, parents first, in
    /// Alembic's order (one branch finished before its sibling starts). A
    /// target at or below the current state is a no-op.
    pub fn plan_upgrade(
        &self,
        applied: &AppliedSet,
        target: &Target,
    ) -> Result<Vec<Step>, MigrationError> {
        target.refuse_current("upgrade")?;
        let p = target.parts();
        let target = target.as_str();
        let mask = self.applied_mask(applied)?;
        let targets = match p.relative {
            None => match self.resolve_absolute(&p)? {
                Resolved::Base => vec![],
                Resolved::Nodes(n) => n,
            },
            Some(n) if n < 0 && p.symbol.is_none() => {
                return Err(MigrationError::InvalidTarget {
                    target: target.to_string(),
                    reason: format!("upgrade cannot go down; use `downgrade {target}`"),
                })
            }
            Some(n) => {
                let current = if p.symbol.is_none() {
                    let lineage = self.lineage_of(p.branch, target)?;
                    Some(
                        match self.current_point(target, &mask, lineage.as_deref(), true)? {
                            Some(i) => Point::Rev(i),
                            None => Point::Base,
                        },
                    )
                } else {
                    None
                };
                match self.relative_point(&p, current)? {
                    // Alembic asserts there (`is_revision`): base is no
                    // revision to upgrade to.
                    Point::Base if n < 0 => {
                        return Err(MigrationError::InvalidTarget {
                            target: target.to_string(),
                            reason: "it walks down to base, which is no upgrade target; \
                                     use `downgrade` to go below a revision"
                                .into(),
                        })
                    }
                    Point::Base => vec![],
                    Point::Rev(i) => vec![i],
                }
            }
        };
        let mut needs = self.ancestors_mask(&targets, true);
        for (need, done) in needs.iter_mut().zip(&mask) {
            *need &= !done;
        }
        let mut order = self.alembic_order(&needs, &targets);
        order.reverse();
        Ok(self.steps(order, Direction::Up))
    }

    /// The steps that bring the database from `applied` down to `target`.
    ///
    /// The revisions above the destination (its children's descendants,
    /// including everything that `depends_on` them) that are applied are
    /// reverted, children first, in Alembic's order from the current heads.
    /// Downgrading to one parent of a merge point reverts the merge and what
    /// follows it, never the other parent's branch. Refused when a revision
    /// to revert has no `down.sql`.
    pub fn plan_downgrade(
        &self,
        applied: &AppliedSet,
        target: &Target,
    ) -> Result<Vec<Step>, MigrationError> {
        target.refuse_current("downgrade")?;
        let p = target.parts();
        let target = target.as_str();
        let mask = self.applied_mask(applied)?;
        let (restrict, dest) = match p.relative {
            None => {
                // Alembic resolves what follows `label@` on its own (so
                // `label@head` is the graph's single head) and uses the
                // label only to choose among the destination's children.
                let branch = p.branch.map(|b| self.branch_node(b, target)).transpose()?;
                let symbol_only = Parsed { branch: None, ..p };
                (branch, self.single_point(&symbol_only)?)
            }
            Some(n) if n >= 0 => {
                if p.symbol.is_none() {
                    return Err(MigrationError::InvalidTarget {
                        target: target.to_string(),
                        reason: format!("downgrade cannot go up; use `upgrade {target}`"),
                    });
                }
                let branch = p.branch.map(|b| self.branch_node(b, target)).transpose()?;
                (branch, self.relative_point(&p, None)?)
            }
            Some(_) => {
                let branch = p.branch.map(|b| self.branch_node(b, target)).transpose()?;
                let start = match p.symbol {
                    None => {
                        let lineage = branch.map(|b| self.lineage_mask(b));
                        match self.current_point(target, &mask, lineage.as_deref(), false)? {
                            Some(i) => Point::Rev(i),
                            None => {
                                return Err(MigrationError::RelativeOutOfRange {
                                    target: target.to_string(),
                                    steps: p.relative.unwrap_or(0).unsigned_abs(),
                                })
                            }
                        }
                    }
                    Some(_) => self.single_point(&Parsed {
                        relative: None,
                        ..p
                    })?,
                };
                // `-N` stays on the branch of the current head it starts
                // from, as Alembic's does; `REV-N` only on an explicit
                // `label@`, so reaching base winds every tree back.
                let restrict = match (branch, p.symbol, start) {
                    (Some(b), _, _) => Some(b),
                    (None, None, Point::Rev(i)) => Some(i),
                    _ => None,
                };
                let steps = p.relative.unwrap_or(0).unsigned_abs();
                (restrict, self.walk_down(target, start, steps)?)
            }
        };
        let mut roots = match dest {
            Point::Base => self.base_nodes(),
            Point::Rev(t) => self.children[t].clone(),
        };
        if let (Some(b), true) = (restrict, roots.len() > 1) {
            let on_branch = self.ancestors_mask(&[b], false);
            roots.retain(|&r| on_branch[r]);
            if roots.is_empty() {
                return Err(self.not_a_downgrade_target(target, dest));
            }
        }
        let mut remove = self.descendants_mask(&roots, true);
        for (r, done) in remove.iter_mut().zip(&mask) {
            *r &= *done;
        }
        // Nothing to revert is fine only at a current head (Alembic's
        // "nothing to drop"): a revision below a head is reached by
        // reverting on the head's branch, which the caller must name.
        if let Point::Rev(t) = dest {
            if !remove.contains(&true) && !self.current_head_nodes(&mask).contains(&t) {
                return Err(self.not_a_downgrade_target(target, dest));
            }
        }
        let order = self.alembic_order(&remove, &self.current_head_nodes(&mask));
        let missing: Vec<String> = order
            .iter()
            .filter(|&&i| self.migrations[i].down_sql.is_none())
            .map(|&i| {
                let m = &self.migrations[i];
                match &m.sqlx {
                    Some(s) if s.simple => format!(
                        "{} (a simple sqlx migration: sqlx cannot revert it either)",
                        m.folder_name
                    ),
                    _ => m.folder_name.clone(),
                }
            })
            .collect();
        if !missing.is_empty() {
            return Err(MigrationError::NoDownSql { folders: missing });
        }
        // A set read without its SQL (commands that neither run nor print
        // it) cannot tell; the commands that run the plan read the SQL.
        if self.has_sql() {
            let empty: Vec<String> = order
                .iter()
                .filter(|&&i| self.migrations[i].reverts_nothing())
                .map(|&i| self.migrations[i].folder_name.clone())
                .collect();
            if !empty.is_empty() {
                return Err(MigrationError::EmptyDownSql { folders: empty });
            }
        }
        Ok(self.steps(order, Direction::Down))
    }

    fn not_a_downgrade_target(&self, target: &str, dest: Point) -> MigrationError {
        MigrationError::NotADowngradeTarget {
            target: target.to_string(),
            revision: match dest {
                Point::Base => "base".into(),
                Point::Rev(i) => self.describe(i),
            },
        }
    }

    /// Sets the bookkeeping as if the database were at `target`, running no
    /// SQL (Alembic's `stamp`).
    ///
    /// Without `purge`, the current heads related to the target (ancestors or
    /// descendants, dependencies included) are replaced by it and unrelated
    /// branches are kept; `base` and `label@base` forget the related
    /// branches. With `purge`, everything is forgotten first.
    pub fn plan_stamp(
        &self,
        applied: &AppliedSet,
        target: &Target,
        purge: bool,
    ) -> Result<StampPlan, MigrationError> {
        target.refuse_current("stamp")?;
        let p = target.parts();
        let target = target.as_str();
        let mask = if purge {
            vec![false; self.len()]
        } else {
            self.applied_mask(applied)?
        };
        let (dests, related_to): (Vec<usize>, Vec<usize>) = match p.relative {
            None => {
                let branch = p.branch.map(|b| self.branch_node(b, target)).transpose()?;
                let dests = match self.resolve_absolute(&p)? {
                    Resolved::Base => vec![],
                    Resolved::Nodes(n) => n,
                };
                (dests.clone(), branch.into_iter().chain(dests).collect())
            }
            Some(_) => match self.relative_point(&p, None)? {
                Point::Base => (vec![], vec![]),
                Point::Rev(i) => (vec![i], vec![i]),
            },
        };
        let heads = self.current_head_nodes(&mask);
        let keep: Vec<usize> = if related_to.is_empty() {
            vec![]
        } else {
            let up = self.ancestors_mask(&related_to, true);
            let down = self.descendants_mask(&related_to, true);
            heads.into_iter().filter(|&h| !up[h] && !down[h]).collect()
        };
        let kept = self.ancestors_mask(&keep, true);
        let wanted = self.ancestors_mask(&dests, true);
        let after: Vec<bool> = (0..self.len())
            .map(|i| (mask[i] && kept[i]) || wanted[i])
            .collect();
        // With purge the caller empties the whole table, rows of unknown
        // revisions included, so only known rows are listed for deletion.
        let old: Vec<bool> = if purge {
            let mut m = vec![false; self.len()];
            for i in applied.iter().filter_map(|r| self.index(r)) {
                m[i] = true;
            }
            m
        } else {
            mask.clone()
        };
        let insert: Vec<bool> = (0..self.len()).map(|i| after[i] && !old[i]).collect();
        let delete: Vec<bool> = (0..self.len()).map(|i| old[i] && !after[i]).collect();
        Ok(StampPlan {
            insert: self.steps(self.topo_order(&insert, false), Direction::Up),
            delete: self.steps(self.topo_order(&delete, true), Direction::Down),
            applied_after: self
                .masked(&after)
                .into_iter()
                .map(|m| m.revision.clone())
                .collect(),
        })
    }

    fn steps(&self, order: Vec<usize>, direction: Direction) -> Vec<Step> {
        order
            .into_iter()
            .map(|i| {
                let m = &self.migrations[i];
                Step {
                    revision: m.revision.clone(),
                    version: m.version.clone(),
                    folder_name: m.folder_name.clone(),
                    direction,
                }
            })
            .collect()
    }
}
