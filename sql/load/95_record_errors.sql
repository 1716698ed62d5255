INSERT INTO sync_errors (run_id, connection_pk, stage, http_status, attempts, error, "at")
SELECT $run_id, connection_pk, stage, http_status, attempts, error, "at"
FROM stg.stg_errors;
