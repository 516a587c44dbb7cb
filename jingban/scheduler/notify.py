"""Alert delivery: e-mail over SMTP and the group-robot webhooks of 企业微信 and 钉钉.

A channel makes one attempt per `send` and raises `DeliveryError` when it fails; it never
retries, sleeps or records anything itself. The scheduler keeps the alert pending, waits
`backoff(attempts)` and tries again, so a failing channel loses nothing.

Given a `SendKey`, a channel tells the far side which delivery and attempt it carries, so
that a resend after a crash is recognisably the same message: robots get an
``Idempotency-Key`` header (one per attempt; a resend of an attempt a dead worker began
carries the same key and the same body) and ``X-Jingban-Delivery``; e-mails get a
``Message-ID`` of the delivery's own (the same on every attempt) and ``X-Jingban-Delivery``.

Message text is Chinese and shows times in Beijing time; it never carries an applicant's
identity number (the builders take none, and mask anything shaped like one).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import ClassVar, Protocol

from jingban.calendar import BEIJING
from jingban.scheduler._http import HttpFailure, send
from jingban.scheduler._render import fit_markdown, html_document
from jingban.storage.messages import (
    DUE_KIND_LABELS,
    LEVEL_LABELS,
    DigestRow,
    Message,
    alert_message,
    digest_message,
)
from jingban.storage.routes import (
    ROBOT_KINDS,
    ROUTE_KINDS,
    ChannelConfigError,
    EmailSettings,
    RobotKind,
    route_settings,
)

#: WeCom rejects markdown content longer than this many UTF-8 bytes.
WECOM_MARKDOWN_LIMIT = 4096
#: Robot error codes that mean "slow down / busy", worth retrying: WeCom -1 (系统繁忙) and
#: 45009 (调用频率超限), DingTalk 130101 (每分钟发送超过 20 条).
_RETRYABLE_ERRCODES = frozenset({-1, 45009, 130101})


@dataclass(frozen=True, slots=True)
class SendKey:
    """What names one attempt of one delivery to the far side. ``token`` is the delivery's
    random key (stored with it), so keys of two installations never collide."""

    delivery_id: int
    attempt: int
    token: str

    @property
    def idempotency_key(self) -> str:
        """The same for every send of this attempt (a crashed worker's and its successor's)."""
        return f"jingban-{self.token}-{self.attempt}"

    @property
    def delivery_header(self) -> str:
        """``X-Jingban-Delivery``: the delivery's id and the attempt's number."""
        return f"{self.delivery_id}; attempt={self.attempt}"

    def message_id(self, domain: str) -> str:
        """The delivery's e-mail ``Message-ID``, the same on every attempt."""
        return f"<jingban.{self.token}@{domain}>"


