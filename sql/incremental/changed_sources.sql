-- The sources whose /sources/all/ object is new or changed since the stored one (run on the staging
-- database with the main one attached read-only as `target`): an incremental run lists their
-- connections again, since a connection embeds its source and a source's change leaves the
-- connections' last_updated as it was.
SELECT DISTINCT s.slug
FROM stg_sources AS s
LEFT JOIN target.sources AS t ON t.pk = s.pk AND t.deleted_at IS NULL
WHERE s.authoritative
  AND (t.pk IS NULL OR json(t.payload) <> json(s.payload))
ORDER BY s.slug;
