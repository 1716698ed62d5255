-- What changed in each source, before and after, and when (from sources_history).
CREATE OR REPLACE VIEW source_changes AS
WITH versions AS (
    SELECT h.*,
           lag(h.name) OVER w AS prev_name,
           lag(h.slug) OVER w AS prev_slug,
           lag(h.enabled) OVER w AS prev_enabled,
           lag(h.promoted) OVER w AS prev_promoted,
           lag(h.user_matching_mode) OVER w AS prev_user_matching_mode,
           lag(h.policy_engine_mode) OVER w AS prev_policy_engine_mode,
           lag(h.authentication_flow) OVER w AS prev_authentication_flow,
           lag(h.enrollment_flow) OVER w AS prev_enrollment_flow,
           lag(h.user_path_template) OVER w AS prev_user_path_template,
           lag(h.user_property_mappings) OVER w AS prev_user_property_mappings,
           lag(h.group_property_mappings) OVER w AS prev_group_property_mappings,
           lag(h.valid_to) OVER w AS prev_valid_to,
           lead(h.valid_from) OVER w AS next_valid_from,
           row_number() OVER w AS version
    FROM sources_history AS h
    WINDOW w AS (PARTITION BY h.source_pk ORDER BY h.valid_from)
),
changes AS (
    SELECT v.source_pk, v.slug, v.valid_from AS changed_at, v.first_run_id AS run_id, c.attribute, c.before, c.after
    FROM versions AS v,
    LATERAL (VALUES
        ('name', v.prev_name, v.name),
        ('slug', v.prev_slug, v.slug),
        ('enabled', v.prev_enabled::VARCHAR, v.enabled::VARCHAR),
        ('promoted', v.prev_promoted::VARCHAR, v.promoted::VARCHAR),
        ('user_matching_mode', v.prev_user_matching_mode, v.user_matching_mode),
        ('policy_engine_mode', v.prev_policy_engine_mode, v.policy_engine_mode),
        ('authentication_flow', v.prev_authentication_flow, v.authentication_flow),
        ('enrollment_flow', v.prev_enrollment_flow, v.enrollment_flow),
        ('user_path_template', v.prev_user_path_template, v.user_path_template),
        ('user_property_mappings', v.prev_user_property_mappings::VARCHAR, v.user_property_mappings::VARCHAR),
        ('group_property_mappings', v.prev_group_property_mappings::VARCHAR, v.group_property_mappings::VARCHAR)
    ) AS c(attribute, before, after)
    WHERE v.version > 1 AND c.before IS DISTINCT FROM c.after
    UNION ALL
    -- A version that follows a gap: the source was deleted, then came back.
    SELECT v.source_pk, v.slug, v.valid_from, v.first_run_id, 'deleted', 'true', 'false'
    FROM versions AS v
    WHERE v.version > 1 AND v.prev_valid_to < v.valid_from
    UNION ALL
    -- A version closed with no successor starting at once: the source was deleted then.
    SELECT v.source_pk, v.slug, v.valid_to, v.last_run_id, 'deleted', 'false', 'true'
    FROM versions AS v
    WHERE v.valid_to IS NOT NULL AND (v.next_valid_from IS NULL OR v.next_valid_from > v.valid_to)
)
SELECT * FROM changes ORDER BY changed_at, slug, attribute;
