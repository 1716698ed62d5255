-- Connections added, removed and changed per source per run (from connections_history): a version
-- opened by a run is "added" when the connection had no live version before, "removed" when it is
-- the deleted version, "changed" otherwise. Runs before the history are left out.
CREATE OR REPLACE VIEW connection_changes AS
WITH versions AS (
    SELECT h.*, lag(h.deleted) OVER (PARTITION BY h.connection_pk ORDER BY h.valid_from) AS prev_deleted
    FROM connections_history AS h
)
SELECT
    v.valid_from_run AS run_id,
    min(v.valid_from) AS changed_at,
    v.source_pk,
    s.slug AS source_slug,
    count(*) FILTER (WHERE NOT v.deleted AND coalesce(v.prev_deleted, true)) AS added,
    count(*) FILTER (WHERE v.deleted) AS removed,
    count(*) FILTER (WHERE NOT v.deleted AND v.prev_deleted = false) AS changed
FROM versions AS v
LEFT JOIN sources AS s ON s.pk = v.source_pk
WHERE v.valid_from_run <> 'before-history'
GROUP BY ALL
ORDER BY changed_at, source_slug;
