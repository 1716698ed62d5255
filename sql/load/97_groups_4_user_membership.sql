-- Users read incrementally (only those updated since the last run: 'users' in $incremental_parts):
-- adding a user to a group does not touch the user's last_updated, so every user's group pks and
-- superuser status are taken from the complete group listing instead, as authentik derives them:
-- a superuser is a member of a group that, or one of whose ancestors, has superuser status
-- (User.is_superuser: all_groups().with_ancestors()). Only rows that differ are written.
UPDATE users AS u
SET group_pks = m.group_pks,
    is_superuser = m.is_superuser,
    payload = json_merge_patch(u.payload, json_object('groups', m.group_pks, 'is_superuser', m.is_superuser))
FROM (
    WITH RECURSIVE grp AS (
        SELECT pk, is_superuser, parent_pks, member_pks
        FROM stg.stg_groups
        QUALIFY row_number() OVER (PARTITION BY pk ORDER BY seq DESC) = 1
    ),
    superuser_groups(pk) AS (
        SELECT pk FROM grp WHERE is_superuser
        UNION
        SELECT g.pk FROM grp AS g JOIN superuser_groups AS s ON list_contains(g.parent_pks, s.pk)
    ),
    members AS (
        SELECT unnest(member_pks) AS user_pk, pk AS group_pk FROM grp
    ),
    per_user AS (
        SELECT user_pk, list_sort(list(group_pk)) AS group_pks,
               bool_or(group_pk IN (SELECT pk FROM superuser_groups)) AS is_superuser
        FROM members
        GROUP BY user_pk
    )
    SELECT u2.pk, coalesce(p.group_pks, []::UUID[]) AS group_pks, coalesce(p.is_superuser, false) AS is_superuser
    FROM users AS u2
    LEFT JOIN per_user AS p ON p.user_pk = u2.pk
    WHERE u2.deleted_at IS NULL
) AS m
WHERE m.pk = u.pk
  AND list_contains($incremental_parts::VARCHAR[], 'users')
  AND list_contains($complete_parts::VARCHAR[], 'groups')
  AND (u.group_pks IS DISTINCT FROM m.group_pks OR u.is_superuser IS DISTINCT FROM m.is_superuser);
