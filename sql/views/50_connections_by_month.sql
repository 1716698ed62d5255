-- New connections per source per month (by `created`), and how many of them are still live.
CREATE OR REPLACE VIEW connections_by_month AS
SELECT
    date_trunc('month', c.created AT TIME ZONE 'UTC')::DATE AS month,
    s.slug AS source_slug,
    s.name AS source_name,
    count(*) AS new_connections,
    count(*) FILTER (WHERE c.deleted_at IS NULL) AS still_live,
    count(DISTINCT c.user_pk) AS distinct_users
FROM user_source_connections AS c
LEFT JOIN sources AS s ON s.pk = c.source_pk
WHERE c.created IS NOT NULL
GROUP BY ALL
ORDER BY month, source_slug;
