//! Upgrades and downgrades through the revision graph: every target form,
//! checked against what the database holds afterwards.

use schema_core::migrations::Direction;

use crate::support::{
    diesel_versions, graph_kind, ids, linear, tgt, user_tables, version, Folder, TestConn, TestDb,
    BOOKKEEPING,
};

on_every_backend!(
    linear_chain,
    branches_labels_merge_and_depends_on,
    downgrade_to_base_leaves_only_bookkeeping,
    observer_sees_the_start_and_every_step,
);

fn linear_chain<C: TestConn>(db: &TestDb) {
    let folder = Folder::new();
    let versions = linear(&folder, 4);
    let migrator = folder.migrator();
    let mut conn: C = db.conn();

    // status reads without creating anything
    let status = migrator.status(&mut conn).unwrap();
    assert_eq!(status.pending, versions);
    assert!(status.applied.is_empty() && status.heads.is_empty());
    assert!(
        conn.tables().is_empty(),
        "status created {:?}",
        conn.tables()
    );

    let steps = migrator.upgrade(&mut conn, &tgt("head")).unwrap();
    assert_eq!(ids(&steps), versions);
    assert_eq!(user_tables(&mut conn), ["t1", "t2", "t3", "t4"]);
    assert_eq!(diesel_versions(&mut conn), versions);
    let rows = conn.bookkeeping_rows();
    assert_eq!(rows.len(), 4);
    for (row, m) in rows.iter().zip(migrator.graph().migrations()) {
        assert_eq!(row.version, m.version);
        assert_eq!(row.revision, m.revision);
        assert_eq!(row.checksum, m.checksum.as_str());
        assert_eq!(row.state, "applied");
    }
    assert_eq!(conn.number("SELECT COUNT(*) AS n FROM t3"), 1);

    assert!(migrator
        .upgrade(&mut conn, &tgt("head"))
        .unwrap()
        .is_empty());
    assert_eq!(conn.bookkeeping_rows(), rows);
    assert_eq!(conn.number("SELECT COUNT(*) AS n FROM t3"), 1, "ran again");

    let status = migrator.status(&mut conn).unwrap();
    assert_eq!(status.heads, [version(4)]);
    assert!(status.pending.is_empty());
    assert_eq!(status.applied.len(), 4);
    assert!(status.edited.is_empty() && status.unknown.is_empty() && status.failed.is_empty());

    // relative and absolute targets along the chain
    assert_eq!(
        ids(&migrator.downgrade(&mut conn, &tgt("-1")).unwrap()),
        [version(4)]
    );
    assert_eq!(user_tables(&mut conn), ["t1", "t2", "t3"]);
    assert_eq!(conn.bookkeeping_rows().len(), 3);
    assert_eq!(
        ids(&migrator.upgrade(&mut conn, &tgt("+1")).unwrap()),
        [version(4)]
    );
    let steps = migrator.downgrade(&mut conn, &tgt(&version(2))).unwrap();
    assert_eq!(ids(&steps), [version(4), version(3)]);
    assert_eq!(user_tables(&mut conn), ["t1", "t2"]);
    assert_eq!(diesel_versions(&mut conn), &versions[..2]);
    let status = migrator.status(&mut conn).unwrap();
    assert_eq!(status.heads, [version(2)]);
    assert_eq!(status.pending, &versions[2..]);
    assert_eq!(
        ids(&migrator.upgrade(&mut conn, &tgt(&version(3))).unwrap()),
        [version(3)]
    );
    assert_eq!(
        ids(&migrator.upgrade(&mut conn, &tgt("head")).unwrap()),
        [version(4)]
    );
    assert_eq!(diesel_versions(&mut conn), versions);
}

