#!/usr/bin/env bash
# cargo-schema's benchmark suite: one command runs it all.
#
#   bench/run.sh           # N = 10, 100, 1000; writes bench/results.md
#   bench/run.sh --quick   # smoke mode: N = 10, few runs, dev build, no
#                          # embed!() build timing; under 2 minutes
#   bench/run.sh --only=lint   # only lint and check on 300 revisions
#                              # (with --quick: 20, SQLite only)
#
# Needs: hyperfine, sqlite3, psql, mariadb, python3, /usr/bin/time, and the
# PostgreSQL (127.0.0.1:5432, user postgres, trust) and MariaDB
# (127.0.0.1:3306, root, no password) servers. It creates and drops its own
# databases. Set CARGO_TARGET_DIR to build elsewhere than ./target.
# Exits non-zero when any step fails.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
QUICK=0
ONLY=
OUT="$REPO/bench/results.md"
for arg in "$@"; do
  case "$arg" in
    --quick) QUICK=1 ;;
    --out=*) OUT=${arg#--out=} ;;
    --only=lint) ONLY=lint ;;
    -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
PG_HOST=${BENCH_PG_HOST:-127.0.0.1}
MY_HOST=${BENCH_MY_HOST:-127.0.0.1}
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -U postgres)
MARIADB=(mariadb -h "$MY_HOST" -u root)
DB="schema_bench_$$"

if ((QUICK)); then
  NS=(10)
  PROFILE=dev
  BIN_DIR=debug
  RUNS_SMALL=3
  RUNS_LARGE=3
  NOOP_RUNS=5
  ROUNDS=2
else
  NS=(10 100 1000)
  PROFILE=release
  BIN_DIR=release
  RUNS_SMALL=10
  RUNS_LARGE=5
  NOOP_RUNS=30
  ROUNDS=5
fi
NMAX=${NS[-1]}

for tool in hyperfine sqlite3 psql mariadb python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install -y hyperfine sqlite3 postgresql-client mariadb-client time)" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/cargo-schema-bench.XXXXXX)
RES="$WORK/results"
mkdir -p "$RES"
# Folder snapshots of this run only (`--no-cache` measures without them).
export CARGO_SCHEMA_CACHE_DIR="$WORK/cache"
cleanup() {
  "${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
  "${MARIADB[@]}" -e "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

log() { printf '\n== %s\n' "$*" >&2; }

log "building cargo-schema ($PROFILE)"
cargo build --manifest-path "$REPO/Cargo.toml" -p cargo-schema --profile "$PROFILE" -q
BIN="$CARGO_TARGET_DIR/$BIN_DIR/cargo-schema"
# The binary a team on SQLite alone installs (`--no-default-features
# --features sqlite`): no PostgreSQL or MySQL driver, no TLS. Its own target
# folder, so the two builds do not replace each other.
SQLITE_BIN=
if ((!QUICK)) && [[ -z $ONLY ]]; then
  log "building the SQLite-only cargo-schema ($PROFILE)"
  CARGO_TARGET_DIR="$CARGO_TARGET_DIR/bench-sqlite-only" cargo build --manifest-path "$REPO/Cargo.toml" \
    -p cargo-schema --no-default-features --features sqlite --profile "$PROFILE" -q
  SQLITE_BIN="$CARGO_TARGET_DIR/bench-sqlite-only/$BIN_DIR/cargo-schema"
fi

url_of() { # backend
  case "$1" in
    sqlite) echo "sqlite://$WORK/bench.db" ;;
    postgres) echo "postgres://postgres@$PG_HOST:5432/$DB" ;;
    mysql) echo "mysql://root@$MY_HOST:3306/$DB" ;;
  esac
}

