//! Differential test: upgrade and downgrade plans against real Alembic.
//!
//! A generator with a fixed seed makes revision graphs (linear chains,
//! branches, merges of two and three parents, several bases, branch labels
//! on roots and mid-branch, `depends_on` across branches, up to 40
//! revisions). Each graph is written twice: as an Alembic versions folder
//! and as a migrations folder. Scenarios chain upgrades and downgrades over
//! every target form from a fresh database; after each step the set of
//! applied revisions and the revisions the step ran, in their order, or the
//! refusal, must be the same on both sides; and so must each graph's
//! `history`, in its order.
//!
//! Alembic runs in one long-lived Python process (`alembic_parity/driver.py`)
//! that calls `alembic.command.upgrade` / `downgrade` with a real `env.py`
//! on a real SQLite `alembic_version` table; its applied set is the rows of
//! that table and every revision they imply. Our side is schema-core's
//! planning over the migrations folder, the steps applied to an
//! [`AppliedSet`].
//!
//! Alembic comes from the virtual environment whose interpreter
//! `SCHEMA_TEST_ALEMBIC_PYTHON` names (`.ci/run` makes one with the pinned
//! version); without it the test is skipped with a printed reason.
//! `SCHEMA_TEST_ALEMBIC_GRAPHS` raises the number of graphs (each has
//! [`SCENARIOS_PER_GRAPH`] scenarios); `SCHEMA_TEST_ALEMBIC_SEED` changes
//! the seed.
//!
//! Where Alembic crashes (an `AssertionError`, a `KeyError`...) or picks
//! arbitrarily, we refuse on purpose: [`explained`] lists each such case
//! with its reason, and every other difference fails the test.

// The helpers below only serve this test: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use schema_core::migrations::{
    AppliedSet, Direction, MigrationError, MigrationSet, RevisionGraph, Target,
};
use serde_json::{json, Value};

/// The Alembic release this test was written against (`.ci/run` pins it).
const ALEMBIC_VERSION: &str = "1.20.0";
const DEFAULT_GRAPHS: usize = 160;
const SCENARIOS_PER_GRAPH: usize = 20;
const DEFAULT_SEED: u64 = 0x5eed_a1e8;

/// splitmix64: a fixed seed gives the same graphs on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// One generated revision.
#[derive(Debug, Clone)]
struct Rev {
    id: String,
    down: Vec<String>,
    labels: Vec<String>,
    deps: Vec<String>,
}

/// A revision graph in generation order (parents before children).
fn generate_graph(rng: &mut Rng) -> Vec<Rev> {
    let n = 1 + rng.below(40);
    let mut revs: Vec<Rev> = Vec::with_capacity(n);
    let mut ids = BTreeSet::new();
    let mut label_count = 0;
    for k in 0..n {
        // Ids share their first characters often, so that partial ids are
        // sometimes ambiguous.
        let id = loop {
            let head = *rng.pick(&["a", "ab", "b", "c"]);
            let tail: String = (0..12 - head.len())
                .map(|_| char::from(*rng.pick(b"0123456789abcdef")))
                .collect();
            let id = format!("{head}{tail}");
            if ids.insert(id.clone()) {
                break id;
            }
        };
        let heads: Vec<usize> = (0..revs.len())
            .filter(|&i| !revs.iter().any(|r| r.down.contains(&revs[i].id)))
            .collect();
        let down: Vec<String> = if k == 0 || rng.chance(6) {
            vec![]
        } else if heads.len() >= 3 && rng.chance(8) {
            pick_distinct(rng, &heads, 3)
                .into_iter()
                .map(|i| revs[i].id.clone())
                .collect()
        } else if heads.len() >= 2 && rng.chance(15) {
            pick_distinct(rng, &heads, 2)
                .into_iter()
                .map(|i| revs[i].id.clone())
                .collect()
        } else if rng.chance(70) {
            // Mostly continue the newest revisions: chains.
            let recent = revs.len().saturating_sub(3);
            vec![revs[recent + rng.below(revs.len() - recent)].id.clone()]
        } else {
            vec![rng.pick(&revs).id.clone()]
        };
        let mut labels = vec![];
        let is_root = down.is_empty();
        if (is_root && rng.chance(50)) || (!is_root && rng.chance(12)) {
            label_count += 1;
            labels.push(format!("lbl{label_count}"));
        }
        let mut deps = vec![];
        if k > 1 && rng.chance(12) {
            let ancestors = ancestors_of(&revs, &down);
            let candidates: Vec<&Rev> =
                revs.iter().filter(|r| !ancestors.contains(&r.id)).collect();
            if !candidates.is_empty() {
                let dep = *rng.pick(&candidates);
                // Sometimes by label, as Alembic allows.
                deps.push(match dep.labels.first() {
                    Some(l) if rng.chance(40) => l.clone(),
                    _ => dep.id.clone(),
                });
            }
        }
        revs.push(Rev {
            id,
            down,
            labels,
            deps,
        });
    }
    revs
}

