-- Type-2 slowly changing dimension of sources: one row per version, with its validity and the runs
-- that saw it first and last. A version closes (valid_to) when a tracked attribute changes or the
-- source is deleted.

CREATE TABLE sources_history (
    source_pk               UUID        NOT NULL,
    valid_from              TIMESTAMPTZ NOT NULL,
    valid_to                TIMESTAMPTZ,            -- NULL: the current version
    first_run_id            VARCHAR     NOT NULL,
    last_run_id             VARCHAR     NOT NULL,
    name                    VARCHAR,
    slug                    VARCHAR,
    enabled                 BOOLEAN,
    promoted                BOOLEAN,
    authentication_flow     VARCHAR,
    enrollment_flow         VARCHAR,
    component               VARCHAR,
    verbose_name            VARCHAR,
    meta_model_name         VARCHAR,
    policy_engine_mode      VARCHAR,
    user_matching_mode      VARCHAR,
    managed                 VARCHAR,
    user_path_template      VARCHAR,
    user_property_mappings  VARCHAR[],
    group_property_mappings VARCHAR[],
    version_hash            VARCHAR     NOT NULL
);

-- Databases created before history existed: their current sources become the first versions
-- (hashed exactly as sql/load/91_source_versions.sql does).
INSERT INTO sources_history
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
)
SELECT st.source_pk, s.first_seen_at, s.deleted_at, 'before-history', 'before-history',
       st.* EXCLUDE (source_pk), md5(to_json(st)::VARCHAR)
FROM state AS st
JOIN sources AS s ON s.pk = st.source_pk;

ALTER TABLE sync_runs ADD COLUMN api_shape VARCHAR;
