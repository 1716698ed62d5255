-- rule: connection_of_missing_user
-- severity: low
-- needs: users, connections
-- why: A connection points at a user the users listing does not show (deleted, or hidden from this token). authentik deletes a user's connections with the user, so this is a dangling link or a sign that the token sees only part of the directory.
-- fix: Check the user in authentik; if it is gone, delete the connection; if the token cannot see it, give the token's user `authentik_core.view_user`.
SELECT
    c.user_pk::VARCHAR AS key,
    'low' AS severity,
    NULL::UUID AS source_pk,
    NULL::VARCHAR AS source_slug,
    c.user_pk,
    NULL::VARCHAR AS username,
    count(*)::VARCHAR || ' connection(s) of user ' || c.user_pk::VARCHAR || ', who is not in the users listing: '
        || string_agg(DISTINCT s.slug, ', ' ORDER BY s.slug) AS detail
FROM user_source_connections AS c
LEFT JOIN sources AS s ON s.pk = c.source_pk
WHERE c.deleted_at IS NULL
  AND c.user_pk NOT IN (SELECT pk FROM users WHERE deleted_at IS NULL)
GROUP BY c.user_pk
