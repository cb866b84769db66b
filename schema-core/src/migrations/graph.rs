//! The revision graph (Alembic's `RevisionMap`): validation and queries.
//!
//! Nodes are indexes into the migrations in version order, so "ties broken
//! by version order" is "smallest index first", and every lookup goes
//! through a `HashMap` or a binary search: building and querying stay
//! linear (or `n log n`) in the number of revisions.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use super::error::MigrationError;
use super::set::{Migration, MigrationFiles, MigrationSet};

/// A validated revision graph over a [`MigrationSet`].
#[derive(Debug, Clone)]
pub struct RevisionGraph {
    pub(crate) migrations: Vec<Migration>,
    by_revision: HashMap<String, usize>,
    by_label: HashMap<String, usize>,
    by_version: HashMap<String, usize>,
    /// Node indexes sorted by revision id, for prefix lookups.
    sorted_ids: Vec<usize>,
    /// `down_revision` edges.
    pub(crate) parents: Vec<Vec<usize>>,
    /// Resolved `depends_on` edges that are not also `down_revision` edges.
    pub(crate) deps: Vec<Vec<usize>>,
    /// Reverse of `parents` (Alembic's `nextrev`).
    pub(crate) children: Vec<Vec<usize>>,
    /// Reverse of `deps`.
    pub(crate) dependents: Vec<Vec<usize>>,
    /// See [`MigrationSet::has_sql`].
    has_sql: bool,
}

impl RevisionGraph {
    /// Validates the graph of `set`, reporting every problem at once:
    /// duplicate revision ids or branch labels, a label equal to a revision
    /// id, an unknown `down_revision` or `depends_on`, a cycle.
    pub fn new(set: MigrationSet) -> Result<Self, Vec<MigrationError>> {
        let has_sql = set.has_sql();
        let migrations = set.into_migrations();
        let n = migrations.len();
        let mut errors = Vec::new();

        let mut by_revision: HashMap<String, usize> = HashMap::with_capacity(n);
        let mut duplicates: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, m) in migrations.iter().enumerate() {
            if let Some(&first) = by_revision.get(&m.revision) {
                duplicates
                    .entry(&m.revision)
                    .or_insert_with(|| vec![first])
                    .push(i);
            } else {
                by_revision.insert(m.revision.clone(), i);
            }
        }
        let mut dup_list: Vec<_> = duplicates.into_iter().collect();
        dup_list.sort_by_key(|(_, idx)| idx[0]);
        for (revision, idx) in &dup_list {
            errors.push(MigrationError::DuplicateRevision {
                revision: revision.to_string(),
                folders: idx
                    .iter()
                    .map(|&i| migrations[i].folder_name.clone())
                    .collect(),
            });
        }

        let mut by_label: HashMap<String, usize> = HashMap::new();
        let mut label_dups: Vec<(String, Vec<usize>)> = Vec::new();
        for (i, m) in migrations.iter().enumerate() {
            for label in &m.branch_labels {
                if let Some(&other) = by_revision.get(label) {
                    errors.push(MigrationError::LabelCollidesWithRevision {
                        label: label.clone(),
                        folder: m.folder_name.clone(),
                        other_folder: migrations[other].folder_name.clone(),
                    });
                } else if let Some(&first) = by_label.get(label) {
                    match label_dups.iter_mut().find(|(l, _)| l == label) {
                        Some((_, idx)) => idx.push(i),
                        None => label_dups.push((label.clone(), vec![first, i])),
                    }
                } else {
                    by_label.insert(label.clone(), i);
                }
            }
        }
        for (label, idx) in label_dups {
            errors.push(MigrationError::DuplicateBranchLabel {
                label,
                folders: idx
                    .iter()
                    .map(|&i| migrations[i].folder_name.clone())
                    .collect(),
            });
        }

        let mut parents = vec![Vec::new(); n];
        let mut deps = vec![Vec::new(); n];
        for (i, m) in migrations.iter().enumerate() {
            for down in &m.down_revisions {
                match by_revision.get(down) {
                    Some(&p) => parents[i].push(p),
                    None => errors.push(MigrationError::UnknownDownRevision {
                        folder: m.folder_name.clone(),
                        down_revision: down.clone(),
                    }),
                }
            }
            for dep in &m.depends_on {
                match by_revision.get(dep).or_else(|| by_label.get(dep)) {
                    Some(&d) if parents[i].contains(&d) || deps[i].contains(&d) => {}
                    Some(&d) => deps[i].push(d),
                    None => errors.push(MigrationError::UnknownDependsOn {
                        folder: m.folder_name.clone(),
                        target: dep.clone(),
                    }),
                }
            }
        }

