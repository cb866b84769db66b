//! Revision graph operations in process, on generated graphs of 10 000 and
//! 100 000 revisions with branches and merges (`bench/run.sh` runs this and
//! reports the medians). `BENCH_GRAPH_SIZES=1000,10000` picks other sizes.
//!
//! Every tenth revision is a branch point whose two branches merge four
//! revisions later, and every thousandth declares a branch label, so
//! heads, history and plans walk real merges, not only a chain.

#![allow(missing_docs, clippy::unwrap_used)]

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use schema_core::migrations::{AppliedSet, MigrationFiles, RevisionGraph, Target};

/// Parsing stays inside the measured loops, as it was when these took text.
fn tgt(text: &str) -> Target {
    text.parse().unwrap()
}

/// A 12-hex revision id, stable per index (splitmix64).
fn revision_id(k: usize) -> String {
    let mut z = (k as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    format!("{:012x}", z & 0xffff_ffff_ffff)
}

/// `n` revisions (a multiple of 10 keeps a single head). In each run of
/// ten: 0 is a branch point, 1 and 2 one branch, 3 the other, 4 merges 2
/// and 3, 5..=9 a chain (so `head-5` walks down to the merge).
fn generate(n: usize) -> Vec<MigrationFiles> {
    (0..n)
        .map(|k| {
            let parents: Vec<usize> = match (k, k % 10) {
                (0, _) => vec![],
                (_, 3) => vec![k - 3],
                (_, 4) => vec![k - 2, k - 1],
                _ => vec![k - 1],
            };
            let mut meta = format!("revision = \"{}\"\n", revision_id(k));
            match parents.as_slice() {
                [] => {}
                [one] => meta.push_str(&format!("down_revision = \"{}\"\n", revision_id(*one))),
                many => {
                    let list: Vec<String> = many
                        .iter()
                        .map(|&p| format!("\"{}\"", revision_id(p)))
                        .collect();
                    meta.push_str(&format!("down_revision = [{}]\n", list.join(", ")));
                }
            }
            if k % 1000 == 1 {
                meta.push_str(&format!("branch_labels = [\"line{k}\"]\n"));
            }
            meta.push_str(&format!("message = \"revision {k}\"\n"));
            MigrationFiles {
                folder_name: format!("{k:08}_revision_{k}"),
                up_sql: format!(
                    "CREATE TABLE t{k} (id INTEGER PRIMARY KEY, name VARCHAR(100));\n\
                     CREATE INDEX ix_t{k} ON t{k} (name);\n"
                ),
                down_sql: Some(format!("DROP TABLE t{k};\n")),
                metadata_toml: Some(meta),
                dir: None,
            }
        })
        .collect()
}

fn sizes() -> Vec<usize> {
    std::env::var("BENCH_GRAPH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .filter(|v: &Vec<usize>| !v.is_empty())
        .unwrap_or_else(|| vec![10_000, 100_000])
}

fn graph_ops(c: &mut Criterion) {
    let mut group = c.benchmark_group("graph");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    for n in sizes() {
        let files = generate(n);
        let graph = RevisionGraph::from_files(files.clone()).unwrap();
        assert_eq!(graph.heads().len(), 1);
        let all: AppliedSet = graph
            .migrations()
            .iter()
            .map(|m| m.revision.clone())
            .collect();
        let partial = revision_id(n / 2)[..8].to_owned();

        group.bench_with_input(BenchmarkId::new("load", n), &files, |b, files| {
            b.iter_batched(
                || files.clone(),
                |f| RevisionGraph::from_files(f).unwrap(),
                BatchSize::LargeInput,
            )
        });
        group.bench_with_input(BenchmarkId::new("heads", n), &graph, |b, g| {
            b.iter(|| g.heads().len())
        });
        group.bench_with_input(BenchmarkId::new("history", n), &graph, |b, g| {
            b.iter(|| g.history(None, None).unwrap().len())
        });
        group.bench_with_input(BenchmarkId::new("resolve_head", n), &graph, |b, g| {
            b.iter(|| g.resolve(&tgt("head")).unwrap().len())
        });
        group.bench_with_input(BenchmarkId::new("resolve_partial", n), &graph, |b, g| {
            b.iter(|| g.resolve(&tgt(&partial)).unwrap().len())
        });
        group.bench_with_input(BenchmarkId::new("resolve_head-5", n), &graph, |b, g| {
            b.iter(|| g.resolve(&tgt("head-5")).unwrap().len())
        });
        group.bench_with_input(BenchmarkId::new("plan_downgrade_-5", n), &graph, |b, g| {
            b.iter(|| g.plan_downgrade(&all, &tgt("-5")).unwrap().len())
        });
        group.bench_with_input(BenchmarkId::new("plan_upgrade_head", n), &graph, |b, g| {
            b.iter(|| {
                g.plan_upgrade(&AppliedSet::new(), &tgt("head"))
                    .unwrap()
                    .len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, graph_ops);
criterion_main!(benches);
