-- One database per service (DESIGN: each service owns its own database and never reads
-- another's). The postgres image runs this once, when its data volume is empty; to rerun
-- it, remove the volume: `docker compose down --volumes`.
CREATE DATABASE submission;
CREATE DATABASE review;
CREATE DATABASE notification;
