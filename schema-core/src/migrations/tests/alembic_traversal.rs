//! Scenarios of Alembic's `tests/test_version_traversal.py`, same graphs.
//! Alembic's state (current heads) is turned into the applied set with
//! [`at`]; its expected heads are compared with [`heads_of`] the state after
//! the plan. Plans and histories are Alembic's, in Alembic's order (one
//! branch finished before its sibling starts), as its tests expect them.

use super::*;

fn linear() -> RevisionGraph {
    // RevisionPathTest: a -> b -> c -> d -> e
    graph(&[
        r("a", &[]),
        r("b", &["a"]),
        r("c", &["b"]),
        r("d", &["c"]),
        r("e", &["d"]),
    ])
}

#[test]
fn revision_path_upgrade_and_relative_upgrade() {
    let g = linear();
    assert_eq!(up(&g, &at(&g, &["c"]), "e"), ["d", "e"]);
    assert_eq!(up(&g, &applied(&[]), "c"), ["a", "b", "c"]);
    assert_eq!(up(&g, &at(&g, &["a"]), "+2"), ["b", "c"]);
    assert_eq!(up(&g, &at(&g, &["a"]), "+1"), ["b"]);
    assert_eq!(up(&g, &at(&g, &["b"]), "+3"), ["c", "d", "e"]);
    assert_eq!(up(&g, &at(&g, &["a"]), "b+2"), ["b", "c", "d"]);
    assert_eq!(up(&g, &at(&g, &["a"]), "d-2"), ["b"]);
    // A target below the current state is a no-op, as in Alembic.
    assert!(up(&g, &at(&g, &["d"]), "b").is_empty());
}

#[test]
fn revision_path_invalid_relative_upgrade() {
    let g = linear();
    let err = g.plan_upgrade(&at(&g, &["b"]), &t("-2")).unwrap_err();
    assert_eq!(err.kind(), "invalid_target");
    assert!(err.to_string().contains("downgrade -2"));
    let err = g.plan_upgrade(&at(&g, &["b"]), &t("+5")).unwrap_err();
    assert_eq!(err.kind(), "relative_out_of_range");
    assert!(err.to_string().contains("`+5` didn't produce 5 migrations"));
}

#[test]
fn revision_path_downgrade_and_relative_downgrade() {
    let g = linear();
    assert_eq!(down(&g, &at(&g, &["e"]), "c"), ["e", "d"]);
    assert_eq!(down(&g, &at(&g, &["c"]), "base"), ["c", "b", "a"]);
    assert_eq!(down(&g, &at(&g, &["c"]), "-1"), ["c"]);
    assert_eq!(down(&g, &at(&g, &["e"]), "-3"), ["e", "d", "c"]);
    assert_eq!(down(&g, &at(&g, &["d"]), "a+2"), ["d"]);
    assert_eq!(down(&g, &at(&g, &["d"]), "c-2"), ["d", "c", "b"]);
    // Downgrading to the current revision (#838, #839) or base from nothing.
    assert!(down(&g, &at(&g, &["a"]), "a").is_empty());
    assert!(down(&g, &at(&g, &["e"]), "e").is_empty());
    assert!(down(&g, &applied(&[]), "base").is_empty());
}

#[test]
fn revision_path_invalid_downgrades() {
    let g = linear();
    let err = g.plan_downgrade(&at(&g, &["b"]), &t("-5")).unwrap_err();
    assert_eq!(err.kind(), "relative_out_of_range");
    let err = g.plan_downgrade(&at(&g, &["b"]), &t("+2")).unwrap_err();
    assert_eq!(err.kind(), "invalid_target");
    // test_invalid_move_rev_to_none / test_invalid_move_higher_to_lower
    let err = g.plan_downgrade(&applied(&[]), &t("b")).unwrap_err();
    assert_eq!(err.kind(), "not_a_downgrade_target");
    let err = g.plan_downgrade(&at(&g, &["b"]), &t("c")).unwrap_err();
    assert_eq!(err.kind(), "not_a_downgrade_target");
}

