-- Incremental runs (README "Incremental sync"): which kind each run was, the watermark it reached,
-- and why a run was full.
--   kind        'full' (every connection listed: deletions reconciled), 'incremental' (only what
--               changed since the last successful run's watermark; never deletes), 'ids' (--ids)
--   watermark   the highest server-side last_updated of a connection this run had seen (its own
--               rows, or the previous successful run's watermark if it saw nothing newer); an
--               incremental run starts from the newest watermark of a *succeeded* run
--   full_reason why a run asked for --incremental was full (no watermark yet, --full-every, an API
--               shape without last_updated, a server that did not honour the ordering, ...)
--   users_watermark    the same for users (2025.12 on: users have last_updated)
--   incremental_parts  what the run read incrementally (`users`): stored rows it did not read stay
--               as they were, nothing of them is deleted, and the findings still evaluate them
ALTER TABLE sync_runs ADD COLUMN kind VARCHAR;
ALTER TABLE sync_runs ADD COLUMN watermark TIMESTAMPTZ;
ALTER TABLE sync_runs ADD COLUMN full_reason VARCHAR;
ALTER TABLE sync_runs ADD COLUMN users_watermark TIMESTAMPTZ;
ALTER TABLE sync_runs ADD COLUMN incremental_parts VARCHAR[];
-- Runs before this migration: --ids runs recorded no visible count; every other run listed in full.
UPDATE sync_runs SET kind = CASE WHEN visible_connections IS NULL AND status <> 'failed' THEN 'ids' ELSE 'full' END;
-- They record no watermark: the first --incremental run after this migration is a full one.
