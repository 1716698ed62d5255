-- The own state of every connection this run inserted, changed, revived or deleted (unchanged
-- payloads cannot hold a new version). The hash leaves the embedded source out: a renamed source
-- is a new version of the source (sources_history), not of its connections. Staged rows come with
-- their hash (computed by the stager while the fetch went on); deleted ones are hashed here.
CREATE OR REPLACE TEMP TABLE connection_versions AS
SELECT c.pk, c.user_pk, c.source_pk, c.identifier, c.created, c.last_updated, false AS deleted,
       s.own_hash AS version_hash
FROM chosen_connections AS ch
JOIN stg.stg_connections AS s ON s.pk = ch.pk AND s.seq = ch.seq
JOIN user_source_connections AS c ON c.pk = ch.pk
WHERE ch.change <> 'unchanged'
UNION ALL
SELECT c.pk, c.user_pk, c.source_pk, c.identifier, c.created, c.last_updated, true,
       hash(json_merge_patch(c.payload, json_object('source', c.source_pk::VARCHAR, 'source_obj', NULL)))::VARCHAR
FROM user_source_connections AS c
WHERE c.deleted_at = $now;
