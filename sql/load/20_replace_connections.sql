-- Changed connections are replaced (delete, then insert the new version with its first_seen_at):
-- set-based and far lighter on memory than INSERT ... ON CONFLICT DO UPDATE for large runs.
DELETE FROM user_source_connections
WHERE pk IN (SELECT pk FROM chosen_connections WHERE change = 'updated');
