"""The applicant's milestone messages: decided with the action, sent later by the delivery
worker, listed on the case's timeline.

`ApplicantMessageStore.effect` is an action effect (`jingban.storage.action_effects`,
registered by `jingban.services.Services`): in the action's own transaction it stores

- at a registration with a mobile number, the number encrypted (``applicant_phones``);
- at an action that has a message text for the case's region
  (`jingban.workflows.applicant_texts`), one ``applicant_messages`` row, and — when the
  case has a number, the applicant has not opted out and a gateway is configured
  (``JINGBAN_SMS_URL``) — one delivery of kind ``sms`` on the delivery queue, with no route
  (``route_id`` `SMS_ROUTE_ID`: the gateway of the settings). Otherwise the row says why
  nothing goes out: ``opted_out`` or ``not_sent`` (no gateway). A case registered without a
  number gets no message rows at all.

A message's status as shown (`messages`) is the delivery's while it is queued: ``pending``,
``sent``, ``failed`` (parked after a permanent gateway error), ``cancelled``; or the row's
own ``opted_out`` / ``not_sent``. Texts carry the case number, the item and the public
query link — never the query code, the name or the identity number.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from jingban.calendar import BEIJING, region_profile
from jingban.engine import Case
from jingban.settings import settings
from jingban.storage._message_rows import (
    MESSAGE_COLUMNS,
    MESSAGES_SQL,
    QUEUED,
    SMS_ROUTE_ID,
    TOLD_LABELS,
    message_dict,
)
from jingban.storage.action_effects import EffectRow, Written
from jingban.storage.database import Database
from jingban.storage.idcrypt import cipher_for
from jingban.storage.models import CASES, DELIVERIES
from jingban.storage.models_sms import APPLICANT_MESSAGES, APPLICANT_PHONES
from jingban.storage.phonecrypt import PhoneCipher
from jingban.workflows.actions import EVENT_LABELS

if TYPE_CHECKING:  # the templates' module imports pydantic: only when a message is decided
    from jingban.workflows.applicant_texts import ApplicantTexts

__all__ = [
    "MESSAGE_STATUSES",
    "SMS_KIND",
    "SMS_ROUTE_ID",
    "ApplicantMessageStore",
    "sms_dedup_key",
]

#: The delivery kind of an applicant message, and the route id its rows carry (no route:
#: the gateway is configured by the settings).
SMS_KIND = "sms"
#: How a message reads on the timeline.
MESSAGE_STATUSES = ("pending", "sent", "failed", "cancelled", "opted_out", "not_sent")
NOTE_OPTED_OUT = "申请人已退订短信"
NOTE_NO_GATEWAY = "未配置短信网关"


def sms_dedup_key(case_no: str, seq: int) -> str:
    """The delivery key of the message of record ``seq`` of case ``case_no``."""
    return f"sms:{case_no}:{seq}"


def _day(at: dt.datetime | None) -> str | None:
    if at is None:
        return None
    local = at.astimezone(BEIJING)
    return f"{local.month}月{local.day}日"


def query_sentence(case_no: str) -> str:
    """The sentence that closes every message: the progress page of the case (never the
    query code)."""
    from jingban.workflows.applicant_texts import progress_url

    base = settings().public_url
    if base:
        return f"查询进度: {progress_url(base, case_no)}"
    return "可凭回执上的办件编号和查询码在办理进度查询页面查询"


def message_values(case: Case, payload: Mapping[str, Any], at: dt.datetime) -> dict[str, object]:
    """The placeholders of a message about ``case`` after an action of ``payload`` at
    ``at``: nothing that identifies the applicant."""
    query = query_sentence(case.case_no)
    days = payload.get("days", payload.get("expected_working_days"))
    return {
        "office": case.office or region_profile(case.region).name,
        "item_name": case.item_name,
        "case_no": case.case_no,
        "date": _day(at),
        "promised_date": _day(case.promised_due),
        "statutory_date": _day(case.statutory_due),
        "missing_count": len(case.missing),
        "days": days,
        "query": query,
    }


class ApplicantMessageStore:
    """The applicant messages and mobile numbers of one database."""

    def __init__(self, db: Database, texts: ApplicantTexts | None = None) -> None:
        self.db = db
        self._texts = texts
        self._cipher: PhoneCipher | None = None
        mark = "?" if db.engine.dialect.name == "sqlite" else "%s"
        self._messages_sql = MESSAGES_SQL.replace("?", mark)

    @property
    def texts(self) -> ApplicantTexts:
        """The message templates (the packaged ones by default, read on first use)."""
        if self._texts is None:
            from jingban.workflows.applicant_texts import applicant_texts

            self._texts = applicant_texts()
        return self._texts

    @property
    def cipher(self) -> PhoneCipher:
        """The mobile-number cipher of this database (its server key files, read once)."""
        if self._cipher is None:
            self._cipher = PhoneCipher(cipher_for(self.db.url))
        return self._cipher

    # -- written with the action ------------------------------------------------------

    def effect(self, written: Written) -> list[EffectRow]:
        """The rows ``written`` adds (see the module's text); no I/O."""
        case, event = written.case, written.event
        if written.opened:
            if written.phone is None:
                return []
            token = self.cipher.encrypt(written.phone, case.case_no)
            return [EffectRow(APPLICANT_PHONES.name, {"case_no": case.case_no, "cipher": token})]
        if case.phone is None or event.refused:
            return []
        text = self.texts.render(
            case.region, event.action, message_values(case, event.payload, event.at)
        )
        if text is None:
            return []
        return self._rows(
            case.case_no,
            case.region,
            event.seq,
            event.action,
            event.recorded_at,
            text,
            opted_out=case.sms_optout,
            key=sms_dedup_key(case.case_no, event.seq),
        )

    def _rows(
        self,
        case_no: str,
        region: str,
        seq: int,
        action: str,
        at: dt.datetime,
        text: str,
        *,
        opted_out: bool,
        key: str,
    ) -> list[EffectRow]:
        """The message row of ``text`` and, when it goes out, its ``sms`` delivery row."""
        config = settings()
        status, note = QUEUED, None
        if opted_out:
            status, note = "opted_out", NOTE_OPTED_OUT
        elif config.sms_url is None:
            status, note = "not_sent", NOTE_NO_GATEWAY
        message = {
            "case_no": case_no,
            "seq": seq,
            "at": at,
            "action": action,
            "status": status,
            "note": note,
            "text": text,
            "delivery_key": key if status == QUEUED else None,
        }
        rows = [EffectRow(APPLICANT_MESSAGES.name, message)]
        if status == QUEUED:
            label = EVENT_LABELS.get(action, TOLD_LABELS.get(action, action))
            delivery = {
                "dedup_key": key,
                "kind": SMS_KIND,
                "token": secrets.token_hex(16),
                "alert_id": None,
                "route_id": SMS_ROUTE_ID,
                "region": region,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": at,
                "last_error": None,
                "sent_at": None,
                "subject": f"{case_no} {label}",
                "markdown": text,
                "text": text,
            }
            rows.append(EffectRow(DELIVERIES.name, delivery))
        return rows

    # -- told without an action (the follow-up run's reminders) -----------------------

    def tell(self, case_no: str, kind: str, text: str, at: dt.datetime) -> bool:
        """Record, and queue as `effect` does, a message no action carries: ``kind`` (one
        of `TOLD_LABELS`, e.g. ``supplement_remind``) about ``case_no``, after the case's
        latest audit record, with the query sentence appended to ``text``. Returns False
        (nothing written) when the case has no mobile number or the same kind was told
        after that record already; True when recorded."""
        with self.db.write() as conn:
            found = conn.execute(
                select(CASES.c.region, CASES.c.audit_seq, CASES.c.data).where(
                    CASES.c.case_no == case_no
                )
            ).first()
            if found is None:
                return False
            region, seq, data = found
            phone = conn.execute(
                select(APPLICANT_PHONES.c.case_no).where(APPLICANT_PHONES.c.case_no == case_no)
            ).scalar()
            told = conn.execute(
                select(APPLICANT_MESSAGES.c.id).where(
                    APPLICANT_MESSAGES.c.case_no == case_no,
                    APPLICANT_MESSAGES.c.seq == seq,
                    APPLICANT_MESSAGES.c.action == kind,
                )
            ).scalar()
            if phone is None or told is not None:
                return False
            opted_out = bool(json.loads(data).get("sms_optout"))
            query = query_sentence(case_no)
            key = f"{sms_dedup_key(case_no, seq)}:{kind}"
            rows = self._rows(
                case_no, region, seq, kind, at, f"{text}{query}", opted_out=opted_out, key=key
            )
            for row in rows:
                table = APPLICANT_MESSAGES if row.table == APPLICANT_MESSAGES.name else DELIVERIES
                conn.execute(table.insert().values(**row.values))
        return True

    # -- read by the timeline and the worker ------------------------------------------

    def messages(self, case_no: str) -> list[dict[str, Any]]:
        """The case's messages, oldest first (`jingban.storage._message_rows.message_dict`)."""
        with self.db.engine.connect() as conn:
            rows = conn.exec_driver_sql(self._messages_sql, (case_no,)).all()
        return [message_dict(dict(zip(MESSAGE_COLUMNS, r, strict=True))) for r in rows]

    def recipient(self, case_no: str) -> tuple[str | None, bool]:
        """The case's mobile number (decrypted) and whether the applicant opted out; the
        number is None when the case has none. Raises `IdentityKeyMissing` when the number
        does not decrypt with the keys held."""
        with self.db.engine.connect() as conn:
            token = conn.execute(
                select(APPLICANT_PHONES.c.cipher).where(APPLICANT_PHONES.c.case_no == case_no)
            ).scalar()
            data = conn.execute(select(CASES.c.data).where(CASES.c.case_no == case_no)).scalar()
        opted_out = bool(json.loads(data).get("sms_optout")) if data else True
        if token is None:
            return None, opted_out
        return self.cipher.decrypt(token, case_no), opted_out

    def withdrawn(self, delivery_key: str, status: str, note: str) -> None:
        """Record that the queued message of ``delivery_key`` did not go out: ``status``
        ``opted_out`` or ``not_sent``, with ``note`` saying why."""
        with self.db.write() as conn:
            conn.execute(
                update(APPLICANT_MESSAGES)
                .where(APPLICANT_MESSAGES.c.delivery_key == delivery_key)
                .values(status=status, note=note)
            )
