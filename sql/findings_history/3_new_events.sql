-- A finding with no current appearance is new (the first time, or back after being resolved).
INSERT INTO security_finding_events
SELECT $run_id, n.finding_id, 'new', n.rule, n.severity, NULL, $now
FROM findings_now AS n
WHERE n.finding_id NOT IN (SELECT finding_id FROM security_findings_history WHERE resolved_run IS NULL);
