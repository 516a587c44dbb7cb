"""The engine: cases, actions, roles and deadlines. Pure logic: no I/O, no wall clock."""

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
