"""authentik-etl: sync authentik user-source connections into DuckDB."""

__version__ = "0.1.0"