class DeliveryError(Exception):
    """One failed delivery attempt. ``retryable`` is false when repeating the same request
    will fail the same way until someone fixes the configuration (bad address, bad key)."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


class Channel(Protocol):
    """Where alerts go. `send` returns once the far side accepted the message."""

    @property
    def kind(self) -> str: ...  # one of `ROUTE_KINDS`

    @property
    def timeout(self) -> float: ...  # seconds one wait on the far side may take

    def send(self, message: Message, key: SendKey | None = None) -> None:
        """Deliver ``message`` once, named by ``key``; raise `DeliveryError` on any failure."""
        ...


@dataclass(frozen=True)
class EmailChannel:
    """Mail through an SMTP server: UTF-8 subject, text/plain and text/html alternatives."""

    kind: ClassVar[str] = "email"

    host: str
    port: int
    sender: str  # "jingban@ybj.example.cn" or "经办系统 <jingban@ybj.example.cn>"
    recipients: tuple[str, ...]
    starttls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 10.0

    def build(self, message: Message, key: SendKey | None = None) -> EmailMessage:
        """The e-mail for ``message``, as `send` would transmit it: with ``key``, its
        Message-ID is the delivery's own (else a fresh one)."""
        mail = EmailMessage()
        mail["Subject"] = message.subject
        mail["From"] = self.sender
        mail["To"] = ", ".join(self.recipients)
        mail["Date"] = format_datetime(dt.datetime.now(BEIJING))
        domain = parseaddr(self.sender)[1].rpartition("@")[2] or None
        if key is None:
            mail["Message-ID"] = make_msgid(domain=domain)
        else:
            mail["Message-ID"] = key.message_id(domain or "localhost")
            mail["X-Jingban-Delivery"] = key.delivery_header
        mail.set_content(message.text)
        mail.add_alternative(html_document(message.subject, message.markdown), subtype="html")
        return mail

    def send(self, message: Message, key: SendKey | None = None) -> None:
        """Send ``message`` to every recipient (see `build` for ``key``); raise
        `DeliveryError` if the server cannot be reached or refuses the sender, the data or
        any recipient (retryable for 4xx replies and network failures; recipients the
        server accepted have the mail already)."""
        where = f"邮件服务器 {self.host}:{self.port}"
        if not f"{self.username or ''}{self.password or ''}".isascii():
            # smtplib sends AUTH credentials as ASCII only
            raise DeliveryError(f"{where} 的用户名或密码含非 ASCII 字符，无法登录", retryable=False)
        try:
            mail = self.build(message, key)
        except ValueError as exc:  # e.g. a line break inside the subject
            raise DeliveryError(f"邮件内容无法编码：{exc}", retryable=False) from exc
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password or "")
                refused = smtp.send_message(
                    mail,
                    from_addr=parseaddr(self.sender)[1],
                    to_addrs=list(self.recipients),
                )
        except smtplib.SMTPRecipientsRefused as exc:
            refused = exc.recipients
        except smtplib.SMTPResponseException as exc:
            reply = (
                exc.smtp_error.decode("utf-8", "replace")
                if isinstance(exc.smtp_error, bytes)
                else str(exc.smtp_error)
            )
            raise DeliveryError(
                f"{where} 拒绝：{exc.smtp_code} {reply}", retryable=400 <= exc.smtp_code < 500
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryError(f"{where} 不支持所需功能：{exc}", retryable=False) from exc
        except ssl.SSLCertVerificationError as exc:
            raise DeliveryError(f"{where} 证书校验失败：{exc}", retryable=False) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"{where} 连接失败：{exc!r}", retryable=True) from exc
        if refused:
            codes = [code for code, _ in refused.values()]
            raise DeliveryError(
                f"{where} 拒收以下收件人：{', '.join(sorted(refused))}",
                retryable=all(400 <= code < 500 for code in codes),
            )


@dataclass(frozen=True, slots=True)
class Mention:
    """The member of staff a group robot's message is for: their 企业微信 or 钉钉 user id
    and mobile number where known (a personal route, `jingban.storage.recipients`)."""

    username: str
    user_id: str | None = None
    mobile: str | None = None


