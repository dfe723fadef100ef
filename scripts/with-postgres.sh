#!/usr/bin/env bash
# Run a command with a private, throwaway PostgreSQL server; QUNOPS_TEST_POSTGRES_URL points at it.
set -euo pipefail
# QUNOPS_PG_OPTS: server options; by default durability is relaxed for speed (benchmarks set it empty).
bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
workdir=$(mktemp -d /tmp/qunops-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  # PostgreSQL refuses to run as root: the cluster belongs to the postgres user.
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$workdir"
  as_pg=(runuser -u postgres --)
fi
"${as_pg[@]}" "$bindir/initdb" -D "$workdir/data" -U qunops --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${as_pg[@]}" "$bindir/pg_ctl" -D "$workdir/data" -l "$workdir/log" -w -o "-p $port -k $workdir -c listen_addresses=127.0.0.1 ${QUNOPS_PG_OPTS--c fsync=off -c full_page_writes=off}" start >/dev/null
cleanup() {
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap cleanup EXIT
export QUNOPS_TEST_POSTGRES_URL="postgresql+psycopg://qunops@127.0.0.1:$port/postgres"
"$@"
