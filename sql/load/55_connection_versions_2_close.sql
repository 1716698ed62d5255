-- Close the current version of connections whose own fields changed, or that were deleted or revived.
UPDATE connections_history AS h
SET valid_to = $now, valid_to_run = $run_id
FROM connection_versions AS v
WHERE h.connection_pk = v.pk
  AND h.valid_to IS NULL
  AND (h.version_hash <> v.version_hash OR h.deleted <> v.deleted);
