-- The matching-mode mix at the end of every run that applied its data: sources, enabled sources
-- and live connections per user_matching_mode, as they were then.
CREATE OR REPLACE VIEW matching_mode_history AS
SELECT
    r.run_id,
    r.finished_at,
    h.user_matching_mode,
    count(DISTINCT h.source_pk) AS sources,
    count(DISTINCT h.source_pk) FILTER (WHERE h.enabled) AS enabled_sources,
    count(c.pk) AS connections
FROM sync_runs AS r
JOIN sources_history AS h
  ON h.valid_from <= r.finished_at AND (h.valid_to IS NULL OR h.valid_to > r.finished_at)
LEFT JOIN user_source_connections AS c
  ON c.source_pk = h.source_pk
 AND c.first_seen_at <= r.finished_at
 AND (c.deleted_at IS NULL OR c.deleted_at > r.finished_at)
WHERE r.status IN ('succeeded', 'partial')
GROUP BY ALL
ORDER BY r.finished_at, h.user_matching_mode;
