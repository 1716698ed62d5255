-- A current finding seen again: its appearance goes on (names and detail follow renames).
UPDATE security_findings_history AS h
SET severity = n.severity, source_pk = n.source_pk, source_slug = n.source_slug, user_pk = n.user_pk,
    username = n.username, detail = n.detail, last_seen_run = $run_id, last_seen_at = $now
FROM findings_now AS n
WHERE h.finding_id = n.finding_id AND h.resolved_run IS NULL;
