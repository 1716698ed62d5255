-- The newest staged version of each connection (its seq), and what applying it changes.
-- Kept lean (no payload copy) so a million changed rows apply within the memory limit.
CREATE OR REPLACE TEMP TABLE chosen_connections AS
WITH latest AS (
    SELECT pk, max(seq) AS seq FROM stg.stg_connections GROUP BY pk
)
SELECT
    s.pk,
    s.seq,
    t.first_seen_at,
    CASE
        WHEN t.pk IS NULL THEN 'inserted'
        WHEN t.deleted_at IS NOT NULL
          OR t.user_pk IS DISTINCT FROM s.user_pk
          OR t.source_pk IS DISTINCT FROM s.source_pk
          OR t.identifier IS DISTINCT FROM s.identifier
          OR t.created IS DISTINCT FROM s.created
          OR t.last_updated IS DISTINCT FROM s.last_updated
          OR t.payload::VARCHAR IS DISTINCT FROM s.payload THEN 'updated'
        ELSE 'unchanged'
    END AS change
FROM latest
JOIN stg.stg_connections AS s ON s.pk = latest.pk AND s.seq = latest.seq
LEFT JOIN user_source_connections AS t ON t.pk = s.pk;
