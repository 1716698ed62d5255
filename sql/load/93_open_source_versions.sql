-- A new version for every live source seen without an open one (new, changed or back to life).
INSERT INTO sources_history
SELECT v.source_pk, $now, NULL, $run_id, $run_id, v.name, v.slug, v.enabled, v.promoted,
       v.authentication_flow, v.enrollment_flow, v.component, v.verbose_name, v.meta_model_name,
       v.policy_engine_mode, v.user_matching_mode, v.managed, v.user_path_template,
       v.user_property_mappings, v.group_property_mappings, v.version_hash
FROM source_versions AS v
WHERE NOT EXISTS (
    SELECT 1 FROM sources_history AS h WHERE h.source_pk = v.source_pk AND h.valid_to IS NULL
);
