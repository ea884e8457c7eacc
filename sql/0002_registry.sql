-- 0002 registry: agencies, people, licences with their history and timers, deposits, provincial
-- registrations, watch-list, sending bans, idempotency keys, a controllable clock.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The daemon's clock: the database clock plus an offset that only a test daemon may move
-- (clock.advance refuses unless the daemon runs with testing.clock). Every deadline uses it.
CREATE TABLE registry.clock (
    id             integer PRIMARY KEY CHECK (id = 1),
    offset_seconds bigint NOT NULL DEFAULT 0
);
INSERT INTO registry.clock VALUES (1, 0);

CREATE FUNCTION registry.now() RETURNS timestamptz
LANGUAGE sql STABLE SET search_path = registry, pg_temp AS $$
    SELECT now() + make_interval(secs => offset_seconds) FROM registry.clock WHERE id = 1
$$;

-- Legal days are Cambodian days (UTC+7).
CREATE FUNCTION registry.today() RETURNS date
LANGUAGE sql STABLE SET search_path = registry, pg_temp AS $$
    SELECT (registry.now() AT TIME ZONE 'Asia/Phnom_Penh')::date
$$;

CREATE FUNCTION registry.day_start(d date) RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS $$
    SELECT d::timestamp AT TIME ZONE 'Asia/Phnom_Penh'
$$;

-- Agencies (PRA-2, PRA-3): names in both scripts, NFC, with canonical search keys (NameKey).
CREATE SEQUENCE registry.agency_seq;
CREATE TABLE registry.agencies (
    id              text PRIMARY KEY DEFAULT 'A-' || lpad(nextval('registry.agency_seq')::text, 4, '0'),
    name_en         text NOT NULL CHECK (name_en IS NFC NORMALIZED AND length(name_en) BETWEEN 1 AND 300),
    name_km         text NOT NULL CHECK (name_km IS NFC NORMALIZED AND length(name_km) BETWEEN 1 AND 300),
    key_en          text NOT NULL,
    key_km          text NOT NULL,
    registration_no text UNIQUE,
    address         text NOT NULL DEFAULT '' CHECK (address IS NFC NORMALIZED),
    address_key     text NOT NULL DEFAULT '',
    province        char(2) REFERENCES registry.provinces,
    phone           text NOT NULL DEFAULT '',
    association     text NOT NULL DEFAULT 'none' CHECK (association IN ('ACRA', 'MAC', 'none')),
    created_at      timestamptz NOT NULL DEFAULT now()
);
-- GiST trigram indexes answer "nearest names first" (ORDER BY key <-> query LIMIT n) without
-- scoring every agency that shares a common word such as "manpower".
CREATE INDEX agencies_key_en_trgm ON registry.agencies USING gist (key_en gist_trgm_ops);
CREATE INDEX agencies_key_km_trgm ON registry.agencies USING gist (key_km gist_trgm_ops);
CREATE INDEX agencies_key_en ON registry.agencies (key_en);
CREATE INDEX agencies_key_km ON registry.agencies (key_km);
CREATE INDEX agencies_address_key ON registry.agencies (address_key) WHERE address_key <> '';

