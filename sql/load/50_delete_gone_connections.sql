-- Connections that answered 404 during this run were deleted since discovery.
UPDATE user_source_connections
SET deleted_at = $now
WHERE deleted_at IS NULL
  AND pk IN (SELECT pk FROM stg.stg_gone)
  AND pk NOT IN (SELECT pk FROM chosen_connections);
