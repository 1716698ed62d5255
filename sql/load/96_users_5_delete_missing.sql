-- Users a complete listing no longer shows are gone (soft delete). Never after a listing that was
-- refused (403), missing (404), failed or moved while paging: 'users' is not in $complete_parts
-- then, and the deletion guard has already stopped a run that would delete too many.
UPDATE users
SET deleted_at = $now
WHERE deleted_at IS NULL
  AND list_contains($complete_parts::VARCHAR[], 'users')
  AND pk NOT IN (SELECT pk FROM stg.stg_users);
