-- A current finding whose severity changed: recorded as an event (it is not a new finding).
INSERT INTO security_finding_events
SELECT $run_id, n.finding_id, 'severity', n.rule, n.severity, h.severity, $now
FROM findings_now AS n
JOIN security_findings_history AS h ON h.finding_id = n.finding_id AND h.resolved_run IS NULL
WHERE h.severity <> n.severity;
