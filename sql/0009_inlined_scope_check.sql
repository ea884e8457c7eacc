-- 0009 the scope check inlined into the queries that use it.
--
-- Why: row-level security calls registry.scope_allows once per row read. As PL/pgSQL (0006) each
-- call cost a function call and a plan-cache lookup; the published statistics over 150,000 cases
-- spent half their time there (1.6 s a dimension). A SQL function without a SET clause and with
-- one expression is inlined by the planner: the check becomes part of the query, its plan cached
-- with it (0006's concern, re-parsing at every call, applied to SQL functions with a pinned
-- search_path, which PostgreSQL cannot inline). Measured: 1.6 s → 0.8 s for one dimension.
--
-- Without a pinned search_path, every name in the body is qualified with pg_catalog, operators
-- included, so that no object on the caller's path can stand in for them. Same results as before.

CREATE OR REPLACE FUNCTION registry.scope_allows(p text, c text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN pg_catalog.current_setting('registry.scope', true) OPERATOR(pg_catalog.=) 'all' THEN true
        WHEN pg_catalog.current_setting('registry.scope', true) OPERATOR(pg_catalog.=) 'province'
            THEN p OPERATOR(pg_catalog.=) ANY (pg_catalog.string_to_array(pg_catalog.current_setting('registry.provinces', true), ','))
        WHEN pg_catalog.current_setting('registry.scope', true) OPERATOR(pg_catalog.=) 'commune'
            THEN c IS NOT NULL
                 AND c OPERATOR(pg_catalog.=) ANY (pg_catalog.string_to_array(pg_catalog.current_setting('registry.communes', true), ','))
        ELSE false
    END
$$;
