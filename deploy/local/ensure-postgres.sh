#!/bin/sh
# Make sure a PostgreSQL server accepts `postgres` on 127.0.0.1:5432 with trust
# auth and has a `test` database: what CI and the PostgreSQL test tier need.
#
# On a machine where Debian's postgresql package is installed but not started
# (the project's machines), this starts the cluster, lets `postgres` in from the
# loopback without a password (trust, loopback only) and creates `test`. It is
# idempotent: a server that already answers and a database that already exists
# are left as they are. Needs root (or the postgres user) to change pg_hba.conf.
set -eu

HOST=127.0.0.1
PORT=${PGPORT:-5432}
DB=${INAGARA_TEST_DB:-test}

say() { echo "ensure-postgres: $*"; }

if ! command -v pg_lsclusters >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        say "PostgreSQL not installed; installing Debian's postgresql package"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    else
        say "PostgreSQL is not installed (Debian: apt-get install postgresql)" >&2
        exit 1
    fi
fi

# The first cluster Debian created (e.g. "15 main").
set -- $(pg_lsclusters --no-header | awk 'NR==1 {print $1, $2}')
[ $# -eq 2 ] || { say "no PostgreSQL cluster found (pg_createcluster 15 main)" >&2; exit 1; }
VERSION=$1
CLUSTER=$2
HBA=/etc/postgresql/$VERSION/$CLUSTER/pg_hba.conf

if [ -w "$HBA" ] && ! grep -qE "^host\s+all\s+postgres\s+$HOST/32\s+trust" "$HBA"; then
    # Rules are read top-down: the trust line for postgres on the loopback goes first.
    tmp=$(mktemp)
    { echo "# inagara: postgres may connect from the loopback without a password (tests, CI)"
      echo "host    all    postgres    $HOST/32    trust"
      cat "$HBA"; } > "$tmp"
    cat "$tmp" > "$HBA"
    rm -f "$tmp"
    say "trust for postgres on $HOST added to $HBA"
    RELOAD=1
fi

if ! pg_isready -q -h "$HOST" -p "$PORT"; then
    say "starting cluster $VERSION/$CLUSTER"
    pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$CLUSTER" start
    RELOAD=
fi
if [ -n "${RELOAD:-}" ]; then
    pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$CLUSTER" reload
fi

i=0
until pg_isready -q -h "$HOST" -p "$PORT"; do
    i=$((i + 1))
    [ $i -lt 60 ] || { say "server on $HOST:$PORT did not answer within 30 s" >&2; exit 1; }
    sleep 0.5
done

if ! psql -h "$HOST" -p "$PORT" -U postgres -d postgres -tAc "SELECT 1" >/dev/null 2>&1; then
    say "the server answers but refuses postgres@$HOST without a password (pg_hba.conf: $HBA)" >&2
    exit 1
fi
if [ "$(psql -h "$HOST" -p "$PORT" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != "1" ]; then
    psql -h "$HOST" -p "$PORT" -U postgres -d postgres -qc "CREATE DATABASE \"$DB\""
    say "database $DB created"
fi
say "postgresql://postgres@$HOST:$PORT/$DB ready"
