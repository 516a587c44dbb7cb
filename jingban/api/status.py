"""HTTP statuses of the errors a user can cause, shared by the API and the web console."""

from __future__ import annotations

from jingban.errors import BadInput, Conflict, Forbidden, JingbanError, NotAllowed, NotFound
from jingban.storage.accounts import AuthenticationFailed, RateLimited


def http_status(exc: JingbanError) -> tuple[int, str]:
    """The HTTP status and error code of a user error (API and console alike)."""
    if isinstance(exc, AuthenticationFailed):
        return 401, "unauthenticated"
    if isinstance(exc, RateLimited):
        return 429, "rate_limited"
    if isinstance(exc, NotFound):
        return 404, "not_found"
    if isinstance(exc, Conflict):
        return 409, "conflict"
    if isinstance(exc, Forbidden):
        return 403, "forbidden"
    if isinstance(exc, NotAllowed):
        return 409, "not_allowed"
    if isinstance(exc, BadInput):
        return 400, "bad_input"
    return 400, "error"
