"""Applicant messages over a generic HTTP SMS gateway, sent only in the allowed hours.

An office points jingban at its provider's gateway with settings (docs/configuration.md):
``JINGBAN_SMS_URL``, the method, the content type, a body template with the placeholders
``${phone}``, ``${text}``, ``${case_no}`` and ``${key}`` (filled JSON-escaped for a JSON body,
percent-encoded for a form body or a GET query), and optionally a signing secret: each
request then carries ``X-Jingban-Timestamp`` (Unix seconds) and ``X-Jingban-Signature``, the
hex HMAC-SHA256 under the secret of ``<timestamp>\\n<body>``. Every request also carries the
delivery's ``Idempotency-Key`` and ``X-Jingban-Delivery`` (as the robots do), so a gateway
can drop the resend of an attempt a dead worker began.

The gateway accepted the message when it answers 2xx. 408, 429, 5xx and network failures are
retried with the queue's backoff; any other answer (a refused number, a bad key) parks the
delivery as ``failed`` until ``jingban alerts retry``. Messages are sent only between the
hours of ``JINGBAN_SMS_HOURS`` (Beijing time, every day): one decided in the evening waits
for the next morning (`next_sms_time`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import string
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import ClassVar

from jingban.calendar import BEIJING
from jingban.scheduler._http import HttpFailure, send
from jingban.scheduler.notify import DeliveryError, SendKey
from jingban.settings import Settings
from jingban.storage.applicant_messages import (
    NOTE_NO_GATEWAY,
    NOTE_OPTED_OUT,
    ApplicantMessageStore,
)
from jingban.storage.idcrypt import IdentityKeyMissing
from jingban.storage.messages import Message

__all__ = ["SmsChannel", "SmsHeld", "next_sms_time", "sms_channel", "sms_plan"]


def next_sms_time(now: dt.datetime, hours: str) -> dt.datetime | None:
    """None when ``now`` lies within ``hours`` (``HH:MM-HH:MM``, Beijing time, the end
    excluded); else the next instant it does (today's start, or tomorrow's)."""
    first, last = (dt.time.fromisoformat(part) for part in hours.split("-"))
    local = now.astimezone(BEIJING)
    clock = local.time().replace(tzinfo=None)
    if first <= clock < last:
        return None
    day = local.date() if clock < first else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, first, tzinfo=BEIJING).astimezone(dt.UTC)


@dataclass(frozen=True)
class SmsChannel:
    """One applicant's messages through the configured gateway."""

    kind: ClassVar[str] = "sms"

    url: str
    phone: str = field(repr=False)
    case_no: str
    method: str = "POST"
    content_type: str = "application/json"
    body_template: str = '{"phone": "${phone}", "text": "${text}", "id": "${key}"}'
    secret: str | None = field(default=None, repr=False)
    timeout: float = 10.0

    def body(self, message: Message, key: SendKey | None) -> str:
        """The request body (or, for GET, the query string) for ``message``."""
        values = {
            "phone": self.phone,
            "text": message.text,
            "case_no": self.case_no,
            "key": key.idempotency_key if key is not None else "",
        }
        if self.content_type == "application/json" and self.method != "GET":
            escaped = {k: json.dumps(v, ensure_ascii=False)[1:-1] for k, v in values.items()}
        else:
            escaped = {k: urllib.parse.quote(v, safe="") for k, v in values.items()}
        return string.Template(self.body_template).substitute(escaped)

    def send(self, message: Message, key: SendKey | None = None) -> None:
        """Send ``message`` to the applicant once; raise `DeliveryError` (retryable on
        408, 429, 5xx and network failures) unless the gateway answers 2xx."""
        where = f"短信网关 {urllib.parse.urlsplit(self.url).hostname or '?'}"
        body = self.body(message, key)
        url, data = self.url, body.encode("utf-8")
        headers = {"Content-Type": f"{self.content_type}; charset=utf-8"}
        if self.method == "GET":
            url = f"{url}{'&' if '?' in url else '?'}{body}"
            data, headers = b"", {}
        if key is not None:
            headers["Idempotency-Key"] = key.idempotency_key
            headers["X-Jingban-Delivery"] = key.delivery_header
        if self.secret:
            stamp = str(int(time.time()))
            signed = f"{stamp}\n".encode() + (data if self.method != "GET" else body.encode())
            headers["X-Jingban-Timestamp"] = stamp
            headers["X-Jingban-Signature"] = hmac.new(
                self.secret.encode("utf-8"), signed, hashlib.sha256
            ).hexdigest()
        request = urllib.request.Request(
            url, data=data if self.method != "GET" else None, headers=headers, method=self.method
        )
        try:
            send(request, self.timeout, where)
        except HttpFailure as exc:
            raise DeliveryError(exc.message, retryable=exc.retryable) from exc


def sms_channel(config: Settings, phone: str, case_no: str) -> SmsChannel:
    """The channel of the configured gateway for one applicant; raises ValueError when no
    gateway is configured."""
    if config.sms_url is None:
        raise ValueError("未配置短信网关 (JINGBAN_SMS_URL)")
    return SmsChannel(
        url=config.sms_url,
        phone=phone,
        case_no=case_no,
        method=config.sms_method,
        content_type=config.sms_content_type,
        body_template=config.sms_body,
        secret=config.sms_secret,
        timeout=config.sms_timeout_seconds,
    )


@dataclass(frozen=True, slots=True)
class SmsHeld:
    """Why an applicant message is not sent now: ``wait_until`` (outside the hours), or
    ``withdraw`` with the message's ``status`` (``opted_out``, ``not_sent``), or ``park``
    (a number that does not decrypt). ``reason`` says it in Chinese."""

    reason: str
    wait_until: dt.datetime | None = None
    status: str | None = None
    park: bool = False


def sms_plan(
    applicants: ApplicantMessageStore, config: Settings, case_no: str, now: dt.datetime
) -> SmsChannel | SmsHeld:
    """The channel to send case ``case_no``'s message by now, or why not: outside
    ``JINGBAN_SMS_HOURS`` it waits; an applicant who opted out since, a case without a
    number or a gateway no longer configured withdraw it; a number that does not decrypt
    parks it."""
    later = next_sms_time(now, config.sms_hours)
    if later is not None:
        return SmsHeld("不在短信发送时段", wait_until=later)
    if config.sms_url is None:
        return SmsHeld(NOTE_NO_GATEWAY, status="not_sent")
    try:
        phone, opted_out = applicants.recipient(case_no)
    except IdentityKeyMissing as exc:
        return SmsHeld(exc.message, park=True)
    if opted_out:
        return SmsHeld(NOTE_OPTED_OUT, status="opted_out")
    if phone is None:
        return SmsHeld("未登记手机号码", status="not_sent")
    return sms_channel(config, phone, case_no)
