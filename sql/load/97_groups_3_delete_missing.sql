-- Groups a complete listing no longer shows are gone (soft delete), as for users.
UPDATE groups
SET deleted_at = $now
WHERE deleted_at IS NULL
  AND list_contains($complete_parts::VARCHAR[], 'groups')
  AND pk NOT IN (SELECT pk FROM stg.stg_groups);