fn pick_distinct(rng: &mut Rng, items: &[usize], count: usize) -> Vec<usize> {
    let mut pool = items.to_vec();
    (0..count)
        .map(|_| pool.swap_remove(rng.below(pool.len())))
        .collect()
}

fn ancestors_of(revs: &[Rev], down: &[String]) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<String> = down.to_vec();
    while let Some(id) = todo.pop() {
        if seen.insert(id.clone()) {
            if let Some(r) = revs.iter().find(|r| r.id == id) {
                todo.extend(r.down.iter().cloned());
            }
        }
    }
    seen
}

/// A target of one of the forms under test, built from the graph's ids
/// and labels.
fn generate_target(rng: &mut Rng, revs: &[Rev]) -> String {
    let labels: Vec<&String> = revs.iter().flat_map(|r| &r.labels).collect();
    let n = 1 + rng.below(3);
    let rev = rng.pick(revs).id.clone();
    let partial = rev[..2 + rng.below(4)].to_string();
    let label = if labels.is_empty() {
        rev.clone()
    } else {
        rng.pick(&labels).to_string()
    };
    match rng.below(22) {
        0 | 1 => "head".into(),
        2 => "heads".into(),
        3 | 4 => "base".into(),
        5 | 6 => rev,
        7 => partial,
        8 => label,
        9 | 10 => format!("{label}@head"),
        11 => format!("{label}@base"),
        12 => format!("{label}@+{n}"),
        13 => format!("{label}@-{n}"),
        14 | 15 => format!("+{n}"),
        16 | 17 => format!("-{n}"),
        18 => format!("{rev}+{n}"),
        19 => format!("{rev}-{n}"),
        20 => format!("head-{n}"),
        _ => format!("{label}@{rev}"),
    }
}

/// Steps of one scenario: mostly alternating directions, the first an
/// upgrade (a fresh database has nothing to downgrade).
fn generate_scenario(rng: &mut Rng, revs: &[Rev]) -> Vec<(&'static str, String)> {
    let len = 2 + rng.below(5);
    (0..len)
        .map(|k| {
            let verb = if k == 0 || rng.chance(55) {
                "upgrade"
            } else {
                "downgrade"
            };
            (verb, generate_target(rng, revs))
        })
        .collect()
}

/// One line per revision, `id <- parents [labels] depends_on: ...`, for
/// failure reports.
fn describe_graph(revs: &[Rev]) -> String {
    revs.iter()
        .map(|r| {
            let mut line = format!("    {} <- {}", r.id, r.down.join(","));
            if !r.labels.is_empty() {
                write!(line, " [{}]", r.labels.join(",")).unwrap();
            }
            if !r.deps.is_empty() {
                write!(line, " depends_on: {}", r.deps.join(",")).unwrap();
            }
            line + "\n"
        })
        .collect()
}

fn py_tuple(items: &[String]) -> String {
    match items {
        [] => "None".into(),
        [one] => format!("{one:?}"),
        many => format!(
            "({})",
            many.iter().map(|s| format!("{s:?}, ")).collect::<String>()
        ),
    }
}

fn toml_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

/// Writes `dir/versions` (Alembic) and `dir/migrations` (ours).
fn write_graph(dir: &Path, revs: &[Rev]) {
    let versions = dir.join("versions");
    let migrations = dir.join("migrations");
    std::fs::create_dir_all(&versions).unwrap();
    for (k, r) in revs.iter().enumerate() {
        let labels = if r.labels.is_empty() {
            "None".into()
        } else {
            format!("({:?},)", r.labels[0])
        };
        let deps = if r.deps.is_empty() {
            "None".into()
        } else {
            format!("({:?},)", r.deps[0])
        };
        let py = format!(
            "revision = {:?}\ndown_revision = {}\nbranch_labels = {labels}\ndepends_on = {deps}\n\n\
             from alembic import context\n\n\n\
             def upgrade():\n    context.config.attributes[\"ran\"].append(\"up:\" + revision)\n\n\n\
             def downgrade():\n    context.config.attributes[\"ran\"].append(\"down:\" + revision)\n",
            r.id,
            py_tuple(&r.down),
        );
        // Alembic loads a folder's files in name order and our folders go
        // in name order too: the same prefix gives both the same order,
        // which breaks ties between revisions that do not depend on each
        // other.
        std::fs::write(versions.join(format!("{:04}_{}.py", k + 1, r.id)), py).unwrap();

        let folder = migrations.join(format!("{:04}_{}", k + 1, r.id));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("up.sql"), "SELECT 1;\n").unwrap();
        std::fs::write(folder.join("down.sql"), "SELECT 1;\n").unwrap();
        let mut meta = format!("revision = {:?}\n", r.id);
        if !r.down.is_empty() {
            writeln!(meta, "down_revision = {}", toml_list(&r.down)).unwrap();
        }
        if !r.labels.is_empty() {
            writeln!(meta, "branch_labels = {}", toml_list(&r.labels)).unwrap();
        }
        if !r.deps.is_empty() {
            writeln!(meta, "depends_on = {}", toml_list(&r.deps)).unwrap();
        }
        std::fs::write(folder.join("metadata.toml"), meta).unwrap();
    }
}

