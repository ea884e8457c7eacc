-- 0017 fewer index entries written per complaint filing.
--
-- Why: a filing arms three deadlines, and each timer row went into four indexes. Two of them said the
-- same thing in a different order: the unique (kind, subject) of live timers and the plain (subject)
-- of live timers. One unique index on (subject, kind) keeps the rule (one live timer of a kind per
-- subject) and serves every lookup by subject, so each timer writes one index entry less. And the
-- index on a case's respondent agency took an entry for every case, though most complaints name no
-- registered agency (unknown operators, brokers): it now holds only the cases that name one, which
-- are the only ones a lookup by agency can find.
CREATE UNIQUE INDEX timers_live_by_subject ON registry.timers (subject, kind) WHERE fired_at IS NULL AND cancelled_at IS NULL;
DROP INDEX registry.timers_one_live;
DROP INDEX registry.timers_subject;

CREATE INDEX complaints_agency ON registry.complaints (respondent_agency) WHERE respondent_agency IS NOT NULL;
DROP INDEX registry.complaints_respondent;