/// ```text
/// a1a1a1 ─┬─ b1b1b1 (feat) ── b2b2b2 ─┬─ d1d1d1 (merge)
///         └─ c1c1c1 (other) ──────────┘
/// e1e1e1 (side, a second base) depends_on b1b1b1
/// ```
fn branch_folder() -> Folder {
    let folder = Folder::new();
    let revisions = [
        ("1001_a", "revision = \"a1a1a1\""),
        (
            "1002_feat1",
            "revision = \"b1b1b1\"\ndown_revision = \"a1a1a1\"\nbranch_labels = [\"feat\"]",
        ),
        (
            "1003_feat2",
            "revision = \"b2b2b2\"\ndown_revision = \"b1b1b1\"",
        ),
        (
            "1004_other1",
            "revision = \"c1c1c1\"\ndown_revision = \"a1a1a1\"\nbranch_labels = [\"other\"]",
        ),
        (
            "1005_merge",
            "revision = \"d1d1d1\"\ndown_revision = [\"b2b2b2\", \"c1c1c1\"]\nmessage = \"merge\"",
        ),
        (
            "1006_side",
            "revision = \"e1e1e1\"\nbranch_labels = [\"side\"]\ndepends_on = [\"b1b1b1\"]",
        ),
    ];
    for (name, metadata) in revisions {
        let rev = &metadata[12..18];
        folder.add_with_metadata(
            name,
            &format!("CREATE TABLE t_{rev} (id INTEGER PRIMARY KEY);\n"),
            &format!("DROP TABLE t_{rev};\n"),
            metadata,
        );
    }
    folder
}

fn tables_of(revisions: &[&str]) -> Vec<String> {
    let mut tables: Vec<String> = revisions.iter().map(|r| format!("t_{r}")).collect();
    tables.sort();
    tables
}

fn branches_labels_merge_and_depends_on<C: TestConn>(db: &TestDb) {
    let migrator = branch_folder().migrator();
    let mut conn: C = db.conn();

    let error = migrator.upgrade(&mut conn, &tgt("head")).unwrap_err();
    assert_eq!(graph_kind(&error), "multiple_heads");
    assert!(error.to_string().contains("d1d1d1"), "{error}");
    assert!(diesel_versions(&mut conn).is_empty());

    // partial id
    assert_eq!(
        ids(&migrator.upgrade(&mut conn, &tgt("a1a1")).unwrap()),
        ["a1a1a1"]
    );
    // a walk up from a branch point needs a label
    let error = migrator.upgrade(&mut conn, &tgt("+1")).unwrap_err();
    assert_eq!(graph_kind(&error), "ambiguous_walk");
    assert_eq!(
        ids(&migrator.upgrade(&mut conn, &tgt("feat@+1")).unwrap()),
        ["b1b1b1"]
    );
    assert_eq!(
        ids(&migrator.upgrade(&mut conn, &tgt("+1")).unwrap()),
        ["b2b2b2"]
    );
    // REV+1 lands on the merge point, which brings in its other parent
    let steps = migrator.upgrade(&mut conn, &tgt("c1c1c1+1")).unwrap();
    assert_eq!(ids(&steps), ["c1c1c1", "d1d1d1"]);
    assert_eq!(
        user_tables(&mut conn),
        tables_of(&["a1a1a1", "b1b1b1", "b2b2b2", "c1c1c1", "d1d1d1"])
    );
    assert_eq!(
        ids(&migrator.upgrade(&mut conn, &tgt("heads")).unwrap()),
        ["e1e1e1"]
    );
    assert!(migrator
        .upgrade(&mut conn, &tgt("heads"))
        .unwrap()
        .is_empty());
    let status = migrator.status(&mut conn).unwrap();
    assert_eq!(status.heads, ["d1d1d1", "e1e1e1"]);
    assert!(status.pending.is_empty());

    // to one parent of the merge: only the merge goes
    assert_eq!(
        ids(&migrator.downgrade(&mut conn, &tgt("b2b2b2")).unwrap()),
        ["d1d1d1"]
    );
    assert_eq!(
        user_tables(&mut conn),
        tables_of(&["a1a1a1", "b1b1b1", "b2b2b2", "c1c1c1", "e1e1e1"])
    );
    // several current heads: a bare -1 is refused, a label picks the branch
    let error = migrator.downgrade(&mut conn, &tgt("-1")).unwrap_err();
    assert_eq!(graph_kind(&error), "ambiguous_current");
    assert_eq!(
        ids(&migrator.downgrade(&mut conn, &tgt("other@-1")).unwrap()),
        ["c1c1c1"]
    );
    let status = migrator.status(&mut conn).unwrap();
    assert_eq!(status.heads, ["b2b2b2", "e1e1e1"]);
    assert_eq!(status.pending, ["c1c1c1", "d1d1d1"]);

    // children first, in Alembic's order: from the first current head down
    // its line until a revision the other head needs
    let steps = migrator.downgrade(&mut conn, &tgt("base")).unwrap();
    assert_eq!(ids(&steps), ["b2b2b2", "e1e1e1", "b1b1b1", "a1a1a1"]);
    assert!(user_tables(&mut conn).is_empty());
    assert!(diesel_versions(&mut conn).is_empty());
    assert!(conn.bookkeeping_rows().is_empty());

    // label@head through depends_on: side needs b1b1b1 and its parent
    let steps = migrator.upgrade(&mut conn, &tgt("side@head")).unwrap();
    assert_eq!(ids(&steps), ["a1a1a1", "b1b1b1", "e1e1e1"]);
    let steps = migrator.upgrade(&mut conn, &tgt("heads")).unwrap();
    assert_eq!(ids(&steps), ["c1c1c1", "b2b2b2", "d1d1d1"]);
    assert_eq!(
        ids(&migrator.downgrade(&mut conn, &tgt("side@-1")).unwrap()),
        ["e1e1e1"]
    );
    // one current head left, a merge point: -1 cannot choose a parent
    let error = migrator.downgrade(&mut conn, &tgt("-1")).unwrap_err();
    assert_eq!(graph_kind(&error), "ambiguous_walk");
    assert_eq!(
        diesel_versions(&mut conn),
        ["1001", "1002", "1003", "1004", "1005"]
    );
}

