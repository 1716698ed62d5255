INSERT INTO source_details
    (source_pk, source_type, provider_type, group_matching_mode, sync_users,
     password_login_update_internal_password, allow_idp_initiated, settings, first_seen_at, last_seen_at,
     deleted_at)
SELECT s.source_pk, s.source_type, s.provider_type, s.group_matching_mode, s.sync_users,
       s.password_login_update_internal_password, s.allow_idp_initiated, s.settings, $now, $now, NULL
FROM (SELECT * FROM stg.stg_source_details
      QUALIFY row_number() OVER (PARTITION BY source_pk ORDER BY seq DESC) = 1) AS s
WHERE s.source_pk NOT IN (SELECT source_pk FROM source_details);
