-- The connection versions behind each appearance of a finding about connections (the findings
-- history and connections_history agree): the versions live at some moment of the appearance, of the
-- finding's user (inactive_user_with_connections, connection_of_missing_user), source
-- (disabled_source_with_connections) or both (privileged_user_linkable, when already connected).
CREATE OR REPLACE VIEW finding_connections AS
SELECT f.finding_id, f.appearance, f.rule, h.connection_pk, h.user_pk, h.source_pk, h.identifier,
       h.valid_from_run, h.valid_to_run
FROM security_findings_history AS f
JOIN connections_history AS h
    ON NOT h.deleted
   AND ((f.rule IN ('inactive_user_with_connections', 'connection_of_missing_user') AND h.user_pk = f.user_pk)
        OR (f.rule = 'disabled_source_with_connections' AND h.source_pk = f.source_pk)
        OR (f.rule = 'privileged_user_linkable' AND h.user_pk = f.user_pk AND h.source_pk = f.source_pk))
   AND h.valid_from <= coalesce(f.resolved_at, f.last_seen_at)
   AND (h.valid_to IS NULL OR h.valid_to > f.first_seen_at);
