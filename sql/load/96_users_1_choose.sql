-- Users (for the findings): the newest staged version of each, and what applying it changes.
CREATE OR REPLACE TEMP TABLE chosen_users AS
WITH staged AS (
    SELECT pk, max(seq) AS seq, arg_max(hash(payload), seq) AS payload_hash
    FROM stg.stg_users
    GROUP BY pk
),
stored AS (
    SELECT pk, first_seen_at, deleted_at, hash(payload) AS payload_hash FROM users
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
