-- rule: inactive_user_with_connections
-- severity: low
-- needs: users, connections
-- why: A deactivated user still has source connections. The account cannot log in today, but the links stay: reactivating it restores every login path at once, and the connections keep personal identifiers of someone who left.
-- fix: Delete the user's source connections (authentik's user page, "Connected services"), or delete the user if it is gone for good.
SELECT
    u.pk::VARCHAR AS key,
    'low' AS severity,
    NULL::UUID AS source_pk,
    NULL::VARCHAR AS source_slug,
    u.pk AS user_pk,
    u.username,
    'inactive user ' || u.username || ' has ' || count(*)::VARCHAR || ' connection(s): '
        || string_agg(DISTINCT s.slug, ', ' ORDER BY s.slug) AS detail
FROM users AS u
JOIN user_source_connections AS c ON c.user_pk = u.pk AND c.deleted_at IS NULL
LEFT JOIN sources AS s ON s.pk = c.source_pk
WHERE u.deleted_at IS NULL AND NOT u.is_active
GROUP BY u.pk, u.username
