-- 0003 complaints (Prakas 249): cases, complainants (case data) apart from their identities (victim
-- data), documents held, evidence, events, escalations with a unique (case, level) backstop, sanction
-- proposals, payments, notes; row-level security by province and commune; an audited gate for
-- identities and a public status lookup by tracking reference.

-- Scope of the caller, set per transaction by the daemon (registry.scope = all | province | commune |
-- none). Anything else, including an unset value, sees nothing: fail closed.
CREATE FUNCTION registry.scope_allows(p text, c text) RETURNS boolean
LANGUAGE sql STABLE SET search_path = registry, pg_temp AS $$
    SELECT CASE current_setting('registry.scope', true)
        WHEN 'all' THEN true
        WHEN 'province' THEN p = ANY (string_to_array(current_setting('registry.provinces', true), ','))
        WHEN 'commune' THEN c IS NOT NULL AND c = ANY (string_to_array(current_setting('registry.communes', true), ','))
        ELSE false
    END
$$;

CREATE SEQUENCE registry.complaint_seq;

CREATE TABLE registry.complaints (
    id                text PRIMARY KEY,
    reference         text NOT NULL UNIQUE,
    state             text NOT NULL CHECK (state IN ('RECEIVED', 'ACKNOWLEDGED', 'IN_PROGRESS', 'CONCILIATION_SCHEDULED',
                                                     'CONCILIATION_FAILED', 'SETTLED', 'PAYMENT_DUE', 'PAYMENT_OVERDUE',
                                                     'PAID', 'REFERRED', 'WITHDRAWN', 'REJECTED', 'CLOSED')),
    level             text NOT NULL CHECK (level IN ('L0', 'L1', 'L2', 'L3')),
    intake_level      text NOT NULL CHECK (intake_level IN ('L0', 'L1', 'L2')),
    channel           text NOT NULL,
    filed_by          text NOT NULL,
    -- The handling office: scope follows it; a transfer moves it and keeps every deadline.
    province          text NOT NULL REFERENCES registry.provinces (code),
    commune           text CHECK (commune ~ '^[0-9]{6}$' AND left(commune, 2) = province),
    respondent_kind   text NOT NULL CHECK (respondent_kind IN ('agency', 'branch', 'broker', 'unlicensed', 'unknown')),
    respondent_agency text REFERENCES registry.agencies (id),
    respondent_ref    text,
    respondent_note   text NOT NULL DEFAULT '',
    categories        text[] NOT NULL,
    destination       text,
    sector            text,
    narrative         text NOT NULL DEFAULT '',
    received_on       date NOT NULL,
    filed_at          timestamptz NOT NULL,
    conciliation_on   date,
    paused_kind       text CHECK (paused_kind IN ('waiting_on_complainant', 'waiting_on_agency')),
    paused_since      timestamptz,
    criminal_referral text,
    merged_into       text REFERENCES registry.complaints (id),
    overdue           text[] NOT NULL DEFAULT '{}',
    created_by        text NOT NULL,
    updated_at        timestamptz NOT NULL
);
CREATE INDEX complaints_scope ON registry.complaints (province, commune);
CREATE INDEX complaints_received ON registry.complaints (received_on);
CREATE INDEX complaints_respondent ON registry.complaints (respondent_agency);

-- Case data about each complainant: nothing that names them.
CREATE TABLE registry.complainants (
    complaint_id  text NOT NULL REFERENCES registry.complaints (id),
    n             integer NOT NULL CHECK (n >= 1),
    sex           text NOT NULL CHECK (sex IN ('F', 'M', 'X')),
    age_band      text NOT NULL,
    home_commune  text CHECK (home_commune ~ '^[0-9]{6}$'),
    paid_usd      numeric(12, 2) NOT NULL DEFAULT 0 CHECK (paid_usd >= 0),
    claimed_usd   numeric(12, 2) NOT NULL DEFAULT 0 CHECK (claimed_usd >= 0),
    outcome       text NOT NULL DEFAULT 'pending'
                  CHECK (outcome IN ('pending', 'full', 'partial', 'documents_returned', 'refused', 'withdrawn', 'no_action')),
    settled_usd   numeric(12, 2) NOT NULL DEFAULT 0 CHECK (settled_usd >= 0),
    instalments   integer NOT NULL DEFAULT 0 CHECK (instalments >= 0),
    repaid_usd    numeric(12, 2) NOT NULL DEFAULT 0 CHECK (repaid_usd >= 0),
    PRIMARY KEY (complaint_id, n)
);