        let mut children = vec![Vec::new(); n];
        let mut dependents = vec![Vec::new(); n];
        for i in 0..n {
            for &p in &parents[i] {
                children[p].push(i);
            }
            for &d in &deps[i] {
                dependents[d].push(i);
            }
        }

        // With duplicate ids the edges above are partly wrong; a cycle report
        // would only add noise to the duplicate errors.
        if dup_list.is_empty() {
            if let Some(folders) = cycle_members(n, &parents, &children, None) {
                errors.push(MigrationError::Cycle {
                    folders: folders
                        .iter()
                        .map(|&i| migrations[i].folder_name.clone())
                        .collect(),
                    via_depends_on: false,
                });
            } else if let Some(folders) =
                cycle_members(n, &parents, &children, Some((&deps, &dependents)))
            {
                errors.push(MigrationError::Cycle {
                    folders: folders
                        .iter()
                        .map(|&i| migrations[i].folder_name.clone())
                        .collect(),
                    via_depends_on: true,
                });
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }

        let by_version = migrations
            .iter()
            .enumerate()
            .map(|(i, m)| (m.version.clone(), i))
            .collect();
        // Sorting (id, index) pairs keeps the keys next to each other; an
        // index sort looked every id up through the migrations, a cache
        // miss per comparison on large graphs.
        let mut by_id: Vec<(&str, usize)> = migrations
            .iter()
            .enumerate()
            .map(|(i, m)| (m.revision.as_str(), i))
            .collect();
        by_id.sort_unstable();
        let sorted_ids: Vec<usize> = by_id.into_iter().map(|(_, i)| i).collect();
        Ok(Self {
            migrations,
            by_revision,
            by_label,
            by_version,
            sorted_ids,
            parents,
            deps,
            children,
            dependents,
            has_sql,
        })
    }

    /// Whether the migrations hold their SQL; see [`MigrationSet::has_sql`].
    /// Running or printing a revision needs it.
    pub fn has_sql(&self) -> bool {
        self.has_sql
    }

    /// Builds the set and the graph from file contents in one go, reporting
    /// every problem of both steps (the entry point of the build-time macro).
    pub fn from_files(files: Vec<MigrationFiles>) -> Result<Self, Vec<MigrationError>> {
        Self::new(MigrationSet::from_files(files)?)
    }

    /// Every migration, in version order.
    pub fn migrations(&self) -> &[Migration] {
        &self.migrations
    }

    /// How many revisions there are.
    pub fn len(&self) -> usize {
        self.migrations.len()
    }

    /// Whether the graph has no revision.
    pub fn is_empty(&self) -> bool {
        self.migrations.is_empty()
    }

    /// The migration with exactly this revision id.
    pub fn get(&self, revision: &str) -> Option<&Migration> {
        self.by_revision.get(revision).map(|&i| &self.migrations[i])
    }

    pub(crate) fn index(&self, revision: &str) -> Option<usize> {
        self.by_revision.get(revision).copied()
    }

    /// The migration whose diesel version is `version` (what the database
    /// records).
    pub fn by_version(&self, version: &str) -> Option<&Migration> {
        self.by_version.get(version).map(|&i| &self.migrations[i])
    }

    /// The migration that declares branch label `label`.
    pub fn by_label(&self, label: &str) -> Option<&Migration> {
        self.by_label.get(label).map(|&i| &self.migrations[i])
    }

    /// Every branch label and the migration declaring it, sorted by label.
    pub fn labels(&self) -> Vec<(&str, &Migration)> {
        let mut out: Vec<_> = self
            .by_label
            .iter()
            .map(|(l, &i)| (l.as_str(), &self.migrations[i]))
            .collect();
        out.sort_by_key(|(l, _)| *l);
        out
    }

    /// The heads as `alembic heads` shows them: revisions no `down_revision`
    /// points at, in version order.
    pub fn heads(&self) -> Vec<&Migration> {
        self.nodes(self.head_nodes())
    }

    /// The bases: revisions without `down_revision`, in version order.
    pub fn bases(&self) -> Vec<&Migration> {
        self.nodes(self.base_nodes())
    }

    /// Branch points: revisions that are the `down_revision` of several others.
    pub fn branch_points(&self) -> Vec<&Migration> {
        self.nodes(
            (0..self.len())
                .filter(|&i| self.children[i].len() > 1)
                .collect(),
        )
    }

