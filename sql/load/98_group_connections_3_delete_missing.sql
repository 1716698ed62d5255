-- Gone from a complete listing: soft delete (never after a 403, a failed or a moving listing).
UPDATE group_source_connections
SET deleted_at = $now
WHERE deleted_at IS NULL
  AND list_contains($complete_parts::VARCHAR[], 'group_connections')
  AND pk NOT IN (SELECT pk FROM stg.stg_group_connections);
