//! Graph validation and queries.

use super::*;

fn kinds(errors: &[MigrationError]) -> Vec<&'static str> {
    errors.iter().map(MigrationError::kind).collect()
}

#[test]
fn unknown_down_revision_and_depends_on_name_the_folder() {
    let errors = graph_errors(&[
        r("a", &[]),
        r("b", &["zzz"]),
        r("c", &["a"]).deps(&["nolabel"]),
    ]);
    assert_eq!(
        kinds(&errors),
        vec!["unknown_down_revision", "unknown_depends_on"]
    );
    assert!(errors[0].to_string().contains("000002_b"), "{}", errors[0]);
    assert!(errors[0].to_string().contains("`zzz`"));
    assert!(errors[1].to_string().contains("000003_c"));
    assert!(errors[1].to_string().contains("`nolabel`"));
}

#[test]
fn duplicates_and_label_collisions() {
    let errors = graph_errors(&[
        r("a", &[]).labels(&["lib"]),
        r("b", &["a"]).labels(&["lib", "c"]),
        r("c", &["b"]),
        r("c", &["b"]),
    ]);
    let mut k = kinds(&errors);
    k.sort_unstable();
    assert_eq!(
        k,
        vec![
            "duplicate_branch_label",
            "duplicate_revision",
            "label_collides_with_revision"
        ]
    );
    let all: String = errors.iter().map(|e| e.to_string() + "\n").collect();
    assert!(all.contains("000003_c, 000004_c"), "{all}");
    assert!(all.contains("000001_a, 000002_b"), "{all}");
    assert!(
        all.contains("branch label `c` of migration 000002_b"),
        "{all}"
    );
}

#[test]
fn cycles_are_reported_with_their_folders_only() {
    // Alembic's GraphWithCycleTest.test_revision_map_extra_simple_cycle.
    let errors = graph_errors(&[
        r("a", &["c"]),
        r("b", &["a"]),
        r("c", &["b"]),
        r("d", &[]),
        r("e", &["d"]),
        r("f", &["c"]),
    ]);
    assert_eq!(
        errors,
        vec![MigrationError::Cycle {
            folders: vec!["000001_a".into(), "000002_b".into(), "000003_c".into()],
            via_depends_on: false,
        }]
    );
    assert_eq!(errors[0].kind(), "cycle");
}

#[test]
fn self_loops_and_dependency_cycles() {
    for revs in [vec![r("a", &["a"])], vec![r("a", &[]), r("b", &["a", "b"])]] {
        let errors = graph_errors(&revs);
        assert_eq!(kinds(&errors), vec!["cycle"]);
    }
    // test_revision_map_upper_simple_dep_cycle
    let errors = graph_errors(&[
        r("a", &[]),
        r("b", &["a"]),
        r("c", &["b"]).deps(&["e"]),
        r("d", &["c"]),
        r("e", &["d"]),
    ]);
    assert!(
        matches!(&errors[..], [MigrationError::Cycle { via_depends_on: true, folders }] if folders.len() == 3)
    );
    assert!(errors[0].to_string().contains("depends_on"));
    // A dependency self-loop.
    let errors = graph_errors(&[r("a", &[]).deps(&["a"])]);
    assert_eq!(kinds(&errors), vec!["cycle"]);
}

#[test]
fn invalid_identifiers_are_refused() {
    let errors = graph_errors(&[r("a-1", &[]), r("head", &[]), r("b", &[]).labels(&["x@y"])]);
    assert_eq!(
        kinds(&errors),
        vec![
            "invalid_identifier",
            "invalid_identifier",
            "invalid_identifier"
        ]
    );
    assert!(errors[2].to_string().contains("branch label `x@y`"));
}

#[test]
fn heads_bases_branch_and_merge_points() {
    let g = graph(&[
        r("a", &[]),
        r("b1", &["a"]),
        r("b2", &["a"]),
        r("c", &["b1", "b2"]),
        r("x", &[]),
        r("y", &[]).deps(&["x"]),
    ]);
    assert_eq!(revs(&g.heads()), vec!["c", "x", "y"]);
    assert_eq!(revs(&g.bases()), vec!["a", "x", "y"]);
    assert_eq!(revs(&g.branch_points()), vec!["a"]);
    assert_eq!(revs(&g.merge_points()), vec!["c"]);
    assert_eq!(revs(&g.ancestors("c").unwrap()), vec!["a", "b1", "b2"]);
    assert_eq!(revs(&g.descendants("x").unwrap()), vec!["y"]);
    assert_eq!(revs(&g.ancestors("y").unwrap()), vec!["x"]);
}