    /// Merge points: revisions with several `down_revision`s.
    pub fn merge_points(&self) -> Vec<&Migration> {
        self.nodes(
            (0..self.len())
                .filter(|&i| self.parents[i].len() > 1)
                .collect(),
        )
    }

    /// The revisions this one needs applied first (`down_revision` and
    /// `depends_on`, transitively), in version order, without itself.
    pub fn ancestors(&self, revision: &str) -> Result<Vec<&Migration>, MigrationError> {
        let i = self.lookup(revision)?;
        let mut mask = self.ancestors_mask(&[i], true);
        mask[i] = false;
        Ok(self.masked(&mask))
    }

    /// The revisions that need this one (through `down_revision` or
    /// `depends_on`, transitively), in version order, without itself.
    pub fn descendants(&self, revision: &str) -> Result<Vec<&Migration>, MigrationError> {
        let i = self.lookup(revision)?;
        let mut mask = self.descendants_mask(&[i], true);
        mask[i] = false;
        Ok(self.masked(&mask))
    }

    /// Resolves one revision: an exact revision id, a branch label (the
    /// revision declaring it), a diesel version, or an unambiguous prefix of
    /// a revision id, in that order.
    pub fn lookup(&self, text: &str) -> Result<usize, MigrationError> {
        if let Some(&i) = self
            .by_revision
            .get(text)
            .or_else(|| self.by_label.get(text))
            .or_else(|| self.by_version.get(text))
        {
            return Ok(i);
        }
        let matches = self.prefix_matches(text);
        match matches {
            [] => Err(MigrationError::UnknownRevision {
                target: text.to_string(),
            }),
            [one] => Ok(*one),
            many => Err(MigrationError::AmbiguousRevision {
                prefix: text.to_string(),
                candidates: many
                    .iter()
                    .take(10)
                    .map(|&i| self.describe(i))
                    .chain((many.len() > 10).then(|| format!("and {} more", many.len() - 10)))
                    .collect(),
            }),
        }
    }

    /// Resolves one revision (see [`lookup`](Self::lookup)) to its migration.
    pub fn resolve_revision(&self, text: &str) -> Result<&Migration, MigrationError> {
        self.lookup(text).map(|i| &self.migrations[i])
    }

    fn prefix_matches(&self, prefix: &str) -> &[usize] {
        if prefix.is_empty() {
            return &[];
        }
        let ids = &self.sorted_ids;
        let start = ids.partition_point(|&i| self.migrations[i].revision.as_str() < prefix);
        let len =
            ids[start..].partition_point(|&i| self.migrations[i].revision.starts_with(prefix));
        &ids[start..start + len]
    }

    // ----- node-level helpers shared by targets, plans and history -----

    pub(crate) fn describe(&self, i: usize) -> String {
        self.migrations[i].describe()
    }

    pub(crate) fn describe_all(&self, nodes: &[usize]) -> Vec<String> {
        nodes.iter().map(|&i| self.describe(i)).collect()
    }

    pub(crate) fn nodes(&self, idx: Vec<usize>) -> Vec<&Migration> {
        idx.into_iter().map(|i| &self.migrations[i]).collect()
    }

    pub(crate) fn masked(&self, mask: &[bool]) -> Vec<&Migration> {
        self.migrations
            .iter()
            .zip(mask)
            .filter_map(|(m, &on)| on.then_some(m))
            .collect()
    }

    pub(crate) fn head_nodes(&self) -> Vec<usize> {
        (0..self.len())
            .filter(|&i| self.children[i].is_empty())
            .collect()
    }

    /// Heads that nothing depends on either (Alembic's `_real_heads`).
    pub(crate) fn real_head_nodes(&self) -> Vec<usize> {
        (0..self.len())
            .filter(|&i| self.children[i].is_empty() && self.dependents[i].is_empty())
            .collect()
    }

    pub(crate) fn base_nodes(&self) -> Vec<usize> {
        (0..self.len())
            .filter(|&i| self.parents[i].is_empty())
            .collect()
    }

    /// `starts` and everything they need, through `down_revision` and, with
    /// `with_deps`, `depends_on`.
    pub(crate) fn ancestors_mask(&self, starts: &[usize], with_deps: bool) -> Vec<bool> {
        self.closure(starts, |i| {
            let deps: &[usize] = if with_deps { &self.deps[i] } else { &[] };
            self.parents[i].iter().chain(deps)
        })
    }

    /// `starts` and everything that needs them.
    pub(crate) fn descendants_mask(&self, starts: &[usize], with_deps: bool) -> Vec<bool> {
        self.closure(starts, |i| {
            let deps: &[usize] = if with_deps { &self.dependents[i] } else { &[] };
            self.children[i].iter().chain(deps)
        })
    }

