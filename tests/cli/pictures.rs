//! Pictures (DESIGN.md §11). `history --graph` and `history --format
//! dot|mermaid`: the drawing of linear, branchy, merged and `depends_on`
//! graphs and of a real public Alembic graph (open-event-server: 588
//! revisions, 53 merges), snapshotted; the lanes never outnumber the edges
//! that cross a row. `inspect --format mermaid|dot`: the entity-relationship
//! diagram of a live database on each backend, with `[print_schema]`'s
//! filter. Every dot and Mermaid output is accepted by Graphviz's `dot` and
//! by the `mermaid` package's own parser.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::migrate::{Backend, Ctx};
use crate::support::{Outcome, Project};

const INI: &str =
    "[schema]\nscript_location = %(here)s/migrations\ndiesel.url = sqlite://%(here)s/app.db\n";

/// A project whose folders hold `graph`: `(id, parents, extra metadata)`,
/// in folder order.
fn project(graph: &[(&str, &[&str], &str)]) -> Project {
    let p = Project::with_ini(INI);
    for (i, (id, parents, extra)) in graph.iter().enumerate() {
        let down = match parents {
            [] => String::new(),
            [one] => format!("down_revision = \"{one}\"\n"),
            many => format!(
                "down_revision = [{}]\n",
                many.iter()
                    .map(|p| format!("\"{p}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let folder = format!("migrations/2024-01-01-{i:06}_{id}");
        p.file(
            &format!("{folder}/metadata.toml"),
            format!("revision = \"{id}\"\n{down}message = \"{id} work\"\n{extra}"),
        );
        p.file(&format!("{folder}/up.sql"), "SELECT 1;\n");
        p.file(&format!("{folder}/down.sql"), "SELECT 1;\n");
    }
    p
}

fn history(p: &Project, extra: &[&str]) -> Outcome {
    let mut args = vec!["-c", "schema.ini", "history"];
    args.extend_from_slice(extra);
    let out = p.cmd(args).run();
    out.code(0);
    out
}

const BRANCHY: &[(&str, &[&str], &str)] = &[
    ("a1", &[], ""),
    ("b2", &["a1"], ""),
    ("c3", &["a1"], "branch_labels = [\"billing\"]\n"),
    ("d4", &["c3"], "depends_on = [\"b2\"]\n"),
    ("e5", &["b2", "d4"], ""),
    ("f6", &["e5"], ""),
    ("g7", &["c3"], ""),
];

#[test]
fn linear() {
    let p = project(&[("a1", &[], ""), ("b2", &["a1"], ""), ("c3", &["b2"], "")]);
    insta::assert_snapshot!("linear", history(&p, &["--graph"]).stdout);
}

#[test]
fn branches_merges_labels_and_depends_on() {
    let p = project(BRANCHY);
    insta::assert_snapshot!("branchy", history(&p, &["--graph"]).stdout);
    insta::assert_snapshot!("branchy_ascii", history(&p, &["--graph", "--ascii"]).stdout);
    insta::assert_snapshot!("branchy_dot", history(&p, &["--format", "dot"]).stdout);
    insta::assert_snapshot!(
        "branchy_mermaid",
        history(&p, &["--format", "mermaid"]).stdout
    );
}

#[test]
fn current_revisions_are_marked_and_colour_follows_the_switches() {
    let p = project(BRANCHY);
    p.cmd(["-c", "schema.ini", "upgrade", "f6"]).run().code(0);
    let marked = history(&p, &["--graph", "-i"]).stdout;
    insta::assert_snapshot!("branchy_current", marked);
    // Piped, and with --color never or NO_COLOR: no escape codes.
    assert!(!marked.contains('\u{1b}'));
    let never = history(&p, &["--graph", "-i", "--color", "always"]);
    assert!(
        never.stdout.contains("\u{1b}[") && never.stdout.contains("(head)"),
        "{}",
        never.stdout
    );
    let no_color = p
        .cmd([
            "-c",
            "schema.ini",
            "history",
            "--graph",
            "-i",
            "--color",
            "auto",
        ])
        .env("NO_COLOR", "1")
        .run();
    no_color.code(0);
    assert_eq!(no_color.stdout, marked);
}

#[test]
fn graph_is_text_only_and_ascii_needs_graph() {
    let p = project(BRANCHY);
    let json = p
        .cmd(["-c", "schema.ini", "history", "--graph", "--format", "json"])
        .run();
    json.code(2);
    assert!(json.stderr.contains("--format dot"), "{}", json.stderr);
    p.cmd(["-c", "schema.ini", "history", "--ascii"])
        .run()
        .code(2);
}

#[test]
fn names_cannot_break_the_pictures() {
    let p = project(&[("a1", &[], ""), ("b2", &["a1"], "")]);
    p.file(
        "migrations/2024-01-01-000001_b2/metadata.toml",
        "revision = \"b2\"\ndown_revision = \"a1\"\nmessage = 'say \"hi\"]; click r0 <b>x</b> \\ #1'\n",
    );
    let dot = history(&p, &["--format", "dot"]).stdout;
    assert!(
        dot.contains(r#"say \"hi\"]; click r0 <b>x</b> \\ #1"#),
        "{dot}"
    );
    let mermaid = history(&p, &["--format", "mermaid"]).stdout;
    assert!(
        mermaid.contains("say #quot;hi#quot;]; click r0 #lt;b#gt;x#lt;/b#gt; \\ #35;1"),
        "{mermaid}"
    );
    render_dot(&dot);
    parse_mermaid(&mermaid);
}

/// open-event-server's graph, as a project of empty revisions.
fn open_event_server() -> (Project, Vec<(String, Vec<String>)>) {
    let text = include_str!("fixtures/open_event_server_graph.txt");
    let graph: Vec<(String, Vec<String>)> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let mut ids = l.split_whitespace().map(str::to_owned);
            let id = ids.next().expect("an id");
            (id, ids.collect())
        })
        .collect();
    let borrowed: Vec<Vec<&str>> = graph
        .iter()
        .map(|(_, ps)| ps.iter().map(String::as_str).collect())
        .collect();
    let rows: Vec<(&str, &[&str], &str)> = graph
        .iter()
        .zip(&borrowed)
        .map(|((id, _), ps)| (id.as_str(), ps.as_slice(), ""))
        .collect();
    (project(&rows), graph)
}

#[test]
fn a_real_alembic_graph_stays_readable() {
    let (p, graph) = open_event_server();
    assert_eq!(graph.len(), 588);
    let drawn = history(&p, &["--graph"]).stdout;
    let rows: Vec<&str> = drawn.lines().collect();
    // Every revision on a row of its own, in history's order.
    let listed = history(&p, &[]).stdout;
    let order: Vec<&str> = listed
        .lines()
        .map(|l| {
            l.split(" -> ")
                .nth(1)
                .and_then(|rest| rest.split([' ', ',']).next())
                .expect("a history line")
        })
        .collect();
    let node_rows: Vec<(usize, &str)> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, row)| {
            let glyphs = row.find(|c: char| c.is_ascii_alphanumeric())?;
            let id = row[glyphs..].split([' ', ',']).next()?;
            row.contains(['●', '◉']).then_some((i, id))
        })
        .collect();
    assert_eq!(
        node_rows.iter().map(|(_, id)| *id).collect::<Vec<_>>(),
        order
    );
    // No row has more lanes than edges cross it: the edges from revisions
    // drawn above to parents drawn below (or on) it.
    let parents: HashMap<&str, &[String]> = graph
        .iter()
        .map(|(id, ps)| (id.as_str(), ps.as_slice()))
        .collect();
    let position: HashMap<&str, usize> = order.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut max_lanes = 0;
    let mut drawn_above = HashSet::new();
    for (row_index, row) in rows.iter().enumerate() {
        // Lanes in use: a glyph other than a blank or a horizontal link in
        // a lane's column (every other column).
        let lanes = row
            .split(|c: char| c.is_ascii_alphanumeric())
            .next()
            .unwrap_or("")
            .chars()
            .step_by(2)
            .filter(|c| !matches!(c, ' ' | '─'))
            .count();
        let node = node_rows
            .iter()
            .find(|(i, _)| *i == row_index)
            .map(|(_, id)| *id);
        let here = node.map(|id| position[id]).unwrap_or(drawn_above.len());
        let crossing = order[..here]
            .iter()
            .flat_map(|id| parents[id].iter())
            .filter(|p| position[p.as_str()] >= here)
            .count()
            .max(1);
        assert!(
            lanes <= crossing,
            "row {row_index} has {lanes} lanes where {crossing} edges cross:\n{row}"
        );
        max_lanes = max_lanes.max(lanes);
        if let Some(id) = node {
            drawn_above.insert(id);
        }
    }
    eprintln!("open-event-server: {max_lanes} lanes at most");
    insta::assert_snapshot!("open_event_server", drawn);
    render_dot(&history(&p, &["--format", "dot"]).stdout);
    parse_mermaid(&history(&p, &["--format", "mermaid"]).stdout);
}

/// Graphviz's `dot` renders the graph without a word on stderr.
fn render_dot(dot: &str) {
    let Ok(mut child) = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    else {
        schema_test_support::unavailable::<()>(
            "Graphviz's dot is not installed (apt-get install graphviz)",
        );
        return;
    };
    child
        .stdin
        .take()
        .expect("dot's stdin")
        .write_all(dot.as_bytes())
        .expect("write to dot");
    let out = child.wait_with_output().expect("run dot");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.is_empty(),
        "dot: {stderr}\n{dot}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("<svg"));
}

/// The `mermaid` package's parser accepts the diagram. Its folder (with
/// `mermaid@11` and `jsdom` installed) comes from SCHEMA_TEST_MERMAID_DIR.
fn parse_mermaid(diagram: &str) {
    let Some(dir) = std::env::var_os("SCHEMA_TEST_MERMAID_DIR").map(PathBuf::from) else {
        schema_test_support::unavailable::<()>(
            "SCHEMA_TEST_MERMAID_DIR is not set (a folder with `npm install mermaid@11 jsdom`)",
        );
        return;
    };
    let script = dir.join("mermaid-parse.mjs");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/tools/mermaid-parse.mjs"
        ),
        &script,
    )
    .expect("copy the parse script beside node_modules");
    let mut child = Command::new("node")
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run node");
    child
        .stdin
        .take()
        .expect("node's stdin")
        .write_all(diagram.as_bytes())
        .expect("write to node");
    let out = child.wait_with_output().expect("wait for node");
    assert!(
        out.status.success(),
        "mermaid refused it: {}\n{diagram}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Three tables whose keys give each cardinality (many-to-one required,
/// many-to-one optional and self-referencing, one-to-one through a primary
/// key that is also a foreign key), and one that `[print_schema]` leaves
/// out.
fn er_diagram(backend: Backend) {
    let Some(ctx) = Ctx::new(
        backend,
        "\n[print_schema]\nfilter.except_tables =\n    ^secret_\n",
    ) else {
        return;
    };
    for ddl in [
        "CREATE TABLE orgs (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL)",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, org_id INTEGER NOT NULL, \
         manager_id INTEGER, FOREIGN KEY (org_id) REFERENCES orgs (id), \
         FOREIGN KEY (manager_id) REFERENCES users (id))",
        "CREATE TABLE profiles (user_id INTEGER PRIMARY KEY, bio TEXT, \
         FOREIGN KEY (user_id) REFERENCES users (id))",
        "CREATE TABLE secret_keys (id INTEGER PRIMARY KEY)",
    ] {
        ctx.db.exec(ddl);
    }
    let mermaid = ctx.run(&["inspect", "--format", "mermaid"]);
    mermaid.code(0);
    let text = &mermaid.stdout;
    let id = |name: &str| {
        let at = text
            .lines()
            .find(|l| l.contains(&format!("[\"{name}\"]")))
            .unwrap_or_else(|| panic!("no box for {name}:\n{text}"));
        at.trim()
            .split('[')
            .next()
            .expect("an entity id")
            .to_owned()
    };
    let (orgs, users, profiles) = (id("orgs"), id("users"), id("profiles"));
    for edge in [
        format!("{users} }}o--|| {orgs} : \"org_id\""),
        format!("{users} }}o--o| {users} : \"manager_id\""),
        format!("{profiles} |o--|| {users} : \"user_id\""),
    ] {
        assert!(text.contains(&edge), "missing `{edge}`:\n{text}");
    }
    assert!(!text.contains("secret_keys"), "{text}");
    assert!(text.contains("id PK"), "{text}");
    parse_mermaid(text);

    let dot = ctx.run(&["inspect", "--format", "dot"]);
    dot.code(0);
    assert!(!dot.stdout.contains("secret_keys"), "{}", dot.stdout);
    assert_eq!(dot.stdout.matches(" -> ").count(), 3, "{}", dot.stdout);
    assert!(
        dot.stdout.contains("org_id INTEGER NOT NULL [FK]")
            || dot.stdout.contains("org_id int(11) NOT NULL [FK]")
            || dot.stdout.contains("org_id integer NOT NULL [FK]"),
        "{}",
        dot.stdout
    );
    render_dot(&dot.stdout);
}

