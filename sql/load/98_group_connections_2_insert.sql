INSERT INTO group_source_connections
    (pk, group_pk, source_pk, identifier, created, last_updated, first_seen_at, last_seen_at, deleted_at,
     payload)
SELECT s.pk, s.group_pk, s.source_pk, s.identifier, s.created, s.last_updated, $now, $now, NULL, s.payload
FROM (SELECT * FROM stg.stg_group_connections
      QUALIFY row_number() OVER (PARTITION BY pk ORDER BY seq DESC) = 1) AS s
WHERE s.pk NOT IN (SELECT pk FROM group_source_connections);