#[test]
fn revision_path_stamp_to_base() {
    let g = linear();
    let plan = g.plan_stamp(&at(&g, &["d"]), &t("base"), false).unwrap();
    assert!(plan.applied_after.is_empty());
    assert_eq!(ids(&plan.delete), ["d", "c", "b", "a"]);
    assert!(plan.insert.is_empty());
}

/// BranchedPathTest: a -> b -> c1 -> d1 (c1branch), b -> c2 -> d2 (c2branch).
fn branched() -> RevisionGraph {
    graph(&[
        r("a", &[]),
        r("b", &["a"]),
        r("c1", &["b"]).labels(&["c1branch"]),
        r("d1", &["c1"]),
        r("c2", &["b"]).labels(&["c2branch"]),
        r("d2", &["c2"]),
    ])
}

#[test]
fn branched_stamps() {
    let g = branched();
    let state = at(&g, &["d1", "c2"]);
    let plan = g.plan_stamp(&state, &t("b"), false).unwrap();
    assert_eq!(heads_of(&g, &plan.applied_after), set(&["b"]));
    assert_eq!(ids(&plan.delete), ["c2", "d1", "c1"]);
    let plan = g.plan_stamp(&state, &t("c1branch@base"), false).unwrap();
    assert_eq!(heads_of(&g, &plan.applied_after), set(&["c2"]));
    let plan = g.plan_stamp(&state, &t("c2branch@head"), false).unwrap();
    assert_eq!(heads_of(&g, &plan.applied_after), set(&["d1", "d2"]));
    assert_eq!(ids(&plan.insert), ["d2"]);
}

#[test]
fn branched_upgrades() {
    let g = branched();
    assert_eq!(up(&g, &at(&g, &["b"]), "d1"), ["c1", "d1"]);
    let plan = up(&g, &at(&g, &["a"]), "heads");
    assert_eq!(plan, ["b", "c2", "d2", "c1", "d1"]);
    assert_partial_order(&g, &plan, true);
    assert_eq!(up(&g, &at(&g, &["b"]), "c2branch@head-1"), ["c2"]);
    // test_upgrade_other_branch_from_mergepoint / test_upgrade_one_branch_of_heads
    assert_eq!(up(&g, &at(&g, &["c1"]), "c2branch@+1"), ["c2"]);
    assert_eq!(up(&g, &at(&g, &["c1", "c2"]), "c2branch@+1"), ["d2"]);
    let err = g
        .plan_upgrade(&at(&g, &["c1", "c2"]), &t("+1"))
        .unwrap_err();
    assert_eq!(err.kind(), "ambiguous_current");
    assert_eq!(up(&g, &applied(&[]), "base+1"), ["a"]);
    assert_eq!(up(&g, &applied(&[]), "+1"), ["a"]);
}

#[test]
fn branched_downgrades() {
    let g = branched();
    let both = at(&g, &["d1", "d2"]);
    let plan = down(&g, &both, "a");
    assert_eq!(
        set(&plan.iter().map(String::as_str).collect::<Vec<_>>()),
        set(&["b", "c1", "d1", "c2", "d2"])
    );
    assert_partial_order(&g, &plan, false);
    assert_eq!(plan, ["d1", "c1", "d2", "c2", "b"]);

    assert_eq!(down(&g, &both, "base+2"), ["d1", "c1", "d2", "c2"]);
    assert_eq!(down(&g, &both, "c2branch@base+2"), ["d2", "c2"]);
    assert_eq!(down(&g, &both, "c2branch@base+3"), ["d2"]);
    assert_eq!(down(&g, &both, "c2"), ["d2"]);
    assert_eq!(
        heads_of(&g, &after(&both, &down(&g, &both, "c2"), Direction::Down)),
        set(&["d1", "c2"])
    );
    assert_eq!(down(&g, &both, "c1branch@-1"), ["d1"]);
    assert_eq!(down(&g, &at(&g, &["d2", "c1"]), "d2-1"), ["d2"]);
    assert_eq!(down(&g, &at(&g, &["c1", "d2"]), "c1branch@b"), ["c1"]);
    assert_eq!(down(&g, &at(&g, &["c1", "d2"]), "c2branch@b"), ["d2", "c2"]);
    assert_eq!(down(&g, &both, "c2@b"), ["d2", "c2"]);
    assert_eq!(down(&g, &both, "d1@b"), ["d1", "c1"]);
    assert_eq!(down(&g, &both, "c1branch@head-1"), ["d1"]);
    assert_eq!(down(&g, &at(&g, &["a"]), "-1"), ["a"]);
    let err = g.plan_downgrade(&applied(&[]), &t("-1")).unwrap_err();
    assert_eq!(err.kind(), "relative_out_of_range");
    assert!(err.to_string().contains("didn't produce 1 migrations"));
    // test_downgrade_no_effect_branched
    assert!(down(&g, &at(&g, &["d1", "c2"]), "c2").is_empty());
    assert!(down(&g, &at(&g, &["d1", "c2"]), "d1").is_empty());
}