-- Victim identity: the runtime role may insert but never select; reads go through read_identities,
-- which checks scope and writes the audit entry in the same transaction (fail closed).
CREATE TABLE registry.complainant_identities (
    complaint_id text NOT NULL,
    n            integer NOT NULL,
    full_name    text NOT NULL DEFAULT '',
    id_card      text NOT NULL DEFAULT '',
    phone        text NOT NULL DEFAULT '',
    address      text NOT NULL DEFAULT '',
    PRIMARY KEY (complaint_id, n),
    FOREIGN KEY (complaint_id, n) REFERENCES registry.complainants (complaint_id, n)
);

-- Documents the respondent holds (C-1: birth certificates, ID cards).
CREATE TABLE registry.complaint_documents (
    complaint_id text NOT NULL REFERENCES registry.complaints (id),
    n            integer,
    kind         text NOT NULL,
    returned_on  date,
    FOREIGN KEY (complaint_id, n) REFERENCES registry.complainants (complaint_id, n)
);
CREATE INDEX complaint_documents_case ON registry.complaint_documents (complaint_id);

CREATE TABLE registry.complaint_evidence (
    complaint_id text NOT NULL REFERENCES registry.complaints (id),
    item         integer NOT NULL,
    kind         text NOT NULL,
    description  text NOT NULL DEFAULT '',
    sha256       text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    verified_by  text,
    PRIMARY KEY (complaint_id, item)
);

CREATE TABLE registry.complaint_events (
    complaint_id text NOT NULL REFERENCES registry.complaints (id),
    seq          bigserial,
    at           timestamptz NOT NULL,
    actor        text NOT NULL,
    event        text NOT NULL,
    state_after  text NOT NULL,
    level_after  text NOT NULL,
    rule         text NOT NULL,
    detail       text NOT NULL DEFAULT '',
    PRIMARY KEY (complaint_id, seq)
);

-- One escalation per (case, level): the database refuses a second one, whoever tries (T5).
CREATE TABLE registry.complaint_escalations (
    complaint_id text NOT NULL REFERENCES registry.complaints (id),
    level        text NOT NULL CHECK (level IN ('L1', 'L2', 'L3')),
    from_level   text NOT NULL,
    at           timestamptz NOT NULL,
    rule         text NOT NULL,
    cause        text NOT NULL,
    PRIMARY KEY (complaint_id, level)
);

CREATE SEQUENCE registry.sanction_proposal_seq;
CREATE TABLE registry.sanction_proposals (
    id           text PRIMARY KEY,
    complaint_id text NOT NULL REFERENCES registry.complaints (id),
    agency_id    text NOT NULL REFERENCES registry.agencies (id),
    rule         text NOT NULL,
    cause        text NOT NULL,
    state        text NOT NULL DEFAULT 'PROPOSED',
    proposed_at  timestamptz NOT NULL,
    UNIQUE (complaint_id, cause)
);

CREATE TABLE registry.complaint_payments (
    complaint_id text NOT NULL,
    n            integer NOT NULL,
    amount_usd   numeric(12, 2) NOT NULL CHECK (amount_usd > 0),
    paid_on      date NOT NULL,
    recorded_by  text NOT NULL,
    FOREIGN KEY (complaint_id, n) REFERENCES registry.complainants (complaint_id, n)
);
CREATE INDEX complaint_payments_case ON registry.complaint_payments (complaint_id);

CREATE TABLE registry.complaint_notes (
    complaint_id text NOT NULL REFERENCES registry.complaints (id),
    seq          bigserial,
    at           timestamptz NOT NULL,
    actor        text NOT NULL,
    body         text NOT NULL,
    PRIMARY KEY (complaint_id, seq)
);

-- Pausing a case holds its timers; resuming moves each due time on by the time held.
ALTER TABLE registry.timers ADD COLUMN held_since timestamptz;
DROP INDEX registry.timers_due;
CREATE INDEX timers_due ON registry.timers (due_at, id) WHERE fired_at IS NULL AND cancelled_at IS NULL AND held_since IS NULL;
CREATE INDEX timers_subject ON registry.timers (subject) WHERE fired_at IS NULL AND cancelled_at IS NULL;

