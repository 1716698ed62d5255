-- Where an incremental run starts (job/plan.py), for one authentik ($base_url): the watermark of the
-- newest run that succeeded (a partial or failed run never moves it), and when the newest full run
-- that applied its data started (--full-every), and the API shape the last successful run read.
SELECT
    (SELECT watermark FROM sync_runs
     WHERE status = 'succeeded' AND base_url = $base_url AND kind IN ('full', 'incremental')
     ORDER BY started_at DESC LIMIT 1) AS watermark,
    (SELECT users_watermark FROM sync_runs
     WHERE status = 'succeeded' AND base_url = $base_url AND kind IN ('full', 'incremental')
     ORDER BY started_at DESC LIMIT 1) AS users_watermark,
    (SELECT max(started_at) FROM sync_runs
     WHERE status IN ('succeeded', 'partial') AND base_url = $base_url AND kind = 'full') AS last_full,
    (SELECT api_shape FROM sync_runs
     WHERE status = 'succeeded' AND base_url = $base_url AND api_shape IS NOT NULL
     ORDER BY started_at DESC LIMIT 1) AS api_shape;
