-- The data contract of authentik-etl (README "Data model" documents every column).

CREATE TABLE sources (
    pk                  UUID PRIMARY KEY,
    name                VARCHAR,
    slug                VARCHAR,
    enabled             BOOLEAN,
    promoted            BOOLEAN,
    authentication_flow VARCHAR,
    enrollment_flow     VARCHAR,
    component           VARCHAR,
    verbose_name        VARCHAR,
    verbose_name_plural VARCHAR,
    meta_model_name     VARCHAR,
    policy_engine_mode  VARCHAR,
    user_matching_mode  VARCHAR,
    managed             VARCHAR,
    user_path_template  VARCHAR,
    icon                VARCHAR,
    icon_url            VARCHAR,
    icon_themed_urls    JSON,
    payload             JSON,
    first_seen_at       TIMESTAMPTZ NOT NULL,
    last_seen_at        TIMESTAMPTZ NOT NULL,
    deleted_at          TIMESTAMPTZ
);

CREATE TABLE source_property_mappings (
    source_pk  UUID    NOT NULL,
    kind       VARCHAR NOT NULL,   -- 'user' or 'group'
    mapping_pk VARCHAR NOT NULL,
    position   INTEGER NOT NULL,
    PRIMARY KEY (source_pk, kind, position)
);

CREATE TABLE user_source_connections (
    pk            BIGINT PRIMARY KEY,
    user_pk       BIGINT NOT NULL,
    source_pk     UUID   NOT NULL,
    identifier    VARCHAR,
    created       TIMESTAMPTZ,
    last_updated  TIMESTAMPTZ,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    deleted_at    TIMESTAMPTZ,
    payload       JSON NOT NULL
);

CREATE TABLE sync_runs (
    run_id      VARCHAR PRIMARY KEY,
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    status      VARCHAR NOT NULL,  -- 'running', 'succeeded', 'partial', 'failed'
    base_url    VARCHAR NOT NULL,
    mode        VARCHAR NOT NULL,
    discovered  BIGINT,
    fetched     BIGINT,
    inserted    BIGINT,
    updated     BIGINT,
    unchanged   BIGINT,
    deleted     BIGINT,
    failed      BIGINT,
    retries     BIGINT,
    error       VARCHAR
);

CREATE TABLE sync_errors (
    run_id        VARCHAR NOT NULL,
    connection_pk BIGINT,
    stage         VARCHAR NOT NULL,
    http_status   INTEGER,
    attempts      INTEGER,
    error         VARCHAR NOT NULL,
    "at"          TIMESTAMPTZ NOT NULL
);
