"""HTTP statuses of the errors a user can cause, shared by the API and the web console."""

from __future__ import annotations

from jingban.errors import BadInput, Conflict, Forbidden, JingbanError, NotAllowed, NotFound
from jingban.storage.accounts import AuthenticationFailed, RateLimited

# Most specific first: the first kind an error is decides (Forbidden is a NotAllowed).
_STATUSES: tuple[tuple[type[JingbanError], int, str], ...] = (
    (AuthenticationFailed, 401, "unauthenticated"),
    (RateLimited, 429, "rate_limited"),
    (NotFound, 404, "not_found"),
    (Conflict, 409, "conflict"),
    (Forbidden, 403, "forbidden"),
    (NotAllowed, 409, "not_allowed"),
    (BadInput, 400, "bad_input"),
)


def http_status(exc: JingbanError) -> tuple[int, str]:
    """The HTTP status and error code of a user error (API and console alike)."""
    for kind, status, code in _STATUSES:
        if isinstance(exc, kind):
            return status, code
    return 400, "error"
