"""The engine: opens cases and moves them through their item's state machine.

Pure logic. It never reads the clock (``now`` is passed in) and never touches storage: each
call returns the changed case and the audit event to store with it, or raises a typed error
and changes nothing (the case passed in is never modified).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass

from jingban.calendar import BEIJING, WorkCalendar
from jingban.engine import (
    control,
    deadlines,
    delivery,
    migration,
    roles,
    suspension_approval,
)
from jingban.engine.audit import REFUSAL_FORMAT, AuditEvent, stay_event
from jingban.engine.free_text import checked_optional, checked_text
from jingban.engine.handlers import HANDLERS, OFFERS, MissingMaterials, Step
from jingban.engine.model import Case, shared_materials
from jingban.engine.params import (
    ActionParams,
    checked_instant,
    resolve_materials,
    step_time,
    validated,
)
from jingban.engine.parties import checked_parties, parties_payload
from jingban.engine.plans import CatalogSource, Definitions, Plans
from jingban.errors import BadInput, NotAllowed, NotFound
from jingban.workflows import (
    STATE_LABELS,
)
from jingban.workflows.actions import ACTION_LABELS, ACTIONS, ActionDef
from jingban.workflows.channels import channel_problem
from jingban.workflows.vocabulary import CASE_CHANNELS, CHANNEL_SCOPES

CHANNELS = CASE_CHANNELS
# What an action given no parameters sees (frozen, so one instance serves every call).
_NO_PARAMS = ActionParams()
# The actions staff take through `Engine.act`, in table order.
_TAKEABLE: dict[str, ActionDef] = {key: a for key, a in ACTIONS.items() if a.takeable}


@dataclass(frozen=True, slots=True)
class Result:
    """The outcome of an action: the new case and the event to store with it."""

    case: Case
    event: AuditEvent


class Engine(Plans):
    """Decides every step of every case against the catalog and the calendars.

    A case is decided under the item definition it started under, found by its
    ``item_version``: the current catalog's item when the version is its digest, else the
    definition ``definitions`` returns (storage keeps every definition a case was opened
    under). A case whose version neither knows — a row written before definitions were
    stored, whose version was a digest of another encoding — is decided under the current
    catalog item, as it always was.
    """

    def __init__(
        self,
        catalog: CatalogSource,
        calendars: Callable[[str], WorkCalendar],
        warn_days: deadlines.WarnDays | None = None,
        definitions: Definitions | None = None,
        office_calendars: Callable[[str, str], WorkCalendar] | None = None,
        delivery_days: int = delivery.DEFAULT_DELIVERY_DAYS,
    ) -> None:
        super().__init__(catalog, definitions)
        #: Working days after a decision by which its result must reach the applicant (送达;
        #: 0: not watched), `jingban.engine.delivery`.
        self.delivery_days = delivery_days
        self.calendars = calendars
        #: The calendar of a region's office (its own closure days added), when known.
        self.office_calendars = office_calendars
        self.warn_days: deadlines.WarnDays = warn_days or deadlines.warn_days_by_limit

    def with_definitions(self, definitions: Definitions) -> Engine:
        """An engine like this one (catalog, calendars, warning days) that finds stored
        definitions through ``definitions``."""
        return Engine(
            self.catalog_source,
            self.calendars,
            self.warn_days,
            definitions,
            self.office_calendars,
            self.delivery_days,
        )

    def calendar_of(self, region: str, office: str | None) -> WorkCalendar:
        """The calendar a case of ``region`` and ``office`` counts its dues on: the region's,
        with the office's closure days when the engine was given office calendars."""
        if office and self.office_calendars is not None:
            return self.office_calendars(region, office)
        return self.calendars(region)

    # -- lookups --------------------------------------------------------------------------

    def available_actions(self, case: Case, role: str) -> list[str]:
        """Actions ``role`` may try on ``case`` now (the machine and the role agree)."""
        if case.is_terminal:
            ended = [
                key
                for key, spec in _TAKEABLE.items()
                if spec.after_end
                and (spec.ended_in is None or case.state in spec.ended_in)
                and spec.may(role, case.state)
            ]
            return self._offered(case, ended)
        compiled = self.compiled_of(case)
        state = case.state
        allowed = [
            a
            for a in compiled.allowed(state)
            if roles.may(role, a, state)
            and (a != "complete" or roles.may_complete(role, compiled.item))
        ]
        allowed += [
            key
            for key, spec in _TAKEABLE.items()
            if not spec.machine and spec.ended_in is None and spec.may(role, state)
        ]
        return self._offered(case, allowed)

    def _offered(self, case: Case, actions: list[str]) -> list[str]:
        """``actions`` but those that make no sense for ``case`` now (`handlers.OFFERS`)."""
        return [a for a in actions if (offer := OFFERS.get(a)) is None or offer(self.catalog, case)]

    # -- opening a case -------------------------------------------------------------------

    def open_case(
        self,
        *,
        case_no: str,
        region: str,
        item: str,
        applicant_name: str,
        applicant_id: str | None = None,
        actor: str,
        role: str,
        now: dt.datetime,
        applicant_id_type: str | None = None,
        applicant_type: str | None = None,
        channel: str | None = None,
        received_at: dt.datetime | None = None,
        materials: tuple[str, ...] | list[str] = (),
        all_materials: bool = False,
        office: str | None = None,
        item_version: str = "",
        applicant_kind: str | None = None,
        credit_code: str | None = None,
        agent_name: str | None = None,
        agent_id: str | None = None,
        agent_id_type: str | None = None,
        cross_province: bool = False,
    ) -> Result:
        """Register an application (办件) in state ``submitted`` with its dues computed.

        Raises `BadInput` (unknown region/item/material/channel/applicant type, a channel
        the item does not offer or offers only for other cases — ``cross_province`` says the
        case is 跨省办理 — bad identity number, a receipt time in the future; a unit without a
        valid 统一社会信用代码 or its 经办人, a bad agent: `jingban.engine.parties.checked_parties`)
        or `NotAllowed` (the role may not register).
        """
        roles.check_role(role)
        roles.require(role, ACTIONS["open"], "submitted")
        found = self.catalog.item(region, item)
        name = (applicant_name or "").strip()
        if not name or len(name) > 100:
            raise BadInput("申请人姓名不能为空 (最多 100 字)")
        checked_text(name, "申请人姓名")
        checked_optional(office, "经办机构")
        parties = checked_parties(
            found,
            kind=applicant_kind,
            applicant_id=applicant_id,
            applicant_id_type=applicant_id_type,
            credit_code=credit_code,
            agent_name=agent_name,
            agent_id=agent_id,
            agent_id_type=agent_id_type,
            today=now.astimezone(BEIJING).date(),
        )
        id_type, id_number = parties.applicant_id_type, parties.applicant_id
        channel = channel or "window"
        if channel not in CHANNELS:
            raise BadInput(f"未知的办理渠道 {channel!r}；可用: window (窗口)、online (网上)")
        scopes = frozenset({"cross_province"} if cross_province else ())
        problem = channel_problem(found, channel, scopes)
        if problem is not None:
            raise BadInput(problem)
        types = [t.key for t in found.applicant_types]
        if applicant_type is not None and applicant_type not in types:
            listing = "、".join(f"{t.key}({t.label})" for t in found.applicant_types) or "无"
            raise BadInput(f"「{found.name}」没有申请人类型 {applicant_type!r}；可用: {listing}")
        applicant_type = applicant_type or found.default_applicant_type
        received = checked_instant(received_at or now, "received_at")
        if received > now + dt.timedelta(minutes=5):
            raise BadInput(f"收件时间 {received.isoformat()} 晚于当前时间")
        checked = resolve_materials(found, tuple(materials), applicant_type)
        if all_materials:
            acting = parties.agent is not None
            required = [m.name for m in found.required_materials(applicant_type, agent=acting)]
            checked = tuple(dict.fromkeys([*checked, *required]))
        terms = found.terms(channel, applicant_type)
        case = Case(
            case_no=case_no,
            region=region,
            item_key=found.key,
            item_name=found.name,
            item_version=item_version or self.item_version(found),
            channel=channel,
            applicant_type=applicant_type,
            applicant_name=name,
            applicant_id=id_number,
            applicant_id_type=id_type,
            received_at=received,
            office=office,
            assignee=actor,
            materials=shared_materials(checked),
            clock_start_at=received if terms.clock_start == "received" else None,
            backdated=received < now - dt.timedelta(minutes=10),
            applicant_kind=parties.kind,
            credit_code=parties.credit_code,
            agent=parties.agent,
        )
        changes = deadlines.recompute(
            case, found, terms, self.calendar_of(region, office), self.warn_days
        )
        payload: dict[str, object] = {
            "item": found.key,
            "channel": channel,
            "applicant_type": applicant_type,
            "materials": list(checked),
            "received_at": received,
            "dues": _dues_payload(changes),
            **parties_payload(parties),
        }
        if cross_province:
            payload.update(cross_province=True, scope=CHANNEL_SCOPES["cross_province"])
        event = AuditEvent(
            case_no=case_no,
            action="open",
            actor=actor,
            role=role,
            at=received,
            recorded_at=now,
            from_state=None,
            to_state="submitted",
            payload=payload,
            backdated=case.backdated,
        )
        return Result(case, event)

    # -- acting on a case -----------------------------------------------------------------

    def act(
        self,
        case: Case,
        action: str,
        *,
        actor: str,
        role: str,
        now: dt.datetime,
        params: ActionParams | None = None,
    ) -> Result:
        """Take ``action`` on ``case`` as ``actor`` in ``role``.

        Raises `BadInput` for an unknown action or bad parameters, and `NotAllowed` (with its
        subclasses `WrongRole`, `SeparationOfDuties`, `MissingMaterials`,
        `IllegalTransition`) when the action may not be taken now; ``case`` is unchanged.
        """
        params = params or _NO_PARAMS
        roles.check_role(role)
        actor = sys.intern(actor)  # staff names recur: every case shares one copy
        plan = self._plan(case)
        item, compiled = plan.item, plan.compiled
        state = case.state
        if action == "advance":
            next_action = compiled.next_action(state)
            if next_action is None:
                raise NotAllowed(f"办件处于「{STATE_LABELS.get(state, state)}」，没有下一步")
            action = next_action
        if action == "suspend" and role != "supervisor":  # (the catalog only when it matters)
            action = suspension_approval.requested_action(self.catalog, case, action, role)
        spec = _TAKEABLE.get(action)
        if spec is None:
            raise BadInput(f"未知操作 {action!r}；可用: {'、'.join(ACTION_LABELS)}")
        label = spec.label
        if case.is_terminal and not spec.after_end:
            raise NotAllowed(f"办件已{STATE_LABELS.get(state, state)}，不能再「{label}」")
        if spec.ended_in is not None and state not in spec.ended_in:
            ended = "、".join(STATE_LABELS[s] for s in sorted(spec.ended_in))
            raise NotAllowed(
                f"办件处于「{STATE_LABELS.get(state, state)}」，不能「{label}」: "
                f"只有{ended}的办件才能「{label}」"
            )
        roles.require(role, spec, state)
        if spec.machine and not compiled.has_edge(state, action):
            compiled.fire(case.copy(), action)  # raises IllegalTransition, naming the state
        rule = self.catalog.region(case.region).control  # after the refusals a pinned case
        if rule.incompatible:  # can give on its own definition alone
            control.check_incompatible(rule, case, action, actor)
        values = validated(spec, params)
        at = now if params.at is None else step_time(case, params.at, now)
        cal = self.calendar_of(case.region, case.office)
        new = case.copy()
        payload: dict[str, object] = {}
        step = Step(
            self.catalog,
            new,
            item,
            plan.terms,
            plan.required,
            params,
            actor,
            role,
            at,
            cal,
            payload,
            values,
        )
        reason = HANDLERS[action](step)
        control.remember_taker(rule, new, action, actor)
        if spec.machine:
            compiled.fire(new, action)  # a guarded edge (resume) may still refuse
        if spec.stamp is not None:
            setattr(new, spec.stamp, at)
        if new.state == "completed" and new.completed_at is None:
            new.completed_at = at
            new.outcome = new.outcome or "approved"
        if deadlines.inputs_changed(case, new, item):
            changes = deadlines.recompute(new, item, plan.terms, cal, self.warn_days)
            if changes:
                payload["dues"] = _dues_payload(changes)
        delivery.settle(case, new, at, cal, self.delivery_days, payload)
        new.version = case.version + 1
        event = AuditEvent(
            case_no=case.case_no,
            action=action,
            actor=actor,
            role=role,
            at=at,
            recorded_at=now,
            from_state=state,
            to_state=new.state,
            reason=reason,
            payload=payload,
            backdated=params.at is not None,
        )
        return Result(new, event)

    def recalculate(self, case: Case, *, now: dt.datetime, reason: str) -> Result | None:
        """Recompute the dues of an open case after a calendar change (a notice imported, a
        closure added): the audit event records every due that moved and whether the case
        stays provisional. None when nothing changed."""
        if case.is_terminal:
            return None
        plan = self._plan(case)
        new = case.copy()
        changes = deadlines.recompute(
            new, plan.item, plan.terms, self.calendar_of(case.region, case.office), self.warn_days
        )
        if not changes and new.provisional == case.provisional:
            return None
        new.version = case.version + 1
        payload: dict[str, object] = {"dues": _dues_payload(changes)}
        if new.provisional != case.provisional:
            payload["provisional"] = [case.provisional, new.provisional]
        event = AuditEvent(
            case_no=case.case_no,
            action="recalculate",
            actor="system",
            role="system",
            at=now,
            recorded_at=now,
            from_state=case.state,
            to_state=case.state,
            reason=reason,
            payload=payload,
        )
        return Result(new, event)

    def migrate(
        self,
        case: Case,
        to_version: str,
        *,
        actor: str,
        role: str,
        now: dt.datetime,
        reason: str,
    ) -> Result:
        """Move open ``case`` to the definition of its item at ``to_version`` (a supervisor's
        explicit, audited act): its dues are recomputed under the new limits, and the event
        (action ``migrate``) records both versions and every due that moved.

        Raises `BadInput` (no reason, unknown role, the case's own version), `NotFound` (no
        such version of the item), `NotAllowed` (not a supervisor, a case that has ended, a
        definition without the case's state or applicant type); ``case`` is unchanged.
        """
        text = migration.check_request(case, role, reason, to_version)
        target = self.known_definition(case.region, case.item_key, to_version)
        if target is None:
            raise NotFound(
                f"事项「{case.item_name}」没有版本 {to_version}；"
                "可用 jingban items versions 查看已有版本"
            )
        cal = self.calendar_of(case.region, case.office)
        new, payload = migration.migrated(case, target, to_version, cal, self.warn_days)
        event = stay_event(
            case,
            migration.MIGRATE,
            actor=sys.intern(actor),
            role=role,
            at=now,
            reason=text,
            payload=payload,
        )
        return Result(new, event)

    def refusal(
        self,
        case: Case,
        action: str,
        *,
        actor: str,
        role: str,
        now: dt.datetime,
        error: NotAllowed,
    ) -> AuditEvent:
        """The audit record of a refused attempt (the case itself does not change): a record
        outside the case's chain (`audit.REFUSAL_FORMAT`), which the store places after the
        chain record the attempt was decided against (`AuditEvent.chained`)."""
        payload: dict[str, object] = {"error": error.message}
        if isinstance(error, MissingMaterials):
            payload["missing"] = error.missing
        return AuditEvent(
            case_no=case.case_no,
            action=action,
            actor=actor,
            role=role,
            at=now,
            recorded_at=now,
            from_state=case.state,
            to_state=case.state,
            reason=None,
            payload=payload,
            refused=True,
            format=REFUSAL_FORMAT,
        )


def _dues_payload(changes: deadlines.DueChanges) -> dict[str, list[object]]:
    return {kind: [old, new] for kind, (old, new) in changes.items()}
