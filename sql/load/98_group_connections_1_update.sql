-- Group-source connections (few): every one the run listed is brought up to date in place.
UPDATE group_source_connections AS g
SET group_pk = s.group_pk, source_pk = s.source_pk, identifier = s.identifier, created = s.created,
    last_updated = s.last_updated, payload = s.payload, last_seen_at = $now, deleted_at = NULL
FROM (SELECT * FROM stg.stg_group_connections
      QUALIFY row_number() OVER (PARTITION BY pk ORDER BY seq DESC) = 1) AS s
WHERE g.pk = s.pk;
