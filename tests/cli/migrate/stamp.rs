//! `stamp` changes the bookkeeping only: no revision's SQL runs.

use super::{lines, Backend, Ctx};

const R1: &str = "5a1a1a1a1a1a";
const R2: &str = "5b2b2b2b2b2b";
const R3: &str = "5c3c3c3c3c3c";
const V1: &str = "20240501000001";
const V2: &str = "20240501000002";
const V3: &str = "20240501000003";

fn stamp(backend: Backend) {
    let Some(ctx) = Ctx::new(backend, "") else {
        return;
    };
    for (i, (rev, parent)) in [(R1, None), (R2, Some(R1)), (R3, Some(R2))]
        .into_iter()
        .enumerate()
    {
        let down = parent.map_or(String::new(), |p| format!("down_revision = \"{p}\"\n"));
        ctx.revision(
            &format!("2024-05-01-00000{}_s{}", i + 1, i + 1),
            &format!("revision = \"{rev}\"\n{down}"),
            &format!("CREATE TABLE s{} (id INTEGER PRIMARY KEY);\n", i + 1),
            &format!("DROP TABLE s{};\n", i + 1),
        );
    }
    let rows = |versions: &[(&str, &str)]| -> Vec<String> {
        versions
            .iter()
            .map(|(v, r)| format!("{v}|{r}|applied"))
            .collect()
    };

    let out = ctx.run(&["stamp", "head"]);
    out.code(0);
    assert_eq!(
        lines(&out.stderr),
        [
            format!("Stamped {R1} (2024-05-01-000001_s1)"),
            format!("Stamped {R2} (2024-05-01-000002_s2)"),
            format!("Stamped {R3} (2024-05-01-000003_s3)"),
        ]
    );
    assert!(
        ctx.db.user_tables().is_empty(),
        "{:?}",
        ctx.db.user_tables()
    );
    assert_eq!(ctx.db.versions(), [V1, V2, V3]);
    assert_eq!(
        ctx.db.revision_rows(),
        rows(&[(V1, R1), (V2, R2), (V3, R3)])
    );
    assert_eq!(ctx.run(&["current"]).stdout, format!("{R3} (head)\n"));
    ctx.run(&["check", "--no-drift"]).code(0);
    // What the stamped revisions build is not there.
    let out = ctx.run(&["check"]);
    out.code(3);
    assert_eq!(
        lines(&out.stdout),
        (1..=3)
            .map(|i| format!(
                "drift: table s{i}: built by revisions {R1}..{R3}, missing from the database"
            ))
            .collect::<Vec<_>>()
    );

    let out = ctx.run(&["stamp", "base"]);
    out.code(0);
    assert_eq!(
        lines(&out.stderr),
        [
            format!("Forgot {R3} (2024-05-01-000003_s3)"),
            format!("Forgot {R2} (2024-05-01-000002_s2)"),
            format!("Forgot {R1} (2024-05-01-000001_s1)"),
        ]
    );
    assert!(ctx.db.versions().is_empty());
    assert!(ctx.db.revision_rows().is_empty());
    assert_eq!(ctx.run(&["current"]).stdout, "");

    // --purge forgets everything first, a version the folder lacks too.
    ctx.run(&["stamp", R3]).code(0);
    ctx.db
        .exec("INSERT INTO __diesel_schema_migrations (version) VALUES ('20991231000000')");
    ctx.run(&["stamp", R2]).code(2);
    let out = ctx.run(&["stamp", "--purge", &R2[..4]]);
    out.code(0);
    assert!(
        out.stderr
            .contains(&format!("Stamped {R2} (2024-05-01-000002_s2)")),
        "{}",
        out.stderr
    );
    assert_eq!(ctx.db.versions(), [V1, V2]);
    assert_eq!(ctx.db.revision_rows(), rows(&[(V1, R1), (V2, R2)]));
    assert_eq!(ctx.run(&["current"]).stdout, format!("{R2}\n"));
    assert!(
        ctx.db.user_tables().is_empty(),
        "{:?}",
        ctx.db.user_tables()
    );

    // upgrade then runs only what is not stamped.
    let out = ctx.run(&["upgrade"]);
    out.code(0);
    assert_eq!(
        lines(&out.stderr),
        [format!(
            "Running upgrade {R2} -> {R3}, 2024-05-01-000003_s3"
        )]
    );
    assert_eq!(ctx.db.user_tables(), ["s3"]);
}

on_backends!(stamp);
