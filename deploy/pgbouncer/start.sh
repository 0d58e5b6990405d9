#!/bin/sh
# Starts PgBouncer in docker-compose.yml: writes the services' logins (the same passwords
# deploy/postgres/init.sh gives their roles, from .env) to the auth file, then runs it.
set -eu
umask 077
{
    printf '"submission" "%s"\n' "${SUBMISSION_DB_PASSWORD:?}"
    printf '"review" "%s"\n' "${REVIEW_DB_PASSWORD:?}"
    printf '"notification" "%s"\n' "${NOTIFICATION_DB_PASSWORD:?}"
    printf '"results" "%s"\n' "${RESULTS_DB_PASSWORD:?}"
} > /tmp/userlist.txt
exec pgbouncer /etc/pgbouncer/inagara.ini
