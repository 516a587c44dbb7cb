"""Errors a user can cause, shared by every layer.

Each carries a message a counter clerk or administrator can act on (in Chinese) and an exit
code the CLI returns; the HTTP API maps the same classes to status codes.
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


class NotFound(JingbanError):
    """No such record (or not one this user may see)."""

    exit_code = 2
