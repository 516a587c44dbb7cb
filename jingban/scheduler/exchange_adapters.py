"""Message formats of the provincial platforms: one adapter per format, chosen by the setting
``exchange_adapter``.

An adapter turns a claimed event (its stored payload and the office's codes, see
`jingban.storage.exchange_codes`) into the body of one HTTP POST and reads the platform's
answer. It does no I/O; `jingban.scheduler.exchange_push` sends. `JsonAdapter` (``json``) is
the documented format of docs/exchange.md; a province whose platform wants another shape
gets an adapter of its own registered in `ADAPTERS` (its name, its ``content_type``, its
``body`` and ``accepted``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Protocol

from jingban.storage.exchange_codes import OfficeCodes
from jingban.storage.exchange_store import ClaimedEvent


class Rejected(Exception):
    """The platform answered but refused the event; ``retryable`` when it said to try
    again later."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class Adapter(Protocol):
    """One platform message format."""

    name: str
    content_type: str

    def body(self, event: ClaimedEvent, codes: OfficeCodes) -> bytes:
        """The POST body of ``event`` with the office's ``codes``."""
        ...

    def accepted(self, status: int, body: bytes) -> None:
        """Return when a 2xx answer means the platform took the event; raise `Rejected`
        otherwise."""
        ...


def event_document(event: ClaimedEvent, codes: OfficeCodes) -> dict[str, Any]:
    """The documented event (docs/exchange.md): the stored payload with the codes added."""
    document = dict(event.payload)
    document.update(
        platform_case_no=codes.platform_case_no(event.case_no),
        division_code=codes.division,
        implementing_body_credit_code=codes.credit_code,
        basic_code=codes.basic_code or document.get("basic_code"),
        implementation_code=codes.implementation_code,
    )
    return document


class JsonAdapter:
    """The documented JSON format: the event document, UTF-8, one object per POST. The
    platform answers 2xx with an empty body or a JSON object; ``{"accepted": false,
    "error": "…"}`` refuses the event for good, ``{"retry": true}`` asks for a resend."""

    name = "json"
    content_type = "application/json; charset=utf-8"

    def body(self, event: ClaimedEvent, codes: OfficeCodes) -> bytes:
        document = event_document(event, codes)
        return json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")

    def accepted(self, status: int, body: bytes) -> None:
        if not body.strip():
            return
        try:
            answer = json.loads(body)
        except ValueError:
            return  # a 2xx with a body that is not JSON: the platform took it
        if not isinstance(answer, dict):
            return
        if answer.get("retry") is True:
            raise Rejected(
                f"平台要求稍后重发：{answer.get('error', '')}".rstrip("："), retryable=True
            )
        if answer.get("accepted") is False:
            raise Rejected(f"平台拒收：{answer.get('error', '未说明原因')}", retryable=False)


ADAPTERS: Mapping[str, Adapter] = MappingProxyType({"json": JsonAdapter()})
"""Adapter name (the setting ``exchange_adapter``) → adapter."""


def adapter_named(name: str) -> Adapter:
    """The adapter ``name``; raises ValueError (a Chinese message) for an unknown one."""
    found = ADAPTERS.get(name)
    if found is None:
        raise ValueError(f"未知的报文格式 {name!r}；可用: {'、'.join(ADAPTERS)}")
    return found
