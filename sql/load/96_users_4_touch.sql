-- Bookkeeping only: unchanged users were seen again by this run.
UPDATE users AS t
SET last_seen_at = $now
FROM chosen_users AS c
WHERE c.pk = t.pk AND c.change = 'unchanged';
