-- Soft-delete sources a complete /sources/all/ listing no longer returned.
UPDATE sources
SET deleted_at = $now
WHERE list_contains($complete_parts::VARCHAR[], 'sources')
  AND deleted_at IS NULL
  AND pk NOT IN (SELECT pk FROM chosen_sources);
