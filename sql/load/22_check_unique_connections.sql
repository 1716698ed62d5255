-- One row per connection: pk is unique by construction (chosen_connections has one row per pk,
-- replaced rows are deleted first). Checked here, inside the apply's transaction, because pk is
-- not declared PRIMARY KEY (migration 0003): a violation fails the run and rolls it back.
SELECT error('user_source_connections would hold connection ' || pk::VARCHAR || ' more than once: '
             || 'nothing was applied; please report this as a bug')
FROM user_source_connections
GROUP BY pk
HAVING count(*) > 1
LIMIT 1;