    fn closure<'s, F, I>(&'s self, starts: &[usize], next: F) -> Vec<bool>
    where
        F: Fn(usize) -> I,
        I: Iterator<Item = &'s usize>,
    {
        let mut seen = vec![false; self.len()];
        let mut todo: Vec<usize> = starts.to_vec();
        while let Some(i) = todo.pop() {
            if !std::mem::replace(&mut seen[i], true) {
                todo.extend(next(i).copied().filter(|&j| !seen[j]));
            }
        }
        seen
    }

    /// Alembic's lineage test: `i` is an ancestor or descendant of `of`
    /// through `down_revision` only. Returned as a mask of all such nodes.
    pub(crate) fn lineage_mask(&self, of: usize) -> Vec<bool> {
        let up = self.ancestors_mask(&[of], false);
        let down = self.descendants_mask(&[of], false);
        up.iter().zip(&down).map(|(a, b)| *a || *b).collect()
    }

    /// The nodes of `todo` from `heads` down, in Alembic's order
    /// (`RevisionMap._topological_sort`): a node always comes before its
    /// `down_revision`s and dependencies, and the walk finishes one branch
    /// before it starts its sibling. It follows the first head (in version
    /// order) down its line until a node that another head still needs,
    /// then turns to that head; at a branch or merge point the first parent
    /// goes on the line and the others become heads of their own. Upgrades
    /// run it backwards, downgrades and `history` as it is, so a project
    /// moved from Alembic runs its revisions in the order its databases
    /// saw them. Nodes of `todo` no head reaches (none, for the plans that
    /// call this) follow in [`RevisionGraph::topo_order`]'s order.
    pub(crate) fn alembic_order(&self, todo: &[bool], heads: &[usize]) -> Vec<usize> {
        // Alembic keeps each head's whole ancestor set and asks, for every
        // node, whether another head's set holds it: quadratic on a long
        // history with many merges. The same question has a cheaper
        // answer: the nodes still to emit are closed between themselves
        // (a path from one to another only passes through nodes still to
        // emit), and each is below some head, so a node lies below
        // another head exactly when one of its children (or dependents)
        // is still to emit; and which head that is, a walk up through the
        // nodes still to emit finds. The parity test against Alembic
        // checks the two agree.
        let mut todo = todo.to_vec();
        let mut heads: Vec<usize> = heads.iter().copied().filter(|&h| todo[h]).collect();
        heads.sort_unstable();
        heads.dedup();
        let above = |i: usize| self.children[i].iter().chain(&self.dependents[i]).copied();
        let below = |i: usize| self.parents[i].iter().chain(&self.deps[i]).copied();
        let mut waiting: Vec<u32> = (0..self.len())
            .map(|i| {
                if todo[i] {
                    above(i).filter(|&j| todo[j]).count() as u32
                } else {
                    0
                }
            })
            .collect();
        let mut seen = vec![false; self.len()];
        let mut out = Vec::new();
        let mut at = 0;
        while !heads.is_empty() {
            let candidate = heads[at];
            if waiting[candidate] > 0 {
                if let Some(other) = self.first_head_above(candidate, &heads, &todo, &mut seen) {
                    // Another head still needs this node: walk that one first.
                    at = other;
                    continue;
                }
            }
            if std::mem::replace(&mut todo[candidate], false) {
                out.push(candidate);
                for j in below(candidate) {
                    if todo[j] {
                        waiting[j] -= 1;
                    }
                }
            }
            let deps = self.normalized_deps(candidate);
            let mut next: Vec<usize> = Vec::new();
            for &r in self.parents[candidate].iter().chain(&deps) {
                if todo[r] && !heads.contains(&r) && !next.contains(&r) {
                    next.push(r);
                }
            }
            match next.split_first() {
                None => {
                    heads.remove(at);
                    at = at.saturating_sub(1);
                }
                Some((&first, rest)) => {
                    heads[at] = first;
                    heads.extend_from_slice(rest);
                }
            }
        }
        if todo.contains(&true) {
            out.extend(self.topo_order(&todo, true));
        }
        out
    }

    /// The position in `heads` of the first head (other than `node`) that
    /// `node` lies below, walking up through the nodes still to emit.
    fn first_head_above(
        &self,
        node: usize,
        heads: &[usize],
        todo: &[bool],
        seen: &mut [bool],
    ) -> Option<usize> {
        let mut reached = Vec::new();
        let mut stack = vec![node];
        while let Some(i) = stack.pop() {
            for &j in self.children[i].iter().chain(&self.dependents[i]) {
                if todo[j] && !std::mem::replace(&mut seen[j], true) {
                    reached.push(j);
                    stack.push(j);
                }
            }
        }
        let found = heads.iter().position(|&h| h != node && seen[h]);
        for j in reached {
            seen[j] = false;
        }
        found
    }

    /// `depends_on` of `i` less those one of its `down_revision` ancestors
    /// already declares (Alembic's `_normalized_resolved_dependencies`).
    fn normalized_deps(&self, i: usize) -> Vec<usize> {
        if self.deps[i].is_empty() {
            return Vec::new();
        }
        let line = self.ancestors_mask(&[i], false);
        let mut deps = self.deps[i].clone();
        for (a, _) in line.iter().enumerate().filter(|&(a, &on)| on && a != i) {
            deps.retain(|d| !self.deps[a].contains(d));
        }
        deps
    }

    /// The nodes of `mask` with parents (and dependencies) first; among the
    /// nodes ready at the same time, the oldest version first. With
    /// `reverse`, children first and the newest version first.
    pub(crate) fn topo_order(&self, mask: &[bool], reverse: bool) -> Vec<usize> {
        let up = |i: usize| self.parents[i].iter().chain(&self.deps[i]).copied();
        let down = |i: usize| self.children[i].iter().chain(&self.dependents[i]).copied();
        let mut pending = vec![0usize; self.len()];
        let mut ready_min = BinaryHeap::new();
        let mut ready_max = BinaryHeap::new();
        for i in (0..self.len()).filter(|&i| mask[i]) {
            pending[i] = if reverse {
                down(i).filter(|&j| mask[j]).count()
            } else {
                up(i).filter(|&j| mask[j]).count()
            };
            if pending[i] == 0 {
                ready_min.push(Reverse(i));
                ready_max.push(i);
            }
        }
        let mut out = Vec::new();
        loop {
            let next = if reverse {
                ready_max.pop()
            } else {
                ready_min.pop().map(|Reverse(i)| i)
            };
            let Some(i) = next else { break };
            out.push(i);
            let released: Vec<usize> = if reverse {
                up(i).collect()
            } else {
                down(i).collect()
            };
            for j in released {
                if mask[j] {
                    pending[j] -= 1;
                    if pending[j] == 0 {
                        ready_min.push(Reverse(j));
                        ready_max.push(j);
                    }
                }
            }
        }
        out
    }
}

