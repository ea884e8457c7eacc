-- 0005 complaint filing in one statement.
--
-- Why: a filing was ten round trips, each statement parsed and planned afresh, and PostgreSQL spent
-- most of its time parsing (measured: ~275 filings/s at 8 clients beside ~5,000 one-INSERT
-- transactions/s from pgbench on the same cluster). This function does the whole filing - scope,
-- idempotency claim, case, complainants, identities, documents, evidence, deadlines, event, audit
-- entry and stored reply - in the single implicit transaction of one call, with PL/pgSQL's cached
-- plans. The daemon computes the deadlines (rulebook, working-day calendar) and the reply; the
-- function fills in the case number where the reply says {id}.
CREATE FUNCTION registry.file_complaint(
    p_actor text, p_listener text, p_peer_uid integer, p_provinces text, p_communes text, p_scope text,
    p_key text, p_command text, p_request text,
    p_reference text, p_level text, p_channel text, p_filed_by text, p_province text, p_commune text,
    p_respondent_kind text, p_respondent_agency text, p_respondent_ref text, p_respondent_note text,
    p_categories text[], p_destination text, p_sector text, p_narrative text, p_received date,
    c_sex text[], c_age text[], c_commune text[], c_paid numeric[], c_claimed numeric[],
    i_n integer[], i_name text[], i_card text[], i_phone text[], i_address text[],
    d_n integer[], d_kind text[],
    e_kind text[], e_description text[], e_sha text[],
    t_kind text[], t_fires date[], t_rule text[],
    p_event_detail text, p_audit_arguments text, p_audit_detail text, p_reply text,
    OUT outcome text, OUT case_id text, OUT reply text)
LANGUAGE plpgsql SET search_path = registry, pg_temp AS $$
DECLARE
    same boolean;
    stored text;
BEGIN
    PERFORM set_config('registry.actor', p_actor, true), set_config('registry.provinces', p_provinces, true),
            set_config('registry.communes', p_communes, true), set_config('registry.scope', p_scope, true);
    INSERT INTO registry.idempotency (actor, key, command, request_hash)
    VALUES (p_actor, p_key, p_command, sha256(convert_to(p_request, 'UTF8'))) ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        SELECT i.command = p_command AND i.request_hash = sha256(convert_to(p_request, 'UTF8')), i.reply INTO same, stored
        FROM registry.idempotency i WHERE i.actor = p_actor AND i.key = p_key;
        IF same AND stored IS NOT NULL THEN
            outcome := 'replay'; reply := stored;
        ELSE
            outcome := 'conflict';
        END IF;
        RETURN;
    END IF;

    case_id := 'CMP-' || extract(year FROM p_received)::int || '-' || lpad(nextval('registry.complaint_seq')::text, 6, '0');
    INSERT INTO registry.complaints (id, reference, state, level, intake_level, channel, filed_by, province, commune,
        respondent_kind, respondent_agency, respondent_ref, respondent_note, categories, destination, sector, narrative,
        received_on, filed_at, created_by, updated_at)
    VALUES (case_id, p_reference, 'RECEIVED', p_level, p_level, p_channel, p_filed_by, p_province, p_commune,
        p_respondent_kind, p_respondent_agency, p_respondent_ref, p_respondent_note, p_categories, p_destination, p_sector,
        p_narrative, p_received, registry.now(), p_actor, registry.now());
    INSERT INTO registry.complainants (complaint_id, n, sex, age_band, home_commune, paid_usd, claimed_usd)
    SELECT case_id, x.n, x.sex, x.age, nullif(x.commune, ''), x.paid, x.claimed
    FROM unnest(c_sex, c_age, c_commune, c_paid, c_claimed) WITH ORDINALITY AS x(sex, age, commune, paid, claimed, n);
    IF cardinality(i_n) > 0 THEN
        INSERT INTO registry.complainant_identities (complaint_id, n, full_name, id_card, phone, address)
        SELECT case_id, * FROM unnest(i_n, i_name, i_card, i_phone, i_address);
    END IF;
    IF cardinality(d_n) > 0 THEN
        INSERT INTO registry.complaint_documents (complaint_id, n, kind) SELECT case_id, * FROM unnest(d_n, d_kind);
    END IF;
    IF cardinality(e_kind) > 0 THEN
        INSERT INTO registry.complaint_evidence (complaint_id, item, kind, description, sha256)
        SELECT case_id, x.item, x.kind, x.description, nullif(x.sha, '')
        FROM unnest(e_kind, e_description, e_sha) WITH ORDINALITY AS x(kind, description, sha, item);
    END IF;
    INSERT INTO registry.timers (kind, subject, due_at, rule)
    SELECT x.kind, case_id, registry.day_start(x.fires), x.rule FROM unnest(t_kind, t_fires, t_rule) AS x(kind, fires, rule);
    INSERT INTO registry.complaint_events (complaint_id, at, actor, event, state_after, level_after, rule, detail)
    VALUES (case_id, registry.now(), p_actor, 'file', 'RECEIVED', p_level, 'CMP-4', p_event_detail);
    reply := replace(p_reply, '{id}', case_id);
    INSERT INTO registry.audit_log (actor, listener, peer_uid, command, arguments, code, status, detail, seq, at, prev_hash, hash)
    VALUES (p_actor, p_listener, p_peer_uid, p_command, p_audit_arguments, 201, 'CREATED',
            replace(p_audit_detail, '{id}', case_id), 0, now(), NULL, NULL);
    UPDATE registry.idempotency SET reply = file_complaint.reply WHERE actor = p_actor AND key = p_key;
    outcome := 'filed';
END
$$;

REVOKE ALL ON FUNCTION registry.file_complaint FROM PUBLIC;
GRANT EXECUTE ON FUNCTION registry.file_complaint TO registry_app;
