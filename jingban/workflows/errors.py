"""Typed errors of the workflow catalog and its compiled state machines."""

from __future__ import annotations

from jingban.errors import BadInput, NotAllowed


class CatalogError(BadInput):
    """A catalog file that does not validate, or a lookup the catalog cannot answer.

    Validation messages read ``"<file>: 事项 <key or #position>: 字段 <field>: <what is wrong>"``.
    """


class UnknownCatalogRegion(CatalogError):
    """A region key (or name) that has no catalog file."""


class UnknownItem(CatalogError):
    """A key or name that matches no item of a region, or matches several.

    ``candidates`` holds the keys of the close or ambiguous matches the message lists.
    """

    def __init__(self, message: str, candidates: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.candidates = candidates


class IllegalTransition(NotAllowed):
    """An action the item's state machine does not allow from the case's current state.

    ``action`` and ``state`` are the English identifiers; the message uses Chinese labels.
    """

    def __init__(self, message: str, action: str, state: str | None) -> None:
        super().__init__(message)
        self.action = action
        self.state = state
