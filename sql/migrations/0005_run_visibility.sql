-- What each run could see (the deletion guard): the distinct connections its listing returned,
-- and the listings authentik refused with 403 (for example /api/v3/sources/all/).
ALTER TABLE sync_runs ADD COLUMN visible_connections BIGINT;
ALTER TABLE sync_runs ADD COLUMN refused_endpoints VARCHAR[];
