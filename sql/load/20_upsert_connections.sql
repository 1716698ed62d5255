INSERT INTO user_source_connections
    (pk, user_pk, source_pk, identifier, created, last_updated,
     first_seen_at, last_seen_at, deleted_at, payload)
SELECT pk, user_pk, source_pk, identifier, created, last_updated, $now, $now, NULL, payload
FROM chosen_connections
WHERE change <> 'unchanged'
ON CONFLICT (pk) DO UPDATE SET
    user_pk = excluded.user_pk,
    source_pk = excluded.source_pk,
    identifier = excluded.identifier,
    created = excluded.created,
    last_updated = excluded.last_updated,
    last_seen_at = excluded.last_seen_at,
    deleted_at = NULL,
    payload = excluded.payload;
