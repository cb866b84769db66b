//! Scenarios of Alembic's `tests/test_revision.py`, same graphs: target
//! resolution (`get_revision`) and range iteration (`iterate_revisions`,
//! which backs `alembic history -r`).

use super::*;

fn one(g: &RevisionGraph, target: &str) -> Option<String> {
    let got = g.resolve(&t(target)).unwrap();
    assert!(got.len() <= 1, "{target} gave {got:?}");
    got.first().map(|m| m.revision.clone())
}

fn hist(g: &RevisionGraph, range: &str) -> Vec<String> {
    let got = revs(&g.history(Some(&rng(range)), None).unwrap());
    assert_partial_order(g, &got, false);
    got
}

fn hist_set(g: &RevisionGraph, range: &str) -> BTreeSet<String> {
    hist(g, range).into_iter().collect()
}

#[test]
fn api_head_and_base() {
    let g = graph(&[r("a", &[]), r("b", &["a"]), r("c", &["b"])]);
    assert_eq!(one(&g, "head").as_deref(), Some("c"));
    assert_eq!(one(&g, "base"), None);
    let g = graph(&[
        r("a", &[]),
        r("b", &["a"]),
        r("c1", &["b"]),
        r("c2", &["b"]),
    ]);
    assert_eq!(g.resolve(&t("head")).unwrap_err().kind(), "multiple_heads");
    assert_eq!(revs(&g.resolve(&t("heads")).unwrap()), vec!["c1", "c2"]);
    assert_eq!(revs(&g.heads()), vec!["c1", "c2"]);
    let g = graph(&[r("a", &[]), r("b", &["a"]), r("c", &[]), r("d", &["c"])]);
    assert_eq!(one(&g, "base"), None);
}

#[test]
fn diamond_and_empty_map() {
    let g = graph(&[
        r("a", &[]),
        r("b1", &["a"]),
        r("b2", &["a"]),
        r("c", &["b1", "b2"]),
        r("d", &["c"]),
    ]);
    assert_eq!(hist(&g, "a:d"), ["d", "c", "b1", "b2", "a"]);
    let empty = RevisionGraph::new(MigrationSet::default()).unwrap();
    assert!(empty
        .history(Some(&rng("base:head")), None)
        .unwrap()
        .is_empty());
    assert!(empty.resolve(&t("head")).unwrap().is_empty());
}

#[test]
fn labeled_branch_duplicate_label() {
    let errors = graph_errors(&[
        r("a", &[]),
        r("b", &["a"]),
        r("c", &["b"]).labels(&["xy1"]),
        r("d", &[]),
        r("e", &["d"]).labels(&["xy1"]),
        r("f", &["e"]),
    ]);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].kind(), "duplicate_branch_label");
}

fn labeled() -> RevisionGraph {
    graph(&[
        r("a", &[]).labels(&["abranch"]),
        r("b", &["a"]),
        r("somelongername", &["b"]),
        r("c", &["somelongername"]),
        r("d", &[]),
        r("e", &["d"]).labels(&["ebranch"]),
        r("someothername", &["e"]),
        r("f", &["someothername"]),
    ])
}

#[test]
fn labeled_branch_resolution() {
    let g = labeled();
    assert_eq!(one(&g, "ebranch@head").as_deref(), Some("f"));
    assert_eq!(one(&g, "abranch@head").as_deref(), Some("c"));
    assert_eq!(one(&g, "abranch@heads").as_deref(), Some("c"));
    assert_eq!(one(&g, "abranch@base"), None);
    assert_eq!(one(&g, "ebranch@d").as_deref(), Some("d"));
    assert_eq!(one(&g, "ebranch@ebranch").as_deref(), Some("e"));
    assert_eq!(one(&g, "abranch").as_deref(), Some("a"));
    assert_eq!(one(&g, "ebranch").as_deref(), Some("e"));
    assert_eq!(one(&g, "e").as_deref(), Some("e"));
    // A prefix only counts revisions of the branch.
    assert_eq!(one(&g, "ebranch@some").as_deref(), Some("someothername"));
    assert_eq!(one(&g, "abranch@some").as_deref(), Some("somelongername"));
    assert_eq!(
        g.resolve(&t("some")).unwrap_err().kind(),
        "ambiguous_revision"
    );
    // A revision standing for its branch.
    assert_eq!(one(&g, "e@d").as_deref(), Some("d"));
    assert_eq!(one(&g, "someoth@d").as_deref(), Some("d"));
}

