-- rule: duplicate_email_linkable
-- severity: high
-- needs: users, sources
-- why: Two or more active users share an email while an enabled email_link source exists. authentik links a login to the first user with that exact email, so which account a login lands in is ambiguous, and the other accounts with that email cannot be told apart by the source.
-- fix: Give each account its own email (or remove the duplicate account), or switch the email_link sources to `identifier` matching.
WITH shared AS (
    SELECT email, list(pk ORDER BY pk) AS pks, list(username ORDER BY pk) AS usernames
    FROM users
    WHERE deleted_at IS NULL AND is_active AND coalesce(email, '') <> ''
    GROUP BY email
    HAVING count(*) >= 2
),
linking AS (
    SELECT string_agg(slug, ', ' ORDER BY slug) AS slugs
    FROM sources_classified
    WHERE enabled AND user_matching_mode = 'email_link'
)
SELECT
    array_to_string(d.pks, ',') AS key,
    'high' AS severity,
    NULL::UUID AS source_pk,
    NULL::VARCHAR AS source_slug,
    d.pks[1] AS user_pk,
    array_to_string(d.usernames, ', ') AS username,
    len(d.pks)::VARCHAR || ' active users share the email ' || d.email || ' ('
        || array_to_string(d.usernames, ', ') || ') while email_link source(s) ' || l.slugs
        || ' link logins by email' AS detail
FROM shared AS d, linking AS l
WHERE l.slugs IS NOT NULL