/// What one step did: the applied set after it and the revisions it ran
/// in order (`up:ID`, `down:ID`), or a refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Applied(BTreeSet<String>, Vec<String>),
    Refused(String),
}

fn ours(graph: &RevisionGraph, applied: &mut AppliedSet, verb: &str, target: &str) -> Outcome {
    let plan = target
        .parse::<Target>()
        .and_then(|t| match verb {
            "upgrade" => graph.plan_upgrade(applied, &t),
            _ => graph.plan_downgrade(applied, &t),
        })
        .map_err(|e: MigrationError| format!("{}: {e}", e.kind()));
    match plan {
        Ok(steps) => {
            let mut ran = Vec::new();
            for s in steps {
                match s.direction {
                    Direction::Up => {
                        ran.push(format!("up:{}", s.revision));
                        applied.insert(s.revision)
                    }
                    Direction::Down => {
                        ran.push(format!("down:{}", s.revision));
                        applied.remove(&s.revision)
                    }
                };
            }
            Outcome::Applied(applied.iter().map(str::to_string).collect(), ran)
        }
        Err(e) => Outcome::Refused(e),
    }
}

fn theirs(v: &Value) -> Outcome {
    match v.get("error") {
        Some(e) => {
            let field = |k: &str| e[k].as_str().unwrap_or_default().to_string();
            Outcome::Refused(format!(
                "{}: {} (at {})",
                field("class"),
                field("message"),
                field("at")
            ))
        }
        None => Outcome::Applied(
            strings(&v["applied"]).into_iter().collect(),
            strings(&v["ran"]),
        ),
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// Why a difference is intended, or `None` when it is a bug. Each
/// accepted difference ends its scenario, as the two states may part there.
fn explained(verb: &str, target: &str, ours: &Outcome, theirs: &Outcome) -> Option<&'static str> {
    let crash_in = |place: &str| match theirs {
        Outcome::Refused(e) => e.starts_with("KeyError") && e.contains(place),
        Outcome::Applied(..) => false,
    };
    match ours {
        // Alembic's bookkeeping of `alembic_version` (HeadMaintainer) fails
        // with a KeyError when a merge lists a parent that an ancestor of
        // another parent already `depends_on`: the revisions to run are
        // well-defined (its own planning gave them) and we run them.
        Outcome::Applied(..) if crash_in("(at migration.py:") => {
            Some("Alembic's alembic_version bookkeeping crashes (KeyError)")
        }
        // `downgrade -N` with several current heads: Alembic warns and walks
        // from whichever row of `alembic_version` comes first.
        Outcome::Refused(e)
            if verb == "downgrade"
                && e.starts_with("ambiguous_current")
                && !target.contains('@')
                && matches!(theirs, Outcome::Applied(..)) =>
        {
            Some("Alembic picks the first alembic_version row for -N with several heads")
        }
        _ => None,
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v} is not a number")),
        Err(_) => default,
    }
}

