-- Type-2 history of every connection (README "Data model"): one row per version of a connection's
-- own fields (user, source, identifier, created, last_updated and the rest of its own payload; not
-- the embedded source, which has sources_history). A deletion closes the live version and opens a
-- `deleted` one; an unchanged rerun adds nothing.
CREATE TABLE connections_history (
    connection_pk  BIGINT      NOT NULL,
    valid_from     TIMESTAMPTZ NOT NULL,
    valid_to       TIMESTAMPTZ,            -- NULL: the current version
    valid_from_run VARCHAR     NOT NULL,
    valid_to_run   VARCHAR,
    deleted        BOOLEAN     NOT NULL,
    user_pk        BIGINT,
    source_pk      UUID,
    identifier     VARCHAR,
    created        TIMESTAMPTZ,
    last_updated   TIMESTAMPTZ,
    version_hash   VARCHAR     NOT NULL    -- 64-bit hash of the connection's own payload (source as its pk)
);

-- Databases that had connections before this history: what they hold becomes the first versions.
INSERT INTO connections_history
SELECT pk, first_seen_at, deleted_at, 'before-history', CASE WHEN deleted_at IS NOT NULL THEN 'before-history' END,
       false, user_pk, source_pk, identifier, created, last_updated,
       hash(json_merge_patch(payload, json_object('source', source_pk::VARCHAR, 'source_obj', NULL)))::VARCHAR
FROM user_source_connections;
INSERT INTO connections_history
SELECT pk, deleted_at, NULL, 'before-history', NULL, true, user_pk, source_pk, identifier, created,
       last_updated,
       hash(json_merge_patch(payload, json_object('source', source_pk::VARCHAR, 'source_obj', NULL)))::VARCHAR
FROM user_source_connections
WHERE deleted_at IS NOT NULL;
