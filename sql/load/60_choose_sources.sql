-- One version per source: the /sources/all/ listing (real type) wins over copies nested in connections.
CREATE OR REPLACE TEMP TABLE chosen_sources AS
SELECT * FROM stg.stg_sources
QUALIFY row_number() OVER (PARTITION BY pk ORDER BY authoritative DESC, seq DESC) = 1;
