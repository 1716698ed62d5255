INSERT INTO users
    (pk, uuid, username, name, email, is_active, is_superuser, type, path, last_login, date_joined,
     last_updated, group_pks, first_seen_at, last_seen_at, deleted_at, payload)
SELECT s.pk, s.uuid, s.username, s.name, s.email, s.is_active, s.is_superuser, s.type, s.path,
       s.last_login, s.date_joined, s.last_updated, s.group_pks,
       coalesce(c.first_seen_at, $now), $now, NULL, s.payload
FROM chosen_users AS c
JOIN stg.stg_users AS s ON s.pk = c.pk AND s.seq = c.seq
WHERE c.change <> 'unchanged';
