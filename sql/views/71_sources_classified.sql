-- Every live source with its type, its provider (OAuth: the provider type), its group matching mode
-- (from the per-type detail) and whether its provider vouches for what it links on (provider_trust).
CREATE OR REPLACE VIEW sources_classified AS
WITH typed AS (
    SELECT
        s.pk, s.slug, s.name, s.enabled, s.user_matching_mode, s.managed,
        coalesce(d.source_type,
                 nullif(regexp_extract(s.meta_model_name, 'authentik_sources_([a-z_]+)\.', 1), ''),
                 'builtin') AS source_type,
        d.provider_type, d.group_matching_mode
    FROM sources AS s
    LEFT JOIN source_details AS d ON d.source_pk = s.pk AND d.deleted_at IS NULL
    WHERE s.deleted_at IS NULL
)
SELECT
    t.*,
    CASE WHEN t.source_type = 'oauth' THEN coalesce(t.provider_type, 'oauth (provider unknown)')
         ELSE t.source_type END AS provider,
    coalesce(p.vouches_email, false) AS vouches_email,
    coalesce(p.vouches_username, false) AS vouches_username,
    coalesce(p.reason, 'not in provider_trust: treated as not vouching') AS trust_reason
FROM typed AS t
LEFT JOIN provider_trust AS p
    ON p.provider = CASE WHEN t.source_type = 'oauth' THEN coalesce(t.provider_type, 'oauth (provider unknown)')
                         ELSE t.source_type END;