#[test]
fn plans_match_alembic() {
    let Ok(python) = std::env::var("SCHEMA_TEST_ALEMBIC_PYTHON") else {
        assert!(
            std::env::var_os("SCHEMA_TEST_REQUIRE_DATABASES").is_none(),
            "SCHEMA_TEST_REQUIRE_DATABASES is set, so this is a failure, not a skip: SCHEMA_TEST_ALEMBIC_PYTHON is not set"
        );
        eprintln!(
            "skipped: SCHEMA_TEST_ALEMBIC_PYTHON is not set (the python3 of a venv with \
             alembic=={ALEMBIC_VERSION}; .ci/run makes one)"
        );
        return;
    };
    let graphs = env_number("SCHEMA_TEST_ALEMBIC_GRAPHS", DEFAULT_GRAPHS as u64) as usize;
    let seed = env_number("SCHEMA_TEST_ALEMBIC_SEED", DEFAULT_SEED);
    let driver = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/alembic_parity/driver.py");
    let mut child = Command::new(&python)
        .arg(&driver)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    let mut to_python = child.stdin.take().unwrap();
    let mut from_python = BufReader::new(child.stdout.take().unwrap());
    let version = Command::new(&python)
        .args(["-c", "import alembic; print(alembic.__version__)"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        ALEMBIC_VERSION,
        "the venv must hold the pinned Alembic"
    );

    let tmp = tempfile::tempdir().unwrap();
    let mut rng = Rng(seed);
    let mut failures = Vec::new();
    let mut scenarios_run = 0;
    let mut steps_run = 0;
    let mut refused_by_both = 0;
    let mut histories = 0;
    let mut applied_by_both = 0;
    let mut explained_counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for g in 0..graphs {
        let revs = generate_graph(&mut rng);
        let dir = tmp.path().join(format!("g{g}"));
        write_graph(&dir, &revs);
        let scenarios: Vec<Vec<(&str, String)>> = (0..SCENARIOS_PER_GRAPH)
            .map(|_| generate_scenario(&mut rng, &revs))
            .collect();
        let request = json!({"dir": dir, "scenarios": scenarios});
        writeln!(to_python, "{request}").unwrap();
        to_python.flush().unwrap();
        let mut line = String::new();
        from_python.read_line(&mut line).unwrap();
        let answer: Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("driver answered {line:?}: {e}"));

        let loaded = MigrationSet::load(&dir.join("migrations"))
            .map_err(|e| format!("{e:?}"))
            .and_then(|l| RevisionGraph::new(l.set).map_err(|e| format!("{e:?}")));
        let graph = match (loaded, answer.get("load_error")) {
            (Ok(graph), None) => graph,
            (Err(_), Some(_)) => continue,
            (ours, theirs) => {
                failures.push(format!(
                    "graph {g}: loading differs: ours {:?}, Alembic {theirs:?}\n{}",
                    ours.err(),
                    describe_graph(&revs)
                ));
                continue;
            }
        };
        let history: Vec<String> = graph
            .history(None, None)
            .unwrap()
            .iter()
            .map(|m| m.revision.clone())
            .collect();
        histories += 1;
        if history != strings(&answer["history"]) {
            failures.push(format!(
                "graph {g}: history\n  ours:    {history:?}\n  Alembic: {:?}\n  graph:\n{}",
                strings(&answer["history"]),
                describe_graph(&revs)
            ));
        }
        for (s, steps) in scenarios.iter().enumerate() {
            scenarios_run += 1;
            let mut applied = AppliedSet::new();
            let results = &answer["scenarios"][s];
            for (k, (verb, target)) in steps.iter().enumerate() {
                steps_run += 1;
                let before: BTreeSet<String> = applied.iter().map(str::to_string).collect();
                let mine = ours(&graph, &mut applied, verb, target);
                let alembic = theirs(&results[k]);
                match (&mine, &alembic) {
                    // Alembic's "several heads" refusal is ours too, with
                    // the same advice (name one, or `heads`).
                    (Outcome::Refused(m), Outcome::Refused(a))
                        if a.contains("Multiple head") && !m.starts_with("multiple_heads") =>
                    {
                        failures.push(format!(
                            "graph {g}, scenario {s}, step {k}: `{verb} {target}` from {before:?}\n  \
                             ours:    {mine:?}\n  Alembic: {alembic:?}\n  (a different refusal)"
                        ));
                        break;
                    }
                    (Outcome::Refused(_), Outcome::Refused(_)) => {
                        refused_by_both += 1;
                        continue;
                    }
                    (a, b) if a == b => {
                        applied_by_both += 1;
                        continue;
                    }
                    _ => {}
                }
                if let Some(reason) = explained(verb, target, &mine, &alembic) {
                    *explained_counts.entry(reason).or_default() += 1;
                    // The two states may differ from here on.
                    break;
                }
                failures.push(format!(
                    "graph {g}, scenario {s}, step {k}: `{verb} {target}` from {before:?}\n  \
                     ours:    {mine:?}\n  Alembic: {alembic:?}\n  graph:\n{}",
                    describe_graph(&revs)
                ));
                break;
            }
        }
    }
    drop(to_python);
    child.wait().unwrap();
    eprintln!(
        "{graphs} graphs ({histories} histories), {scenarios_run} scenarios, {steps_run} steps \
         compared with Alembic {ALEMBIC_VERSION}: {applied_by_both} gave the same state and \
         order, {refused_by_both} were refused by both; explained differences: \
         {explained_counts:?}"
    );
    // Mostly refusals would compare little: the generator must keep most
    // steps meaningful.
    assert!(
        applied_by_both * 3 >= steps_run,
        "only {applied_by_both} of {steps_run} steps applied something on both sides"
    );
    if !failures.is_empty() {
        for f in &failures {
            eprintln!("{f}");
        }
        let shown: Vec<&String> = failures.iter().take(10).collect();
        panic!(
            "{} differences from Alembic:\n{}",
            failures.len(),
            shown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}