mod er_diagram {
    use super::{er_diagram, Backend};

    #[test]
    fn sqlite() {
        er_diagram(Backend::Sqlite);
    }

    #[test]
    fn postgres() {
        er_diagram(Backend::Postgres);
    }

    #[test]
    fn mysql() {
        er_diagram(Backend::Mysql);
    }
}

/// A fleet (Alembic's multidb layout) on one folder: `history --graph -i`
/// counts the databases at each revision, `-v` names them, and the dot
/// output carries the same marks; a database with a folder of its own is
/// refused with advice.
#[test]
fn a_fleet_is_counted_on_the_graph() {
    let p = project(BRANCHY);
    p.file(
        "schema.ini",
        "[schema]\nscript_location = %(here)s/migrations\ndatabases = east, west, north\n\n\
         [east]\ndiesel.url = sqlite://%(here)s/east.db\n\n\
         [west]\ndiesel.url = sqlite://%(here)s/west.db\n\n\
         [north]\ndiesel.url = sqlite://%(here)s/north.db\n",
    );
    for (db, target) in [("east", "f6"), ("west", "f6"), ("north", "b2")] {
        p.cmd(["-c", "schema.ini", "--database", db, "upgrade", target])
            .run()
            .code(0);
    }
    let counted = history(&p, &["--graph", "-i"]).stdout;
    assert!(
        counted.contains("f6 (head) (current: 2 databases), f6 work"),
        "{counted}"
    );
    assert!(
        counted.contains("b2 (current: 1 database), b2 work"),
        "{counted}"
    );
    // Each current revision's node is drawn as current, whichever lane
    // Alembic's order puts it in.
    for id in ["f6 (head) (current", "b2 (current"] {
        let row = counted.lines().find(|l| l.contains(id)).unwrap_or_default();
        assert!(row.contains('◉'), "{id} in\n{counted}");
    }
    let named = history(&p, &["-v", "--graph", "-i"]).stdout;
    assert!(named.contains("f6 (head) (current: east, west)"), "{named}");
    assert!(named.contains("b2 (current: north)"), "{named}");
    let one = history(&p, &["--database", "north", "--graph", "-i"]).stdout;
    assert!(
        one.contains("b2 (current: 1 database)") && !one.contains("f6 (head) (current"),
        "{one}"
    );
    let dot = history(&p, &["--format", "dot", "-i"]).stdout;
    assert!(dot.contains("f6 (head) (current: 2 databases)"), "{dot}");
    render_dot(&dot);

    p.file(
        "schema.ini",
        "[schema]\nscript_location = %(here)s/migrations\ndatabases = east, west\n\n\
         [east]\ndiesel.url = sqlite://%(here)s/east.db\n\n\
         [west]\ndiesel.url = sqlite://%(here)s/west.db\nscript_location = %(here)s/other\n",
    );
    let refused = p
        .cmd(["-c", "schema.ini", "history", "--graph", "-i"])
        .run();
    refused.code(2);
    assert!(
        refused
            .stderr
            .contains("database `west` has a migrations folder of its own"),
        "{}",
        refused.stderr
    );
}
