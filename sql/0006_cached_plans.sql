-- 0006 the registry clock and the scope check as PL/pgSQL.
--
-- Why: as SQL functions with a pinned search_path they cannot be inlined, so PostgreSQL parsed their
-- bodies again at every call - several times per filing and once per row checked by row-level
-- security (measured: parsing was the largest share of PostgreSQL's time under filing load).
-- PL/pgSQL keeps their plans for the session. Same results.
CREATE OR REPLACE FUNCTION registry.now() RETURNS timestamptz
LANGUAGE plpgsql STABLE SET search_path = registry, pg_temp AS $$
BEGIN
    RETURN now() + make_interval(secs => (SELECT offset_seconds FROM registry.clock WHERE id = 1));
END
$$;

CREATE OR REPLACE FUNCTION registry.today() RETURNS date
LANGUAGE plpgsql STABLE SET search_path = registry, pg_temp AS $$
BEGIN
    RETURN (registry.now() AT TIME ZONE 'Asia/Phnom_Penh')::date;
END
$$;

CREATE OR REPLACE FUNCTION registry.scope_allows(p text, c text) RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = registry, pg_temp AS $$
BEGIN
    RETURN CASE current_setting('registry.scope', true)
        WHEN 'all' THEN true
        WHEN 'province' THEN p = ANY (string_to_array(current_setting('registry.provinces', true), ','))
        WHEN 'commune' THEN c IS NOT NULL AND c = ANY (string_to_array(current_setting('registry.communes', true), ','))
        ELSE false
    END;
END
$$;
