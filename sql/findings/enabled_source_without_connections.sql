-- rule: enabled_source_without_connections
-- severity: info
-- needs: sources, connections
-- why: An enabled source has no user connections: nobody uses it, yet it is a live login path (and, with enrollment, a way to create accounts) that nobody watches.
-- fix: Disable or delete the source if it is not needed; if it is new, ignore this until its users arrive.
SELECT
    s.pk::VARCHAR AS key,
    'info' AS severity,
    s.pk AS source_pk,
    s.slug AS source_slug,
    NULL::BIGINT AS user_pk,
    NULL::VARCHAR AS username,
    'enabled source ' || s.slug || ' (' || s.user_matching_mode || ') has no connections' AS detail
FROM sources AS s
WHERE s.deleted_at IS NULL AND s.enabled AND s.managed IS NULL
  AND s.pk NOT IN (SELECT source_pk FROM user_source_connections WHERE deleted_at IS NULL)
