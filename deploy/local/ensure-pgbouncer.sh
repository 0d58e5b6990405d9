#!/bin/sh
# Make sure PgBouncer is there: the connection pooler docker-compose.yml and the Kubernetes
# overlay put between the services and PostgreSQL (transaction pooling), which
# tests/integration/test_pgbouncer.py starts in front of the test server (docs/OPERATE.md,
# "Connections").
#
# Prints the path of the pgbouncer it found. As root and with none found, installs Debian's
# `pgbouncer` package, the way ensure-nginx.sh does for nginx, and stops the packaged service
# (the tests run their own). Otherwise it says plainly that none was found: the PgBouncer
# tests then skip saying the same. PGBOUNCER_PATH, when set, wins.
set -eu

find_pgbouncer() {
    if [ -n "${PGBOUNCER_PATH:-}" ] && [ -x "${PGBOUNCER_PATH}" ]; then
        echo "${PGBOUNCER_PATH}"
        return 0
    fi
    for path in "$(command -v pgbouncer 2>/dev/null || true)" /usr/sbin/pgbouncer /usr/local/bin/pgbouncer; do
        if [ -n "$path" ] && [ -x "$path" ]; then
            echo "$path"
            return 0
        fi
    done
    return 1
}

if found=$(find_pgbouncer); then
    echo "ensure-pgbouncer: using $found"
    exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-pgbouncer: no pgbouncer found; installing Debian's pgbouncer package"
    apt-get update -qq
    # Another apt-get (ensure-chromium.sh, ensure-nginx.sh) may hold the lock for a while.
    DEBIAN_FRONTEND=noninteractive apt-get install -o DPkg::Lock::Timeout=600 -y -qq --no-install-recommends pgbouncer >/dev/null
    if command -v service >/dev/null 2>&1; then service pgbouncer stop >/dev/null 2>&1 || true; fi
    if found=$(find_pgbouncer); then
        echo "ensure-pgbouncer: using $found"
        exit 0
    fi
fi

echo "ensure-pgbouncer: NO PGBOUNCER FOUND (looked for \$PGBOUNCER_PATH, pgbouncer on PATH, /usr/sbin/pgbouncer)." >&2
echo "ensure-pgbouncer: install it (Debian: apt-get install pgbouncer) or set PGBOUNCER_PATH; without it the PgBouncer tests skip." >&2
exit 0
