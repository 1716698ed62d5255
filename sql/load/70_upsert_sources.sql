-- A copy nested in a connection reports the base type ('authentik_core.source'); it never
-- overwrites the real type an earlier /sources/all/ listing gave.
INSERT INTO sources
    (pk, name, slug, enabled, promoted, authentication_flow, enrollment_flow, component,
     verbose_name, verbose_name_plural, meta_model_name, policy_engine_mode, user_matching_mode,
     managed, user_path_template, icon, icon_url, icon_themed_urls, payload,
     first_seen_at, last_seen_at, deleted_at)
SELECT pk, name, slug, enabled, promoted, authentication_flow, enrollment_flow, component,
       verbose_name, verbose_name_plural, meta_model_name, policy_engine_mode, user_matching_mode,
       managed, user_path_template, icon, icon_url, icon_themed_urls, payload, $now, $now, NULL
FROM chosen_sources
ON CONFLICT (pk) DO UPDATE SET
    name = excluded.name,
    slug = excluded.slug,
    enabled = excluded.enabled,
    promoted = excluded.promoted,
    authentication_flow = excluded.authentication_flow,
    enrollment_flow = excluded.enrollment_flow,
    component = CASE WHEN excluded.meta_model_name = 'authentik_core.source'
                      AND sources.meta_model_name IS DISTINCT FROM 'authentik_core.source'
                     THEN sources.component ELSE excluded.component END,
    verbose_name = CASE WHEN excluded.meta_model_name = 'authentik_core.source'
                         AND sources.meta_model_name IS DISTINCT FROM 'authentik_core.source'
                        THEN sources.verbose_name ELSE excluded.verbose_name END,
    verbose_name_plural = CASE WHEN excluded.meta_model_name = 'authentik_core.source'
                                AND sources.meta_model_name IS DISTINCT FROM 'authentik_core.source'
                               THEN sources.verbose_name_plural ELSE excluded.verbose_name_plural END,
    meta_model_name = CASE WHEN excluded.meta_model_name = 'authentik_core.source'
                            AND sources.meta_model_name IS DISTINCT FROM 'authentik_core.source'
                           THEN sources.meta_model_name ELSE excluded.meta_model_name END,
    policy_engine_mode = excluded.policy_engine_mode,
    user_matching_mode = excluded.user_matching_mode,
    managed = excluded.managed,
    user_path_template = excluded.user_path_template,
    icon = excluded.icon,
    icon_url = excluded.icon_url,
    icon_themed_urls = excluded.icon_themed_urls,
    payload = CASE WHEN excluded.meta_model_name = 'authentik_core.source'
                    AND sources.meta_model_name IS DISTINCT FROM 'authentik_core.source'
                   THEN sources.payload ELSE excluded.payload END,
    last_seen_at = excluded.last_seen_at,
    deleted_at = NULL;
