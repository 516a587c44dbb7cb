"""Errors a user can cause, shared by every layer.

Each carries a message a counter clerk or administrator can act on (in Chinese) and an exit
code the CLI returns (1 other, 2 bad input or not found, 3 conflict, 4 not allowed or not
signed in, 5 database busy or unavailable, 6 database disk full); `http_status` gives the
HTTP status and error code the API and the web console answer with, the same for both
(503 with Retry-After for the database's errors).
"""

from __future__ import annotations


class JingbanError(Exception):
    """Base of every error caused by input or by the state of the data, never by a bug."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadInput(JingbanError):
    """Malformed or unknown input: a bad date, an unknown region or item, a bad file."""

    exit_code = 2


class Conflict(JingbanError):
    """Someone else changed the record first."""

    exit_code = 3


class NotAllowed(JingbanError):
    """The request is well formed but not permitted now."""

    exit_code = 4


class Forbidden(NotAllowed):
    """Not allowed for this person at all (role, region, separation of duties), whatever the
    state of the record: HTTP 403 rather than 409."""


class PasswordChangeRequired(Forbidden):
    """The account's password was set by someone else (initial, reset, demo) and must be
    changed before anything else: HTTP 403 with code ``password_change_required``."""


class NotFound(JingbanError):
    """No such record (or not one this user may see)."""

    exit_code = 2


class AuthenticationFailed(JingbanError):
    """Wrong name or password, a disabled account, or a bad or expired token."""

    exit_code = 4


class DatabaseDamaged(JingbanError):
    """The database cannot be read at all: the file is not a SQLite database, or is damaged
    (restore it from the backup). HTTP 503 with code ``database_damaged``, exit code 7."""

    exit_code = 7


class VerificationFailed(JingbanError):
    """What should verify does not: an audit chain that does not recompute, or an archive
    package found incomplete or altered. Exit code 8, as `jingban audit verify`'s findings."""

    exit_code = 8


class RateLimited(JingbanError):
    """Too many failures: try again after ``retry_after`` seconds."""

    exit_code = 4

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DatabaseUnavailable(JingbanError):
    """The database cannot serve the request now (unreachable, restarting, a failing disk):
    nothing was changed; try again after ``retry_after`` seconds. HTTP 503, exit code 5."""

    exit_code = 5

    def __init__(self, message: str, retry_after: int = 5, detail: str = "") -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.detail = detail  # the driver's own words, for the log only


class DatabaseBusy(DatabaseUnavailable):
    """Another writer held the database's lock longer than the wait allows (SQLite's busy
    timeout, a PostgreSQL lock or statement timeout): nothing was changed; retry shortly."""


class DiskFull(DatabaseUnavailable):
    """The database's disk is full (SQLITE_FULL, PostgreSQL 53100): nothing was changed; an
    administrator must free space before writes succeed again. HTTP 503, exit code 6."""

    exit_code = 6


# Most specific first: the first kind an error is decides (Forbidden is a NotAllowed).
_STATUSES: tuple[tuple[type[JingbanError], int, str], ...] = (
    (AuthenticationFailed, 401, "unauthenticated"),
    (RateLimited, 429, "rate_limited"),
    (NotFound, 404, "not_found"),
    (Conflict, 409, "conflict"),
    (PasswordChangeRequired, 403, "password_change_required"),
    (Forbidden, 403, "forbidden"),
    (NotAllowed, 409, "not_allowed"),
    (BadInput, 400, "bad_input"),
    (DatabaseDamaged, 503, "database_damaged"),
    (DiskFull, 503, "disk_full"),
    (DatabaseBusy, 503, "busy"),
    (DatabaseUnavailable, 503, "unavailable"),
)


def http_status(exc: JingbanError) -> tuple[int, str]:
    """The HTTP status and error code of a user error (API and console alike)."""
    for kind, status, code in _STATUSES:
        if isinstance(exc, kind):
            return status, code
    return 400, "error"
