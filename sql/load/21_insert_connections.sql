INSERT INTO user_source_connections
    (pk, user_pk, source_pk, identifier, created, last_updated,
     first_seen_at, last_seen_at, deleted_at, payload)
SELECT s.pk, s.user_pk, s.source_pk, s.identifier, s.created, s.last_updated,
       coalesce(c.first_seen_at, $now), $now, NULL, s.payload
FROM chosen_connections AS c
JOIN stg.stg_connections AS s ON s.pk = c.pk AND s.seq = c.seq
WHERE c.change <> 'unchanged';
