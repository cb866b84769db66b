//! Target forms and plan rules beyond Alembic's own scenarios: the applied
//! set with holes, missing down.sql, stamp --purge, refused targets.

use super::*;

fn branched() -> RevisionGraph {
    graph(&[
        r("a", &[]),
        r("b", &["a"]),
        r("c1", &["b"]).labels(&["left"]),
        r("d1", &["c1"]),
        r("c2", &["b"]).labels(&["right"]),
        r("d2", &["c2"]),
    ])
}

#[test]
fn upgrade_target_forms() {
    let g = branched();
    let fresh = AppliedSet::new();
    assert_eq!(up(&g, &fresh, "left@head"), ["a", "b", "c1", "d1"]);
    assert_eq!(up(&g, &fresh, "right@head"), ["a", "b", "c2", "d2"]);
    assert!(up(&g, &fresh, "left@base").is_empty());
    assert!(up(&g, &fresh, "base").is_empty());
    assert_eq!(up(&g, &fresh, "heads"), ["a", "b", "c2", "d2", "c1", "d1"]);
    assert_eq!(up(&g, &fresh, "c2"), ["a", "b", "c2"]);
    assert_eq!(up(&g, &fresh, "right@c2"), ["a", "b", "c2"]);
    assert_eq!(
        up(&g, &fresh, "000005"),
        ["a", "b", "c2"],
        "a diesel version works too"
    );
    assert_eq!(up(&g, &fresh, "a+1"), ["a", "b"]);
    assert_eq!(up(&g, &fresh, "left@b+1"), ["a", "b", "c1"]);
    assert_eq!(up(&g, &fresh, "left@head-1"), ["a", "b", "c1"]);
    assert_eq!(up(&g, &at(&g, &["b"]), "left@+2"), ["c1", "d1"]);
    let err = g.plan_upgrade(&fresh, &t("head")).unwrap_err();
    assert_eq!(err.kind(), "multiple_heads");
    let err = g.plan_upgrade(&fresh, &t("b+1")).unwrap_err();
    assert_eq!(err.kind(), "ambiguous_walk");
    assert!(err.to_string().contains("label@+N"), "{err}");
    let err = g.plan_upgrade(&fresh, &t("d1+1")).unwrap_err();
    assert_eq!(err.kind(), "relative_out_of_range");
    let err = g.plan_upgrade(&fresh, &t("left@c2")).unwrap_err();
    assert_eq!(err.kind(), "not_on_branch");
    let err = g
        .plan_upgrade(&at(&g, &["d1", "d2"]), &t("+1"))
        .unwrap_err();
    assert_eq!(err.kind(), "ambiguous_current");
}

#[test]
fn upgrade_fills_holes_of_the_applied_set() {
    // diesel runs a migration added below applied ones; so does upgrade.
    let g = graph(&[r("a", &[]), r("b", &["a"]), r("c", &["b"])]);
    assert_eq!(up(&g, &applied(&["a", "c"]), "head"), ["b"]);
}

#[test]
fn downgrade_target_forms() {
    let g = branched();
    let all = at(&g, &["d1", "d2"]);
    assert_eq!(
        down(&g, &all, "left@base"),
        ["d1", "c1", "d2", "c2", "b", "a"]
    );
    assert_eq!(down(&g, &all, "left@b"), ["d1", "c1"]);
    assert_eq!(down(&g, &all, "left@-2"), ["d1", "c1"]);
    // `REV-N` lands on b and, as in Alembic, reverts everything above b:
    // only a `label@` (or `-N`, from a current head) keeps to one branch.
    assert_eq!(down(&g, &all, "d1-2"), ["d1", "c1", "d2", "c2"]);
    assert_eq!(down(&g, &all, "left@d1-2"), ["d1", "c1"]);
    assert_eq!(down(&g, &all, "right@head-1"), ["d2"]);
    let err = g.plan_downgrade(&all, &t("heads")).unwrap_err();
    assert_eq!(err.kind(), "multiple_heads");
    // Alembic reads `label@head` in a downgrade as the graph's one head.
    let err = g.plan_downgrade(&all, &t("right@head")).unwrap_err();
    assert_eq!(err.kind(), "multiple_heads");
    assert!(err.to_string().contains("right@head"), "{err}");
    assert_eq!(down(&g, &at(&g, &["d1"]), "a"), ["d1", "c1", "b"]);
    assert_eq!(down(&g, &at(&g, &["d1", "c2"]), "c1"), ["d1"]);
    let err = g.plan_downgrade(&all, &t("-1")).unwrap_err();
    assert_eq!(err.kind(), "ambiguous_current");
}

