#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests, in a directory of its own, reached through a
# Unix socket in that directory (no TCP port to collide with).
#   tests/postgresql.sh start DIR    creates the cluster if need be, starts it, waits
#                                    until it accepts connections, prints its URL
#   tests/postgresql.sh stop DIR     stops it (fast shutdown), keeping its data
#   tests/postgresql.sh destroy DIR  stops it and removes DIR
# As root (initdb refuses to run as root) the server runs as the user `nobody`.
# Exits 77 when PostgreSQL's server programs are not installed (package postgresql).
set -euo pipefail
cmd="${1:?usage: postgresql.sh start|stop|destroy DIR}"
dir="${2:?usage: postgresql.sh start|stop|destroy DIR}"
bin=""
for b in /usr/lib/postgresql/*/bin; do
  [[ -x "$b/initdb" && -x "$b/pg_ctl" ]] && bin="$b"
done
if [[ -z "$bin" ]]; then
  echo "postgresql.sh: PostgreSQL server programs not found (install the package postgresql)" >&2
  exit 77
fi
user="$(id -un)"
as_user=()
if [[ "$(id -u)" == 0 ]]; then
  user=nobody
  as_user=(runuser -u nobody --)
fi
data="$dir/data"
sock="$dir/run"
logs="$dir/log"
pg_ctl() { "${as_user[@]}" "$bin/pg_ctl" -D "$data" -l "$logs/server.log" "$@" >/dev/null; }

case "$cmd" in
  start)
    if [[ ! -d "$data" ]]; then
      mkdir -p "$dir"
      chmod 755 "$dir"
      mkdir -p "$data" "$sock" "$logs"
      chown "$user" "$data" "$sock" "$logs"
      chmod 700 "$data"
      "${as_user[@]}" "$bin/initdb" -D "$data" -U "$user" --auth=trust -E UTF8 --no-locale \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    pg_ctl -w -t 60 -o "-c listen_addresses='' -k $sock -c max_connections=200" start ||
      { cat "$logs/server.log" >&2; exit 1; }
    echo "postgresql:///postgres?host=$sock&user=$user"
    ;;
  stop)
    [[ -f "$data/postmaster.pid" ]] && pg_ctl -w -m fast stop
    ;;
  destroy)
    [[ -f "$data/postmaster.pid" ]] && pg_ctl -w -m immediate stop || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: postgresql.sh start|stop|destroy DIR" >&2
    exit 2
    ;;
esac
