"""Security findings: which accounts a source can take over or mislink, and what changed since the
last run. The rules are SQL files (sql/findings/), evaluated by each run inside its apply
transaction and kept night to night in security_findings_history (README "Security findings")."""
