//! Tests of the migration model. Graphs are written like Alembic's test
//! fixtures (`Revision("b", ("a",))`); declaration order is version order,
//! as Alembic's fixtures are generated one after the other.

mod alembic_revision;
mod alembic_traversal;
mod cache;
mod generate;
mod graph;
mod load;
mod plans;

use std::collections::BTreeSet;

use super::*;

/// One fixture revision.
#[derive(Clone)]
pub(super) struct R {
    id: &'static str,
    down: Vec<&'static str>,
    deps: Vec<&'static str>,
    labels: Vec<&'static str>,
    no_down_sql: bool,
}

/// `Revision(id, down)`.
pub(super) fn r(id: &'static str, down: &[&'static str]) -> R {
    R {
        id,
        down: down.to_vec(),
        deps: vec![],
        labels: vec![],
        no_down_sql: false,
    }
}

impl R {
    pub(super) fn deps(mut self, deps: &[&'static str]) -> Self {
        self.deps = deps.to_vec();
        self
    }
    pub(super) fn labels(mut self, labels: &[&'static str]) -> Self {
        self.labels = labels.to_vec();
        self
    }
    pub(super) fn without_down_sql(mut self) -> Self {
        self.no_down_sql = true;
        self
    }
}

fn toml_list(items: &[&str]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|s| format!("\"{s}\""))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The in-memory files of a fixture graph.
pub(super) fn files(revs: &[R]) -> Vec<MigrationFiles> {
    revs.iter()
        .enumerate()
        .map(|(i, rev)| {
            let mut meta = format!(
                "revision = \"{}\"\ndown_revision = {}\n",
                rev.id,
                toml_list(&rev.down)
            );
            if !rev.deps.is_empty() {
                meta += &format!("depends_on = {}\n", toml_list(&rev.deps));
            }
            if !rev.labels.is_empty() {
                meta += &format!("branch_labels = {}\n", toml_list(&rev.labels));
            }
            MigrationFiles {
                folder_name: format!("{:06}_{}", i + 1, rev.id),
                up_sql: format!("-- up {}\n", rev.id),
                down_sql: (!rev.no_down_sql).then(|| format!("-- down {}\n", rev.id)),
                metadata_toml: Some(meta),
                dir: None,
            }
        })
        .collect()
}

pub(super) fn graph(revs: &[R]) -> RevisionGraph {
    match RevisionGraph::from_files(files(revs)) {
        Ok(g) => g,
        Err(e) => panic!("fixture graph is invalid: {e:?}"),
    }
}

pub(super) fn graph_errors(revs: &[R]) -> Vec<MigrationError> {
    match RevisionGraph::from_files(files(revs)) {
        Ok(_) => panic!("expected the graph to be refused"),
        Err(e) => e,
    }
}

pub(super) fn applied(ids: &[&str]) -> AppliedSet {
    ids.iter().copied().collect()
}

/// The applied set meant by Alembic heads: the heads and all their ancestors.
pub(super) fn at(g: &RevisionGraph, heads: &[&str]) -> AppliedSet {
    let mut set = applied(heads);
    for h in heads {
        for m in g.ancestors(h).unwrap() {
            set.insert(m.revision.clone());
        }
    }
    set
}

pub(super) fn ids(steps: &[Step]) -> Vec<&str> {
    steps.iter().map(|s| s.revision.as_str()).collect()
}

pub(super) fn revs(ms: &[&Migration]) -> Vec<String> {
    ms.iter().map(|m| m.revision.clone()).collect()
}

/// A target, parsed as the command line parses it.
pub(super) fn t(text: &str) -> Target {
    match text.parse() {
        Ok(t) => t,
        Err(e) => panic!("{text}: {e}"),
    }
}

/// A range, parsed as `history -r` parses it.
pub(super) fn rng(text: &str) -> Range {
    match text.parse() {
        Ok(r) => r,
        Err(e) => panic!("{text}: {e}"),
    }
}

pub(super) fn up(g: &RevisionGraph, state: &AppliedSet, target: &str) -> Vec<String> {
    let steps = g.plan_upgrade(state, &t(target)).unwrap();
    assert!(steps.iter().all(|s| s.direction == Direction::Up));
    steps.into_iter().map(|s| s.revision).collect()
}

pub(super) fn down(g: &RevisionGraph, state: &AppliedSet, target: &str) -> Vec<String> {
    let steps = g.plan_downgrade(state, &t(target)).unwrap();
    assert!(steps.iter().all(|s| s.direction == Direction::Down));
    steps.into_iter().map(|s| s.revision).collect()
}

/// The state after running `steps` (up inserts, down removes).
pub(super) fn after(state: &AppliedSet, steps: &[String], direction: Direction) -> AppliedSet {
    let mut s = state.clone();
    for id in steps {
        match direction {
            Direction::Up => s.insert(id.clone()),
            Direction::Down => s.remove(id),
        };
    }
    s
}

/// Alembic's "heads" of a state, to compare with `_assert_*(..., expected_heads)`.
pub(super) fn heads_of(g: &RevisionGraph, state: &AppliedSet) -> BTreeSet<String> {
    g.current_heads(state)
        .unwrap()
        .into_iter()
        .map(|m| m.revision.clone())
        .collect()
}

pub(super) fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Asserts `order` lists every parent/dependency before its child
/// (`parents_first`) or after it.
pub(super) fn assert_partial_order(g: &RevisionGraph, order: &[String], parents_first: bool) {
    let pos = |id: &str| order.iter().position(|o| o == id);
    for m in g.migrations() {
        let Some(child) = pos(&m.revision) else {
            continue;
        };
        for parent in g.ancestors(&m.revision).unwrap() {
            if let Some(p) = pos(&parent.revision) {
                assert_eq!(
                    p < child,
                    parents_first,
                    "{} vs its ancestor {} in {order:?}",
                    m.revision,
                    parent.revision
                );
            }
        }
    }
}

pub(super) fn ts(second: u8) -> Timestamp {
    Timestamp {
        year: 2024,
        month: 1,
        day: 31,
        hour: 12,
        minute: 0,
        second,
    }
}