# Commands as strings for hyperfine (it runs them through a shell).
reset_cmd() { # backend
  case "$1" in
    sqlite) echo "rm -f '$WORK/bench.db'" ;;
    postgres) echo "${PSQL[*]} -d postgres -c 'DROP DATABASE IF EXISTS $DB' -c 'CREATE DATABASE $DB' -c CHECKPOINT" ;;
    mysql) echo "${MARIADB[*]} -e 'DROP DATABASE IF EXISTS $DB; CREATE DATABASE $DB'" ;;
  esac
}
client_cmd() { # backend script: the database's own client runs a script
  case "$1" in
    sqlite) echo "sqlite3 -bail '$WORK/bench.db' < '$2'" ;;
    postgres) echo "${PSQL[*]} -d $DB -f '$2'" ;;
    mysql) echo "${MARIADB[*]} $DB < '$2'" ;;
  esac
}

# hyperfine NAME RUNS [hyperfine args...]: results in $RES/NAME.json.
bench() {
  local name=$1 runs=$2
  shift 2
  hyperfine --style basic --runs "$runs" --export-json "$RES/$name.json" "$@" >&2
}

project() { # n backend mode -> project dir
  local dir="$WORK/p-$1-$2-$3"
  if [[ ! -d $dir ]]; then
    local flag=()
    [[ $3 == per ]] && flag=(--per-migration)
    python3 "$REPO/bench/gen.py" "$dir" "$1" "$(url_of "$2")" "${flag[@]}"
  fi
  echo "$dir"
}

