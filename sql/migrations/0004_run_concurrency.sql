-- The requests in flight a run ended with: --concurrency, or where --adaptive-concurrency settled.
ALTER TABLE sync_runs ADD COLUMN concurrency INTEGER;
