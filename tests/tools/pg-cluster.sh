#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests and for trying several gateway instances on one
# machine (docs/operations.md, "PostgreSQL").
#
#   tests/tools/pg-cluster.sh start DIR PORT [--durable]
#   tests/tools/pg-cluster.sh stop DIR
#
# start: initdb's a new cluster into a fresh temporary folder (mktemp -d under ${TMPDIR:-/tmp}),
# starts it on 127.0.0.1:PORT (TCP on loopback only; its Unix socket in the cluster's own
# folder), creates the superuser `fhirgw` with a random password and its database `fhirgw`, and
# writes into DIR (created if missing):
#   url       postgresql://fhirgw@127.0.0.1:PORT/fhirgw   (no password in it)
#   password  the password, mode 0600 (storage.passwordFile)
#   pgpass    the same in libpq's passfile format, mode 0600 (the url's ?passfile=)
#   ca.pem    the certificate of the throw-away CA that signed the server's TLS certificate
#             (127.0.0.1 and localhost), for ?sslmode=verify-full&sslrootcert=DIR/ca.pem
#   datadir   where the cluster lives (stop removes it)
# The server takes TLS and clear connections alike (ssl = on): libpq's default, prefer, then uses
# TLS, and verify-full with ca.pem checks the chain and the host.
# A cluster this script started earlier in DIR is stopped and removed first. Without --durable
# the cluster runs with fsync=off (a test cluster: faster, and a machine crash loses it anyway);
# --durable keeps PostgreSQL's defaults (benchmarks).
#
# PostgreSQL refuses to run as root. Run as root (CI), the script runs initdb and the server as
# the unprivileged `postgres` user that Debian's postgresql package creates (runuser); the
# cluster's folder is then owned by that user. Otherwise it runs them as the current user.
# The binaries are found on the PATH, else in the newest /usr/lib/postgresql/*/bin (Debian).
set -euo pipefail

usage() {
  echo "usage: $0 start DIR PORT [--durable] | stop DIR" >&2
  exit 2
}

find_bin() {
  # The folder initdb really lives in (a PATH entry may be a symbolic link), where pg_ctl,
  # postgres and psql of the same version are.
  if command -v initdb >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v initdb)")"
    return
  fi
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [[ -z "$dir" || ! -x "$dir/initdb" ]]; then
    echo "pg-cluster: initdb not found (install Debian's postgresql: scripts/setup.sh)" >&2
    exit 1
  fi
  echo "$dir"
}

# Runs a command as the cluster's owner.
as_owner() {
  if [[ "$(id -u)" -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

stop_cluster() {
  local dir="$1"
  [[ -f "$dir/datadir" ]] || return 0
  local data
  data=$(cat "$dir/datadir")
  if [[ -f "$data/data/postmaster.pid" ]]; then
    as_owner "$BIN/pg_ctl" -D "$data/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
      as_owner "$BIN/pg_ctl" -D "$data/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  # Only a folder this script made (its name is its mark) is removed.
  if [[ "$(basename "$data")" == fhirgw-pg.* ]]; then
    rm -rf -- "$data"
  fi
  rm -f -- "$dir/datadir" "$dir/url" "$dir/password" "$dir/pgpass" "$dir/ca.pem"
}

# A throw-away CA and the server's certificate signed by it, into the cluster's data folder (the
# key readable by its owner only, as the server demands), the CA's certificate into DIR.
make_tls() {
  local data="$1" dir="$2" pki="$1/pki"
  mkdir -p "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=fhirgw test PostgreSQL CA" \
    -keyout "$pki/ca.key" -out "$pki/ca.pem" >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$data/data/server.key" -out "$pki/server.csr" >/dev/null 2>&1
  printf 'subjectAltName = IP:127.0.0.1, DNS:localhost\n' >"$pki/ext.cnf"
  openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" \
    -CAcreateserial -days 2 -extfile "$pki/ext.cnf" -out "$data/data/server.crt" >/dev/null 2>&1
  cp "$pki/ca.pem" "$dir/ca.pem"
  rm -rf -- "$pki"
  chmod 0600 "$data/data/server.key"
  if [[ "$(id -u)" -eq 0 ]]; then
    chown postgres: "$data/data/server.key" "$data/data/server.crt"
  fi
}

[[ $# -ge 2 ]] || usage
command="$1"
dir="$2"
BIN=$(find_bin)

case "$command" in
  stop)
    stop_cluster "$dir"
    echo "pg-cluster: stopped"
    ;;
  start)
    [[ $# -ge 3 ]] || usage
    port="$3"
    durable=0
    [[ "${4:-}" == "--durable" ]] && durable=1
    if [[ "$(id -u)" -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
      echo "pg-cluster: running as root needs the 'postgres' user (Debian's postgresql package)" >&2
      exit 1
    fi
    mkdir -p "$dir"
    stop_cluster "$dir"
    data=$(mktemp -d "${TMPDIR:-/tmp}/fhirgw-pg.XXXXXX")
    echo "$data" >"$dir/datadir"
    password=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
    (umask 077; printf '%s\n' "$password" >"$dir/password")
    (umask 077; printf '127.0.0.1:%s:*:fhirgw:%s\n' "$port" "$password" >"$dir/pgpass")
    # initdb reads the password from a file its user can read; removed right after.
    (umask 077; printf '%s\n' "$password" >"$data/pwfile")
    if [[ "$(id -u)" -eq 0 ]]; then
      chown -R postgres: "$data"
      chmod 0700 "$data"
    fi
    # Loopback TCP asks for the password (scram-sha-256), as a real deployment would; the
    # cluster's own socket, in its private folder, trusts its owner (this script's psql).
    as_owner "$BIN/initdb" -D "$data/data" -U fhirgw --pwfile="$data/pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 \
      >"$data/initdb.log" 2>&1 || { cat "$data/initdb.log" >&2; exit 1; }
    rm -f "$data/pwfile"
    make_tls "$data" "$dir"
    {
      echo "ssl = on"
      echo "listen_addresses = '127.0.0.1'"
      echo "port = $port"
      echo "unix_socket_directories = '$data'"
      echo "max_connections = 300"
      echo "log_min_messages = warning"
      if [[ "$durable" -eq 0 ]]; then
        echo "fsync = off"
        echo "full_page_writes = off"
      fi
    } >>"$data/data/postgresql.conf"
    if ! as_owner "$BIN/pg_ctl" -D "$data/data" -l "$data/server.log" -w -t 60 start >/dev/null; then
      echo "pg-cluster: the server did not start on 127.0.0.1:$port:" >&2
      tail -20 "$data/server.log" >&2 || true
      exit 1
    fi
    as_owner "$BIN/psql" -h "$data" -p "$port" -U fhirgw -d postgres -v ON_ERROR_STOP=1 -q \
      -c "CREATE DATABASE fhirgw" >/dev/null
    echo "postgresql://fhirgw@127.0.0.1:$port/fhirgw" >"$dir/url"
    echo "pg-cluster: PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on" \
      "127.0.0.1:$port (data in $data; url in $dir/url, password in $dir/password)"
    ;;
  *) usage ;;
esac
