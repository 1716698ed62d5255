INSERT INTO source_property_mappings (source_pk, kind, mapping_pk, position)
SELECT m.source_pk, m.kind, m.mapping_pk, m.position
FROM stg.stg_mappings AS m
JOIN chosen_sources AS c ON c.pk = m.source_pk AND c.seq = m.seq;
