#!/bin/sh
# The application's database role, separate from the owner of the tables.
#
# The postgres image runs this once, when it initialises an empty data volume, as POSTGRES_USER
# (a superuser, which owns the database and runs the migrations). On a volume initialised
# before this script existed, run it by hand once:
#   docker compose exec db sh /docker-entrypoint-initdb.d/10-app-role.sh
#
# The role it makes (AIMS_APP_DB_ROLE, default aims_app) logs in, reads and writes rows and
# owns nothing. Not a superuser, it cannot SET session_replication_role (which turns triggers
# off); owning no table, it cannot disable or drop the change log's triggers; without the
# TRUNCATE privilege it cannot empty a table. Running it again only resets the password and
# the grants.
set -eu
: "${AIMS_APP_DB_PASSWORD:?set AIMS_APP_DB_PASSWORD}"

psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet \
  --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-${POSTGRES_USER:-postgres}}" \
  -v app_role="${AIMS_APP_DB_ROLE:-aims_app}" -v app_password="$AIMS_APP_DB_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'app_role')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_role') \gexec
ALTER ROLE :"app_role" LOGIN PASSWORD :'app_password'
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), :'app_role') \gexec
GRANT USAGE ON SCHEMA public TO :"app_role";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app_role";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app_role";
-- The tables the migrations create later (as the role running this script) are granted too.
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app_role";
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO :"app_role";
SQL
