-- 0004 audit sealing: entries are appended without waiting for the chain head, and sealed into the
-- hash chain moments later, in commit order, by registry.audit_seal().
--
-- Why: the chain head was locked by every mutating transaction from its audit insert until its
-- COMMIT had reached the disk, so all writes in the registry queued behind one fsync at a time
-- (about 140 filings/s where PostgreSQL alone commits 5,000 one-row transactions/s on the same disk).
-- Now the only serialised step is the sealer, which hashes many committed entries per round.
-- What stays true: entries are append-only (triggers and grants), every sealed entry links to the one
-- before it (sha256(prev ‖ canonical entry)), and audit_verify reports the first broken link. The
-- window in which a committed entry is not yet sealed is one timer round (about a second).

ALTER TABLE registry.audit_log ALTER COLUMN prev_hash DROP NOT NULL;
ALTER TABLE registry.audit_log ALTER COLUMN hash DROP NOT NULL;
ALTER TABLE registry.audit_log ADD COLUMN chain_pos bigint UNIQUE;
-- Entries written so far were chained at insert: their position is their sequence number.
ALTER TABLE registry.audit_log DISABLE TRIGGER audit_no_update;
UPDATE registry.audit_log SET chain_pos = seq;
ALTER TABLE registry.audit_log ENABLE TRIGGER audit_no_update;
CREATE INDEX audit_unsealed ON registry.audit_log (seq) WHERE chain_pos IS NULL;

CREATE SEQUENCE registry.audit_seq;
SELECT setval('registry.audit_seq', greatest(1, (SELECT coalesce(max(seq), 0) FROM registry.audit_log)),
              (SELECT count(*) > 0 FROM registry.audit_log));

-- Insert: a sequence number and a timestamp; no lock, no hash yet.
CREATE OR REPLACE FUNCTION registry.audit_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = registry, pg_temp AS $$
BEGIN
    NEW.seq := nextval('registry.audit_seq');
    NEW.at := clock_timestamp();
    NEW.prev_hash := NULL;
    NEW.hash := NULL;
    NEW.chain_pos := NULL;
    RETURN NEW;
END
$$;

-- The only update ever allowed: sealing an unsealed entry, changing nothing but its chain fields.
CREATE FUNCTION registry.audit_guard_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.chain_pos IS NULL AND NEW.chain_pos IS NOT NULL AND NEW.hash IS NOT NULL
       AND (NEW.seq, NEW.at, NEW.actor, NEW.listener, NEW.peer_uid, NEW.command, NEW.arguments, NEW.code, NEW.status, NEW.detail)
           IS NOT DISTINCT FROM
           (OLD.seq, OLD.at, OLD.actor, OLD.listener, OLD.peer_uid, OLD.command, OLD.arguments, OLD.code, OLD.status, OLD.detail) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = '42501';
END
$$;
DROP TRIGGER audit_no_update ON registry.audit_log;
CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON registry.audit_log
    FOR EACH ROW EXECUTE FUNCTION registry.audit_guard_update();

-- Seals committed, unsealed entries in sequence order under the chain head's lock; returns how many.
-- Several daemons may call it: they take turns on the head.
CREATE FUNCTION registry.audit_seal(max_rows integer DEFAULT 10000) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = registry, pg_temp AS $$
DECLARE
    head registry.audit_head;
    r registry.audit_log;
    n integer := 0;
BEGIN
    SELECT * INTO head FROM registry.audit_head WHERE id = 1 FOR UPDATE;
    FOR r IN SELECT * FROM registry.audit_log WHERE chain_pos IS NULL ORDER BY seq LIMIT max_rows LOOP
        head.seq := head.seq + 1;
        r.prev_hash := head.hash;
        r.hash := sha256(head.hash || registry.audit_canonical(r));
        UPDATE registry.audit_log SET chain_pos = head.seq, prev_hash = r.prev_hash, hash = r.hash WHERE seq = r.seq;
        head.hash := r.hash;
        n := n + 1;
    END LOOP;
    IF n > 0 THEN
        UPDATE registry.audit_head SET seq = head.seq, hash = head.hash WHERE id = 1;
    END IF;
    RETURN n;
END
$$;

-- Walks the chain in sealing order: entries checked, the sequence number of the first bad entry (null
-- when intact), and whether the head matches the last entry (a deleted tail shows there).
CREATE OR REPLACE FUNCTION registry.audit_verify(OUT checked bigint, OUT first_bad bigint, OUT head_ok boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = registry, pg_temp AS $$
DECLARE
    r registry.audit_log;
    prev bytea := decode(repeat('00', 32), 'hex');
    expect bigint := 1;
BEGIN
    checked := 0;
    FOR r IN SELECT * FROM registry.audit_log WHERE chain_pos IS NOT NULL ORDER BY chain_pos LOOP
        IF r.chain_pos <> expect OR r.prev_hash IS DISTINCT FROM prev
           OR r.hash IS DISTINCT FROM sha256(prev || registry.audit_canonical(r)) THEN
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

REVOKE ALL ON FUNCTION registry.audit_seal(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION registry.audit_seal(integer) TO registry_app;