-- Row-level security: the runtime role sees and changes only cases of its scope. Not FORCEd: the
-- table owner (migrations) stays outside so that the two SECURITY DEFINER gates below can do their
-- own, narrower checks.
ALTER TABLE registry.complaints ENABLE ROW LEVEL SECURITY;
CREATE POLICY complaints_read ON registry.complaints FOR SELECT USING (registry.scope_allows(province, commune));
CREATE POLICY complaints_insert ON registry.complaints FOR INSERT WITH CHECK (registry.scope_allows(province, commune));
-- A transfer may move a case out of the caller's scope (WITH CHECK true); it must start inside it.
CREATE POLICY complaints_update ON registry.complaints FOR UPDATE USING (registry.scope_allows(province, commune)) WITH CHECK (true);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['complainants', 'complaint_documents', 'complaint_evidence', 'complaint_events',
                             'complaint_escalations', 'sanction_proposals', 'complaint_payments', 'complaint_notes'] LOOP
        EXECUTE format('ALTER TABLE registry.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON registry.%I USING (EXISTS (SELECT 1 FROM registry.complaints c WHERE c.id = complaint_id))
                        WITH CHECK (EXISTS (SELECT 1 FROM registry.complaints c WHERE c.id = complaint_id))', t || '_scope', t);
    END LOOP;
END
$$;
ALTER TABLE registry.complainant_identities ENABLE ROW LEVEL SECURITY;
CREATE POLICY complainant_identities_insert ON registry.complainant_identities FOR INSERT
    WITH CHECK (EXISTS (SELECT 1 FROM registry.complaints c WHERE c.id = complaint_id));

-- The only way to read a victim's identity: in scope, with a reason, and audited in the same
-- transaction. If the audit insert fails, the read fails.
CREATE FUNCTION registry.read_identities(case_id text, reason text, listener text, peer_uid integer)
RETURNS TABLE (n integer, full_name text, id_card text, phone text, address text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = registry, pg_temp AS $$
DECLARE
    found_case registry.complaints;
    rows_read integer;
BEGIN
    IF coalesce(length(trim(reason)), 0) < 3 THEN
        RAISE EXCEPTION 'a reason is required' USING ERRCODE = '22023';
    END IF;
    SELECT * INTO found_case FROM registry.complaints c WHERE c.id = case_id AND registry.scope_allows(c.province, c.commune);
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such complaint' USING ERRCODE = 'P0002';
    END IF;
    SELECT count(*) INTO rows_read FROM registry.complainant_identities i WHERE i.complaint_id = case_id;
    INSERT INTO registry.audit_log (actor, listener, peer_uid, command, arguments, code, status, detail, seq, at, prev_hash, hash)
    VALUES (current_setting('registry.actor', true), listener, peer_uid, 'victim.read', case_id,
            200, 'OK', 'reason=' || reason || ' identities=' || rows_read, 0, now(), ''::bytea, ''::bytea);
    RETURN QUERY SELECT i.n, i.full_name, i.id_card, i.phone, i.address
                 FROM registry.complainant_identities i WHERE i.complaint_id = case_id ORDER BY i.n;
END
$$;

-- Status by tracking reference, for anyone holding it: state, level and next deadline, never names.
-- A merged case's old reference answers with the case it was merged into.
CREATE FUNCTION registry.complaint_status(ref text)
RETURNS TABLE (id text, reference text, state text, level text, received_on date, next_deadline text, due_on date,
               paused text, merged_from text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = registry, pg_temp AS $$
    WITH RECURSIVE chain AS (
        SELECT c.id, c.merged_into, NULL::text AS merged_from, 0 AS depth FROM registry.complaints c WHERE c.reference = ref
        UNION ALL
        SELECT m.id, m.merged_into, chain.id, chain.depth + 1 FROM registry.complaints m JOIN chain ON m.id = chain.merged_into
        WHERE chain.depth < 10
    )
    SELECT c.id, c.reference, c.state, c.level, c.received_on,
           t.kind, ((t.due_at - interval '1 microsecond') AT TIME ZONE 'Asia/Phnom_Penh')::date,
           c.paused_kind, chain.merged_from
    FROM chain JOIN registry.complaints c ON c.id = chain.id
    LEFT JOIN LATERAL (SELECT kind, due_at FROM registry.timers
                       WHERE subject = c.id AND fired_at IS NULL AND cancelled_at IS NULL
                       ORDER BY due_at LIMIT 1) t ON true
    WHERE chain.merged_into IS NULL
$$;

REVOKE ALL ON FUNCTION registry.read_identities(text, text, text, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION registry.complaint_status(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION registry.read_identities(text, text, text, integer), registry.complaint_status(text),
    registry.scope_allows(text, text) TO registry_app;
GRANT SELECT, INSERT, UPDATE ON registry.complaints, registry.complainants, registry.complaint_documents,
    registry.complaint_evidence, registry.sanction_proposals TO registry_app;
GRANT SELECT, INSERT ON registry.complaint_events, registry.complaint_escalations, registry.complaint_payments,
    registry.complaint_notes TO registry_app;
GRANT INSERT ON registry.complainant_identities TO registry_app;
GRANT USAGE ON SEQUENCE registry.complaint_seq, registry.sanction_proposal_seq, registry.complaint_events_seq_seq,
    registry.complaint_notes_seq_seq TO registry_app;
