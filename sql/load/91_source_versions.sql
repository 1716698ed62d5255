-- The tracked state of every live source this run saw (attributes and property mappings).
CREATE OR REPLACE TEMP TABLE source_versions AS
WITH mappings AS (
    SELECT source_pk,
           list(mapping_pk ORDER BY position) FILTER (WHERE kind = 'user') AS user_property_mappings,
           list(mapping_pk ORDER BY position) FILTER (WHERE kind = 'group') AS group_property_mappings
    FROM source_property_mappings
    GROUP BY source_pk
),
state AS (
    SELECT s.pk AS source_pk, s.name, s.slug, s.enabled, s.promoted, s.authentication_flow,
           s.enrollment_flow, s.component, s.verbose_name, s.meta_model_name, s.policy_engine_mode,
           s.user_matching_mode, s.managed, s.user_path_template,
           coalesce(m.user_property_mappings, []) AS user_property_mappings,
           coalesce(m.group_property_mappings, []) AS group_property_mappings
    FROM sources AS s
    LEFT JOIN mappings AS m ON m.source_pk = s.pk
    WHERE s.deleted_at IS NULL AND s.pk IN (SELECT pk FROM chosen_sources)
)
SELECT *, md5(to_json(state)::VARCHAR) AS version_hash FROM state;
