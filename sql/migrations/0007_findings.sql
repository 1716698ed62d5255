-- The security findings (README "Security findings"): group-source connections, per-type source
-- detail, and the history of every finding, night to night.

-- Group-source connections (2025.4 on), flattened like user_source_connections; soft-deleted.
CREATE TABLE group_source_connections (
    pk            BIGINT NOT NULL,
    group_pk      UUID NOT NULL,
    source_pk     UUID NOT NULL,
    identifier    VARCHAR,
    created       TIMESTAMPTZ,
    last_updated  TIMESTAMPTZ,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    deleted_at    TIMESTAMPTZ,
    payload       JSON NOT NULL
);

-- Per-type source detail from /sources/<type>/: allow-listed fields only (never plex_token, keys or
-- credentials); the fields the findings read have columns, the rest of the allow-list is `settings`.
CREATE TABLE source_details (
    source_pk      UUID NOT NULL,
    source_type    VARCHAR NOT NULL,   -- oauth, saml, ldap, plex, kerberos, telegram, scim
    provider_type  VARCHAR,            -- OAuth: github, google, openidconnect, entraid, ...
    group_matching_mode VARCHAR,       -- OAuth, SAML, Plex, Kerberos: identifier, name_link, name_deny
    sync_users     BOOLEAN,            -- LDAP, Kerberos
    password_login_update_internal_password BOOLEAN,  -- LDAP, Kerberos
    allow_idp_initiated BOOLEAN,       -- SAML
    settings       JSON NOT NULL,
    first_seen_at  TIMESTAMPTZ NOT NULL,
    last_seen_at   TIMESTAMPTZ NOT NULL,
    deleted_at     TIMESTAMPTZ
);

-- One row per appearance of a finding: from its first to its last run in that appearance; one that
-- is resolved and comes back opens a second appearance. resolved_run is NULL while it is current.
CREATE TABLE security_findings_history (
    finding_id     VARCHAR NOT NULL,   -- md5 of the rule and the ids involved (never names)
    appearance     INTEGER NOT NULL,   -- 1, 2, ...
    rule           VARCHAR NOT NULL,
    severity       VARCHAR NOT NULL,   -- the latest; changes are in security_finding_events
    source_pk      UUID,
    source_slug    VARCHAR,
    user_pk        BIGINT,
    username       VARCHAR,
    detail         VARCHAR NOT NULL,
    first_seen_run VARCHAR NOT NULL,
    last_seen_run  VARCHAR NOT NULL,
    first_seen_at  TIMESTAMPTZ NOT NULL,
    last_seen_at   TIMESTAMPTZ NOT NULL,
    resolved_run   VARCHAR,
    resolved_at    TIMESTAMPTZ
);

-- What each run changed: a finding new, resolved, or whose severity changed (not a new finding).
CREATE TABLE security_finding_events (
    run_id            VARCHAR NOT NULL,
    finding_id        VARCHAR NOT NULL,
    event             VARCHAR NOT NULL,   -- 'new', 'resolved', 'severity'
    rule              VARCHAR NOT NULL,
    severity          VARCHAR NOT NULL,
    previous_severity VARCHAR,
    "at"              TIMESTAMPTZ NOT NULL
);

-- What the run read in full (the findings that need a part are evaluated only when it is here).
ALTER TABLE sync_runs ADD COLUMN complete_parts VARCHAR[];
-- Rules that could not be evaluated by the run (their findings were kept as they were).
ALTER TABLE sync_runs ADD COLUMN findings_skipped VARCHAR[];
