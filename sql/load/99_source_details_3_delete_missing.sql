-- A source gone from the complete listing of its type: its detail is soft-deleted (per type, so a
-- type the token may not list keeps what was stored).
UPDATE source_details
SET deleted_at = $now
WHERE deleted_at IS NULL
  AND list_contains($complete_parts::VARCHAR[], 'sources_' || source_type)
  AND source_pk NOT IN (SELECT source_pk FROM stg.stg_source_details);
