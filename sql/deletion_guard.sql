-- What a run saw of each kind of stored object, before anything is applied (the deletion guard).
-- Run on the staging database with the main database attached read-only as `target`.
-- would_delete is an upper bound: live stored rows this run did not see (or saw answer 404).
SELECT
    (SELECT count(*) FROM target.user_source_connections WHERE deleted_at IS NULL)
        AS stored_connections,
    (SELECT count(*) FROM target.user_source_connections
     WHERE deleted_at IS NULL
       AND (pk NOT IN (SELECT pk FROM stg_seen) OR pk IN (SELECT pk FROM stg_gone)))
        AS would_delete_connections,
    (SELECT count(*) FROM target.sources WHERE deleted_at IS NULL)
        AS stored_sources,
    (SELECT count(DISTINCT pk) FROM stg_sources WHERE authoritative)
        AS visible_sources,
    (SELECT count(*) FROM target.sources
     WHERE deleted_at IS NULL AND pk NOT IN (SELECT pk FROM stg_sources WHERE authoritative))
        AS would_delete_sources,
    (SELECT count(*) FROM target.users WHERE deleted_at IS NULL) AS stored_users,
    (SELECT count(DISTINCT pk) FROM stg_users) AS visible_users,
    (SELECT count(*) FROM target.users
     WHERE deleted_at IS NULL AND pk NOT IN (SELECT pk FROM stg_users)) AS would_delete_users,
    (SELECT count(*) FROM target.groups WHERE deleted_at IS NULL) AS stored_groups,
    (SELECT count(DISTINCT pk) FROM stg_groups) AS visible_groups,
    (SELECT count(*) FROM target.groups
     WHERE deleted_at IS NULL AND pk NOT IN (SELECT pk FROM stg_groups)) AS would_delete_groups,
    (SELECT count(*) FROM target.group_source_connections WHERE deleted_at IS NULL)
        AS stored_group_connections,
    (SELECT count(DISTINCT pk) FROM stg_group_connections) AS visible_group_connections,
    (SELECT count(*) FROM target.group_source_connections
     WHERE deleted_at IS NULL AND pk NOT IN (SELECT pk FROM stg_group_connections))
        AS would_delete_group_connections;
