#!/usr/bin/env bash
# Idempotent: TLS and the test roles of tests/cli/migrate/drivers.rs and
# client_certs.rs on the local PostgreSQL and MariaDB (see .ci/run). Uses
# the machine's snakeoil certificate (CN localhost), which PostgreSQL on
# Debian already serves, as the servers' certificate, and a test CA of its
# own (below) that signs the client certificate both servers demand of
# the user `schema_cert`.
set -euo pipefail

# The test CA and the client certificate it signs (CN schema_cert, the
# user's name: PostgreSQL's clientcert=verify-full checks the two match),
# plus one with the same name signed by nobody the servers trust. Test
# keys, readable by all so that a test run as any user can copy them.
ca_dir=/etc/cargo-schema-tls
fresh_ca=
if [ ! -f "$ca_dir/stranger.crt" ]; then
  fresh_ca=1
  install -d -m 0755 "$ca_dir"
  tmp=$(mktemp -d)
  openssl req -x509 -newkey rsa:2048 -nodes -days 36500 -subj /CN=cargo-schema-test-ca \
    -keyout "$tmp/ca.key" -out "$tmp/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj /CN=schema_cert \
    -keyout "$tmp/client.key" -out "$tmp/client.csr" 2>/dev/null
  # X.509 v3 (with extensions): rustls refuses the v1 that `x509 -req`
  # writes without them.
  printf 'basicConstraints = CA:FALSE\nextendedKeyUsage = clientAuth\n' > "$tmp/client.ext"
  openssl x509 -req -days 36500 -in "$tmp/client.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" \
    -CAcreateserial -extfile "$tmp/client.ext" -out "$tmp/client.crt" 2>/dev/null
  openssl req -x509 -newkey rsa:2048 -nodes -days 36500 -subj /CN=schema_cert \
    -keyout "$tmp/stranger.key" -out "$tmp/stranger.crt" 2>/dev/null
  # The keys also as PKCS#1 (`BEGIN RSA PRIVATE KEY`), the only form
  # mysql_async reads; `openssl req` writes PKCS#8.
  for k in client stranger; do
    openssl rsa -in "$tmp/$k.key" -traditional -out "$tmp/$k.rsa.key" 2>/dev/null
  done
  install -m 0644 "$tmp/ca.crt" "$tmp/client.crt" "$tmp/client.key" "$tmp/stranger.key" \
    "$tmp/client.rsa.key" "$tmp/stranger.rsa.key" "$ca_dir/"
  # Last: its presence says the folder is complete.
  install -m 0644 "$tmp/stranger.crt" "$ca_dir/"
  rm -rf "$tmp"
fi

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
# schema_cert must show a certificate from the test CA naming it, and
# give its password: the CA goes to ssl_ca_file (read on reload, so the
# server need not restart; it asks every TLS client for a certificate
# but requires one only where pg_hba.conf says so).
if [ "$(pg -c 'SHOW ssl_ca_file')" != "$ca_dir/ca.crt" ] || [ -n "$fresh_ca" ]; then
  pg -c "ALTER SYSTEM SET ssl_ca_file = '$ca_dir/ca.crt'" >/dev/null
  pg -c 'SELECT pg_reload_conf()' >/dev/null
fi
if ! grep -q schema_cert "$hba"; then
  { printf '%s\n' \
      'hostnossl all schema_cert all reject' \
      'hostssl all schema_cert all scram-sha-256 clientcert=verify-full'
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
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'schema_cert') THEN
    CREATE ROLE schema_cert LOGIN;
  END IF;
END $$;
SET password_encryption = 'scram-sha-256';
ALTER ROLE schema_pw PASSWORD 'pw-from-the-environment';
ALTER ROLE schema_cert PASSWORD 'pw-beside-the-certificate';
SQL

my() { mariadb -h 127.0.0.1 -u root -N "$@"; }
# ssl_ca (the test CA, to check client certificates) is read only at
# start-up: a server without it restarts once.
if [ "$(my -e "SHOW VARIABLES LIKE 'have_ssl'" | cut -f2)" != YES ] \
  || [ "$(my -e "SHOW VARIABLES LIKE 'ssl_ca'" | cut -f2)" != "$ca_dir/ca.crt" ] \
  || [ -n "$fresh_ca" ]; then
  dir=/etc/mysql/cargo-schema-tls
  install -d -o mysql -g mysql -m 0750 "$dir"
  install -o mysql -g mysql -m 0644 /etc/ssl/certs/ssl-cert-snakeoil.pem "$dir/cert.pem"
  install -o mysql -g mysql -m 0600 /etc/ssl/private/ssl-cert-snakeoil.key "$dir/key.pem"
  printf '[mariadbd]\nssl_cert = %s/cert.pem\nssl_key = %s/key.pem\nssl_ca = %s/ca.crt\n' \
    "$dir" "$dir" "$ca_dir" > "$dir/tls.cnf"
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
# A certificate from the test CA naming the user, and the password.
my -e "CREATE USER IF NOT EXISTS 'schema_cert'@'%' \
         IDENTIFIED BY 'pw-beside-the-certificate' \
         REQUIRE SUBJECT '/CN=schema_cert' AND ISSUER '/CN=cargo-schema-test-ca'; \
       GRANT ALL PRIVILEGES ON *.* TO 'schema_cert'@'%'"
