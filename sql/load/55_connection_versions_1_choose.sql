-- The own state of every connection this run inserted, changed, revived or deleted (unchanged
-- payloads cannot hold a new version). The hash leaves the embedded source out: a renamed source
-- is a new version of the source (sources_history), not of its connections.
CREATE OR REPLACE TEMP TABLE connection_versions AS
SELECT c.pk, c.user_pk, c.source_pk, c.identifier, c.created, c.last_updated,
       c.deleted_at IS NOT NULL AS deleted,
       md5(json_merge_patch(c.payload, json_object('source', c.source_pk::VARCHAR, 'source_obj', NULL))::VARCHAR)
           AS version_hash
FROM user_source_connections AS c
WHERE c.pk IN (SELECT pk FROM chosen_connections WHERE change <> 'unchanged')
   OR c.deleted_at = $now;
