-- The staging database of one run (a file beside the main database, removed after the run).
CREATE TABLE stg_connections (
    seq BIGINT, pk BIGINT, user_pk BIGINT, source_pk UUID, identifier VARCHAR,
    created TIMESTAMPTZ, last_updated TIMESTAMPTZ,
    -- JSON (validated here, as rows arrive, not in the final apply) and zstd: 2x cheaper to append
    -- than DuckDB's default string compression, and the type the apply inserts without a cast.
    payload JSON USING COMPRESSION zstd,
    -- the connection's own payload (its source as a pk), hashed here on the writer thread, for
    -- connections_history: computed while the fetch goes on instead of inside the apply
    own_hash VARCHAR
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
CREATE TABLE stg_users (
    seq BIGINT, pk BIGINT, uuid UUID, username VARCHAR, name VARCHAR, email VARCHAR, is_active BOOLEAN,
    is_superuser BOOLEAN, type VARCHAR, path VARCHAR, last_login TIMESTAMPTZ, date_joined TIMESTAMPTZ,
    last_updated TIMESTAMPTZ, group_pks UUID[], payload JSON USING COMPRESSION zstd
);
CREATE TABLE stg_groups (
    seq BIGINT, pk UUID, num_pk BIGINT, name VARCHAR, is_superuser BOOLEAN, parent_pks UUID[],
    member_count BIGINT, payload JSON,
    member_pks BIGINT[]  -- the group's users (not stored: the membership of users read incrementally)
);
CREATE TABLE stg_group_connections (
    seq BIGINT, pk BIGINT, group_pk UUID, source_pk UUID, identifier VARCHAR, created TIMESTAMPTZ,
    last_updated TIMESTAMPTZ, payload JSON
);
CREATE TABLE stg_source_details (
    seq BIGINT, source_pk UUID, source_type VARCHAR, provider_type VARCHAR, group_matching_mode VARCHAR,
    sync_users BOOLEAN, password_login_update_internal_password BOOLEAN, allow_idp_initiated BOOLEAN,
    settings JSON
);