#[test]
fn branched_downgrade_minus_one_from_several_heads_is_refused() {
    // Alembic warns "downgrade -1 from multiple heads is ambiguous" and
    // reverts whichever head its table lists first; we refuse.
    let g = branched();
    for heads in [["d2", "d1"], ["c2", "d1"], ["d1", "d2"], ["c1", "d2"]] {
        let err = g.plan_downgrade(&at(&g, &heads), &t("-1")).unwrap_err();
        assert_eq!(err.kind(), "ambiguous_current");
        let text = err.to_string();
        assert!(text.contains(heads[0]) && text.contains(heads[1]), "{text}");
        assert!(text.contains("label@-1"), "{text}");
    }
}

#[test]
fn branch_from_mergepoint() {
    // a1 -> b1 -> c1; a2 -> b2 -> c2; d1 merges c1, c2; d2 follows c2.
    let g = graph(&[
        r("a1", &[]),
        r("b1", &["a1"]),
        r("c1", &["b1"]),
        r("a2", &[]),
        r("b2", &["a2"]),
        r("c2", &["b2"]),
        r("d1", &["c1", "c2"]),
        r("d2", &["c2"]),
    ]);
    let state = at(&g, &["d2", "b1"]);
    let plan = up(&g, &state, "d1");
    assert_eq!(plan, ["c1", "d1"]);
    assert_eq!(
        heads_of(&g, &after(&state, &plan, Direction::Up)),
        set(&["d2", "d1"])
    );
    let state = at(&g, &["d2", "d1"]);
    let plan = down(&g, &state, "b1");
    assert_eq!(plan, ["d1", "c1"]);
    assert_eq!(
        heads_of(&g, &after(&state, &plan, Direction::Down)),
        set(&["d2", "b1"])
    );
}

#[test]
fn branch_from_three_way_mergepoint() {
    let g = graph(&[
        r("a1", &[]),
        r("b1", &["a1"]),
        r("c1", &["b1"]),
        r("a2", &[]),
        r("b2", &["a2"]),
        r("c2", &["b2"]),
        r("a3", &[]),
        r("b3", &["a3"]),
        r("c3", &["b3"]),
        r("d1", &["c1", "c2", "c3"]),
        r("d2", &["c2"]),
        r("d3", &["c3"]),
    ]);
    let state = at(&g, &["d3", "d2", "b1"]);
    assert_eq!(up(&g, &state, "d1"), ["c1", "d1"]);
    let state = at(&g, &["d3", "d2", "d1"]);
    let plan = down(&g, &state, "b1");
    assert_eq!(plan, ["d1", "c1"]);
    assert_eq!(
        heads_of(&g, &after(&state, &plan, Direction::Down)),
        set(&["d3", "d2", "b1"])
    );

    let state = at(&g, &["d3", "b2", "b1"]);
    let plan = up(&g, &state, "d1");
    assert_eq!(
        set(&plan.iter().map(String::as_str).collect::<Vec<_>>()),
        set(&["c1", "c2", "d1"])
    );
    assert_eq!(plan.last().map(String::as_str), Some("d1"));
    let state = after(&state, &plan, Direction::Up);
    assert_eq!(heads_of(&g, &state), set(&["d3", "d1"]));
    let plan = up(&g, &state, "d2");
    assert_eq!(plan, ["d2"]);
    assert_eq!(
        heads_of(&g, &after(&state, &plan, Direction::Up)),
        set(&["d3", "d2", "d1"])
    );
}

