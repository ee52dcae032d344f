#!/usr/bin/env bash
# A throwaway local PostgreSQL 15 cluster (Debian's packages) for benchmarks: in DIR, listening
# on 127.0.0.1 only (no Unix socket), trust authentication, the first free port from 54329.
# As root it runs as the `postgres` system user (PostgreSQL refuses root) and chowns DIR to it;
# DIR must then lie where that user can enter (under /tmp, say; not under /root).
# Idempotent: `start` on a running cluster only prints its connection string again.
#
#   scripts/pg-local.sh start DIR     prints postgresql://postgres@127.0.0.1:PORT/postgres
#   scripts/pg-local.sh stop DIR      stops it (the files stay; rm -rf DIR to drop them)
set -euo pipefail
bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
cmd=${1:-}
dir=${2:-}
if [[ -z $cmd || -z $dir ]] || [[ $cmd != start && $cmd != stop ]]; then
  echo "usage: $0 start|stop DIR" >&2
  exit 2
fi
if [[ ! -x $bin/pg_ctl ]]; then
  echo "$bin/pg_ctl not found: apt-get install postgresql (scripts/install-deps.sh)" >&2
  exit 1
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
data=$dir/data

as_pg() {  # runs a PostgreSQL binary as an unprivileged user
  if [[ $(id -u) -eq 0 ]]; then
    # From /: the caller's directory may be closed to the postgres user (PostgreSQL's tools
    # complain that they cannot go back to it).
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}
running() { [[ -f $data/PG_VERSION ]] && as_pg "$bin/pg_ctl" -D "$data" status > /dev/null 2>&1; }
url() { echo "postgresql://postgres@127.0.0.1:$(cat "$dir/port")/postgres"; }

if [[ $cmd == stop ]]; then
  if running; then as_pg "$bin/pg_ctl" -D "$data" -m fast -w stop > /dev/null; fi
  exit 0
fi

if running; then
  url
  exit 0
fi
if [[ $(id -u) -eq 0 ]]; then
  if ! id postgres > /dev/null 2>&1; then
    echo "no 'postgres' user: install Debian's postgresql package first" >&2
    exit 1
  fi
  chown postgres: "$dir"
  # Owning DIR is not enough: the postgres user must also be able to enter every directory
  # above it (not so under /root, or under a `mktemp -d` of root's).
  if ! runuser -u postgres -- test -x "$dir" -a -w "$dir"; then
    echo "the postgres user cannot enter $dir (a directory above it is closed to others);" \
      "use a directory under /tmp, e.g. \$(mktemp -d /tmp/ebcm-pg.XXXXXX)" >&2
    exit 1
  fi
fi
if [[ ! -f $data/PG_VERSION ]]; then
  as_pg "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 > "$dir/initdb.log"
fi
port=54329
while (: < "/dev/tcp/127.0.0.1/$port") 2> /dev/null; do port=$((port + 1)); done
echo "$port" > "$dir/port"
# A benchmark cluster: nothing to keep safe (fsync off), tables cached (shared_buffers), the
# recursive query's hash table in memory (work_mem), no JIT (it compiles for ~60 ms before a
# sub-millisecond query, as the planner over-estimates recursive CTEs). Everything else as shipped.
as_pg "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 start -o \
  "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='' \
   -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
   -c shared_buffers=1GB -c work_mem=256MB -c maintenance_work_mem=512MB -c jit=off" > /dev/null
url
