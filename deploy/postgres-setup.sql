-- One-time PostgreSQL setup for a registryd deployment (run as a superuser, e.g. sudo -u postgres psql -f).
-- registry_owner owns the schema and applies migrations; registry_app is the daemon's runtime role:
-- no superuser, no BYPASSRLS, owns no table (reliability-security.md §2.5, goal D1).
CREATE ROLE registry_owner LOGIN NOSUPERUSER NOCREATEDB CREATEROLE NOBYPASSRLS;
CREATE ROLE registry_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT;
ALTER ROLE registry_app SET idle_in_transaction_session_timeout = '15s';
CREATE DATABASE registry OWNER registry_owner ENCODING 'UTF8' TEMPLATE template0;
\connect registry
CREATE SCHEMA registry AUTHORIZATION registry_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;  -- pg_trgm lives in public; its functions stay usable
-- pg_hba.conf: peer authentication on the Unix socket, mapping the OS user registryd to both roles:
--   local registry registry_app,registry_owner peer map=registryd
-- pg_ident.conf:
--   registryd registryd registry_app
--   registryd registryd registry_owner
