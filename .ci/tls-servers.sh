#!/usr/bin/env bash
# Idempotent: TLS and the test roles of tests/cli/drivers.rs on the local
# PostgreSQL and MariaDB (see .ci/run). Uses the machine's snakeoil
# certificate (CN localhost), which PostgreSQL on Debian already serves.
set -euo pipefail

pg() { psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }

if [ "$(pg -c 'SHOW ssl')" != on ]; then
  echo "PostgreSQL does not serve TLS (ssl = off)" >&2
  exit 1
fi
hba=$(pg -c 'SHOW hba_file')
if ! grep -q schema_tls_only "$hba"; then
  # First match wins in pg_hba.conf, so these go above the trust lines.
  { printf '%s\n' \
      'hostnossl all schema_tls_only all reject' \
      'host all schema_pw all scram-sha-256'
    cat "$hba"; } > "$hba.cargo-schema"
  cat "$hba.cargo-schema" > "$hba"
  rm -f "$hba.cargo-schema"
  pg -c 'SELECT pg_reload_conf()' >/dev/null
fi
pg <<'SQL'
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'schema_tls_only') THEN
    CREATE ROLE schema_tls_only LOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'schema_pw') THEN
    CREATE ROLE schema_pw LOGIN;
  END IF;
END $$;
SET password_encryption = 'scram-sha-256';
ALTER ROLE schema_pw PASSWORD 'pw-from-the-environment';
SQL

my() { mariadb -h 127.0.0.1 -u root -N "$@"; }
if [ "$(my -e "SHOW VARIABLES LIKE 'have_ssl'" | cut -f2)" != YES ]; then
  dir=/etc/mysql/cargo-schema-tls
  install -d -o mysql -g mysql -m 0750 "$dir"
  install -o mysql -g mysql -m 0644 /etc/ssl/certs/ssl-cert-snakeoil.pem "$dir/cert.pem"
  install -o mysql -g mysql -m 0600 /etc/ssl/private/ssl-cert-snakeoil.key "$dir/key.pem"
  printf '[mariadbd]\nssl_cert = %s/cert.pem\nssl_key = %s/key.pem\n' "$dir" "$dir" > "$dir/tls.cnf"
  grep -qx "!include $dir/tls.cnf" /etc/mysql/my.cnf \
    || printf '\n!include %s/tls.cnf\n' "$dir" >> /etc/mysql/my.cnf
  # --retry waits until the old server has exited, not just stopped
  # answering, so the start below cannot find it still running.
  start-stop-daemon --stop --oknodo --exec /usr/sbin/mariadbd --retry TERM/60
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  for _ in $(seq 1 30); do
    mariadb-admin -h 127.0.0.1 -u root ping >/dev/null 2>&1 && break
    sleep 1
  done
  if [ "$(my -e "SHOW VARIABLES LIKE 'have_ssl'" | cut -f2)" != YES ]; then
    echo "MariaDB does not serve TLS after the restart" >&2
    exit 1
  fi
fi
my -e "CREATE USER IF NOT EXISTS 'schema_tls_only'@'%' REQUIRE SSL; \
       GRANT ALL PRIVILEGES ON *.* TO 'schema_tls_only'@'%'"
