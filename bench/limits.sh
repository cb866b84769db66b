#!/usr/bin/env bash
# Resource limits (issue 30, item 4): time and peak memory of cargo-schema
# on inputs far past a usual project, each giving an answer or a clear
# error:
#
#   100 000 revisions   heads, history, upgrade --sql, current (a real
#                       upgrade of 100 000 tables measures SQLite, not us)
#   one 100 MB up.sql   upgrade --sql, upgrade (SQLite)
#   a graph 10 000 deep (metadata.toml down_revision chain)
#                       heads, history, upgrade (SQLite), downgrade base
#   a schema.rs of 5 000 tables
#                       generate --autogenerate on an empty SQLite database
#
#   bench/limits.sh            # the sizes above, release build
#   bench/limits.sh --quick    # a tenth of each, dev build (a smoke run)
#   bench/limits.sh --bin=PATH # measure that binary instead of building
#
# Prints a Markdown table (command, exit code, wall time, peak RSS from
# /usr/bin/time -v) and writes it to bench/limits.md (--out=FILE elsewhere).
# Needs python3, sqlite3 and /usr/bin/time. Set CARGO_TARGET_DIR to build
# elsewhere than ./target.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
QUICK=0
GIVEN_BIN=
OUT="$REPO/bench/limits.md"
for arg in "$@"; do
  case "$arg" in
    --quick) QUICK=1 ;;
    --out=*) OUT=${arg#--out=} ;;
    --bin=*) GIVEN_BIN=${arg#--bin=} ;;
    -h | --help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
if ((QUICK)); then
  SCALE=10 PROFILE=dev BIN_DIR=debug
else
  SCALE=1 PROFILE=release BIN_DIR=release
fi
REVISIONS=$((100000 / SCALE))
SQL_MB=$((100 / SCALE))
DEPTH=$((10000 / SCALE))
TABLES=$((5000 / SCALE))

if [ -n "$GIVEN_BIN" ]; then
  BIN=$(realpath "$GIVEN_BIN")
  PROFILE="given ($GIVEN_BIN)"
else
  cargo build -q --profile "$PROFILE" -p cargo-schema
  BIN="$CARGO_TARGET_DIR/$BIN_DIR/cargo-schema"
fi
WORK=$(mktemp -d /tmp/cargo-schema-limits.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export CARGO_SCHEMA_CACHE_DIR="$WORK/cache"

ROWS="$WORK/rows"
: >"$ROWS"

# measure LABEL DIR ARGS...: one run of the command in DIR, stdout to
# /dev/null; a row of the table.
measure() {
  local label=$1 dir=$2
  shift 2
  local log="$WORK/time.log" code=0
  (cd "$dir" && /usr/bin/time -v -o "$log" "$BIN" -c schema.ini "$@" >/dev/null 2>"$WORK/stderr") || code=$?
  local wall rss
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$log")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")
  printf '| %s | `%s` | %s | %s | %s MiB |\n' "$label" "$*" "$code" "$wall" "$(awk "BEGIN { printf \"%.1f\", $rss / 1024 }")" >>"$ROWS"
  if ((code != 0)); then
    echo "$label: cargo-schema $* exited $code:" >&2
    head -c 2000 "$WORK/stderr" >&2
  fi
}

project() { # DIR: an empty project on its own SQLite file
  mkdir -p "$1/migrations"
  printf '[schema]\nscript_location = %%(here)s/migrations\ndiesel.url = sqlite://%s/app.db\n' "$1" >"$1/schema.ini"
}

python3 - "$WORK" "$REVISIONS" "$SQL_MB" "$DEPTH" "$TABLES" <<'PY'
import os, sys
work, revisions, sql_mb, depth, tables = sys.argv[1], *map(int, sys.argv[2:])

def folder(root, i, up, down, meta=None):
    d = os.path.join(root, "migrations", f"2024-01-01-{i:06}_r{i}")
    os.makedirs(d)
    with open(os.path.join(d, "up.sql"), "w") as f:
        f.write(up)
    with open(os.path.join(d, "down.sql"), "w") as f:
        f.write(down)
    if meta is not None:
        with open(os.path.join(d, "metadata.toml"), "w") as f:
            f.write(meta)

# Many revisions: plain diesel folders, a chain by version.
for i in range(revisions):
    folder(f"{work}/many", i, f"CREATE TABLE t{i} (id INTEGER);\n", f"DROP TABLE t{i};\n")

# One big up.sql: a table and rows of about 100 bytes each, 100 to a statement.
row = "(" + ", ".join(["'" + "x" * 90 + "'"]) + ")"
statement = "INSERT INTO big (v) VALUES " + ", ".join([row] * 100) + ";\n"
os.makedirs(f"{work}/big/migrations")
d = f"{work}/big/migrations/2024-01-01-000000_big"
os.makedirs(d)
with open(f"{d}/up.sql", "w") as f:
    f.write("CREATE TABLE big (v TEXT);\n")
    written = 0
    while written < sql_mb * 1_000_000:
        f.write(statement)
        written += len(statement)
with open(f"{d}/down.sql", "w") as f:
    f.write("DROP TABLE big;\n")

# A deep graph: each revision names its parent in metadata.toml.
for i in range(depth):
    parent = "" if i == 0 else f'down_revision = "{i - 1:012x}"\n'
    folder(f"{work}/deep", i, f"CREATE TABLE d{i} (id INTEGER);\n", f"DROP TABLE d{i};\n",
           f'revision = "{i:012x}"\n{parent}')

# A schema.rs of many tables, each with a few columns and a foreign key
# to the one before.
os.makedirs(f"{work}/wide/src", exist_ok=True)
os.makedirs(f"{work}/wide/migrations", exist_ok=True)
with open(f"{work}/wide/src/schema.rs", "w") as f:
    for i in range(tables):
        f.write(f"diesel::table! {{\n    w{i} (id) {{\n        id -> Integer,\n"
                f"        name -> Text,\n        note -> Nullable<Text>,\n"
                f"        parent_id -> Nullable<Integer>,\n    }}\n}}\n\n")
    for i in range(1, tables):
        f.write(f"diesel::joinable!(w{i} -> w{i - 1} (parent_id));\n")
PY
for p in many big deep wide; do project "$WORK/$p"; done

measure "$SQL_MB MB up.sql" "$WORK/big" upgrade --sql
measure "$SQL_MB MB up.sql" "$WORK/big" upgrade
measure "$DEPTH deep" "$WORK/deep" heads
measure "$DEPTH deep" "$WORK/deep" history
measure "$DEPTH deep" "$WORK/deep" upgrade
measure "$DEPTH deep" "$WORK/deep" downgrade base
measure "$TABLES-table schema.rs" "$WORK/wide" generate --autogenerate --schema-file src/schema.rs -m wide
measure "$REVISIONS revisions" "$WORK/many" heads
measure "$REVISIONS revisions" "$WORK/many" history
measure "$REVISIONS revisions" "$WORK/many" upgrade --sql
measure "$REVISIONS revisions" "$WORK/many" current

{
  echo "Resource limits ($(date -u +%Y-%m-%d), $PROFILE build, $(nproc) CPUs; bench/limits.sh$( ((QUICK)) && echo ' --quick'))"
  echo
  echo "| input | command | exit | wall | peak RSS |"
  echo "| --- | --- | ---: | ---: | ---: |"
  cat "$ROWS"
} | tee "$OUT"
