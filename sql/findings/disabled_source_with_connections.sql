-- rule: disabled_source_with_connections
-- severity: low
-- needs: sources, connections
-- why: A disabled source still holds user connections. Nobody logs in through it today, but enabling it again (by mistake, or by someone with the rights) restores every one of those login paths at once.
-- fix: If the source is retired, delete it (its connections go with it); if it is paused, note why and review its connections before enabling it.
SELECT
    s.pk::VARCHAR AS key,
    'low' AS severity,
    s.pk AS source_pk,
    s.slug AS source_slug,
    NULL::BIGINT AS user_pk,
    NULL::VARCHAR AS username,
    'disabled source ' || s.slug || ' holds ' || count(*)::VARCHAR || ' connection(s)' AS detail
FROM sources AS s
JOIN user_source_connections AS c ON c.source_pk = s.pk AND c.deleted_at IS NULL
WHERE s.deleted_at IS NULL AND NOT s.enabled
GROUP BY s.pk, s.slug