#[test]
fn twin_merge_heads_follow_each_step() {
    // TwinMergeTest (#297): heads after each upgrade step, in Alembic's order.
    let g = graph(&[
        r("a", &[]),
        r("b1", &["a"]),
        r("b2", &["a"]),
        r("b3", &["a"]),
        r("c1", &["b1", "b2", "b3"]),
        r("c2", &["b1", "b2", "b3"]),
        r("d1", &["c1"]),
        r("d2", &["c2"]),
    ]);
    let mut state = applied(&["a"]);
    let steps: [(&str, &[&str]); 7] = [
        ("b3", &["b3"]),
        ("b1", &["b1", "b3"]),
        ("b2", &["b1", "b2", "b3"]),
        ("c2", &["c2"]),
        ("d2", &["d2"]),
        ("c1", &["c1", "d2"]),
        ("d1", &["d1", "d2"]),
    ];
    for (rev, heads) in steps {
        state.insert(rev);
        assert_eq!(heads_of(&g, &state), set(heads), "after {rev}");
    }
    let plan = up(&g, &applied(&["a"]), "heads");
    assert_eq!(plan, ["b3", "b2", "b1", "c2", "d2", "c1", "d1"]);
}

#[test]
fn not_quite_twin_merge() {
    let g = graph(&[
        r("a", &[]),
        r("b1", &["a"]),
        r("b2", &["a"]),
        r("b3", &["a"]),
        r("c1", &["b1", "b2"]),
        r("c2", &["b2", "b3"]),
        r("d1", &["c1"]),
        r("d2", &["c2"]),
    ]);
    let mut state = applied(&["a"]);
    let steps: [(&str, &[&str]); 7] = [
        ("b2", &["b2"]),
        ("b3", &["b2", "b3"]),
        ("c2", &["c2"]),
        ("d2", &["d2"]),
        ("b1", &["b1", "d2"]),
        ("c1", &["c1", "d2"]),
        ("d1", &["d1", "d2"]),
    ];
    for (rev, heads) in steps {
        state.insert(rev);
        assert_eq!(heads_of(&g, &state), set(heads), "after {rev}");
    }
}

fn depends_on_branch_one() -> RevisionGraph {
    graph(&[
        r("a1", &[]).labels(&["lib1"]),
        r("b1", &["a1"]),
        r("c1", &["b1"]),
        r("a2", &[]),
        r("b2", &["a2"]),
        r("c2", &["b2"]).deps(&["c1"]),
        r("d1", &["c1"]),
        r("e1", &["d1"]),
        r("f1", &["e1"]),
    ])
}

#[test]
fn depends_on_branch_one_downgrade_and_stamp() {
    let g = depends_on_branch_one();
    let state = at(&g, &["c2", "d1"]);
    assert_eq!(heads_of(&g, &state), set(&["c2", "d1"]));
    let state = after(&state, &["d1".to_string()], Direction::Down);
    assert_eq!(heads_of(&g, &state), set(&["c2"]));

    let plan = g
        .plan_stamp(&at(&g, &["e1", "c2"]), &t("b1"), false)
        .unwrap();
    assert_eq!(heads_of(&g, &plan.applied_after), set(&["b1"]));
}

#[test]
fn depends_on_branch_two_kaboom() {
    let g = graph(&[
        r("a1", &[]),
        r("a2", &[]),
        r("a3", &[]),
        r("amerge", &["a1", "a2", "a3"]),
        r("b1", &[]),
        r("b2", &[]),
        r("bmerge", &["b1", "b2"]),
        r("c1", &[]),
        r("c2", &[]),
        r("c3", &[]),
        r("cmerge", &["c1", "c2", "c3"]),
        r("d1", &[]).deps(&["a3", "b2", "c1"]),
    ]);
    let state = at(&g, &["amerge", "bmerge", "cmerge", "d1"]);
    let plan = down(&g, &state, "b2");
    assert_eq!(plan, ["bmerge"]);
    assert_eq!(
        heads_of(&g, &after(&state, &plan, Direction::Down)),
        set(&["amerge", "b1", "cmerge", "d1"])
    );

    let state = at(&g, &["amerge", "d1", "b1", "cmerge"]);
    let plan = down(&g, &state, "d1@base");
    assert_eq!(plan, ["d1"]);
    assert_eq!(
        heads_of(&g, &after(&state, &plan, Direction::Down)),
        set(&["amerge", "b1", "b2", "cmerge"])
    );

    let state = at(&g, &["amerge", "b1", "b2", "cmerge"]);
    let plan = down(&g, &state, "base");
    assert_eq!(plan.len(), 10);
    assert_partial_order(&g, &plan, false);
    assert!(after(&state, &plan, Direction::Down).is_empty());
}

