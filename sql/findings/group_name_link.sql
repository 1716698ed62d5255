-- rule: group_name_link
-- severity: critical where a superuser group exists, else high
-- needs: sources, source_details, groups
-- why: An enabled source matches groups by name (group matching mode `name_link`): a group the provider sends is linked to the existing authentik group with the same name, so whoever can name groups at the provider can put users into an existing group, a superuser group included.
-- fix: Set the source's group matching mode to `identifier` (or `name_deny`), or make sure the provider's group names cannot collide with authentik's groups (a dedicated prefix).
SELECT
    s.pk::VARCHAR AS key,
    CASE WHEN su.names IS NOT NULL THEN 'critical' ELSE 'high' END AS severity,
    s.pk AS source_pk,
    s.slug AS source_slug,
    NULL::BIGINT AS user_pk,
    NULL::VARCHAR AS username,
    s.slug || ' links groups by name (name_link)'
        || CASE WHEN su.names IS NOT NULL THEN ': it can put a user into the superuser group(s) ' || su.names
                ELSE '' END AS detail
FROM sources_classified AS s,
     (SELECT string_agg(name, ', ' ORDER BY name) AS names FROM groups
      WHERE deleted_at IS NULL AND is_superuser) AS su
WHERE s.enabled AND s.group_matching_mode = 'name_link'
