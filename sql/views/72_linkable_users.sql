-- Every active user an enabled email_link / username_link source can link a login to: authentik
-- links to the existing user whose email (or username) equals, exactly, what the source presents
-- (authentik/core/sources/matcher.py: `email__exact`; an empty value is refused, so users without
-- an email cannot be reached by email). One row per (source, user).
CREATE OR REPLACE VIEW linkable_users AS
SELECT
    s.pk AS source_pk,
    s.slug AS source_slug,
    s.user_matching_mode,
    s.provider,
    CASE WHEN s.user_matching_mode = 'email_link' THEN 'email' ELSE 'username' END AS linked_by,
    CASE WHEN s.user_matching_mode = 'email_link' THEN s.vouches_email ELSE s.vouches_username END
        AS provider_vouches,
    u.pk AS user_pk,
    u.username,
    u.email,
    u.type AS user_type,
    u.is_superuser
        OR EXISTS (SELECT 1 FROM groups AS g
                   WHERE g.deleted_at IS NULL AND g.is_superuser AND list_contains(u.group_pks, g.pk))
        AS is_superuser,
    EXISTS (SELECT 1 FROM user_source_connections AS c
            WHERE c.deleted_at IS NULL AND c.source_pk = s.pk AND c.user_pk = u.pk) AS already_connected
FROM sources_classified AS s
JOIN users AS u
    ON u.deleted_at IS NULL AND u.is_active
   AND ((s.user_matching_mode = 'email_link' AND coalesce(u.email, '') <> '')
        OR (s.user_matching_mode = 'username_link' AND u.username <> ''))
WHERE s.enabled AND s.user_matching_mode IN ('email_link', 'username_link');
