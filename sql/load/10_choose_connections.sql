-- The newest staged version of each connection (its seq), and what applying it changes.
-- Kept lean (no payload copy) so a million changed rows apply within the memory limit. Every
-- flattened column is a function of the payload, so comparing payloads (by a 64-bit hash computed
-- on both sides here, never stored) finds every change.
CREATE OR REPLACE TEMP TABLE chosen_connections AS
WITH staged AS (
    SELECT pk, max(seq) AS seq, arg_max(hash(payload), seq) AS payload_hash
    FROM stg.stg_connections
    GROUP BY pk
),
stored AS (
    SELECT pk, first_seen_at, deleted_at, hash(payload) AS payload_hash
    FROM user_source_connections
)
SELECT
    s.pk,
    s.seq,
    t.first_seen_at,
    CASE
        WHEN t.pk IS NULL THEN 'inserted'
        WHEN t.deleted_at IS NOT NULL OR t.payload_hash <> s.payload_hash THEN 'updated'
        ELSE 'unchanged'
    END AS change
FROM staged AS s
LEFT JOIN stored AS t ON t.pk = s.pk;
