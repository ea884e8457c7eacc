-- 0001 foundation: runtime role, provinces, staff accounts, hash-chained audit trail.
-- Forward-only. Applied in one transaction by the migration runner as the schema owner
-- (the superuser of the embedded cluster, or registry_owner in a deployment, see deploy/postgres-setup.sql).

-- The runtime role: owns nothing, no DDL, no BYPASSRLS, not superuser (reliability-security D1).
-- Roles are cluster-wide: several databases may migrate at once, so a concurrent creation is tolerated.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'registry_app') THEN
        BEGIN
            CREATE ROLE registry_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
END
$$;

REVOKE ALL ON SCHEMA registry FROM PUBLIC;
GRANT USAGE ON SCHEMA registry TO registry_app;
GRANT SELECT ON registry.schema_migrations TO registry_app;

-- Cambodia's 25 provinces (capital included) with their official two-digit codes.
CREATE TABLE registry.provinces (
    code    char(2) PRIMARY KEY CHECK (code ~ '^[0-9]{2}$'),
    name_en text NOT NULL UNIQUE,
    name_km text NOT NULL UNIQUE CHECK (name_km IS NFC NORMALIZED)
);

INSERT INTO registry.provinces (code, name_en, name_km) VALUES
    ('01', 'Banteay Meanchey', 'បន្ទាយមានជ័យ'),
    ('02', 'Battambang', 'បាត់ដំបង'),
    ('03', 'Kampong Cham', 'កំពង់ចាម'),
    ('04', 'Kampong Chhnang', 'កំពង់ឆ្នាំង'),
    ('05', 'Kampong Speu', 'កំពង់ស្ពឺ'),
    ('06', 'Kampong Thom', 'កំពង់ធំ'),
    ('07', 'Kampot', 'កំពត'),
    ('08', 'Kandal', 'កណ្ដាល'),
    ('09', 'Koh Kong', 'កោះកុង'),
    ('10', 'Kratie', 'ក្រចេះ'),
    ('11', 'Mondul Kiri', 'មណ្ឌលគិរី'),
    ('12', 'Phnom Penh', 'ភ្នំពេញ'),
    ('13', 'Preah Vihear', 'ព្រះវិហារ'),
    ('14', 'Prey Veng', 'ព្រៃវែង'),
    ('15', 'Pursat', 'ពោធិ៍សាត់'),
    ('16', 'Ratanak Kiri', 'រតនគិរី'),
    ('17', 'Siemreap', 'សៀមរាប'),
    ('18', 'Preah Sihanouk', 'ព្រះសីហនុ'),
    ('19', 'Stung Treng', 'ស្ទឹងត្រែង'),
    ('20', 'Svay Rieng', 'ស្វាយរៀង'),
    ('21', 'Takeo', 'តាកែវ'),
    ('22', 'Oddar Meanchey', 'ឧត្ដរមានជ័យ'),
    ('23', 'Kep', 'កែប'),
    ('24', 'Pailin', 'ប៉ៃលិន'),
    ('25', 'Tboung Khmum', 'ត្បូងឃ្មុំ');

GRANT SELECT ON registry.provinces TO registry_app;

-- Staff accounts: a Unix uid maps to one account, its roles and its scope.
CREATE SEQUENCE registry.staff_seq;

