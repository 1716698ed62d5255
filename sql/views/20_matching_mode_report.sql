-- Per user_matching_mode: how many sources use it, how many connections and users it covers,
-- and whether it links existing accounts by email or username (a risk authentik's docs flag).
CREATE OR REPLACE VIEW matching_mode_report AS
WITH known(user_matching_mode, sort_order, description) AS (
    -- authentik's own descriptions (UserMatchingModeEnum)
    VALUES
        ('identifier', 1, 'Use the source-specific identifier'),
        ('email_link', 2, 'Link to a user with identical email address. Can have security implications when a source doesn''t validate email addresses.'),
        ('email_deny', 3, 'Use the user''s email address, but deny enrollment when the email address already exists.'),
        ('username_link', 4, 'Link to a user with identical username. Can have security implications when a username is used with another source.'),
        ('username_deny', 5, 'Use the user''s username, but deny enrollment when the username already exists.')
),
live_sources AS (
    SELECT * FROM sources WHERE deleted_at IS NULL
),
per_mode AS (
    SELECT
        s.user_matching_mode,
        count(DISTINCT s.pk) AS sources,
        count(DISTINCT s.pk) FILTER (WHERE s.enabled) AS enabled_sources,
        count(c.pk) AS connections,
        count(DISTINCT c.user_pk) AS distinct_users
    FROM live_sources AS s
    LEFT JOIN user_source_connections AS c ON c.source_pk = s.pk AND c.deleted_at IS NULL
    GROUP BY s.user_matching_mode
)
SELECT
    coalesce(k.user_matching_mode, p.user_matching_mode) AS user_matching_mode,
    coalesce(p.sources, 0) AS sources,
    coalesce(p.enabled_sources, 0) AS enabled_sources,
    coalesce(p.connections, 0) AS connections,
    coalesce(p.distinct_users, 0) AS distinct_users,
    coalesce(k.user_matching_mode IN ('email_link', 'username_link'), false) AS links_existing_accounts,
    CASE
        WHEN k.user_matching_mode = 'email_link' THEN
            'Can have security implications when a source doesn''t validate email addresses.'
        WHEN k.user_matching_mode = 'username_link' THEN
            'Can have security implications when a username is used with another source.'
        WHEN k.user_matching_mode IS NULL THEN 'Unknown mode (a newer authentik release?)'
        ELSE ''
    END AS risk,
    coalesce(k.description, '') AS description
FROM known AS k
FULL OUTER JOIN per_mode AS p ON p.user_matching_mode = k.user_matching_mode
ORDER BY coalesce(k.sort_order, 99), 1;