@dataclass(frozen=True)
class WebhookChannel:
    """A group robot (企业微信 or 钉钉) that takes a JSON POST of a markdown message; with a
    ``mention``, the message @-mentions that person (企业微信 ``<@userid>`` in the markdown;
    钉钉 ``at.atUserIds`` / ``at.atMobiles`` with the @ in the text)."""

    url: str
    format: RobotKind
    secret: str | None = field(default=None, repr=False)  # 钉钉 加签 secret ("SEC…")
    timeout: float = 10.0
    mention: Mention | None = None

    def __post_init__(self) -> None:
        if self.format not in ROBOT_KINDS:
            raise ChannelConfigError(f"未知的群机器人类型：{self.format}")
        if self.secret and self.format != "dingtalk":
            raise ChannelConfigError("只有钉钉机器人支持加签密钥(secret)")

    @property
    def kind(self) -> str:
        return self.format

    def body(self, message: Message) -> dict[str, object]:
        """The JSON body posted for ``message``."""
        who = self.mention
        if self.format == "wecom":
            tail = f"\n\n<@{who.user_id}>" if who is not None and who.user_id else ""
            content = fit_markdown(message.markdown, WECOM_MARKDOWN_LIMIT - len(tail)) + tail
            return {"msgtype": "markdown", "markdown": {"content": content}}
        body: dict[str, object] = {
            "msgtype": "markdown",
            "markdown": {"title": message.subject, "text": message.markdown},
        }
        if who is not None and (who.user_id or who.mobile):
            named = [x for x in (who.user_id, who.mobile) if x]
            body["markdown"] = {
                "title": message.subject,
                "text": message.markdown + "\n\n" + " ".join(f"@{x}" for x in named),
            }
            at: dict[str, object] = {}
            if who.user_id:
                at["atUserIds"] = [who.user_id]
            if who.mobile:
                at["atMobiles"] = [who.mobile]
            body["at"] = at
        return body

    def send(self, message: Message, key: SendKey | None = None) -> None:
        """POST ``message`` (with ``key``: its ``Idempotency-Key`` and ``X-Jingban-Delivery``
        headers); return when the robot answers errcode 0. Raise `DeliveryError`
        otherwise: retryable on timeouts, network errors, 5xx/408/429 and rate-limit codes."""
        where = f"{'企业微信' if self.format == 'wecom' else '钉钉'}机器人 " + (
            urllib.parse.urlsplit(self.url).hostname or "?"
        )
        url = self.url
        if self.secret:
            url = dingtalk_signed_url(url, self.secret, round(time.time() * 1000))
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if key is not None:
            headers["Idempotency-Key"] = key.idempotency_key
            headers["X-Jingban-Delivery"] = key.delivery_header
        request = urllib.request.Request(
            url,
            data=json.dumps(self.body(message), ensure_ascii=False).encode("utf-8"),
            headers=headers,
            method="POST",
        )
        try:
            _, raw = send(request, self.timeout, where)
        except HttpFailure as exc:
            raise DeliveryError(exc.message, retryable=exc.retryable) from exc
        try:
            answer = json.loads(raw)
            errcode, errmsg = answer["errcode"], answer.get("errmsg", "")
        except (ValueError, TypeError, KeyError) as exc:
            text = raw[:200].decode("utf-8", "replace")
            raise DeliveryError(f"{where} 的响应不是机器人格式：{text}", retryable=False) from exc
        if errcode != 0:
            raise DeliveryError(
                f"{where} 拒绝：errcode={errcode} {errmsg}",
                retryable=errcode in _RETRYABLE_ERRCODES,
            )


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    """``url`` with DingTalk's 加签 parameters appended: ``timestamp`` (milliseconds) and
    ``sign`` = urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")))."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), to_sign, hashlib.sha256).digest()
    extra = urllib.parse.urlencode(
        {"timestamp": str(timestamp_ms), "sign": base64.b64encode(digest).decode("ascii")}
    )
    parts = urllib.parse.urlsplit(url)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urllib.parse.urlunsplit(parts._replace(query=query))


def channel_from_config(kind: str, target: str, options: Mapping[str, str]) -> Channel:
    """Build a channel from a route's stored configuration (read and checked by
    `jingban.storage.routes.route_settings`, which documents the options). Raises
    `ChannelConfigError` (a `ValueError`) with a Chinese message on any mistake."""
    settings = route_settings(kind, target, options)
    if isinstance(settings, EmailSettings):
        return EmailChannel(
            host=settings.host,
            port=settings.port,
            sender=settings.sender,
            recipients=settings.recipients,
            starttls=settings.starttls,
            username=settings.username,
            password=settings.password,
            timeout=settings.timeout,
        )
    return WebhookChannel(
        url=settings.url, format=settings.format, secret=settings.secret, timeout=settings.timeout
    )


def backoff(attempts: int) -> dt.timedelta:
    """The wait before the next try after ``attempts`` failed ones: 1, 2, 4, 8 … minutes,
    at most 60; no wait before the first try. Deterministic. Raises ValueError if negative."""
    if attempts < 0:
        raise ValueError(f"attempts must not be negative: {attempts}")
    if attempts == 0:
        return dt.timedelta(0)
    return dt.timedelta(minutes=min(2 ** min(attempts - 1, 6), 60))


__all__ = [
    "DUE_KIND_LABELS",
    "LEVEL_LABELS",
    "ROUTE_KINDS",
    "WECOM_MARKDOWN_LIMIT",
    "Channel",
    "ChannelConfigError",
    "DeliveryError",
    "DigestRow",
    "EmailChannel",
    "Message",
    "SendKey",
    "WebhookChannel",
    "alert_message",
    "backoff",
    "channel_from_config",
    "digest_message",
    "dingtalk_signed_url",
]
