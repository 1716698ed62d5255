-- The staging database of one run (a file beside the main database, removed after the run).
CREATE TABLE stg_connections (
    seq BIGINT, pk BIGINT, user_pk BIGINT, source_pk UUID, identifier VARCHAR,
    created TIMESTAMPTZ, last_updated TIMESTAMPTZ,
    -- JSON (validated here, as rows arrive, not in the final apply) and zstd: 2x cheaper to append
    -- than DuckDB's default string compression, and the type the apply inserts without a cast.
    payload JSON USING COMPRESSION zstd
);
CREATE TABLE stg_sources (
    seq BIGINT, pk UUID, name VARCHAR, slug VARCHAR, enabled BOOLEAN, promoted BOOLEAN,
    authentication_flow VARCHAR, enrollment_flow VARCHAR, component VARCHAR, verbose_name VARCHAR,
    verbose_name_plural VARCHAR, meta_model_name VARCHAR, policy_engine_mode VARCHAR,
    user_matching_mode VARCHAR, managed VARCHAR, user_path_template VARCHAR, icon VARCHAR,
    icon_url VARCHAR, icon_themed_urls VARCHAR, payload VARCHAR, authoritative BOOLEAN
);
CREATE TABLE stg_mappings (seq BIGINT, source_pk UUID, kind VARCHAR, mapping_pk VARCHAR, position INTEGER);
CREATE TABLE stg_seen (pk BIGINT);
CREATE TABLE stg_gone (pk BIGINT);
CREATE TABLE stg_errors (
    connection_pk BIGINT, stage VARCHAR, http_status INTEGER, attempts INTEGER, error VARCHAR, "at" TIMESTAMPTZ
);
