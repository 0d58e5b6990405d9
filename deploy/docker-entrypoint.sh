#!/bin/sh
# Entrypoint of the Inagara image (deploy/Dockerfile).
#
#   web          gunicorn serving services.$INAGARA_SERVICE on 0.0.0.0:$INAGARA_WEB_PORT
#   worker       python -m services.$INAGARA_SERVICE.worker
#   healthcheck  exit 0 when the web process answers /healthz
#   alive        exit 0 when the worker's heartbeat file is fresh (its loops make progress)
#   anything else is run as given
#
# The image runs this under tini (PID 1), which forwards SIGTERM to the process exec'd
# here and reaps any orphaned child.
set -eu

service() {
    case "${INAGARA_SERVICE:-}" in
        submission | review | notification) echo "$INAGARA_SERVICE" ;;
        *)
            echo "INAGARA_SERVICE must be submission, review or notification," \
                "got '${INAGARA_SERVICE:-}' (build with --build-arg INAGARA_SERVICE=...)" >&2
            exit 64
            ;;
    esac
}

case "${1:-web}" in
    web)
        svc=$(service)
        # Workers count: WEB_CONCURRENCY, which gunicorn reads itself. Never --preload: the
        # Kafka client must be created after the fork (DESIGN: Runtime).
        # Prometheus multiprocess mode: every gunicorn worker writes its samples here.
        export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-/tmp/prometheus}"
        exec gunicorn \
            --config python:shared.web.gunicorn_config \
            --bind "0.0.0.0:${INAGARA_WEB_PORT:-8000}" \
            --worker-tmp-dir /dev/shm \
            --log-level "${LOG_LEVEL:-info}" \
            --access-logfile - \
            "services.${svc}.wsgi:create_app()"
        ;;
    worker)
        svc=$(service)
        exec python -m "services.${svc}.worker"
        ;;
    healthcheck)
        # No curl in the slim image; urlopen raises (exit 1) on refusal, timeout or non-2xx.
        exec python -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
            "http://127.0.0.1:${INAGARA_WEB_PORT:-8000}/healthz"
        ;;
    alive)
        exec python -m shared.platform.liveness "${INAGARA_HEARTBEAT_FILE:-/tmp/inagara-alive}"
        ;;
    *)
        exec "$@"
        ;;
esac
