"""A hypothesis state machine drives one case through `MemoryCaseStore` against a small model.

The model knows, independently of the engine: the chain of each item, where every action leads
(written out below from the issue), which outcomes count in the audit trail, and how the dues
are counted (recomputed here straight from `WorkCalendar`). After every step it checks: the state
is one of the compiled machine's and the one the model expects, terminal states absorb, the
audit trail has one row per success and per refused attempt (refusals outside the chain,
after the record they were decided against), the version grows by one per
success, the dues are the model's, and the dues recorded in the audit payloads replay to the
case's current dues.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from engine_support import APPLICANT_ID, at, calendar, make_engine
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from jingban.calendar import BEIJING, WorkCalendar
from jingban.engine import ActionParams
from jingban.engine.audit import encode_payload
from jingban.engine.delivery import DEFAULT_DELIVERY_DAYS, RESULT_STATES
from jingban.errors import BadInput, NotAllowed
from jingban.storage.memory import MemoryCaseStore
from jingban.workflows import Limit, compile_item, load_catalog

TERMINAL = {"completed", "not_accepted", "withdrawn"}
# item → (channel, chain states after 申请)
ITEMS: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    ("kashgar", "inpatient_reimbursement"): ("window", ("accepted", "reviewed", "completed")),
    ("sichuan", "inpatient_reimbursement"): (
        "window",
        ("accepted", "reviewed", "paid", "completed"),
    ),
    ("kashgar", "transfer_continuation"): ("window", ("accepted", "transferred", "completed")),
    ("kashgar", "prenatal_exam_payment"): (
        "online",
        ("prereviewed", "accepted", "reviewed", "completed"),
    ),
    ("kashgar", "relocated_retiree_filing"): ("window", ("accepted", "completed")),
    ("bingtuan", "transfer_continuation"): ("window", ("accepted", "reviewed", "completed")),
    ("kashgar", "assistance_reimbursement"): ("window", ("accepted", "reviewed", "completed")),
}
ENTRY = {
    "prereviewed": "prereview",
    "accepted": "accept",
    "transferred": "transfer",
    "reviewed": "approve",
    "paid": "pay",
    "completed": "complete",
}
STAMPS = {
    "accept": "accepted",
    "transfer": "transferred",
    "approve": "reviewed",
    "pay": "paid",
    "complete": "completed",
    "deny": "completed",
    "prereview": "prereviewed",
}
ACTIONS = [
    "accept",
    "request_supplement",
    "supplement",
    "not_accept",
    "prereview",
    "transfer",
    "approve",
    "deny",
    "pay",
    "complete",
    "withdraw",
    "suspend",
    "resume",
    "extend",
    "reassign",
    "advance",
    "launch",
]
# Drawn more often, so that cases get somewhere: the happy path, and advance.
WEIGHTED = [
    *ACTIONS,
    *(
        [
            "accept",
            "approve",
            "pay",
            "complete",
            "transfer",
            "prereview",
            "advance",
            "advance",
            "supplement",
            "request_supplement",
            "extend",
        ]
        * 2
    ),
]
# The role the issue gives each action (a supervisor where it names none, or for advance).
ROLE_FOR = {
    "accept": "clerk",
    "supplement": "clerk",
    "not_accept": "clerk",
    "approve": "reviewer",
    "deny": "reviewer",
    "suspend": "reviewer",
    "resume": "reviewer",
    "pay": "payer",
}
ACTORS = ["li", "wang", "zhao"]


def expected_dest(
    chain: tuple[str, ...], state: str, action: str, suspended_from: str | None
) -> str | None:
    """Where ``action`` takes a case in ``state`` (None: not allowed), from the issue's rules."""
    if state in TERMINAL:
        return None
    path = ("submitted", *chain)
    if state in path and state != "completed":
        nxt = path[path.index(state) + 1]
        if action == ENTRY[nxt] or (action == "accept_deferred" and ENTRY[nxt] == "accept"):
            return nxt
    if action == "deny" and "reviewed" in path and state == path[path.index("reviewed") - 1]:
        return "completed"
    if action == "request_supplement" and state in {
        "submitted",
        "prereviewed",
        "accepted",
        "transferred",
    }:
        return "supplement_requested"
    if action == "supplement" and state == "supplement_requested":
        return "submitted"
    if action == "lapse" and state == "supplement_requested":
        return "withdrawn"
    if action == "not_accept" and state in {"submitted", "prereviewed", "supplement_requested"}:
        return "not_accepted"
    pausing = {"submitted", "supplement_requested", "suspended", "suspension_pending"}
    if action == "suspend" and state not in pausing:
        return "suspended"
    if action == "resume" and state == "suspended":
        return suspended_from
    # 中止待批 (where the region asks for approval): asked for, then approved or refused.
    if action == "request_suspension" and state not in pausing:
        return "suspension_pending"
    if action == "approve_suspension" and state == "suspension_pending":
        return "suspended"
    if action == "refuse_suspension" and state == "suspension_pending":
        return suspended_from
    if action == "withdraw":  # money paid cannot be withdrawn: 冲正 reverses it first
        return None if state == "paid" else "withdrawn"
    if action == "reverse_payment" and state == "paid":
        return path[path.index("paid") - 1]
    if action in ("extend", "reassign"):
        return state
    return None


