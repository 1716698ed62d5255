INSERT INTO groups
    (pk, num_pk, name, is_superuser, parent_pks, member_count, first_seen_at, last_seen_at, deleted_at,
     payload)
SELECT s.pk, s.num_pk, s.name, s.is_superuser, s.parent_pks, s.member_count, $now, $now, NULL, s.payload
FROM (SELECT * FROM stg.stg_groups QUALIFY row_number() OVER (PARTITION BY pk ORDER BY seq DESC) = 1) AS s
WHERE s.pk NOT IN (SELECT pk FROM groups);