CREATE TABLE registry.staff (
    id          text PRIMARY KEY DEFAULT 'S-' || lpad(nextval('registry.staff_seq')::text, 4, '0'),
    uid         integer UNIQUE CHECK (uid >= 0),
    name        text NOT NULL CHECK (name IS NFC NORMALIZED AND length(name) BETWEEN 1 AND 200),
    roles       text[] NOT NULL CHECK (
                    cardinality(roles) >= 1 AND
                    roles <@ ARRAY['licensing_officer', 'inspector', 'commune_chief', 'hotline_operator', 'auditor', 'admin']),
    provinces   text[] NOT NULL DEFAULT '{}',
    communes    text[] NOT NULL DEFAULT '{}',
    enabled     boolean NOT NULL DEFAULT true,
    development boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Scope codes must name real provinces; communes are 6-digit codes whose first two digits are a province.
CREATE FUNCTION registry.staff_check_scope() RETURNS trigger
LANGUAGE plpgsql SET search_path = registry, pg_temp AS $$
DECLARE
    bad text;
BEGIN
    SELECT p INTO bad FROM unnest(NEW.provinces) AS p
     WHERE NOT EXISTS (SELECT 1 FROM registry.provinces WHERE code = p) LIMIT 1;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'unknown province %', bad USING ERRCODE = '23514', CONSTRAINT = 'staff_provinces';
    END IF;
    SELECT c INTO bad FROM unnest(NEW.communes) AS c
     WHERE c !~ '^[0-9]{6}$' OR NOT EXISTS (SELECT 1 FROM registry.provinces WHERE code = left(c, 2)) LIMIT 1;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'bad commune code %', bad USING ERRCODE = '23514', CONSTRAINT = 'staff_communes';
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

CREATE TRIGGER staff_check_scope BEFORE INSERT OR UPDATE ON registry.staff
    FOR EACH ROW EXECUTE FUNCTION registry.staff_check_scope();

-- Accounts are disabled, never deleted: the audit trail names them.
GRANT SELECT, INSERT, UPDATE ON registry.staff TO registry_app;
GRANT USAGE ON SEQUENCE registry.staff_seq TO registry_app;

-- Audit trail: append-only and hash-chained (reliability-security §2.6, D5, D6).
-- Each entry stores sha256(previous hash || canonical entry); the chain head row serialises inserts.
CREATE TABLE registry.audit_log (
    seq        bigint PRIMARY KEY,
    at         timestamptz NOT NULL,
    actor      text NOT NULL,
    listener   text NOT NULL DEFAULT '',
    peer_uid   integer,
    command    text NOT NULL,
    arguments  text NOT NULL DEFAULT '',
    code       integer NOT NULL CHECK (code BETWEEN 200 AND 599),
    status     text NOT NULL,
    detail     text NOT NULL DEFAULT '',
    prev_hash  bytea NOT NULL,
    hash       bytea NOT NULL
);

CREATE TABLE registry.audit_head (
    id   integer PRIMARY KEY CHECK (id = 1),
    seq  bigint NOT NULL,
    hash bytea NOT NULL
);

INSERT INTO registry.audit_head VALUES (1, 0, decode(repeat('00', 32), 'hex'));

-- The canonical form that is hashed: fields joined by the ASCII unit separator, time in UTC microseconds.
CREATE FUNCTION registry.audit_canonical(a registry.audit_log) RETURNS bytea
LANGUAGE sql IMMUTABLE SET search_path = registry, pg_temp AS $$
    SELECT convert_to(concat_ws(E'\x1f',
        a.seq::text,
        to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        a.actor, a.listener, coalesce(a.peer_uid::text, ''), a.command, a.arguments,
        a.code::text, a.status, a.detail), 'UTF8')
$$;

CREATE FUNCTION registry.audit_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = registry, pg_temp AS $$
DECLARE
    head registry.audit_head;
BEGIN
    SELECT * INTO head FROM registry.audit_head WHERE id = 1 FOR UPDATE;
    NEW.seq := head.seq + 1;
    NEW.at := clock_timestamp();
    NEW.prev_hash := head.hash;
    NEW.hash := sha256(head.hash || registry.audit_canonical(NEW));
    UPDATE registry.audit_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1;
    RETURN NEW;
END
$$;

CREATE FUNCTION registry.audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = '42501';
END
$$;

CREATE TRIGGER audit_chain BEFORE INSERT ON registry.audit_log
    FOR EACH ROW EXECUTE FUNCTION registry.audit_chain();
CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON registry.audit_log
    FOR EACH ROW EXECUTE FUNCTION registry.audit_refuse_change();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON registry.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION registry.audit_refuse_change();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE OR DELETE ON registry.audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION registry.audit_refuse_change();

-- Walks the chain: the number of entries checked, the first bad sequence number (null when intact),
-- and whether the head matches the last entry (a deleted tail shows there).
CREATE FUNCTION registry.audit_verify(OUT checked bigint, OUT first_bad bigint, OUT head_ok boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = registry, pg_temp AS $$
DECLARE
    r registry.audit_log;
    prev bytea := decode(repeat('00', 32), 'hex');
    expect bigint := 1;
BEGIN
    checked := 0;
    FOR r IN SELECT * FROM registry.audit_log ORDER BY seq LOOP
        IF r.seq <> expect THEN
            first_bad := expect;
            head_ok := false;
            RETURN;
        END IF;
        IF r.prev_hash <> prev OR r.hash <> sha256(prev || registry.audit_canonical(r)) THEN
            first_bad := r.seq;
            head_ok := false;
            RETURN;
        END IF;
        prev := r.hash;
        expect := expect + 1;
        checked := checked + 1;
    END LOOP;
    SELECT h.seq = checked AND h.hash = prev INTO head_ok FROM registry.audit_head h WHERE h.id = 1;
    IF NOT head_ok THEN
        first_bad := checked + 1;
    END IF;
END
$$;

REVOKE ALL ON FUNCTION registry.audit_chain() FROM PUBLIC;
REVOKE ALL ON FUNCTION registry.audit_verify() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION registry.audit_verify() TO registry_app;
GRANT SELECT, INSERT ON registry.audit_log TO registry_app;

-- No idle transaction may hold the audit head for long (a paused or dead daemon).
DO $$
BEGIN
    ALTER ROLE registry_app SET idle_in_transaction_session_timeout = '15s';
EXCEPTION WHEN OTHERS THEN
    -- Role settings are cluster-wide: another database migrating at the same moment ("tuple
    -- concurrently updated") or a non-superuser owner must not fail the migration for a setting.
    RAISE NOTICE 'set idle_in_transaction_session_timeout for registry_app by hand (deploy/postgres-setup.sql)';
END
$$;
