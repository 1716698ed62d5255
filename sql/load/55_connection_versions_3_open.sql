-- A new version for every connection without an open one (new, changed, deleted or back to life).
INSERT INTO connections_history
SELECT v.pk, $now, NULL, $run_id, NULL, v.deleted, v.user_pk, v.source_pk, v.identifier, v.created,
       v.last_updated, v.version_hash
FROM connection_versions AS v
WHERE NOT EXISTS (
    SELECT 1 FROM connections_history AS h WHERE h.connection_pk = v.pk AND h.valid_to IS NULL
);
