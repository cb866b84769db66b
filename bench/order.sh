#!/usr/bin/env bash
# Regenerates cargo-schema/link/order.txt, the order in which the release
# link lays out the functions of `cargo schema` (cargo-schema/build.rs).
#
#   bench/order.sh                # regenerate the file
#   bench/order.sh --check BINARY # exit 1 unless BINARY is laid out by it
#
# Each run of the command maps the pages of its binary that it executes and,
# through the kernel's fault-around, the 64 KiB around each of them. Left to
# the compiler's order, the code one `upgrade head` runs is spread over most
# of the binary's text; laid out together it is a fraction of it (README,
# Performance: peak memory). The file lists every function that a set of
# representative commands executes on each backend, found with callgrind, so
# that functions that run together sit together: first those every command
# runs, then those of fewer commands, grouped by the commands that run them.
#
# A name the code no longer has is ignored by the linker, so a stale file
# costs memory, never correctness; regenerate it after large changes.
#
# Needs: valgrind, python3, psql, mariadb, and the PostgreSQL and MariaDB
# servers bench/run.sh uses; --check needs only python3 and nm.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
ORDER="$REPO/cargo-schema/link/order.txt"

if [[ ${1:-} == --check ]]; then
  # CI's proof that the release link honoured the file: most of its names
  # are in the binary (else it is stale: regenerate it), and they sit in
  # the file's order (a link without it scatters them).
  nm --defined-only "${2:?--check needs the binary}" | python3 -c '
import sys
order = [l.strip() for l in open(sys.argv[1]) if l.strip()]
addr = {}
for line in sys.stdin:
    parts = line.split()
    if len(parts) == 3 and parts[1] in "tTwW":
        addr.setdefault(parts[2], int(parts[0], 16))
found = [addr[n] for n in order if n in addr]
present = len(found) / len(order)
ascending = sum(a < b for a, b in zip(found, found[1:])) / max(len(found) - 1, 1)
print(f"order: {present:.0%} of {len(order)} functions present, {ascending:.0%} in order")
if present < 0.9:
    sys.exit("order: the file is stale for this code; run bench/order.sh")
if ascending < 0.95:
    sys.exit("order: the binary was not linked in the file'"'"'s order (cargo-schema/build.rs)")
' "$ORDER"
  exit
fi
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
PG_HOST=${BENCH_PG_HOST:-127.0.0.1}
MY_HOST=${BENCH_MY_HOST:-127.0.0.1}
DB="schema_order_$$"
OUT=$ORDER

for tool in valgrind python3 psql mariadb; do
  command -v "$tool" >/dev/null || { echo "order: $tool is missing" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/cargo-schema-order.XXXXXX)
cleanup() {
  PGOPTIONS="-c client_min_messages=warning" psql -X -q -h "$PG_HOST" -U postgres -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
  mariadb -h "$MY_HOST" -u root -e "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# The names callgrind reports do not depend on the layout, so the build
# may already use an older order file.
cargo build --manifest-path "$REPO/Cargo.toml" -p cargo-schema --release -q
BIN="$CARGO_TARGET_DIR/release/cargo-schema"
export CARGO_SCHEMA_CACHE_DIR="$WORK/cache"

reset() { # backend
  case "$1" in
    sqlite) rm -f "$WORK/order.db" ;;
    postgres) PGOPTIONS="-c client_min_messages=warning" psql -X -q -h "$PG_HOST" -U postgres -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" ;;
    mysql) mariadb -h "$MY_HOST" -u root -e "DROP DATABASE IF EXISTS $DB; CREATE DATABASE $DB" ;;
  esac
}

n=0
traced() { # name args...: one command under callgrind
  local name=$1
  shift
  n=$((n + 1))
  valgrind -q --tool=callgrind --demangle=no --callgrind-out-file="$WORK/cg.$n.$name" \
    "$BIN" "$@" >/dev/null 2>"$WORK/err.$n" || { cat "$WORK/err.$n" >&2; exit 1; }
}

for backend in sqlite postgres mysql; do
  case "$backend" in
    sqlite) url="sqlite://$WORK/order.db" ;;
    postgres) url="postgres://postgres@$PG_HOST:5432/$DB" ;;
    mysql) url="mysql://root@$MY_HOST:3306/$DB" ;;
  esac
  dir="$WORK/p-$backend"
  python3 "$REPO/bench/gen.py" "$dir" 50 "$url" >/dev/null
  ini=(-c "$dir/schema.ini")
  reset "$backend"
  # The first run reads every folder and writes the snapshot; the rest read
  # the snapshot, as most runs do.
  traced "upgrade-cold-$backend" "${ini[@]}" upgrade head
  reset "$backend"
  traced "upgrade-$backend" "${ini[@]}" upgrade head
  traced "current-$backend" "${ini[@]}" current
  traced "check-$backend" "${ini[@]}" check --no-drift
  traced "downgrade-$backend" "${ini[@]}" downgrade base
  traced "sql-$backend" "${ini[@]}" upgrade head --sql
  traced "stamp-$backend" "${ini[@]}" stamp head
done
ini=(-c "$WORK/p-sqlite/schema.ini")
traced history "${ini[@]}" history
traced heads "${ini[@]}" heads
traced show "${ini[@]}" show head
traced config "${ini[@]}" config
traced generate "${ini[@]}" generate -m "one more"
traced help --help

mkdir -p "$(dirname "$OUT")"
nm --defined-only "$BIN" >"$WORK/symbols"
python3 - "$WORK" "$OUT" <<'PY'
import glob, os, re, sys

work, out = sys.argv[1], sys.argv[2]
# Functions of the binary itself (not libc's): text symbols.
ours = set()
for line in open(os.path.join(work, "symbols")):
    parts = line.split()
    if len(parts) == 3 and parts[1] in "tTwW":
        ours.add(parts[2])

# callgrind names a function once per file, as `fn=(id) name` or
# `cfn=(id) name`; later lines use the id alone.
name_line = re.compile(r"^c?fn=\(\d+\) (.+)$")
runs = sorted(glob.glob(os.path.join(work, "cg.*")), key=lambda p: int(p.split(".")[-2]))
used_by = {}
for bit, path in enumerate(runs):
    for line in open(path):
        m = name_line.match(line.rstrip("\n"))
        if m and m.group(1) in ours:
            used_by[m.group(1)] = used_by.get(m.group(1), 0) | (1 << bit)

# Most-shared first; then by the exact set of commands, so that one
# command's functions are runs of neighbours rather than scattered.
order = sorted(used_by, key=lambda f: (-bin(used_by[f]).count("1"), used_by[f], f))
with open(out, "w") as f:
    for name in order:
        f.write(name + "\n")
print(f"order: {len(order)} functions from {len(runs)} commands -> {out}", file=sys.stderr)
PY
