#!/bin/sh
# One database and one login role per service (DESIGN: each service owns its database and
# never reads another's). Each role owns its database; no other role may connect to it.
# The postgres image runs this once, when its data volume is empty (to rerun it, remove the
# volume: `docker compose down --volumes`). The passwords come from the container's
# environment: SUBMISSION_DB_PASSWORD, REVIEW_DB_PASSWORD, NOTIFICATION_DB_PASSWORD,
# RESULTS_DB_PASSWORD.
# Outside compose: run it with psql's environment (PGHOST, PGUSER...) and those four set.
set -eu

for service in submission review notification results; do
    password=$(printenv "$(echo "$service" | tr a-z A-Z)_DB_PASSWORD")
    psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
        -v role="$service" -v password="$password" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"role" OWNER :"role";
REVOKE ALL ON DATABASE :"role" FROM PUBLIC;
SQL
done
