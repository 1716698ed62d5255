-- Who was linked to which source at a moment: SELECT * FROM connections_as_of(TIMESTAMPTZ '2026-12-01 12:00Z')
-- (a table macro over connections_history; add WHERE source_slug = '...' for one source). The
-- history knows what the syncs saw: a moment between two runs shows the state of the earlier one.
CREATE OR REPLACE MACRO connections_as_of(at_time) AS TABLE
SELECT h.connection_pk AS pk, h.user_pk, h.source_pk, s.slug AS source_slug, h.identifier, h.created,
       h.last_updated, h.valid_from, h.valid_to, h.valid_from_run
FROM connections_history AS h
LEFT JOIN sources AS s ON s.pk = h.source_pk
WHERE NOT h.deleted AND h.valid_from <= at_time AND (h.valid_to IS NULL OR h.valid_to > at_time);
