-- authentik's directory, for the security findings: users and groups (README "Data model").
-- Current state, soft-deleted like connections; payload is the object minus what is never stored
-- (attributes: free-form, may hold secrets; embedded copies; a group's users list, kept as a count).
CREATE TABLE users (
    pk            BIGINT NOT NULL,
    uuid          UUID,
    username      VARCHAR NOT NULL,
    name          VARCHAR,
    email         VARCHAR,
    is_active     BOOLEAN,
    is_superuser  BOOLEAN,          -- derived by authentik from the user's superuser groups
    type          VARCHAR,          -- internal, external, service_account, internal_service_account
    path          VARCHAR,
    last_login    TIMESTAMPTZ,
    date_joined   TIMESTAMPTZ,      -- 2025.4 and later
    last_updated  TIMESTAMPTZ,      -- 2025.12 and later
    group_pks     UUID[],
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    deleted_at    TIMESTAMPTZ,
    payload       JSON NOT NULL USING COMPRESSION zstd
);

CREATE TABLE groups (
    pk            UUID NOT NULL,
    num_pk        BIGINT,
    name          VARCHAR NOT NULL,
    is_superuser  BOOLEAN,
    parent_pks    UUID[],           -- one parent up to 2025.10, several from 2025.12
    member_count  BIGINT,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    deleted_at    TIMESTAMPTZ,
    payload       JSON NOT NULL
);

-- What a run could not read, and why: 'users: not visible to this token (403)', 'groups: not in this release (404)'.
ALTER TABLE sync_runs ADD COLUMN skipped_parts VARCHAR[];
