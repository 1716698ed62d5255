-- Per-type source detail: every source a per-type listing showed is brought up to date in place.
UPDATE source_details AS d
SET source_type = s.source_type, provider_type = s.provider_type,
    group_matching_mode = s.group_matching_mode, sync_users = s.sync_users,
    password_login_update_internal_password = s.password_login_update_internal_password,
    allow_idp_initiated = s.allow_idp_initiated, settings = s.settings, last_seen_at = $now,
    deleted_at = NULL
FROM (SELECT * FROM stg.stg_source_details
      QUALIFY row_number() OVER (PARTITION BY source_pk ORDER BY seq DESC) = 1) AS s
WHERE d.source_pk = s.source_pk;
