-- rule: user_linkable
-- severity: medium
-- needs: users, sources
-- why: An enabled source links logins to existing accounts by email (email_link) or username (username_link). Every active user whose email or username it can present can be taken over by whoever controls the same value at the provider; the users themselves are in the view `linkable_users`.
-- fix: Prefer `identifier` matching and connect existing users explicitly (authentik's user settings, "Connect"); keep `*_link` only for providers that verify the claim (see `provider_trust`) and only as long as a migration needs it.
SELECT
    s.pk::VARCHAR AS key,
    'medium' AS severity,
    s.pk AS source_pk,
    s.slug AS source_slug,
    NULL::BIGINT AS user_pk,
    NULL::VARCHAR AS username,
    s.slug || ' (' || s.user_matching_mode || ', provider ' || s.provider || ') can link logins to '
        || (SELECT count(*) FROM linkable_users AS l WHERE l.source_pk = s.pk)::VARCHAR
        || ' active user(s) by ' || CASE WHEN s.user_matching_mode = 'email_link' THEN 'email'
                                        ELSE 'username' END AS detail
FROM sources_classified AS s
WHERE s.enabled AND s.user_matching_mode IN ('email_link', 'username_link')
