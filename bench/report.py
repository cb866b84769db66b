#!/usr/bin/env python3
"""Turn bench/run.sh's raw results (hyperfine JSON, criterion estimates,
peak RSS) into the markdown table of bench/results.md.

    bench/report.py RESULTS_DIR OUT.md --ns "10 100 1000" --quick 0|1
"""

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys

BACKENDS = ("sqlite", "postgres", "mysql")


def runs(res, name):
    """The results of one hyperfine export (empty when that step did not run)."""
    path = os.path.join(res, name + ".json")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return json.load(f)["results"]


def hyperfine(res, name):
    """{command name: median seconds} of one hyperfine export."""
    return {r["command"]: r["median"] for r in runs(res, name)}


def interleaved(res, name, command):
    """The median per-round ratio of COMMAND to the floor in one
    bench/interleave.py export, as text ("–" when that step did not run)."""
    path = os.path.join(res, f"interleaved-{name}.json")
    if not os.path.exists(path):
        return "–"
    with open(path) as f:
        data = json.load(f)
    if command not in data["ratio"]:
        return "–"
    return f"{data['ratio'][command]:.2f}× ({data['rounds']} rounds)"


def spread(res, name):
    """{command name: "min–max"} of one hyperfine export."""
    return {r["command"]: f"{ms(min(r['times']))}–{ms(max(r['times']))}" for r in runs(res, name)}


def ms(seconds):
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def fine(seconds):
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    return ms(seconds)


def ratio(a, b):
    return f"{a / b:.2f}×" if b else "–"


