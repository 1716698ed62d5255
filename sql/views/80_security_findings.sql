-- The current security findings (README "Security findings"): one row per finding, most severe and
-- newest first. Kept by each run in security_findings_history (sql/findings/ holds the rules).
CREATE OR REPLACE VIEW security_findings AS
SELECT
    finding_id, rule, severity, source_slug, user_pk, username, detail, first_seen_run, last_seen_run,
    source_pk, first_seen_at, last_seen_at, appearance
FROM security_findings_history
WHERE resolved_run IS NULL
ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3
                       ELSE 4 END,
         first_seen_at DESC, rule, source_slug, user_pk;
