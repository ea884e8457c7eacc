-- 0015 the tracking-reference status lookup as PL/pgSQL.
--
-- Why: registry.complaint_status was a SQL function with a SET clause (SECURITY DEFINER needs the
-- pinned search_path), which PostgreSQL cannot inline, so it parsed and planned its recursive query
-- again at every call: 0.42 ms per call measured with pgbench (one client, prepared), most of a status
-- lookup's time in the database. PL/pgSQL keeps the plan for the session. Same rows, same grants.
CREATE OR REPLACE FUNCTION registry.complaint_status(ref text)
RETURNS TABLE (id text, reference text, state text, level text, received_on date, next_deadline text, due_on date,
               paused text, merged_from text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = registry, pg_temp AS $$
BEGIN
    RETURN QUERY
    WITH RECURSIVE chain AS (
        SELECT c.id, c.merged_into, NULL::text AS merged_from, 0 AS depth FROM registry.complaints c WHERE c.reference = ref
        UNION ALL
        SELECT m.id, m.merged_into, chain.id, chain.depth + 1 FROM registry.complaints m JOIN chain ON m.id = chain.merged_into
        WHERE chain.depth < 10
    )
    SELECT c.id, c.reference, c.state::text, c.level::text, c.received_on,
           t.kind, ((t.due_at - interval '1 microsecond') AT TIME ZONE 'Asia/Phnom_Penh')::date,
           c.paused_kind::text, chain.merged_from
    FROM chain JOIN registry.complaints c ON c.id = chain.id
    LEFT JOIN LATERAL (SELECT tm.kind, tm.due_at FROM registry.timers tm
                       WHERE tm.subject = c.id AND tm.fired_at IS NULL AND tm.cancelled_at IS NULL
                       ORDER BY tm.due_at LIMIT 1) t ON true
    WHERE chain.merged_into IS NULL;
END
$$;
