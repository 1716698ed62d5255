-- One row per live connection: the connection's columns, then every source column as source_<name>.
CREATE OR REPLACE VIEW connections_flat AS
SELECT
    c.pk, c.user_pk, c.source_pk, c.identifier, c.created, c.last_updated,
    c.first_seen_at, c.last_seen_at,
    s.name AS source_name, s.slug AS source_slug, s.enabled AS source_enabled,
    s.promoted AS source_promoted, s.authentication_flow AS source_authentication_flow,
    s.enrollment_flow AS source_enrollment_flow, s.component AS source_component,
    s.verbose_name AS source_verbose_name, s.verbose_name_plural AS source_verbose_name_plural,
    s.meta_model_name AS source_meta_model_name, s.policy_engine_mode AS source_policy_engine_mode,
    s.user_matching_mode AS source_user_matching_mode, s.managed AS source_managed,
    s.user_path_template AS source_user_path_template, s.icon AS source_icon,
    s.icon_url AS source_icon_url, s.first_seen_at AS source_first_seen_at,
    s.last_seen_at AS source_last_seen_at, s.deleted_at AS source_deleted_at
FROM user_source_connections AS c
LEFT JOIN sources AS s ON s.pk = c.source_pk
WHERE c.deleted_at IS NULL;
