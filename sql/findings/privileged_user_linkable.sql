-- rule: privileged_user_linkable
-- severity: critical where the source's provider does not vouch for the claim it links on, else high
-- needs: users, sources
-- why: An active superuser (through a superuser group) or service account has an email (email_link) or username (username_link) that an enabled source can present. authentik links "to the existing user with the same email", which "can have security implications when a source doesn't validate email addresses": whoever controls that email or username at the provider logs in as this account, with all its rights.
-- fix: Switch the source to `identifier` (or `email_deny` / `username_deny`) matching, or connect the privileged account to the source explicitly and change its email or username so the source cannot present it; keep break-glass and service accounts off linkable sources.
SELECT
    l.source_pk::VARCHAR || ':' || l.user_pk::VARCHAR AS key,
    CASE WHEN l.provider_vouches THEN 'high' ELSE 'critical' END AS severity,
    l.source_pk,
    l.source_slug,
    l.user_pk,
    l.username,
    (CASE WHEN l.is_superuser THEN 'superuser ' ELSE 'service account ' END) || l.username
        || ' can be linked by ' || l.linked_by || ' through ' || l.source_slug
        || ' (' || l.user_matching_mode || ', provider ' || l.provider || ': '
        || CASE WHEN l.provider_vouches THEN 'vouches for ' ELSE 'does not vouch for ' END
        || l.linked_by || 's)' || CASE WHEN l.already_connected THEN '; already connected' ELSE '' END
        AS detail
FROM linkable_users AS l
WHERE l.is_superuser OR l.user_type IN ('service_account', 'internal_service_account')
