-- Changed users are replaced (delete, then insert the new version keeping its first_seen_at).
DELETE FROM users WHERE pk IN (SELECT pk FROM chosen_users WHERE change = 'updated');
