-- Groups (few): every group the run listed is brought up to date in place (first_seen_at kept).
UPDATE groups AS g
SET num_pk = s.num_pk, name = s.name, is_superuser = s.is_superuser, parent_pks = s.parent_pks,
    member_count = s.member_count, payload = s.payload, last_seen_at = $now, deleted_at = NULL
FROM (SELECT * FROM stg.stg_groups QUALIFY row_number() OVER (PARTITION BY pk ORDER BY seq DESC) = 1) AS s
WHERE g.pk = s.pk;
