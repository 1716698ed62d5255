-- Bookkeeping: the open versions seen by this run.
UPDATE sources_history
SET last_run_id = $run_id
WHERE valid_to IS NULL AND source_pk IN (SELECT source_pk FROM source_versions);