/// Extra edges for cycle detection: `(deps, dependents)`.
type ExtraEdges<'a> = (&'a [Vec<usize>], &'a [Vec<usize>]);

/// The nodes on (or between) cycles of the `parents` edges, plus `deps` when
/// given; `None` when the graph is acyclic. Kahn's algorithm from the bases
/// removes everything not downstream of a cycle; the same from the heads
/// removes what is merely downstream.
fn cycle_members(
    n: usize,
    parents: &[Vec<usize>],
    children: &[Vec<usize>],
    extra: Option<ExtraEdges<'_>>,
) -> Option<Vec<usize>> {
    let up = |i: usize| {
        let e: &[usize] = extra.map_or(&[], |(d, _)| &d[i]);
        parents[i].iter().chain(e).copied()
    };
    let down = |i: usize| {
        let e: &[usize] = extra.map_or(&[], |(_, d)| &d[i]);
        children[i].iter().chain(e).copied()
    };
    let mut alive = vec![true; n];
    peel(&mut alive, &up, &down);
    if !alive.contains(&true) {
        return None;
    }
    peel(&mut alive, &down, &up);
    Some((0..n).filter(|&i| alive[i]).collect())
}

/// Removes, repeatedly, alive nodes with no alive `inward` neighbour.
fn peel<I, O>(alive: &mut [bool], inward: &dyn Fn(usize) -> I, outward: &dyn Fn(usize) -> O)
where
    I: Iterator<Item = usize>,
    O: Iterator<Item = usize>,
{
    let n = alive.len();
    let mut count: Vec<usize> = (0..n)
        .map(|i| {
            if alive[i] {
                inward(i).filter(|&j| alive[j]).count()
            } else {
                0
            }
        })
        .collect();
    let mut todo: Vec<usize> = (0..n).filter(|&i| alive[i] && count[i] == 0).collect();
    while let Some(i) = todo.pop() {
        alive[i] = false;
        for j in outward(i) {
            if alive[j] {
                count[j] -= 1;
                if count[j] == 0 {
                    todo.push(j);
                }
            }
        }
    }
}