#[test]
fn lookups_by_id_prefix_label_and_version() {
    let g = graph(&[
        r("ae1027a6acf1", &[]),
        r("ae10ffff0000", &["ae1027a6acf1"]).labels(&["lib"]),
        r("1975ea83b712", &["ae10ffff0000"]),
    ]);
    assert_eq!(
        g.resolve_revision("ae1027").unwrap().revision,
        "ae1027a6acf1"
    );
    assert_eq!(g.resolve_revision("19").unwrap().revision, "1975ea83b712");
    assert_eq!(g.resolve_revision("lib").unwrap().revision, "ae10ffff0000");
    assert_eq!(
        g.resolve_revision("000003").unwrap().revision,
        "1975ea83b712"
    );
    let err = g.resolve_revision("ae10").unwrap_err();
    assert_eq!(err.kind(), "ambiguous_revision");
    let text = err.to_string();
    assert!(
        text.contains("ae1027a6acf1 (000001_ae1027a6acf1)") && text.contains("ae10ffff0000"),
        "{text}"
    );
    assert_eq!(
        g.resolve_revision("ffff").unwrap_err().kind(),
        "unknown_revision"
    );
    assert_eq!(g.by_label("lib").unwrap().revision, "ae10ffff0000");
    assert_eq!(g.labels().len(), 1);
}

#[test]
fn applied_versions_map_to_revisions() {
    let g = graph(&[r("aaaa", &[]), r("bbbb", &["aaaa"])]);
    let state = g.applied_from_versions(["000001", "000002"]).unwrap();
    assert_eq!(state, applied(&["aaaa", "bbbb"]));
    let err = g.applied_from_versions(["000009"]).unwrap_err();
    assert_eq!(err.kind(), "unknown_applied");
    assert!(err.to_string().contains("000009"));
    let err = g
        .plan_upgrade(&applied(&["gone"]), &t("heads"))
        .unwrap_err();
    assert_eq!(err.kind(), "unknown_applied");
}

/// 100 000 revisions: a long trunk with a side branch every 100 revisions,
/// each merged back 10 revisions later. Everything the plans and lookups do
/// must stay linear-ish for this to run in a test.
#[test]
fn scales_to_a_hundred_thousand_revisions() {
    const N: usize = 100_000;
    let id = |i: usize| {
        format!(
            "{:012x}",
            (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 16
        )
    };
    let mut files = Vec::with_capacity(N);
    let mut trunk_prev: Option<String> = None;
    let mut side: Option<(String, usize)> = None;
    for i in 0..N {
        let rev = id(i);
        let mut down: Vec<String> = Vec::new();
        let is_side = i % 100 == 50;
        if is_side {
            // Branch off the trunk.
            down.extend(trunk_prev.clone());
            side = Some((rev.clone(), i));
        } else {
            down.extend(trunk_prev.clone());
            if let Some((s, at)) = &side {
                if i == at + 10 {
                    down.push(s.clone());
                    side = None;
                }
            }
        }
        let meta = format!(
            "revision = \"{rev}\"\ndown_revision = [{}]\n",
            down.iter()
                .map(|d| format!("\"{d}\""))
                .collect::<Vec<_>>()
                .join(", ")
        );
        files.push(MigrationFiles {
            folder_name: format!("{:08}_r", i + 1),
            up_sql: String::new(),
            down_sql: Some(String::new()),
            metadata_toml: Some(meta),
            dir: None,
        });
        if !is_side {
            trunk_prev = Some(rev);
        }
    }
    let g = RevisionGraph::from_files(files).unwrap();
    assert_eq!(g.len(), N);
    let head = g.resolve(&t("head")).unwrap();
    assert_eq!(head.len(), 1);
    assert_eq!(head[0].revision, id(N - 1));
    let target = id(77_777);
    assert_eq!(g.resolve_revision(&target[..9]).unwrap().revision, target);
    let plan = g.plan_upgrade(&AppliedSet::new(), &t("heads")).unwrap();
    assert_eq!(plan.len(), N);
    assert_eq!(plan[0].revision, id(0));
    let history = g.history(None, None).unwrap();
    assert_eq!(history.len(), N);
    assert_eq!(history[0].revision, id(N - 1));
}