def version(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError):
        return "?"


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            kb = int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1))
            mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, AttributeError):
        pass
    pg = version(["psql", "-X", "-tA", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c", "SHOW server_version"])
    my = version(["mariadb", "-h", "127.0.0.1", "-u", "root", "-NBe", "SELECT VERSION()"])
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores (`nproc`); RAM: {mem}",
        f"- OS: {platform.system()} {platform.release()}",
        f"- {version(['rustc', '--version'])}",
        f"- SQLite client {version(['sqlite3', '--version']).split()[0]} "
        f"(cargo-schema: bundled libsqlite3-sys), PostgreSQL server {pg}, MariaDB server {my}",
        f"- {version(['hyperfine', '--version'])}",
    ]


def criterion(res):
    """{(op, n): median seconds} from criterion's estimates."""
    out = {}
    root = os.path.join(res, "criterion", "graph")
    if not os.path.isdir(root):
        return out
    for op in sorted(os.listdir(root)):
        op_dir = os.path.join(root, op)
        if not os.path.isdir(op_dir) or op == "report":
            continue
        for n in os.listdir(op_dir):
            est = os.path.join(op_dir, n, "new", "estimates.json")
            if n.isdigit() and os.path.exists(est):
                with open(est) as f:
                    out[(op, int(n))] = json.load(f)["median"]["point_estimate"] / 1e9
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("res")
    p.add_argument("out")
    p.add_argument("--ns", default="10 100 1000")
    p.add_argument("--quick", default="0")
    a = p.parse_args()
    ns = [int(n) for n in a.ns.split()]
    nmax = ns[-1]
    lines = []
    w = lines.append
    w("# cargo-schema benchmark results")
    w("")
    if a.quick == "1":
        w("**Smoke run (`--quick`): dev build, N = 10, few runs. Not for comparison.**")
        w("")
    w("Produced by `bench/run.sh`; medians of hyperfine runs (wall time, whole")
    w("process: start-up, connection, SQL, bookkeeping). *Floor* is the database's")
    w("own client (`sqlite3`, `psql`, `mariadb`) running the script")
    w("`cargo schema upgrade --sql` prints (same SQL, same bookkeeping rows) in one")
    w("process and, on SQLite and PostgreSQL, one transaction.")
    w("")
    w("Machine:")
    w("")
    lines.extend(machine())
    w("")

    w("## upgrade head from an empty database, downgrade base from head")
    w("")
    w("`one`: one transaction for the run (default); `per`: `transaction_per_migration = true`.")
    w("Overhead per revision = (cargo-schema − floor) / N.")
    w("")
    w("diesel_cli and sqlx-cli run the same folders when they are installed (– when")
    w("not), in the same hyperfine run, so their ratios to the floor compare directly.")
    w(f"*Interleaved* (`upgrade head` at N = {nmax}): the floor and cargo-schema in turn,")
    w("each on a fresh database, round after round; the median of the per-round ratios")
    w("(`bench/interleave.py`), which a drifting server does not skew.")
    w("")
    w("| operation | backend | N | floor | cargo-schema | ratio | interleaved | diesel_cli | sqlx-cli | overhead / revision | floor runs | cargo-schema runs |")
    w("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for op in ("upgrade", "downgrade"):
        for backend in BACKENDS:
            for n in ns:
                r = hyperfine(a.res, f"{op}-{backend}-{n}")
                if not r:
                    continue
                sp = spread(a.res, f"{op}-{backend}-{n}")
                floor = r["floor"]
                for mode in ("one", "per"):
                    if mode not in r:
                        continue
                    t = r[mode]
                    label = f"upgrade head ({mode})" if op == "upgrade" else "downgrade base"
                    # The other tools have no per-revision mode of the same name.
                    other = lambda k: f"{ms(r[k])} ({ratio(r[k], floor)})" if k in r and mode == "one" else "–"
                    inter = interleaved(a.res, f"{op}-{backend}-{n}", mode)
                    w(
                        f"| {label} | {backend} | {n} | {ms(floor)} | {ms(t)} | "
                        f"{ratio(t, floor)} | {inter} | {other('diesel_cli')} | {other('sqlx-cli')} | "
                        f"{(t - floor) / n * 1000:.3f} ms | {sp['floor']} | {sp[mode]} |"
                    )
    w("")

    w(f"## no-op commands on an up-to-date database, N = {nmax}")
    w("")
    w("Floor: the database's client selecting both bookkeeping tables (on SQLite")
    w(f"that includes parsing the schema of the {nmax} tables and indexes the")
    w("revisions created). `current` and `check --no-drift` use the folder's snapshot")
    w("(warm, as every run after the first); *cold* is `current --no-cache`, reading")
    w("all the folders. On SQLite also: the SQLite-only build of the command")
    w("(`--no-default-features --features sqlite`, no PostgreSQL or MySQL driver)")
    w("and an app built with `embed!()` printing `MIGRATIONS.current()`. The other")
    w("tools' nearest no-op, when installed: diesel_cli's `migration pending`,")
    w("sqlx-cli's `migrate info`. *Interleaved*: `current` and the floor in turn, the")
    w("median of the per-round ratios.")
    w("")
    w("| backend | floor | `current` | ratio | interleaved | `current` cold | `check` | SQLite-only `current` | embedded `current` | diesel_cli | sqlx-cli | `current` runs |")
    w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for backend in BACKENDS:
        r = hyperfine(a.res, f"noop-{backend}-{nmax}")
        if r:
            sp = spread(a.res, f"noop-{backend}-{nmax}")
            cell = lambda k: ms(r[k]) if k in r else "–"
            w(
                f"| {backend} | {cell('floor')} | {cell('current')} | {ratio(r['current'], r['floor'])} | "
                f"{interleaved(a.res, f'noop-{backend}-{nmax}', 'current')} | "
                f"{cell('current-cold')} | {cell('check')} | "
                f"{cell('current-sqlite-only')} | {cell('current-embedded')} | "
                f"{cell('diesel_cli')} | {cell('sqlx-cli')} | {sp['current']} |"
            )
    w("")

    lint_runs = sorted(f for f in os.listdir(a.res) if f.startswith("lint-cold-"))
    if lint_runs:
        w("## `lint` beside `check`'s drift check, the last 5 revisions pending")
        w("")
        w("`check-drift` is `check --no-lint` (the drift check: the applied revisions")
        w("replayed into a scratch database and compared with the live schema);")
        w("`lint` lints the pending revisions, the schema before each one replayed;")
        w("`check` does both. *Cold*: no replayed schema cached (each command replays);")
        w("*warm*: the second run on an unchanged folder, reading the schemas back from")
        w("the cache. The three in turn, round after round (`bench/interleave.py`);")
        w("ratios are medians of the per-round ratios to `check-drift` of the same kind.")
        w("")
        w("| backend | N | check-drift cold | lint cold | ratio | check cold | ratio | check-drift warm | lint warm | check warm | rounds (cold, warm) |")
        w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for name in lint_runs:
            backend, n = name[len("lint-cold-"):-len(".json")].rsplit("-", 1)
            with open(os.path.join(a.res, name)) as f:
                cold = json.load(f)
            warm_path = os.path.join(a.res, f"lint-warm-{backend}-{n}.json")
            with open(warm_path) as f:
                warm = json.load(f)
            c, cr, m = cold["median"], cold["ratio"], warm["median"]
            w(
                f"| {backend} | {n} | {ms(c['check-drift'])} | {ms(c['lint'])} | {cr['lint']:.2f}× | "
                f"{ms(c['check'])} | {cr['check']:.2f}× | {ms(m['check-drift'])} | {ms(m['lint'])} | "
                f"{ms(m['check'])} | {cold['rounds']}, {warm['rounds']} |"
            )
        w("")

    w(f"## peak memory of `upgrade head`, N = {nmax}")
    w("")
    w("Maximum resident set (`/usr/bin/time`), the binary's mapped pages included;")
    w("median of three runs, each tool in turn on a fresh database; the other")
    w("tools on the same folder when installed.")
    w("")
    w("| backend | cargo-schema | diesel_cli | sqlx-cli | ratio to sqlx-cli |")
    w("| --- | ---: | ---: | ---: | ---: |")

    def maxrss(name):
        path = os.path.join(a.res, f"maxrss-{name}.txt")
        if not os.path.exists(path):
            return None
        with open(path) as f:
            return statistics.median(int(line) for line in f.read().split()) / 1024

    for backend in BACKENDS:
        own = maxrss(f"{backend}-{nmax}")
        if own is None:
            continue
        d, s = maxrss(f"{backend}-{nmax}-diesel_cli"), maxrss(f"{backend}-{nmax}-sqlx-cli")
        mib = lambda v: f"{v:.1f} MiB" if v is not None else "–"
        w(f"| {backend} | {mib(own)} | {mib(d)} | {mib(s)} | {ratio(own, s) if s else '–'} |")
    w("")

    crit = criterion(a.res)
    if crit:
        sizes = sorted({n for _, n in crit})
        w("## graph operations in process (criterion, median)")
        w("")
        w("Generated graphs with a branch point and a merge every 10 revisions and a")
        w("branch label every 1000 (`schema-core/benches/graph.rs`).")
        w("")
        head = " | ".join(f"N = {n}" for n in sizes)
        w(f"| operation | {head} | ratio (largest / smallest) |")
        w("| --- |" + " ---: |" * (len(sizes) + 1))
        for op in sorted({op for op, _ in crit}):
            cells = [fine(crit[(op, n)]) if (op, n) in crit else "–" for n in sizes]
            first, last = crit.get((op, sizes[0])), crit.get((op, sizes[-1]))
            r = f"{last / first:.1f}" if first and last else "–"
            w(f"| {op} | {' | '.join(cells)} | {r} |")
        w("")

    def build(kind, what, n):
        r = hyperfine(a.res, f"build-{what}-{kind}-{n}")
        return next(iter(r.values())) if r else None

    sc, dc = build("schema", "clean", nmax), build("diesel", "clean", nmax)
    if sc and dc:
        w(f"## build cost of embedding {nmax} migrations (dev profile, dependencies prebuilt)")
        w("")
        w("`cargo build` of a tiny binary crate whose only item is the macro call")
        w("(`bench/embed_crates.sh`); both crates embed the same folder. The empty")
        w("folder gives each macro's fixed cost (mostly linking its dependencies);")
        w("the difference is what the migrations themselves cost.")
        w("")
        w("| | `embed!()` | `embed_migrations!` | ratio |")
        w("| --- | ---: | ---: | ---: |")
        w(f"| clean build of the crate, N = {nmax} | {ms(sc)} | {ms(dc)} | {ratio(sc, dc)} |")
        se, de = build("schema", "edit", nmax), build("diesel", "edit", nmax)
        if se and de:
            w(f"| rebuild after editing one up.sql, N = {nmax} | {ms(se)} | {ms(de)} | {ratio(se, de)} |")
        s0, d0 = build("schema", "clean", 0), build("diesel", "clean", 0)
        if s0 and d0:
            w(f"| clean build of the crate, N = 0 | {ms(s0)} | {ms(d0)} | {ratio(s0, d0)} |")
            w(f"| cost of the {nmax} migrations (N = {nmax} − N = 0) | {ms(sc - s0)} | {ms(dc - d0)} | {ratio(sc - s0, dc - d0)} |")
        w("")

    text = "\n".join(lines)
    with open(a.out, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