-- People who own, direct or recruit for agencies (reusable across agencies) — not victims.
CREATE SEQUENCE registry.person_seq;
CREATE TABLE registry.people (
    id         text PRIMARY KEY DEFAULT 'P-' || lpad(nextval('registry.person_seq')::text, 5, '0'),
    name       text NOT NULL CHECK (name IS NFC NORMALIZED AND length(name) BETWEEN 1 AND 200),
    key        text NOT NULL,
    id_card    text UNIQUE CHECK (id_card ~ '^[0-9]{6,12}$'),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE registry.agency_people (
    agency_id text NOT NULL REFERENCES registry.agencies,
    person_id text NOT NULL REFERENCES registry.people,
    role      text NOT NULL CHECK (role IN ('owner', 'director', 'staff', 'broker')),
    since     date NOT NULL,
    until     date,
    PRIMARY KEY (agency_id, person_id, role)
);
CREATE INDEX agency_people_person ON registry.agency_people (person_id);

CREATE TABLE registry.branches (
    id        bigserial PRIMARY KEY,
    agency_id text NOT NULL REFERENCES registry.agencies,
    kind      text NOT NULL CHECK (kind IN ('branch', 'training_centre')),
    province  char(2) NOT NULL REFERENCES registry.provinces,
    address   text NOT NULL CHECK (address IS NFC NORMALIZED),
    opened_on date NOT NULL
);

CREATE TABLE registry.overseas_representatives (
    id        bigserial PRIMARY KEY,
    agency_id text NOT NULL REFERENCES registry.agencies,
    country   char(2) NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    name      text NOT NULL CHECK (name IS NFC NORMALIZED),
    contact   text NOT NULL DEFAULT ''
);

-- Licences (§12.2). The state columns are the current state; licence_events is the history that
-- as-of questions are answered from.
CREATE SEQUENCE registry.licence_serial;
CREATE TABLE registry.licences (
    number          text PRIMARY KEY,
    agency_id       text NOT NULL REFERENCES registry.agencies,
    state           text NOT NULL CHECK (state IN ('ACTIVE', 'RENEWAL_DUE', 'LATE_RENEWAL', 'RECRUITMENT_SUSPENDED',
                                                   'SUSPENDED', 'EXPIRED', 'REVOKED', 'SURRENDERED')),
    issued_on       date NOT NULL,
    expires_on      date NOT NULL CHECK (expires_on > issued_on),
    suspended_until date,
    state_since     timestamptz NOT NULL
);
CREATE INDEX licences_agency ON registry.licences (agency_id, issued_on DESC);
CREATE UNIQUE INDEX licences_one_live_per_agency ON registry.licences (agency_id)
    WHERE state NOT IN ('EXPIRED', 'REVOKED', 'SURRENDERED');

CREATE TABLE registry.licence_scope (
    licence    text NOT NULL REFERENCES registry.licences,
    country    char(2) NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    sector     text NOT NULL DEFAULT '',
    valid_from timestamptz NOT NULL,
    valid_to   timestamptz
);
CREATE INDEX licence_scope_licence ON registry.licence_scope (licence);

CREATE TABLE registry.licence_events (
    id           bigserial PRIMARY KEY,
    licence      text NOT NULL REFERENCES registry.licences,
    at           timestamptz NOT NULL,
    event        text NOT NULL,
    state_before text,
    state_after  text NOT NULL,
    rule         text NOT NULL,
    until        date,
    reason       text NOT NULL DEFAULT '',
    actor        text NOT NULL
);
CREATE INDEX licence_events_licence_at ON registry.licence_events (licence, at);

-- Deposit ledger (§12.3): lodgements, draws and top-ups; the balance is their sum.
CREATE TABLE registry.deposit_entries (
    id         bigserial PRIMARY KEY,
    agency_id  text NOT NULL REFERENCES registry.agencies,
    kind       text NOT NULL CHECK (kind IN ('lodgement', 'draw', 'topup', 'release')),
    amount_usd numeric(14, 2) NOT NULL CHECK (amount_usd > 0),
    at         timestamptz NOT NULL,
    reference  text NOT NULL DEFAULT '',
    actor      text NOT NULL
);
CREATE INDEX deposit_entries_agency ON registry.deposit_entries (agency_id);

-- Provincial registration (PRA-10) and its history.
CREATE TABLE registry.registrations (
    agency_id text NOT NULL REFERENCES registry.agencies,
    province  char(2) NOT NULL REFERENCES registry.provinces,
    state     text NOT NULL CHECK (state IN ('PENDING', 'REGISTERED', 'LAPSED', 'WITHDRAWN')),
    since     timestamptz NOT NULL,
    PRIMARY KEY (agency_id, province)
);
CREATE TABLE registry.registration_events (
    id          bigserial PRIMARY KEY,
    agency_id   text NOT NULL,
    province    char(2) NOT NULL,
    at          timestamptz NOT NULL,
    state_after text NOT NULL,
    reason      text NOT NULL DEFAULT '',
    actor       text NOT NULL,
    FOREIGN KEY (agency_id, province) REFERENCES registry.registrations
);
CREATE INDEX registration_events_at ON registry.registration_events (agency_id, province, at);

-- Unlicensed operators and illegal brokers with public warnings (C-3, C-12, C-13).
CREATE SEQUENCE registry.watch_seq;
CREATE TABLE registry.watchlist (
    id           text PRIMARY KEY DEFAULT 'W-' || lpad(nextval('registry.watch_seq')::text, 4, '0'),
    kind         text NOT NULL CHECK (kind IN ('operator', 'broker')),
    name         text NOT NULL CHECK (name IS NFC NORMALIZED),
    key          text NOT NULL,
    id_card      text CHECK (id_card ~ '^[0-9]{6,12}$'),
    province     char(2) REFERENCES registry.provinces,
    warning      text NOT NULL DEFAULT '',
    case_ref     text NOT NULL DEFAULT '',
    published_on date NOT NULL,
    lifted_on    date
);
CREATE INDEX watchlist_key_trgm ON registry.watchlist USING gin (key gin_trgm_ops);
CREATE INDEX watchlist_id_card ON registry.watchlist (id_card) WHERE id_card IS NOT NULL;

-- Owners and directors of a revoked agency may not hold a new licence for a while (PEN-5).
CREATE TABLE registry.relicensing_bars (
    id          bigserial PRIMARY KEY,
    person_id   text NOT NULL REFERENCES registry.people,
    licence     text NOT NULL REFERENCES registry.licences,
    from_on     date NOT NULL,
    until_on    date NOT NULL
);
CREATE INDEX relicensing_bars_person ON registry.relicensing_bars (person_id);

-- Links that suggest a revoked agency reopened under a new name (same person or same premises).
CREATE TABLE registry.agency_flags (
    id             bigserial PRIMARY KEY,
    agency_id      text NOT NULL REFERENCES registry.agencies,
    kind           text NOT NULL,
    related_agency text NOT NULL REFERENCES registry.agencies,
    via            text NOT NULL,
    at             timestamptz NOT NULL,
    UNIQUE (agency_id, kind, related_agency, via)
);

-- Sending bans by destination and sector (§12.11, C-17).
CREATE SEQUENCE registry.ban_seq;
CREATE TABLE registry.sending_bans (
    id                 text PRIMARY KEY DEFAULT 'B-' || lpad(nextval('registry.ban_seq')::text, 3, '0'),
    country            char(2) NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    sector             text NOT NULL DEFAULT '',
    from_on            date NOT NULL,
    until_on           date,
    grandfather_before date,
    reason             text NOT NULL DEFAULT ''
);

-- Durable timers: one live timer per (kind, subject); fired or cancelled ones stay as history.
CREATE TABLE registry.timers (
    id           bigserial PRIMARY KEY,
    kind         text NOT NULL,
    subject      text NOT NULL,
    due_at       timestamptz NOT NULL,
    rule         text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    fired_at     timestamptz,
    cancelled_at timestamptz,
    outcome      text NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX timers_one_live ON registry.timers (kind, subject) WHERE fired_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX timers_due ON registry.timers (due_at) WHERE fired_at IS NULL AND cancelled_at IS NULL;

-- Idempotency keys of mutating commands: the reply of the first execution, keyed per caller.
-- Only a hash of the request is kept, never its arguments.
CREATE TABLE registry.idempotency (
    actor        text NOT NULL,
    key          text NOT NULL CHECK (length(key) BETWEEN 8 AND 128),
    command      text NOT NULL,
    request_hash bytea NOT NULL,
    reply        text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor, key)
);

-- Hotline lookups are counted, never logged with caller data.
CREATE TABLE registry.verify_stats (
    day     date NOT NULL,
    verdict text NOT NULL,
    count   bigint NOT NULL,
    PRIMARY KEY (day, verdict)
);

GRANT SELECT, UPDATE ON registry.clock TO registry_app;
GRANT EXECUTE ON FUNCTION registry.now(), registry.today(), registry.day_start(date) TO registry_app;
GRANT SELECT, INSERT, UPDATE ON registry.agencies, registry.people, registry.agency_people, registry.branches,
    registry.overseas_representatives, registry.licences, registry.registrations, registry.watchlist,
    registry.sending_bans, registry.timers, registry.idempotency, registry.verify_stats, registry.licence_scope
    TO registry_app;
GRANT SELECT, INSERT ON registry.licence_events, registry.deposit_entries, registry.registration_events,
    registry.relicensing_bars, registry.agency_flags TO registry_app;
GRANT USAGE ON SEQUENCE registry.agency_seq, registry.person_seq, registry.licence_serial, registry.watch_seq,
    registry.ban_seq, registry.licence_events_id_seq, registry.deposit_entries_id_seq,
    registry.registration_events_id_seq, registry.relicensing_bars_id_seq, registry.agency_flags_id_seq,
    registry.timers_id_seq, registry.branches_id_seq, registry.overseas_representatives_id_seq TO registry_app;
