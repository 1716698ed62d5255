-- Per enabled source: its type, how it matches users, and what it links.
CREATE OR REPLACE VIEW enabled_sources_report AS
SELECT
    s.slug,
    s.name,
    CASE WHEN s.meta_model_name = 'authentik_core.source' AND s.managed IS NULL
         THEN 'Source (type unknown)' ELSE s.verbose_name END AS type,
    s.user_matching_mode,
    s.policy_engine_mode,
    count(c.pk) AS connections,
    count(DISTINCT c.user_pk) AS distinct_users,
    max(c.created) AS newest_connection,
    s.user_matching_mode IN ('email_link', 'username_link') AS links_existing_accounts
FROM sources AS s
LEFT JOIN user_source_connections AS c ON c.source_pk = s.pk AND c.deleted_at IS NULL
WHERE s.enabled AND s.deleted_at IS NULL
GROUP BY ALL
ORDER BY connections DESC, s.slug;