#[test]
fn downgrade_to_an_applied_revision_that_is_no_head_is_refused() {
    // c depends on b, so b is applied but no current head; nothing sits on
    // b through down_revision. Alembic: "Destination b is not a valid
    // downgrade target from current head(s)".
    let g = graph(&[r("a", &[]), r("b", &["a"]), r("c", &[]).deps(&["b"])]);
    let err = g.plan_downgrade(&at(&g, &["c"]), &t("b")).unwrap_err();
    assert_eq!(err.kind(), "not_a_downgrade_target");
    assert!(down(&g, &at(&g, &["c"]), "c").is_empty());
}

#[test]
fn rev_minus_n_reaching_base_winds_every_tree_back() {
    let g = graph(&[
        r("a1", &[]),
        r("b1", &["a1"]),
        r("a2", &[]),
        r("b2", &["a2"]),
    ]);
    let both = at(&g, &["b1", "b2"]);
    // As Alembic: the walk lands on base, and base is below every tree.
    assert_eq!(down(&g, &both, "b1-2"), ["b1", "a1", "b2", "a2"]);
    assert_eq!(down(&g, &at(&g, &["b1"]), "-2"), ["b1", "a1"]);
    assert_eq!(down(&g, &both, "base"), ["b1", "a1", "b2", "a2"]);
}

#[test]
fn downgrade_needs_down_sql() {
    let g = graph(&[
        r("a", &[]),
        r("b", &["a"]).without_down_sql(),
        r("c", &["b"]).without_down_sql(),
        r("d", &["c"]),
    ]);
    let all = at(&g, &["d"]);
    assert_eq!(down(&g, &all, "c"), ["d"]);
    let err = g.plan_downgrade(&all, &t("a")).unwrap_err();
    assert_eq!(
        err,
        MigrationError::NoDownSql {
            folders: vec!["000003_c".into(), "000002_b".into()]
        }
    );
    assert!(
        err.to_string()
            .contains("000003_c, 000002_b have no down.sql"),
        "{err}"
    );
    assert!(err.to_string().contains("stamp"));
}

#[test]
fn depends_on_pulls_dependencies_in_and_out() {
    let g = graph(&[
        r("lib1", &[]).labels(&["lib"]),
        r("lib2", &["lib1"]),
        r("app1", &[]),
        r("app2", &["app1"]).deps(&["lib"]),
    ]);
    assert_eq!(up(&g, &AppliedSet::new(), "app2"), ["lib1", "app1", "app2"]);
    let all = at(&g, &["lib2", "app2"]);
    assert_eq!(down(&g, &all, "lib@base"), ["lib2", "app2", "lib1"]);
    assert_eq!(down(&g, &all, "lib1"), ["lib2"]);
}

#[test]
fn stamp_purge_and_refused_forms() {
    let g = branched();
    let state = at(&g, &["d1", "d2"]);
    let plan = g.plan_stamp(&state, &t("c1"), true).unwrap();
    assert_eq!(plan.applied_after, applied(&["a", "b", "c1"]));
    assert_eq!(ids(&plan.delete), ["d2", "c2", "d1"]);
    assert!(plan.insert.is_empty());
    // An unknown applied revision does not stop a purge; the table is
    // emptied by the caller, so only `a` is written and nothing known is
    // listed for deletion.
    let plan = g
        .plan_stamp(
            &applied(&["zzz_unknown_is_ignored_with_purge"]),
            &t("a"),
            true,
        )
        .unwrap();
    assert_eq!(plan.applied_after, applied(&["a"]));
    assert!(plan.delete.is_empty(), "{:?}", ids(&plan.delete));
    assert_eq!(ids(&plan.insert), ["a"]);
    assert_eq!(plan.insert[0].direction, Direction::Up);
    // Without purge, unrelated branches are kept.
    let plan = g
        .plan_stamp(&at(&g, &["d1"]), &t("right@head"), false)
        .unwrap();
    assert_eq!(heads_of(&g, &plan.applied_after), set(&["d1", "d2"]));
    assert_eq!(ids(&plan.insert), ["c2", "d2"]);
    assert_eq!(plan.insert[0].direction, Direction::Up);
    let plan = g.plan_stamp(&state, &t("d1-1"), false).unwrap();
    assert_eq!(heads_of(&g, &plan.applied_after), set(&["c1", "d2"]));
    let err = g.plan_stamp(&state, &t("-1"), false).unwrap_err();
    assert_eq!(err.kind(), "invalid_target");
    let err = g.plan_stamp(&state, &t("head"), false).unwrap_err();
    assert_eq!(err.kind(), "multiple_heads");
}

