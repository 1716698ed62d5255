UPDATE security_findings_history
SET resolved_run = $run_id, resolved_at = $now
WHERE resolved_run IS NULL
  AND NOT list_contains($not_evaluated::VARCHAR[], rule)
  AND finding_id NOT IN (SELECT finding_id FROM findings_now);