#[test]
fn labeled_branch_errors() {
    let g = labeled();
    let err = g.resolve(&t("ebranch@b")).unwrap_err();
    assert_eq!(err.kind(), "not_on_branch");
    assert!(
        err.to_string()
            .contains("revision b (000002_b) is not on branch `ebranch`"),
        "{err}"
    );
    assert_eq!(
        g.resolve(&t("abranch@d")).unwrap_err().kind(),
        "not_on_branch"
    );
    let err = g.resolve(&t("abranch@qprstuv")).unwrap_err();
    assert_eq!(err.kind(), "unknown_revision");
    assert!(!err.to_string().contains("4 characters"));
    let err = g.resolve(&t("abranch@qpr")).unwrap_err();
    assert!(err.to_string().contains("at least 4 characters"), "{err}");
    let err = g.resolve(&t("x@d")).unwrap_err();
    assert_eq!(err.kind(), "unknown_branch");
    assert!(err.to_string().contains("`x`"));
}

#[test]
fn labeled_branch_iteration() {
    let g = labeled();
    assert_eq!(
        hist(&g, "ebranch@base:heads"),
        ["f", "someothername", "e", "d"]
    );
    assert_eq!(
        hist(&g, "abranch@base:heads"),
        ["c", "somelongername", "b", "a"]
    );
    assert_eq!(
        hist(&g, "base:ebranch@head"),
        ["f", "someothername", "e", "d"]
    );
    assert_eq!(
        hist(&g, "base:abranch@head"),
        ["c", "somelongername", "b", "a"]
    );
    assert_eq!(hist(&g, "ebranch@head:heads"), ["f"]);
    assert_eq!(
        hist(&g, "ebranch@d:heads"),
        ["f", "someothername", "e", "d"]
    );
    assert_eq!(hist(&g, "e@base:heads"), ["f", "someothername", "e", "d"]);
    assert_eq!(hist(&g, "c@base:heads"), ["c", "somelongername", "b", "a"]);
    assert_eq!(hist(&g, "ebranch@-2:heads"), ["f", "someothername", "e"]);
    assert_eq!(hist(&g, "base:ebranch@+2"), ["e", "d"]);
}

#[test]
fn long_short_branch() {
    let g = graph(&[
        r("a", &[]),
        r("b1", &["a"]),
        r("b2", &["a"]),
        r("c1", &["b1"]),
        r("d11", &["c1"]),
        r("d12", &["c1"]),
    ]);
    let got = hist(&g, "base:heads");
    assert_eq!(
        hist_set(&g, "base:heads"),
        set(&["b2", "d11", "d12", "c1", "b1", "a"])
    );
    assert_eq!(got, ["b2", "d11", "d12", "c1", "b1", "a"]);
}

fn multiple_branch() -> RevisionGraph {
    graph(&[
        r("a", &[]),
        r("b1", &["a"]),
        r("b2", &["a"]),
        r("cb1", &["b1"]),
        r("cb2", &["b2"]),
        r("d1cb1", &["cb1"]),
        r("d2cb1", &["cb1"]),
        r("d1cb2", &["cb2"]),
        r("d2cb2", &["cb2"]),
        r("d3cb2", &["cb2"]),
        r("d1d2cb2", &["d1cb2", "d2cb2"]),
    ])
}

#[test]
fn multiple_branch_iteration() {
    let g = multiple_branch();
    assert_eq!(
        hist_set(&g, "a:d1d2cb2"),
        set(&["d1d2cb2", "d1cb2", "d2cb2", "cb2", "b2", "a"])
    );
    assert_eq!(hist(&g, "a:d3cb2"), ["d3cb2", "cb2", "b2", "a"]);
    assert_eq!(hist(&g, "base:d3cb2"), ["d3cb2", "cb2", "b2", "a"]);
    let err = g.history(Some(&rng("d1cb1:b1")), None).unwrap_err();
    assert!(
        err.to_string()
            .contains("d1cb1 (000006_d1cb1) is not an ancestor of b1"),
        "{err}"
    );
    let err = g.history(Some(&rng("b1:d2cb2")), None).unwrap_err();
    assert!(
        err.to_string()
            .contains("b1 (000002_b1) is not an ancestor of d2cb2"),
        "{err}"
    );
    let err = g.history(Some(&rng("d1cb1:base")), None).unwrap_err();
    assert_eq!(err.kind(), "invalid_target");
}

