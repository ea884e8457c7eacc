-- 0010 live timers listed in due order from indexes, held ones included.
--
-- Why: `timer.list` (pending timers, soonest first) read every timer ever written and sorted the
-- live ones: the claim index (0003) leaves out timers held by a paused case, so it could not serve a
-- list that must show them. 190 ms at 450,000 timers, growing with every licence and case for as long
-- as the registry runs. Held timers are few (paused cases): a small index of their own, and the list
-- merges the two index scans.

CREATE INDEX timers_held ON registry.timers (due_at, id)
    WHERE held_since IS NOT NULL AND fired_at IS NULL AND cancelled_at IS NULL;
