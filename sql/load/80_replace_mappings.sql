DELETE FROM source_property_mappings
WHERE source_pk IN (SELECT pk FROM chosen_sources);
