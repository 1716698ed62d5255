-- Bookkeeping only: unchanged connections were seen again by this run.
UPDATE user_source_connections AS t
SET last_seen_at = $now
FROM chosen_connections AS c
WHERE c.pk = t.pk AND c.change = 'unchanged';