fn downgrade_to_base_leaves_only_bookkeeping<C: TestConn>(db: &TestDb) {
    let folder = Folder::new();
    linear(&folder, 3);
    folder.add(
        "2024-01-02-000000_index",
        "CREATE TABLE extra (id INTEGER PRIMARY KEY, t1_id INTEGER);\n\
         CREATE INDEX extra_t1 ON extra (t1_id);\n\
         INSERT INTO extra (id, t1_id) VALUES (1, 1);\n",
        "DROP TABLE extra;\n",
    );
    let migrator = folder.migrator();
    let mut conn: C = db.conn();
    assert_eq!(migrator.upgrade(&mut conn, &tgt("head")).unwrap().len(), 4);
    assert_eq!(user_tables(&mut conn), ["extra", "t1", "t2", "t3"]);
    let steps = migrator.downgrade(&mut conn, &tgt("base")).unwrap();
    assert_eq!(
        ids(&steps),
        ["20240102000000", &version(3), &version(2), &version(1)]
    );
    assert_eq!(conn.tables(), BOOKKEEPING);
    assert!(diesel_versions(&mut conn).is_empty());
    assert!(conn.bookkeeping_rows().is_empty());
    assert!(migrator
        .downgrade(&mut conn, &tgt("base"))
        .unwrap()
        .is_empty());
}

/// An observer that writes down every hook, in order.
#[derive(Default)]
struct Recorder(Vec<String>);

impl schema_runtime::Observer for Recorder {
    fn starting(&mut self, applied: &schema_core::migrations::AppliedSet) {
        self.0.push(format!(
            "starting {}",
            applied.iter().collect::<Vec<_>>().join(",")
        ));
    }
    fn planned(&mut self, steps: &[schema_core::migrations::Step]) {
        self.0.push(format!("planned {}", ids(steps).join(",")));
    }
    fn started(&mut self, step: &schema_core::migrations::Step) {
        self.0.push(format!("started {}", step.revision));
    }
    fn finished(&mut self, step: &schema_core::migrations::Step) {
        self.0.push(format!("finished {}", step.revision));
    }
}

/// The hooks a printer wraps the runner with: where the run starts from,
/// the plan, then each step; the same on every backend (MySQL runs without
/// a run-wide transaction, the others with one).
fn observer_sees_the_start_and_every_step<C: TestConn>(db: &TestDb) {
    let folder = Folder::new();
    let v = linear(&folder, 3);
    let migrator = folder.migrator();
    let mut conn: C = db.conn();
    migrator.upgrade(&mut conn, &tgt(&v[0])).unwrap();

    let mut seen = Recorder::default();
    let steps = migrator
        .run(&mut conn, Direction::Up, &tgt("head"), &mut seen)
        .unwrap();
    assert_eq!(ids(&steps), &v[1..]);
    assert_eq!(
        seen.0,
        [
            format!("starting {}", v[0]),
            format!("planned {},{}", v[1], v[2]),
            format!("started {}", v[1]),
            format!("finished {}", v[1]),
            format!("started {}", v[2]),
            format!("finished {}", v[2]),
        ]
    );

    let mut seen = Recorder::default();
    assert!(migrator
        .run(&mut conn, Direction::Down, &tgt(&v[2]), &mut seen)
        .unwrap()
        .is_empty());
    assert_eq!(
        seen.0,
        [format!("starting {}", v.join(",")), "planned ".to_owned()]
    );
}