class Model:
    """What the model remembers of the case to recompute its dues, by the issue's rules: a
    supplement restarts the clock (and the acceptance window) from scratch; a suspension moves
    every due whose clock was running by the working days it lasted; an extension moves the
    statutory due only."""

    def __init__(self, item_key: tuple[str, str], received: dt.datetime) -> None:
        self.item = load_catalog().item(*item_key)
        self.channel, self.chain = ITEMS[item_key]
        self.terms = self.item.terms(self.channel)
        self.cal: WorkCalendar = calendar(item_key[0])
        self.state = "submitted"
        self.suspended_from: str | None = None
        self.suspended_at: dt.datetime | None = None
        self.version = 1
        self.audit = 1
        self.refused = 0
        self.window_from = received
        self.clock = received if self.terms.clock_start == "received" else None
        self.shift = 0  # working days the main clock stood still since it (re)started
        self.accept_shift = 0  # the same for the acceptance window, until acceptance
        self.stage_shift: dict[str, int] = {}
        self.extension = 0
        self.stamps: dict[str, dt.datetime] = {"received": received}
        self.delivery: dt.datetime | None = None

    def _due(self, start: dt.datetime, limit: Any, shift: int) -> dt.datetime:
        due = self.cal.due(start, limit.value, limit.unit)
        day = self.cal.add_working_days(due.date, shift) if shift > 0 else due.date
        return self.cal.office_close(day).astimezone(dt.UTC)

    def _running_stages(self) -> list[Any]:
        return [
            s
            for s in self.item.stage_limits
            if s.starts in self.stamps and s.ends not in self.stamps
        ]

    def dues(self) -> dict[str, dt.datetime | None]:
        window = self.cal.due(self.window_from, 5, "working_days")
        accept = self._due(self.window_from, Limit(5, "working_days"), self.accept_shift)
        assert self.accept_shift or accept == window.at.astimezone(dt.UTC)
        promised = statutory = None
        if self.clock is not None:
            promised = self._due(self.clock, self.terms.promised, self.shift)
            statutory = self._due(self.clock, self.terms.statutory, self.shift + self.extension)
        stage = None
        for limit in self._running_stages():
            due = self._due(
                self.stamps[limit.starts], limit.limit, self.stage_shift.get(limit.key, 0)
            )
            stage = due if stage is None else min(stage, due)
        delivery = None if self.delivery is None else self.delivery.astimezone(dt.UTC)
        return {
            "accept": accept,
            "promised": promised,
            "statutory": statutory,
            "stage": stage,
            "delivery": delivery,
        }

    def apply(self, action: str, dest: str, now: dt.datetime, days: int | None) -> None:
        if dest in RESULT_STATES and self.state not in RESULT_STATES:
            # A result to hand over: delivered within the default working days (送达).
            self.delivery = self.cal.due(now, DEFAULT_DELIVERY_DAYS, "working_days").at
        if action == "accept" and self.terms.clock_start == "accepted":
            self.clock = now
        if action == "supplement":
            self.window_from = now
            self.clock = now if self.terms.clock_start == "received" else None
            self.stamps = {"received": self.stamps["received"], "supplemented": now}
            self.shift = self.accept_shift = 0
            self.stage_shift = {}
        if action == "suspend":
            self.suspended_from, self.suspended_at = self.state, now
        if action == "resume":
            assert self.suspended_at is not None
            stopped = max(
                self.cal.working_days_between(
                    self.suspended_at.astimezone(BEIJING).date(), now.astimezone(BEIJING).date()
                ),
                0,
            )
            self.shift += stopped
            if "accepted" not in self.stamps:
                self.accept_shift += stopped
            for limit in self._running_stages():
                self.stage_shift[limit.key] = self.stage_shift.get(limit.key, 0) + stopped
            self.suspended_from = self.suspended_at = None
        if action == "extend":
            assert days is not None
            self.extension += days
        if action in STAMPS:
            self.stamps[STAMPS[action]] = now
        self.state = dest
        self.version += 1
        self.audit += 1


class CaseMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.engine = make_engine()
        self.store = MemoryCaseStore(self.engine)
        self.now = at("2026-03-02 09:30")

    @initialize(
        item=st.sampled_from(sorted(ITEMS)),
        complete=st.booleans(),
        offset=st.integers(0, 60 * 24 * 6),
    )
    def open(self, item: tuple[str, str], complete: bool, offset: int) -> None:
        self.now += dt.timedelta(minutes=offset)
        channel = ITEMS[item][0]
        opened = self.store.open(
            now=self.now,
            region=item[0],
            item=item[1],
            applicant_name="买买提",
            applicant_id=APPLICANT_ID,
            actor="li",
            role="clerk",
            channel=channel,
            all_materials=complete,
            cross_province=channel == "online",
        )
        self.case_no = opened.case.case_no
        self.model = Model(item, opened.case.received_at)
        self.compiled = compile_item(self.model.item, self.model.terms.stages)
        self.last_state = opened.case.state

    @rule(minutes=st.integers(1, 60 * 24 * 4))
    def wait(self, minutes: int) -> None:
        self.now += dt.timedelta(minutes=minutes)

    @rule(
        action=st.sampled_from(WEIGHTED),
        role=st.sampled_from(
            ["fitting"] * 6 + ["clerk", "reviewer", "payer", "supervisor", "admin"]
        ),
        actor=st.sampled_from(ACTORS),
        reason=st.sampled_from(["依据规定", "依据规定", None]),
        days=st.sampled_from([2, 7, 1, 4, None, 0, 61]),
        paid=st.sampled_from([True, True, False]),
        materials=st.booleans(),
        missing=st.booleans(),
    )
    def take(
        self,
        action: str,
        role: str,
        actor: str,
        reason: str | None,
        days: int | None,
        paid: bool,
        materials: bool,
        missing: bool,
    ) -> None:
        named = tuple(m.name for m in self.model.item.materials)
        required = tuple(m.name for m in self.model.item.required_materials())
        params = ActionParams(
            reason=reason,
            days=days,
            assignee=actor,
            missing=named[-1:] if missing else (),
            materials=required if materials else (),
            amount="100.50" if paid else None,
            account="6222021234567890" if paid else None,
            voucher="V-1" if paid else None,
        )
        role = ROLE_FOR.get(action, "supervisor") if role == "fitting" else role
        self._attempt(action, role, actor, params)

    @rule(days=st.integers(1, 12), minutes=st.integers(1, 60 * 24 * 12))
    def suspend_for_a_while(self, days: int, minutes: int) -> None:
        """A special procedure: suspend, let time pass, resume (each an attempt of its own)."""
        params = ActionParams(reason="公示", days=days, procedure="公示")
        self._attempt("suspend", "reviewer", "ma", params)
        self.now += dt.timedelta(minutes=minutes)
        self._attempt("resume", "reviewer", "ma", ActionParams())

    @rule(minutes=st.integers(1, 60 * 24 * 12))
    def notice_and_supplement(self, minutes: int) -> None:
        """A one-time notice naming a material, then the supplement (each an attempt)."""
        named = tuple(m.name for m in self.model.item.materials)
        self._attempt("request_supplement", "supervisor", "chen", ActionParams(missing=named[:1]))
        self.now += dt.timedelta(minutes=minutes)
        self._attempt("supplement", "clerk", "li", ActionParams())

    def _attempt(self, action: str, role: str, actor: str, params: ActionParams) -> None:
        model = self.model
        before = self.store.get(self.case_no)
        try:
            result = self.store.act(
                self.case_no, action, actor=actor, role=role, now=self.now, params=params
            )
        except NotAllowed:
            model.audit += 1
            model.refused += 1
            assert self.store.get(self.case_no) == before
            return
        except BadInput:
            assert self.store.get(self.case_no) == before
            return
        done = result.event.action
        assert action in (done, "advance")
        dest = expected_dest(model.chain, model.state, done, model.suspended_from)
        assert dest is not None, f"{done} succeeded from {model.state}"
        assert role != "admin"
        assert result.case.state == dest
        assert (result.event.from_state, result.event.to_state) == (model.state, dest)
        model.apply(done, dest, self.now, params.days)
        if done == "deny":
            assert result.case.outcome == "denied"
        elif dest == "completed":
            assert result.case.outcome == "approved"

    @invariant()
    def agrees_with_the_model(self) -> None:
        if not hasattr(self, "model"):
            return
        case = self.store.get(self.case_no)
        history = self.store.history(self.case_no)
        assert case.state in self.compiled.states
        assert case.state == self.model.state
        if self.last_state in TERMINAL:
            assert case.state == self.last_state
        self.last_state = case.state
        assert case.version == self.model.version
        assert len(history) == self.model.audit
        assert sum(e.refused for e in history) == self.model.refused
        assert all(e.from_state == e.to_state for e in history if e.refused)
        chain = [e.seq for e in history if not e.outside_chain]
        assert chain == list(range(1, len(chain) + 1))
        refused = [e.refusal_no for e in history if e.outside_chain]  # numbered apart
        assert sorted(refused) == list(range(1, len(refused) + 1))
        assert case.dues() == self.model.dues()
        assert self.store.verify(self.case_no)[1] == []
        # The dues named in the audit payloads, replayed from the open, end at the case's.
        replay: dict[str, Any] = dict.fromkeys(
            ("accept", "promised", "statutory", "stage", "delivery")
        )
        for event in history:
            for kind, (old, new) in encode_payload(event.payload).get("dues", {}).items():
                assert replay[kind] == old, (event.action, kind)
                replay[kind] = new
        assert replay == encode_payload(case.dues())


TestCaseMachine = CaseMachine.TestCase
TestCaseMachine.settings = settings(
    max_examples=120,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)


def test_the_model_knows_every_compiled_transition() -> None:
    """The model's transition table agrees with the compiled machines (guards aside)."""
    for (region, key), (channel, chain) in ITEMS.items():
        item = load_catalog().item(region, key)
        compiled = compile_item(item, item.terms(channel).stages)
        for source, action, dest in compiled.transitions():
            if action in ("resume", "refuse_suspension"):
                assert expected_dest(chain, source, action, dest) == dest
            else:
                assert expected_dest(chain, source, action, None) == (dest or source), (
                    key,
                    source,
                    action,
                )
        for state in compiled.states:
            for action in ACTIONS:
                if action in ("reassign", "advance", "launch", "resume", "refuse_suspension"):
                    continue
                if expected_dest(chain, state, action, None) is not None:
                    assert action in compiled.allowed(state), (key, state, action)
