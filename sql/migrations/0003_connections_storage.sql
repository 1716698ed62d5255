-- user_source_connections is rebuilt with the same columns, for two measured reasons
-- (bench/apply_cost.py; README "Performance"):
--   * payload is stored zstd-compressed: DuckDB's default string compression (FSST) costs
--     3.5 s per million payloads to write and made the file 6x larger with the simulator's payloads;
--   * pk is no longer declared PRIMARY KEY: maintaining that index (ART) cost 2.8 s per million
--     replaced connections. pk stays unique: every sync checks it before it commits
--     (sql/load/22_check_unique_connections.sql) and rolls back if it were ever violated.
CREATE TABLE user_source_connections_0003 (
    pk            BIGINT NOT NULL,
    user_pk       BIGINT NOT NULL,
    source_pk     UUID   NOT NULL,
    identifier    VARCHAR,
    created       TIMESTAMPTZ,
    last_updated  TIMESTAMPTZ,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    deleted_at    TIMESTAMPTZ,
    payload       JSON NOT NULL USING COMPRESSION zstd
);

INSERT INTO user_source_connections_0003
SELECT pk, user_pk, source_pk, identifier, created, last_updated,
       first_seen_at, last_seen_at, deleted_at, payload
FROM user_source_connections;

DROP TABLE user_source_connections;

ALTER TABLE user_source_connections_0003 RENAME TO user_source_connections;