# An app built with embed!() over PROJECT's folder and ini that prints the
# database's current revisions (what a service checks at start-up): no
# folder to read, one query. Prints the command that runs it.
embedded_current() { # project dir
  local crate="$1/embedded-current"
  mkdir -p "$crate/src"
  cat >"$crate/Cargo.toml" <<TOML
[package]
name = "embedded-current"
version = "0.1.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
diesel = { version = "$(sed -n 's/^diesel = { version = "\([^"]*\)".*/\1/p' "$REPO/Cargo.toml")", default-features = false, features = ["sqlite"] }
schema-runtime = { path = "$REPO/schema-runtime" }
TOML
  cp "$REPO/Cargo.lock" "$crate/Cargo.lock"
  cat >"$crate/src/main.rs" <<'RS'
schema_runtime::embed!(config = "../schema.ini");

fn main() {
    let config = SchemaConfig::load().expect("configuration");
    let mut conn: diesel::SqliteConnection =
        schema_runtime::connect::establish(config.settings()).expect("connect");
    for revision in MIGRATIONS.current(&mut conn).expect("current") {
        println!("{revision}");
    }
}
RS
  CARGO_TARGET_DIR="$CARGO_TARGET_DIR/bench-embedded" cargo build -q --release --manifest-path "$crate/Cargo.toml" >&2
  echo "$CARGO_TARGET_DIR/bench-embedded/release/embedded-current"
}

# diesel_cli and sqlx-cli, when installed, run the same folders beside
# cargo-schema (sqlx-cli from a copy in its own flat layout,
# `<version>_<name>.up.sql`); their columns are empty otherwise.
DIESEL=$(command -v diesel || true)
SQLX=$(command -v sqlx || true)
sqlx_folder() { # project dir -> a copy of its migrations in sqlx's layout
  local out="$1/sqlx-migrations"
  if [[ ! -d $out ]]; then
    mkdir -p "$out"
    for d in "$1"/migrations/*/; do
      local name
      name=$(basename "$d")
      local version=${name%%_*}
      version=${version//-/}
      cp "$d/up.sql" "$out/${version}_${name#*_}.up.sql"
      cp "$d/down.sql" "$out/${version}_${name#*_}.down.sql"
    done
  fi
  echo "$out"
}
sqlx_url() { # url -> the same database as sqlx-cli names it (it creates no
  # SQLite file unless told to, as the others do)
  case "$1" in
    sqlite:*) echo "$1?mode=rwc" ;;
    *) echo "$1" ;;
  esac
}
others_up() { # project dir, url -> hyperfine arguments for the other tools
  [[ -n $DIESEL ]] && printf '%s\0' -n diesel_cli "$DIESEL migration run --database-url '$2' --migration-dir '$1/migrations'"
  [[ -n $SQLX ]] && printf '%s\0' -n sqlx-cli "$SQLX migrate run --database-url '$(sqlx_url "$2")' --source '$(sqlx_folder "$1")'"
  true
}
others_down() { # project dir, url, reset command -> hyperfine arguments
  [[ -n $DIESEL ]] && printf '%s\0' -n diesel_cli --prepare "$3 && $DIESEL migration run --database-url '$2' --migration-dir '$1/migrations' >/dev/null" \
    "$DIESEL migration revert --all --database-url '$2' --migration-dir '$1/migrations'"
  [[ -n $SQLX ]] && printf '%s\0' -n sqlx-cli --prepare "$3 && $SQLX migrate run --database-url '$(sqlx_url "$2")' --source '$(sqlx_folder "$1")' >/dev/null" \
    "$SQLX migrate revert --target-version 0 --database-url '$(sqlx_url "$2")' --source '$(sqlx_folder "$1")'"
  true
}

BACKENDS=(sqlite postgres mysql)

# --only=lint: the lint section alone.
NS_RUN=("${NS[@]}")
[[ -n $ONLY ]] && NS_RUN=()
for n in "${NS_RUN[@]}"; do
  runs=$RUNS_SMALL
  ((n >= 1000)) && runs=$RUNS_LARGE
  for backend in "${BACKENDS[@]}"; do
    reset=$(reset_cmd "$backend")
    one=$(project "$n" "$backend" one)
    per=$(project "$n" "$backend" per)
    ini="$one/schema.ini"
    "$BIN" -c "$ini" upgrade head --sql >"$one/up.sql"
    "$BIN" -c "$ini" downgrade base --sql >"$one/down.sql"

    url=$(url_of "$backend")
    mapfile -d '' up_others < <(others_up "$one" "$url")
    mapfile -d '' down_others < <(others_down "$one" "$url" "$reset")

    log "upgrade head: $backend, N=$n"
    bench "upgrade-$backend-$n" "$runs" --prepare "$reset" \
      -n floor "$(client_cmd "$backend" "$one/up.sql")" \
      -n one "$BIN -c '$ini' upgrade head" \
      -n per "$BIN -c '$per/schema.ini' upgrade head" \
      "${up_others[@]}"
    if ((n == NMAX)); then
      # The same two, interleaved round by round (bench/interleave.py): the
      # servers' times drift more between hyperfine's blocks than the
      # difference measured.
      python3 "$REPO/bench/interleave.py" "$RES/interleaved-upgrade-$backend-$n.json" "$ROUNDS" \
        --prepare "$reset" floor "$(client_cmd "$backend" "$one/up.sql")" one "$BIN -c '$ini' upgrade head"
    fi

    log "downgrade base: $backend, N=$n"
    bench "downgrade-$backend-$n" "$runs" \
      -n floor --prepare "$reset && $(client_cmd "$backend" "$one/up.sql") >/dev/null" \
      "$(client_cmd "$backend" "$one/down.sql")" \
      -n one --prepare "$reset && $BIN -q -c '$ini' upgrade head" \
      "$BIN -c '$ini' downgrade base" \
      "${down_others[@]}"

    # The result must be right, not only fast.
    eval "$reset"
    "$BIN" -q -c "$ini" upgrade head
    "$BIN" -q -c "$ini" check >/dev/null

    if ((n == NMAX)); then
      log "no-op current and check: $backend, N=$n"
      case "$backend" in
        sqlite) read_floor="sqlite3 '$WORK/bench.db' 'SELECT version FROM __diesel_schema_migrations; SELECT * FROM __schema_revisions' >/dev/null" ;;
        postgres) read_floor="${PSQL[*]} -d $DB -c 'SELECT version FROM __diesel_schema_migrations' -c 'SELECT * FROM __schema_revisions' >/dev/null" ;;
        mysql) read_floor="${MARIADB[*]} $DB -e 'SELECT version FROM __diesel_schema_migrations; SELECT * FROM __schema_revisions' >/dev/null" ;;
      esac
      # current/check: the folder's snapshot is warm (the warm-up runs
      # write it); current-cold reads all 1000 folders, as the first run
      # on a fresh checkout does.
      extra=()
      if [[ $backend == sqlite && -n $SQLITE_BIN ]]; then
        embedded=$(embedded_current "$one")
        # Both must name the same revision before their times mean anything.
        [[ $("$embedded") == $("$BIN" -q -c "$ini" current | cut -d' ' -f1) ]] ||
          { echo "bench: the embedded current disagrees with cargo schema current" >&2; exit 1; }
        extra+=(-n current-sqlite-only "$SQLITE_BIN -c '$ini' current")
        extra+=(-n current-embedded "$embedded")
      fi
      # The other tools' nearest no-op: diesel_cli's `migration pending`
      # (reads the folder and the table, prints whether any is pending) and
      # sqlx-cli's `migrate info` (the same, one line per migration).
      [[ -n $DIESEL ]] && extra+=(-n diesel_cli "$DIESEL migration pending --database-url '$url' --migration-dir '$one/migrations'")
      [[ -n $SQLX ]] && extra+=(-n sqlx-cli "$SQLX migrate info --database-url '$(sqlx_url "$url")' --source '$(sqlx_folder "$one")'")
      # `check` without the drift replay (`bench/autogen.py` times that):
      # the bookkeeping against the folder, as `current` reads it.
      bench "noop-$backend-$n" "$NOOP_RUNS" --warmup 3 \
        -n floor "$read_floor" \
        -n current "$BIN -c '$ini' current" \
        -n check "$BIN -c '$ini' check --no-drift" \
        -n current-cold "$BIN --no-cache -c '$ini' current" \
        "${extra[@]}"
      python3 "$REPO/bench/interleave.py" "$RES/interleaved-noop-$backend-$n.json" $((ROUNDS * 20)) \
        floor "$read_floor" current "$BIN -c '$ini' current"

      log "peak memory of upgrade head: $backend, N=$n"
      # Three rounds, each tool in turn on a fresh database; the report
      # takes the median of each (`time -a` appends a line per run).
      for _ in 1 2 3; do
        eval "$reset"
        /usr/bin/time -a -f '%M' -o "$RES/maxrss-$backend-$n.txt" "$BIN" -q -c "$ini" upgrade head
        if [[ -n $DIESEL ]]; then
          eval "$reset"
          /usr/bin/time -a -f '%M' -o "$RES/maxrss-$backend-$n-diesel_cli.txt" \
            "$DIESEL" migration run --database-url "$url" --migration-dir "$one/migrations" >/dev/null
        fi
        if [[ -n $SQLX ]]; then
          eval "$reset"
          /usr/bin/time -a -f '%M' -o "$RES/maxrss-$backend-$n-sqlx-cli.txt" \
            "$SQLX" migrate run --database-url "$(sqlx_url "$url")" --source "$(sqlx_folder "$one")" >/dev/null
        fi
      done
    fi
  done
done

# lint's cost beside check's drift check, on a folder the size of
# crates.io's (LINT_N revisions, the last LINT_PENDING pending): cold (no
# replayed schema cached: each command replays the revisions into a scratch
# database) and warm (the second run on an unchanged folder reads the
# schemas back from CARGO_SCHEMA_CACHE_DIR/schemas). The three commands run
# in turn, round after round (bench/interleave.py), so the ratios come from
# the same rounds. `check` exits 3 with revisions pending: that is its
# verdict, not a failure.
LINT_N=300
LINT_PENDING=5
WARM_ROUNDS=$((ROUNDS * 4))
LINT_BACKENDS=("${BACKENDS[@]}")
# The smoke run only proves the steps work: SQLite, 20 revisions.
((QUICK)) && LINT_N=20 WARM_ROUNDS=$ROUNDS LINT_BACKENDS=(sqlite)
for backend in "${LINT_BACKENDS[@]}"; do
  log "lint vs check on $LINT_N revisions, $LINT_PENDING pending: $backend"
  dir=$(project "$LINT_N" "$backend" one)
  ini="$dir/schema.ini"
  eval "$(reset_cmd "$backend")"
  applied=$(python3 -c "import hashlib; print(hashlib.sha1(b'bench-$((LINT_N - LINT_PENDING))').hexdigest()[:12])")
  "$BIN" -q -c "$ini" upgrade "$applied"
  verdict() { echo "$1 >/dev/null 2>&1 || [ \$? = 3 ]"; }
  drift=$(verdict "$BIN -c '$ini' check --no-lint")
  lint=$(verdict "$BIN -c '$ini' lint")
  both=$(verdict "$BIN -c '$ini' check")
  # The answers must not depend on the cache.
  cold_out=$("$BIN" -c "$ini" lint --format json || true)
  warm_out=$("$BIN" -c "$ini" lint --format json || true)
  [[ $cold_out == "$warm_out" ]] || { echo "bench: lint's warm answer differs from its cold one" >&2; exit 1; }
  python3 "$REPO/bench/interleave.py" "$RES/lint-cold-$backend-$LINT_N.json" "$ROUNDS" \
    --prepare "rm -rf '$CARGO_SCHEMA_CACHE_DIR/schemas'" \
    check-drift "$drift" lint "$lint" check "$both"
  python3 "$REPO/bench/interleave.py" "$RES/lint-warm-$backend-$LINT_N.json" "$WARM_ROUNDS" \
    check-drift "$drift" lint "$lint" check "$both"
done

# Graph operations in process (criterion): 10 000 and 100 000 revisions.
log "graph operations (criterion)"
if [[ -n $ONLY ]]; then
  :
elif ((QUICK)); then
  # Smoke: each benchmark once, on a small graph, in the test profile.
  BENCH_GRAPH_SIZES=1000 cargo test --manifest-path "$REPO/Cargo.toml" -p schema-core --bench graph -q >&2
else
  rm -rf "$CARGO_TARGET_DIR/criterion/graph"
  cargo bench --manifest-path "$REPO/Cargo.toml" -p schema-core --bench graph -q >&2
  cp -r "$CARGO_TARGET_DIR/criterion" "$RES/criterion"
fi

# Build cost of embed!() beside diesel's embed_migrations! on one folder of
# NMAX migrations, and on an empty one (the fixed cost of each dependency),
# in the dev profile with the dependencies prebuilt.
# Skipped in smoke mode: the two crates' dependencies take minutes to build
# the first time.
EMBED_TARGET="$CARGO_TARGET_DIR/bench-embed"
build_runs=$RUNS_LARGE
embed_ns=("$NMAX" 0)
((QUICK)) && embed_ns=()
[[ -n $ONLY ]] && embed_ns=()
((QUICK)) || [[ -n $ONLY ]] || log "build cost: embed!() vs embed_migrations!, N=$NMAX and N=0"
for n in "${embed_ns[@]}"; do
  dir="$WORK/embed-$n"
  mkdir -p "$dir/migrations"
  python3 "$REPO/bench/gen.py" "$dir" "$n" "sqlite://bench.db"
  "$REPO/bench/embed_crates.sh" "$REPO" "$dir" "$n"
  first=$(ls "$dir/migrations" | sed -n 1p)
  for kind in schema diesel; do
    crate="embed-$kind-$n"
    b="cd '$dir/$crate' && CARGO_TARGET_DIR='$EMBED_TARGET' cargo build -q"
    eval "$b"
    bench "build-clean-$kind-$n" "$build_runs" \
      --prepare "cd '$dir/$crate' && CARGO_TARGET_DIR='$EMBED_TARGET' cargo clean -q -p $crate" "$b"
    if [[ -n $first ]]; then
      bench "build-edit-$kind-$n" "$build_runs" \
        --prepare "echo '-- edit' \$RANDOM >> '$dir/migrations/$first/up.sql'" "$b"
    fi
  done
done

log "report"
python3 "$REPO/bench/report.py" "$RES" "$OUT" --ns "${NS[*]}" --quick "$QUICK"
cat "$OUT"
