"""The exception tree, in one place, with the exit code each one maps to.

    EtlError                      base; exit 1
    ├── ConfigError               bad flags, environment, ids, paths; exit 2
    ├── DatabaseLockedError       another process holds the database; exit 75
    ├── DatabaseError             the database cannot be opened or written; exit 1
    └── ApiError                  anything the authentik API did wrong (status, path, request id)
        ├── RetriableApiError     timeouts, resets, 429, 500/502/503/504, unreadable bodies
        ├── NotFoundError         404: the object is gone (deleted since discovery)
        └── FatalApiError         any other 4xx
            └── AuthError         403 (authentik's answer to a bad or expired token); exit 4
    ├── PermissionRefused         the token's user cannot see everything (403 and too little seen); exit 4
    └── MassDeletionRefused       the run would delete more than --max-delete allows; exit 6

Messages never contain the API token: the client never puts it anywhere but a header.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3
EXIT_AUTH = 4
EXIT_FINDINGS = 5  # data applied; a finding at or above --fail-on is new in this run
EXIT_MASS_DELETE = 6
EXIT_LOCKED = 75
EXIT_INTERRUPTED = 130


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, or its type's name: for one-line errors."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class EtlError(Exception):
    exit_code = EXIT_FAILED


class ConfigError(EtlError):
    exit_code = EXIT_USAGE


class DatabaseLockedError(EtlError):
    exit_code = EXIT_LOCKED


class DatabaseError(EtlError):
    exit_code = EXIT_FAILED


class ApiError(EtlError):
    """An HTTP exchange with authentik that did not give a usable answer."""

    def __init__(
        self,
        reason: str,
        *,
        path: str = "",
        status: int | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
        detail: str = "",
    ) -> None:
        self.reason = reason
        self.detail = detail
        self.path = path
        self.status = status
        self.request_id = request_id
        self.retry_after = retry_after
        self.attempts = 1
        super().__init__(self._message())

    def _message(self) -> str:
        parts = [self.reason]
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.path:
            parts.append(f"GET {self.path}")
        if self.request_id:
            parts.append(f"request id {self.request_id}")
        return parts[0] + (f" ({', '.join(parts[1:])})" if len(parts) > 1 else "")


class RetriableApiError(ApiError):
    pass


class NotFoundError(ApiError):
    pass


class FatalApiError(ApiError):
    pass


class AuthError(FatalApiError):
    exit_code = EXIT_AUTH

    @property
    def is_permission_denied(self) -> bool:
        """A valid token whose user lacks a permission (not a bad or expired token)."""
        return "permission" in self.detail.lower()


class PermissionRefused(EtlError):
    """The deletion guard: a listing was refused and the run saw too little to apply."""

    exit_code = EXIT_AUTH


class MassDeletionRefused(EtlError):
    """The deletion guard: more deletions than --max-delete allows, nothing refused."""

    exit_code = EXIT_MASS_DELETE


class InterruptedRun(EtlError):
    exit_code = EXIT_INTERRUPTED
