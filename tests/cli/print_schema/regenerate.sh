#!/usr/bin/env bash
# Regenerates every cases/<backend>/<case>/expected.rs with the real
# diesel_cli 2.3.14, which CI does not need: the test (mod.rs) compares our
# `print-schema` against these files byte for byte.
#
#   CARGO_TARGET_DIR=/tmp/diesel-build cargo install --locked diesel_cli \
#     --version 2.3.14 --no-default-features \
#     --features postgres,sqlite-bundled,mysql --root /tmp/diesel-cli
#   DIESEL=/tmp/diesel-cli/bin/diesel tests/cli/print_schema/regenerate.sh [CASE_DIR...]
#
# Each case: schema.sql (run with the backend's own client on a fresh
# database), an optional diesel.toml and schema.patch. Servers come from
# SCHEMA_TEST_POSTGRES_URL and SCHEMA_TEST_MYSQL_URL (admin URLs, as for
# the tests). diesel runs in a scratch copy of the case, so no
# rustfmt.toml of this repository applies (the test runs the same way).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
diesel=${DIESEL:-diesel}
pg_admin=${SCHEMA_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
my_admin=${SCHEMA_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306/test}

"$diesel" --version | grep -q '2\.3\.14' || {
    echo "need diesel_cli 2.3.14, got: $("$diesel" --version)" >&2
    exit 1
}

# URL parts for the mariadb client: user, password, host, port.
my_rest=${my_admin#*://}
my_auth=${my_rest%%@*}
my_hostport=${my_rest#*@}
my_hostport=${my_hostport%%/*}
my_user=${my_auth%%:*}
my_pass=""
[[ $my_auth == *:* ]] && my_pass=${my_auth#*:}
my_host=${my_hostport%%:*}
my_port=3306
[[ $my_hostport == *:* ]] && my_port=${my_hostport#*:}
mariadb_cmd() { mariadb -h "$my_host" -P "$my_port" -u "$my_user" ${my_pass:+-p"$my_pass"} "$@"; }

cases=("$@")
if [[ ${#cases[@]} -eq 0 ]]; then
    cases=("$here"/cases/*/*/)
fi

for dir in "${cases[@]}"; do
    dir=$(cd "$dir" && pwd)
    backend=$(basename "$(dirname "$dir")")
    name=$(basename "$dir")
    work=$(mktemp -d)
    cp "$dir"/schema.sql "$work"/
    [[ -f $dir/diesel.toml ]] && cp "$dir"/diesel.toml "$work"/
    [[ -f $dir/schema.patch ]] && cp "$dir"/schema.patch "$work"/
    db="cs_regen_${name}_$$"
    case $backend in
    sqlite)
        sqlite3 -bail "$work/app.db" < "$dir/schema.sql"
        url="$work/app.db"
        ;;
    postgres)
        psql "$pg_admin" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db" >/dev/null
        url="${pg_admin%/*}/$db"
        psql "$url" -q -v ON_ERROR_STOP=1 -f "$dir/schema.sql" >/dev/null
        ;;
    mysql)
        mariadb_cmd -e "CREATE DATABASE $db"
        url="${my_admin%/*}/$db"
        mariadb_cmd "$db" < "$dir/schema.sql"
        ;;
    esac
    (cd "$work" && "$diesel" print-schema --database-url "$url" --config-file "$work/diesel.toml") \
        > "$dir/expected.rs"
    case $backend in
    postgres) psql "$pg_admin" -q -c "DROP DATABASE $db" >/dev/null ;;
    mysql) mariadb_cmd -e "DROP DATABASE $db" ;;
    esac
    rm -rf "$work"
    echo "$backend/$name"
done
