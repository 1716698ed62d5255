-- The newest staged version of each connection, and what applying it changes.
CREATE OR REPLACE TEMP TABLE chosen_connections AS
SELECT s.pk, s.user_pk, s.source_pk, s.identifier, s.created, s.last_updated, s.payload,
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
FROM (
    SELECT * FROM stg.stg_connections
    QUALIFY row_number() OVER (PARTITION BY pk ORDER BY seq DESC) = 1
) AS s
LEFT JOIN user_source_connections AS t ON t.pk = s.pk;