#[test]
fn branch_travelling() {
    let g = graph(&[
        r("a1", &[]),
        r("a2", &["a1"]),
        r("a3", &["a2"]),
        r("b1", &["a3"]),
        r("b2", &["a3"]),
        r("cb1", &["b1"]),
        r("cb2", &["b2"]),
        r("db1", &["cb1"]),
        r("db2", &["cb2"]),
        r("e1b1", &["db1"]),
        r("fe1b1", &["e1b1"]),
        r("e2b1", &["db1"]),
        r("e2b2", &["db2"]),
        r("merge", &["e2b1", "e2b2"]),
    ]);
    assert_eq!(
        hist_set(&g, "b1:merge"),
        set(&["merge", "e2b1", "db1", "cb1", "b1"])
    );
    assert_eq!(
        hist_set(&g, "a1:merge"),
        set(&["merge", "e2b1", "db1", "cb1", "b1", "e2b2", "db2", "cb2", "b2", "a3", "a2", "a1"])
    );
    assert_eq!(
        hist_set(&g, "a2:merge"),
        set(&["merge", "e2b1", "db1", "cb1", "b1", "e2b2", "db2", "cb2", "b2", "a3", "a2"])
    );
    assert_eq!(
        hist_set(&g, "base:fe1b1"),
        set(&["fe1b1", "e1b1", "db1", "cb1", "b1", "a3", "a2", "a1"])
    );
    let merge_ancestors: BTreeSet<String> =
        revs(&g.ancestors("merge").unwrap()).into_iter().collect();
    assert_eq!(
        merge_ancestors,
        set(&["a1", "e2b2", "e2b1", "cb2", "a3", "a2", "b1", "b2", "db1", "db2", "cb1"])
    );
    // +N walking into the branch point is ambiguous; a label or REV picks.
    let err = g.resolve(&t("a3+1")).unwrap_err();
    assert_eq!(err.kind(), "ambiguous_walk");
    assert!(
        err.to_string().contains("b1") && err.to_string().contains("b2"),
        "{err}"
    );
    assert_eq!(one(&g, "b1+2").as_deref(), Some("db1"));
    assert_eq!(
        g.resolve(&t("merge-1")).unwrap_err().kind(),
        "ambiguous_walk"
    );
}

#[test]
fn multiple_base_cross_dependency_one() {
    let g = graph(&[
        r("base1", &[]).labels(&["b_1"]),
        r("a1a", &["base1"]),
        r("a1b", &["base1"]),
        r("b1a", &["a1a"]),
        r("b1b", &["a1b"]).deps(&["a3"]),
        r("base2", &[]).labels(&["b_2"]),
        r("a2", &["base2"]),
        r("b2", &["a2"]),
        r("c2", &["b2"]).deps(&["a3"]),
        r("d2", &["c2"]),
        r("base3", &[]).labels(&["b_3"]),
        r("a3", &["base3"]),
        r("b3", &["a3"]),
    ]);
    assert_eq!(revs(&g.heads()), vec!["b1a", "b1b", "d2", "b3"]);
    let all = set(&[
        "b1a", "a1a", "b1b", "a1b", "base1", "d2", "c2", "b2", "a2", "base2", "b3", "a3", "base3",
    ]);
    assert_eq!(hist_set(&g, "base:heads"), all);
    let fresh = AppliedSet::new();
    let plan: BTreeSet<String> = up(&g, &fresh, "b_2@head").into_iter().collect();
    assert_eq!(plan, set(&["d2", "c2", "b2", "a2", "base2", "a3", "base3"]));
    let plan: BTreeSet<String> = up(&g, &fresh, "b_3@head").into_iter().collect();
    assert_eq!(plan, set(&["b3", "a3", "base3"]));
    let plan: BTreeSet<String> = up(&g, &fresh, "b1b").into_iter().collect();
    assert_eq!(plan, set(&["b1b", "a1b", "base1", "a3", "base3"]));
    let everything = at(&g, &["b1a", "b1b", "d2", "b3"]);
    let plan = down(&g, &everything, "b_2@base");
    assert_eq!(plan, ["d2", "c2", "b2", "a2", "base2"]);
    let plan = down(&g, &everything, "b_3@base");
    assert_eq!(
        set(&plan.iter().map(String::as_str).collect::<Vec<_>>()),
        set(&["b1b", "d2", "c2", "b3", "a3", "base3"])
    );
    assert_partial_order(&g, &plan, false);
    let plan = down(&g, &at(&g, &["b1b"]), "b1b@base");
    assert_eq!(plan, ["b1b", "a1b", "base1"]);
    assert_eq!(
        g.history(Some(&rng("d2:b2")), None).unwrap_err().kind(),
        "invalid_target"
    );
    assert_eq!(
        g.history(Some(&rng("d2:b3")), None).unwrap_err().kind(),
        "invalid_target"
    );
}