#[test]
fn depends_on_branch_three_crisscross() {
    let g = graph(&[
        r("a1", &[]),
        r("a2", &["a1"]),
        r("b1", &[]),
        r("b2", &["b1"]).deps(&["a2"]),
        r("b3", &["b2"]),
        r("a3", &["a2"]).deps(&["b1"]),
    ]);
    let state = at(&g, &["a3", "b2"]);
    let plan = down(&g, &state, "b1");
    assert_eq!(plan, ["b2"]);
    assert_eq!(
        heads_of(&g, &after(&state, &plan, Direction::Down)),
        set(&["a3"])
    );
}

#[test]
fn depends_on_own_down_revision() {
    let g = graph(&[r("a1", &[]), r("a2", &["a1"]).deps(&["a1"])]);
    assert_eq!(up(&g, &applied(&[]), "a2"), ["a1", "a2"]);
    assert_eq!(down(&g, &at(&g, &["a2"]), "a1"), ["a2"]);
}

#[test]
fn depends_on_branch_four_is_normalised() {
    let g = graph(&[
        r("a1", &[]),
        r("a2", &["a1"]),
        r("a3", &["a2"]),
        r("b1", &[]),
        r("b2", &["b1"]).deps(&["a3"]),
        r("b3", &["b2"]),
        r("b4", &["b3"]).deps(&["a3"]),
    ]);
    let state = at(&g, &["b4"]);
    let plan = down(&g, &state, "b3");
    assert_eq!(plan, ["b4"]);
    assert_eq!(
        heads_of(&g, &after(&state, &plan, Direction::Down)),
        set(&["b3"])
    );
}

#[test]
fn depends_on_branch_five_merge_with_dependency() {
    let g = graph(&[
        r("a1", &[]),
        r("b1", &[]).deps(&["a1"]),
        r("bmerge", &["a1", "b1"]),
    ]);
    let s = at(&g, &["a1"]);
    let plan = up(&g, &s, "b1");
    assert_eq!(plan, ["b1"]);
    let s = after(&s, &plan, Direction::Up);
    assert_eq!(heads_of(&g, &s), set(&["b1"]));
    let plan = up(&g, &s, "bmerge");
    assert_eq!(plan, ["bmerge"]);
    let s = after(&s, &plan, Direction::Up);
    assert_eq!(heads_of(&g, &s), set(&["bmerge"]));
    for target in ["a1", "b1"] {
        let plan = down(&g, &s, target);
        assert_eq!(plan, ["bmerge"]);
        assert_eq!(
            heads_of(&g, &after(&s, &plan, Direction::Down)),
            set(&["b1"])
        );
    }
}

#[test]
fn depends_on_branch_label() {
    let g = graph(&[
        r("a1", &[]).labels(&["lib1"]),
        r("b1", &["a1"]),
        r("c1", &["b1"]).labels(&["c1lib"]),
        r("a2", &[]),
        r("b2", &["a2"]),
        r("c2", &["b2"]).deps(&["c1lib"]),
        r("d1", &["c1"]),
        r("e1", &["d1"]),
        r("f1", &["e1"]),
    ]);
    let s = at(&g, &["a2"]);
    let plan = up(&g, &s, "c2");
    assert_eq!(plan, ["a1", "b1", "c1", "b2", "c2"]);
    assert_eq!(heads_of(&g, &after(&s, &plan, Direction::Up)), set(&["c2"]));
}

