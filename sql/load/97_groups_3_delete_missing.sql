-- Groups a complete listing no longer shows are gone (soft delete), as for users.
UPDATE groups
SET deleted_at = $now
WHERE deleted_at IS NULL
  AND $groups_complete
  AND pk NOT IN (SELECT pk FROM stg.stg_groups);