#[test]
fn malformed_targets() {
    let g = branched();
    for text in [
        "", "@head", "left@", "a@b@c", "a+x", "a+1-1", "+", "a+-1", "a:b", "a b",
    ] {
        let err = text.parse::<Target>().unwrap_err();
        assert_eq!(err.kind(), "invalid_target", "{text:?}: {err}");
    }
    assert_eq!(
        g.plan_upgrade(&AppliedSet::new(), &t("nope"))
            .unwrap_err()
            .kind(),
        "unknown_revision"
    );
    assert_eq!(
        g.plan_upgrade(&AppliedSet::new(), &t("nope@head"))
            .unwrap_err()
            .kind(),
        "unknown_branch"
    );
}

#[test]
fn history_with_current_and_defaults() {
    let g = branched();
    assert_eq!(
        revs(&g.history(None, None).unwrap()),
        ["d1", "c1", "d2", "c2", "b", "a"]
    );
    let state = at(&g, &["c1"]);
    assert_eq!(
        revs(&g.history(Some(&rng("current:")), Some(&state)).unwrap()),
        ["d1", "c1"]
    );
    assert_eq!(
        revs(&g.history(Some(&rng(":current")), Some(&state)).unwrap()),
        ["c1", "b", "a"]
    );
    assert_eq!(
        revs(&g.history(Some(&rng("-1:current")), Some(&state)).unwrap()),
        ["c1", "b"]
    );
    assert_eq!(
        g.history(Some(&rng("b:+1")), None).unwrap_err().kind(),
        "ambiguous_walk"
    );
    assert_eq!(
        revs(&g.history(Some(&rng("c1:+1")), None).unwrap()),
        ["d1", "c1"]
    );
    assert_eq!(
        g.history(Some(&rng("current:")), None).unwrap_err().kind(),
        "invalid_target"
    );
    assert_eq!("abc".parse::<Range>().unwrap_err().kind(), "invalid_target");
    assert_eq!(
        g.history(Some(&rng("-1:+1")), None).unwrap_err().kind(),
        "invalid_target"
    );
}

/// The three families in which the planner used to differ from Alembic
/// 1.20 (found by `tests/alembic_parity.rs`).
#[test]
fn families_that_differed_from_alembic() {
    let g = graph(&[
        r("a", &[]).labels(&["lib"]),
        r("b1", &["a"]),
        r("b2", &["a"]),
        r("m", &["b1", "b2"]),
        r("c", &["m"]),
        r("x", &["a"]),
    ]);
    let all = at(&g, &["c", "x"]);
    // `downgrade REV-N` reverts everything above where the walk lands,
    // on every branch growing from there.
    assert_eq!(down(&g, &all, "c-1"), ["c"]);
    assert_eq!(down(&g, &all, "b1-1"), ["c", "m", "b1", "x", "b2"]);
    let err = g.plan_downgrade(&all, &t("m-1")).unwrap_err();
    assert_eq!(err.kind(), "ambiguous_walk");
    // `upgrade REV-N` down to base: Alembic fails an assertion; refused.
    let err = g.plan_upgrade(&AppliedSet::new(), &t("b1-2")).unwrap_err();
    assert_eq!(err.kind(), "invalid_target");
    assert!(err.to_string().contains("walks down to base"), "{err}");
    assert_eq!(up(&g, &AppliedSet::new(), "b1-1"), ["a"]);
    // `LABEL@head` with several heads on the branch: Alembic's "Multiple
    // head revisions are present for given argument 'lib@head'".
    let err = g
        .plan_upgrade(&AppliedSet::new(), &t("lib@head"))
        .unwrap_err();
    assert_eq!(err.kind(), "multiple_heads");
    let message = err.to_string();
    for expected in ["`lib@head`", "several heads", "c (", "x (", "`heads`"] {
        assert!(message.contains(expected), "{expected} in {message}");
    }
    assert!(!message.contains("label@head"), "{message}");
}
