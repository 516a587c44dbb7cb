"""The engine: cases, actions, roles and deadlines. Pure logic: no I/O, no wall clock."""

from __future__ import annotations

from typing import TYPE_CHECKING

from jingban.lazy import lazy_names

if TYPE_CHECKING:
    from jingban.engine.audit import GENESIS, AuditEvent, ChainBreak, event_hash, verify_chain
    from jingban.engine.case_number import (
        BadCaseNumber,
        format_case_number,
        hash_query_code,
        new_query_code,
        normalise_case_number,
        query_code_matches,
    )
    from jingban.engine.engine import CHANNELS, Engine, MissingMaterials, Result
    from jingban.engine.free_text import (
        checked_characters,
        checked_optional,
        checked_text,
        masked_numbers,
    )
    from jingban.engine.identity import (
        ID_TYPES,
        BadIdentity,
        mask_identity,
        mask_name,
        validate_identity,
    )
    from jingban.engine.model import DUE_KINDS, TERMINAL_STATES, Case, Payment
    from jingban.engine.params import ActionParams
    from jingban.engine.roles import ROLE_LABELS, ROLES, SeparationOfDuties, WrongRole

#: Each exported name and the module that defines it (imported on first use).
_HOME = {
    "ActionParams": "params",
    "AuditEvent": "audit",
    "BadCaseNumber": "case_number",
    "BadIdentity": "identity",
    "Case": "model",
    "ChainBreak": "audit",
    "CHANNELS": "engine",
    "checked_characters": "free_text",
    "checked_optional": "free_text",
    "checked_text": "free_text",
    "DUE_KINDS": "model",
    "Engine": "engine",
    "event_hash": "audit",
    "format_case_number": "case_number",
    "GENESIS": "audit",
    "hash_query_code": "case_number",
    "ID_TYPES": "identity",
    "mask_identity": "identity",
    "mask_name": "identity",
    "masked_numbers": "free_text",
    "MissingMaterials": "engine",
    "new_query_code": "case_number",
    "normalise_case_number": "case_number",
    "Payment": "model",
    "query_code_matches": "case_number",
    "Result": "engine",
    "ROLE_LABELS": "roles",
    "ROLES": "roles",
    "SeparationOfDuties": "roles",
    "TERMINAL_STATES": "model",
    "validate_identity": "identity",
    "verify_chain": "audit",
    "WrongRole": "roles",
}

__all__ = [
    "CHANNELS",
    "DUE_KINDS",
    "GENESIS",
    "ID_TYPES",
    "ROLES",
    "ROLE_LABELS",
    "TERMINAL_STATES",
    "ActionParams",
    "AuditEvent",
    "BadCaseNumber",
    "BadIdentity",
    "Case",
    "ChainBreak",
    "Engine",
    "MissingMaterials",
    "Payment",
    "Result",
    "SeparationOfDuties",
    "WrongRole",
    "checked_characters",
    "checked_optional",
    "checked_text",
    "event_hash",
    "format_case_number",
    "hash_query_code",
    "mask_identity",
    "mask_name",
    "masked_numbers",
    "new_query_code",
    "normalise_case_number",
    "query_code_matches",
    "validate_identity",
    "verify_chain",
]


__getattr__, __dir__ = lazy_names(__name__, _HOME, __all__)
