-- A current finding the run did not find again is resolved, but only if its rule was evaluated:
-- a rule whose data this run could not read in full ($not_evaluated) resolves nothing.
INSERT INTO security_finding_events
SELECT $run_id, h.finding_id, 'resolved', h.rule, h.severity, NULL, $now
FROM security_findings_history AS h
WHERE h.resolved_run IS NULL
  AND NOT list_contains($not_evaluated::VARCHAR[], h.rule)
  AND h.finding_id NOT IN (SELECT finding_id FROM findings_now);
