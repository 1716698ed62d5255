-- Close the current version of sources that changed or were deleted.
UPDATE sources_history AS h
SET valid_to = $now
WHERE h.valid_to IS NULL
  AND (
      h.source_pk IN (SELECT pk FROM sources WHERE deleted_at IS NOT NULL)
      OR h.source_pk IN (
          SELECT v.source_pk FROM source_versions AS v
          WHERE v.source_pk = h.source_pk AND v.version_hash <> h.version_hash
      )
  );