#[test]
fn multiple_base_cross_dependency_two() {
    let g = graph(&[
        r("base1", &[]).labels(&["b_1"]),
        r("a1", &["base1"]),
        r("b1", &["a1"]),
        r("c1", &["b1"]),
        r("base2", &[]).deps(&["b_1"]).labels(&["b_2"]),
        r("a2", &["base2"]),
        r("b2", &["a2"]),
        r("c2", &["b2"]),
        r("d2", &["c2"]),
        r("base3", &[]).labels(&["b_3"]),
        r("a3", &["base3"]),
        r("b3", &["a3"]),
        r("c3", &["b3"]).deps(&["b2"]),
        r("d3", &["c3"]),
    ]);
    assert_eq!(revs(&g.heads()), vec!["c1", "d2", "d3"]);
    let fresh = AppliedSet::new();
    let as_set = |v: Vec<String>| v.into_iter().collect::<BTreeSet<_>>();
    assert_eq!(
        as_set(up(&g, &fresh, "b_2@head")),
        set(&["d2", "c2", "b2", "a2", "base2", "base1"])
    );
    assert_eq!(
        as_set(up(&g, &fresh, "b_3@head")),
        set(&["d3", "c3", "b3", "a3", "base3", "b2", "a2", "base2", "base1"])
    );
    assert_eq!(
        as_set(up(&g, &fresh, "b_1@head")),
        set(&["c1", "b1", "a1", "base1"])
    );
    assert_eq!(
        hist_set(&g, "b_1@base:heads"),
        set(&["c1", "b1", "a1", "base1"])
    );
    assert_eq!(
        hist_set(&g, "b_2@base:heads"),
        set(&["d2", "c2", "b2", "a2", "base2", "base1"])
    );
}

#[test]
fn multiple_base_cross_dependency_three() {
    let g = graph(&[
        r("base1", &[]),
        r("a1", &["base1"]),
        r("b1", &["a1"]),
        r("c2", &[]).deps(&["a1"]),
        r("c3", &["c2"]),
    ]);
    assert_eq!(hist(&g, "base:heads"), ["b1", "c3", "c2", "a1", "base1"]);
}

#[test]
fn multiple_branch_effective_head() {
    let g = graph(&[
        r("y1", &[]).labels(&["y"]),
        r("x1", &[]).labels(&["x"]),
        r("y2", &["y1"]).deps(&["x1"]),
        r("x2", &["x1"]),
    ]);
    assert_eq!(down(&g, &at(&g, &["x2", "y2"]), "x@-1"), ["x2"]);
    assert_eq!(down(&g, &at(&g, &["x1", "y2"]), "x@-1"), ["y2", "x1"]);
    assert_eq!(down(&g, &at(&g, &["y2"]), "x@-1"), ["y2", "x1"]);
}

#[test]
fn normalized_down_revisions() {
    let g = graph(&[
        r("a1", &[]),
        r("a2", &["a1"]),
        r("a3", &["a2"]),
        r("b1", &[]),
        r("b2", &["b1"]).deps(&["a3"]),
        r("b3", &["b2"]),
        r("b4", &["b3"]).deps(&["a3"]),
        r("b5", &["b4"]).deps(&["b4"]),
    ]);
    let everything = at(&g, &["b5"]);
    assert_eq!(
        down(&g, &at(&g, &["b4"]), "b1@base"),
        ["b4", "b3", "b2", "b1"]
    );
    assert_eq!(
        down(&g, &everything, "base"),
        ["b5", "b4", "b3", "b2", "b1", "a3", "a2", "a1"]
    );
    assert_eq!(down(&g, &everything, "a2"), ["b5", "b4", "b3", "b2", "a3"]);
    assert_eq!(g.get("b5").unwrap().depends_on, vec!["b4".to_string()]);
    assert_eq!(
        revs(&g.ancestors("b5").unwrap()),
        vec!["a1", "a2", "a3", "b1", "b2", "b3", "b4"]
    );
}

#[test]
fn overlapping_names_are_not_loops() {
    let g = graph(&[
        r("user_foo", &[]),
        r("user", &["user_foo"]).deps(&["user_foo"]),
    ]);
    assert_eq!(hist(&g, "base:heads"), ["user", "user_foo"]);
    let g = graph(&[r("user_foo", &[]), r("user", &[]).deps(&["user_foo"])]);
    assert_eq!(hist(&g, "base:heads"), ["user", "user_foo"]);
}
