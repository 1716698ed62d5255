INSERT INTO security_findings_history
SELECT n.finding_id,
       1 + (SELECT count(*) FROM security_findings_history AS p WHERE p.finding_id = n.finding_id),
       n.rule, n.severity, n.source_pk, n.source_slug, n.user_pk, n.username, n.detail,
       $run_id, $run_id, $now, $now, NULL, NULL
FROM findings_now AS n
WHERE n.finding_id NOT IN (SELECT finding_id FROM security_findings_history WHERE resolved_run IS NULL);