#[test]
fn forest() {
    let g = graph(&[
        r("a1", &[]),
        r("b1", &["a1"]),
        r("a2", &[]),
        r("b2", &["a2"]),
    ]);
    let plan = up(&g, &applied(&[]), "heads");
    assert_eq!(plan, ["a2", "b2", "a1", "b1"]);
    let stamp = g.plan_stamp(&applied(&[]), &t("heads"), false).unwrap();
    assert_eq!(heads_of(&g, &stamp.applied_after), set(&["b1", "b2"]));
    let stamp = g
        .plan_stamp(&at(&g, &["b1", "b2"]), &t("heads"), false)
        .unwrap();
    assert!(stamp.insert.is_empty() && stamp.delete.is_empty());
    // `head` is refused with Alembic's advice.
    let err = g.plan_upgrade(&applied(&[]), &t("head")).unwrap_err();
    assert_eq!(err.kind(), "multiple_heads");
    let text = err.to_string();
    assert!(
        text.contains("b1") && text.contains("b2") && text.contains("`heads`"),
        "{text}"
    );
}

fn merged() -> RevisionGraph {
    // MergedPathTest: a -> b -> c1 -> d1, b -> c2 (c2branch) -> d2, e merges d1 d2, f.
    graph(&[
        r("a", &[]),
        r("b", &["a"]),
        r("c1", &["b"]),
        r("d1", &["c1"]),
        r("c2", &["b"]).labels(&["c2branch"]),
        r("d2", &["c2"]),
        r("e", &["d1", "d2"]),
        r("f", &["e"]),
    ])
}

#[test]
fn merged_path_stamps() {
    let g = merged();
    let cases: [(&[&str], &str, &[&str]); 6] = [
        (&["e"], "c2", &["c2"]),
        (&["e"], "a", &["a"]),
        (&["c2"], "e", &["e"]),
        (&["d1", "c2"], "c2branch@head", &["f"]),
        (&["d1", "c2"], "e", &["e"]),
        (&["b"], "e", &["e"]),
    ];
    for (heads, target, expected) in cases {
        let plan = g.plan_stamp(&at(&g, heads), &t(target), false).unwrap();
        assert_eq!(
            heads_of(&g, &plan.applied_after),
            set(expected),
            "stamp {target} from {heads:?}"
        );
    }
}

#[test]
fn merged_path_across_merge_point() {
    let g = merged();
    let plan = up(&g, &at(&g, &["b"]), "f");
    assert_eq!(plan, ["c2", "d2", "c1", "d1", "e", "f"]);
    let plan = down(&g, &at(&g, &["f"]), "b");
    assert_eq!(plan, ["f", "e", "d1", "c1", "d2", "c2"]);
    // Downgrading to one parent of the merge removes only the merge onward.
    let s = at(&g, &["f"]);
    let plan = down(&g, &s, "d2");
    assert_eq!(plan, ["f", "e"]);
    assert_eq!(
        heads_of(&g, &after(&s, &plan, Direction::Down)),
        set(&["d1", "d2"])
    );
    // +1 landing on the merge point brings in its other parent.
    assert_eq!(up(&g, &at(&g, &["d1"]), "+1"), ["c2", "d2", "e"]);
}

#[test]
fn branched_path_cross_dependencies() {
    let g = graph(&[
        r("a", &[]),
        r("b", &["a"]),
        r("c1", &["b"]).labels(&["c1branch"]),
        r("d1", &["c1"]),
        r("c2", &["b"]).labels(&["c2branch"]),
        r("d2", &["c2"]).deps(&["c1"]),
    ]);
    let s = at(&g, &["d1", "d2"]);
    let plan = down(&g, &s, "c2branch@b");
    assert_eq!(plan, ["d2", "c2"]);
    assert_eq!(
        heads_of(&g, &after(&s, &plan, Direction::Down)),
        set(&["d1"])
    );
    let plan = down(&g, &s, "c1branch@b");
    assert_eq!(
        set(&plan.iter().map(String::as_str).collect::<Vec<_>>()),
        set(&["c1", "d1", "d2"])
    );
    assert_partial_order(&g, &plan, false);
    assert_eq!(
        heads_of(&g, &after(&s, &plan, Direction::Down)),
        set(&["c2"])
    );
}
