-- 0014 the value checks of cases and complainants as domains; case numbers without a parse per batch.
--
-- Why: a table's CHECK constraints are stored as expression text that PostgreSQL reads back and plans
-- again at every statement that writes the table (ExecRelCheck: stringToNode, expression_planner). A
-- filing batch writes cases and complainants once per call, and perf on the backend under pgbench
-- calling registry.file_complaints put those two steps at 11 % of the backend's CPU per call (one
-- filing per call). A domain's checks are planned once per session and kept in the type cache: the same
-- checks as domains took 3 %. (The check of a case's commune against its province stays a table
-- constraint: it reads two columns, and the commune column cannot change type under the row-level
-- security policies that read it.)
--
-- And registry.case_number() called registry.serial_text(nextval(...), 6): a volatile argument used
-- twice in serial_text's body, so the planner could not inline it and PostgreSQL parsed and planned
-- serial_text's SQL text again in every transaction (5 % of the backend's CPU per call). The sequence
-- value is now taken first, so serial_text is inlined. Same numbers, same format.
--
-- Also dropped: complaint_documents' foreign key to complaints. Its key to complainants
-- (complaint_id, n) already implies the case, and each key costs a lookup per document written.
--
-- Same accepted values as before: every domain holds exactly the check it replaces.

CREATE DOMAIN registry.complaint_state AS text
    CHECK (VALUE IN ('RECEIVED', 'ACKNOWLEDGED', 'IN_PROGRESS', 'CONCILIATION_SCHEDULED', 'CONCILIATION_FAILED',
                     'SETTLED', 'PAYMENT_DUE', 'PAYMENT_OVERDUE', 'PAID', 'REFERRED', 'WITHDRAWN', 'REJECTED', 'CLOSED'));
CREATE DOMAIN registry.complaint_level AS text CHECK (VALUE IN ('L0', 'L1', 'L2', 'L3'));
CREATE DOMAIN registry.intake_level AS text CHECK (VALUE IN ('L0', 'L1', 'L2'));
CREATE DOMAIN registry.respondent_kind AS text CHECK (VALUE IN ('agency', 'branch', 'broker', 'unlicensed', 'unknown'));
CREATE DOMAIN registry.paused_kind AS text CHECK (VALUE IN ('waiting_on_complainant', 'waiting_on_agency'));
CREATE DOMAIN registry.commune_code AS text CHECK (VALUE ~ '^[0-9]{6}$');
CREATE DOMAIN registry.sex AS text CHECK (VALUE IN ('F', 'M', 'X'));
CREATE DOMAIN registry.usd AS numeric(12,2) CHECK (VALUE >= 0);
CREATE DOMAIN registry.complainant_outcome AS text
    CHECK (VALUE IN ('pending', 'full', 'partial', 'documents_returned', 'refused', 'withdrawn', 'no_action'));
CREATE DOMAIN registry.instalment_count AS integer CHECK (VALUE >= 0);

ALTER TABLE registry.complaints
    DROP CONSTRAINT complaints_state_check,
    DROP CONSTRAINT complaints_level_check,
    DROP CONSTRAINT complaints_intake_level_check,
    DROP CONSTRAINT complaints_respondent_kind_check,
    DROP CONSTRAINT complaints_paused_kind_check,
    ALTER COLUMN state TYPE registry.complaint_state,
    ALTER COLUMN level TYPE registry.complaint_level,
    ALTER COLUMN intake_level TYPE registry.intake_level,
    ALTER COLUMN respondent_kind TYPE registry.respondent_kind,
    ALTER COLUMN paused_kind TYPE registry.paused_kind;

ALTER TABLE registry.complainants
    DROP CONSTRAINT complainants_sex_check,
    DROP CONSTRAINT complainants_home_commune_check,
    DROP CONSTRAINT complainants_paid_usd_check,
    DROP CONSTRAINT complainants_claimed_usd_check,
    DROP CONSTRAINT complainants_settled_usd_check,
    DROP CONSTRAINT complainants_repaid_usd_check,
    DROP CONSTRAINT complainants_outcome_check,
    DROP CONSTRAINT complainants_instalments_check,
    ALTER COLUMN sex TYPE registry.sex,
    ALTER COLUMN home_commune TYPE registry.commune_code,
    ALTER COLUMN paid_usd TYPE registry.usd,
    ALTER COLUMN claimed_usd TYPE registry.usd,
    ALTER COLUMN settled_usd TYPE registry.usd,
    ALTER COLUMN repaid_usd TYPE registry.usd,
    ALTER COLUMN outcome TYPE registry.complainant_outcome,
    ALTER COLUMN instalments TYPE registry.instalment_count;

ALTER TABLE registry.complaint_documents DROP CONSTRAINT complaint_documents_complaint_id_fkey;

-- PL/pgSQL so that the sequence value is a variable, not an argument expression; no SET clause (a
-- function-level setting costs a configuration save and restore per filing), so every name is
-- qualified and the only caller, registry.file_complaints, pins its search_path anyway.
CREATE OR REPLACE FUNCTION registry.case_number(received date) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    seq bigint := pg_catalog.nextval('registry.complaint_seq');
BEGIN
    RETURN 'CMP-' OPERATOR(pg_catalog.||) pg_catalog.date_part('year', received)::integer
           OPERATOR(pg_catalog.||) '-' OPERATOR(pg_catalog.||) registry.serial_text(seq, 6);
END
$$;
