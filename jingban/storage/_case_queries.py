"""Reading cases and their audit trails, for `CaseStore`: one case's records, lists of
cases filtered in one query, and the verification of the audit trail (chains, case rows
against their chains replayed, refusals kept outside the chains, records without a case)."""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, func, or_, select

from jingban.engine import AuditEvent, Case, ChainBreak, normalise_case_number, verify_chain
from jingban.engine.model import TERMINAL_STATES
from jingban.engine.replay import differences, in_order, replay, verify_refusals
from jingban.storage import case_search as search
from jingban.storage._case_cache import DecodedCases
from jingban.storage._case_rows import (
    CaseNotFound,
    case_from_mapping,
    case_from_row,
    event_from_mapping,
    event_from_row,
    linked,
    refusal_from_mapping,
    refusal_from_row,
)
from jingban.storage._fast import FastSQL
from jingban.storage.case_search import CaseFilter, CasePage, Counts, Page
from jingban.storage.database import Database
from jingban.storage.idcrypt import IdCipher, cipher_for
from jingban.storage.list_statements import ListStatements, Prepared, read
from jingban.storage.models import ALERTS, AUDIT, CASES, REFUSAL_COUNTS, REFUSALS


class CaseQueries:
    """The reading half of `CaseStore` (which provides ``db``)."""

    db: Database
    sql: FastSQL
    _cipher: IdCipher | None = None
    _lists: ListStatements | None = None
    _decoded: DecodedCases | None = None

    @property
    def cipher(self) -> IdCipher:
        """The identity-number cipher of this database (its key files, read once)."""
        if self._cipher is None:
            self._cipher = cipher_for(self.db.url)
        return self._cipher

    def id_hash(self, id_number: str) -> str:
        """The keyed hash of an identity number, with the key of this database."""
        return self.cipher.hash(id_number)

    @property
    def lists(self) -> ListStatements:
        """The compiled list statements of this store's engine (`list_statements`)."""
        if self._lists is None:
            self._lists = ListStatements(self.db.engine)
        return self._lists

    @property
    def decoded(self) -> DecodedCases:
        """The cases this store's lists have decoded, by stored row (`_case_cache`)."""
        if self._decoded is None:
            self._decoded = DecodedCases()
        return self._decoded

    def _parts(
        self, found: CaseFilter, now: dt.datetime
    ) -> tuple[tuple[CaseFilter, ...], tuple[tuple[object, ...], ...], dict[str, object]]:
        """``found``'s office parts, their shapes and every parameter value of their
        statements (part ``i``'s named with the prefix ``p{i}_``)."""
        parts = found.office_parts()
        shapes = tuple(search.filter_shape(p) for p in parts)
        values: dict[str, object] = {"as_of": now, "far": search.FAR}
        for i, part in enumerate(parts):
            values.update(search.filter_values(part, f"p{i}_", self.id_hash))
        return parts, shapes, values

    def _read_prepared(
        self, prepared: builtins.list[Prepared], values: dict[str, object]
    ) -> builtins.list[Sequence[Any]]:
        statements = [(p.sql, p.parameters(values)) for p in prepared]
        return read(self.db.engine, self.db.autocommit_engine, statements)

    def _listed(
        self, found: CaseFilter, order: Page, now: dt.datetime, limit: int, offset: int
    ) -> tuple[builtins.list[Case], int]:
        """The cases ``found`` matches in ``order`` from ``offset``, at most ``limit``, and
        the total matched (one snapshot on SQLite)."""
        parts, shapes, values = self._parts(found, now)
        if not parts:
            return [], 0
        values.update(limit=limit, offset=offset)
        as_of, dialect, lists = search.as_of_param(), self.db.engine.dialect.name, self.lists

        def wheres() -> builtins.list[builtins.list[Any]]:
            return [search.conditions(p, as_of, f"p{i}_") for i, p in enumerate(parts)]

        prepared = [
            lists.prepare(
                ("count", i, shape),
                lambda i=i, part=part: search.count_query(  # type: ignore[misc]
                    search.conditions(part, as_of, f"p{i}_")
                ),
                values,
            )
            for i, (part, shape) in enumerate(zip(parts, shapes, strict=True))
        ]
        prepared.append(
            lists.prepare(
                ("page", shapes, order.sort, order.descending),
                lambda: search.page_query(wheres(), order, as_of, dialect),
                values,
            )
        )
        *totals, rows = self._read_prepared(prepared, values)
        cases = [self.decoded.case(r) for r in rows]
        return cases, sum(int(t[0][0]) for t in totals)

    def search(self, found: CaseFilter, page: Page, *, now: dt.datetime) -> CasePage:
        """One page of the cases ``found`` matches, in the page's order, with their total;
        card colours and overdue as of ``now``. Raises `BadInput` for a bad filter."""
        offset = (page.number - 1) * page.size
        cases, total = self._listed(found, page, now, page.size, offset)
        return CasePage(cases, total, page)

    def export(
        self, found: CaseFilter, order: Page, *, now: dt.datetime, limit: int
    ) -> tuple[builtins.list[Case], int]:
        """Every case ``found`` matches in ``order`` (its size ignored), at most ``limit`` of
        them, and the total matched: what a list's download holds (one query)."""
        return self._listed(found, order, now, limit, 0)

    def counts(self, found: CaseFilter, *, now: dt.datetime) -> Counts:
        """Counts over every case ``found`` matches (one GROUP BY): total, per card colour
        as of ``now``, per state, per item, per (office, item) and overdue."""
        parts, shapes, values = self._parts(found, now)
        as_of, lists = search.as_of_param(), self.lists
        prepared = [
            lists.prepare(
                ("counts", i, shape),
                lambda i=i, part=part: search.counts_query(  # type: ignore[misc]
                    search.conditions(part, as_of, f"p{i}_"), as_of
                ),
                values,
            )
            for i, (part, shape) in enumerate(zip(parts, shapes, strict=True))
        ]
        results = self._read_prepared(prepared, values)
        return search.fold_counts([row for rows in results for row in rows])

    def get(self, case_no: str) -> Case:
        """The case; raises `BadCaseNumber` (malformed) or `CaseNotFound`. One driver
        statement (the action path's own read)."""
        number = normalise_case_number(case_no)
        (rows,) = read(
            self.db.engine, self.db.autocommit_engine, [(self.sql.select_case, (number,))]
        )
        if not rows:
            raise CaseNotFound(f"没有编号为 {number} 的办件")
        return case_from_mapping(self.sql.case_mapping(rows[0]))

    def history(self, case_no: str) -> list[AuditEvent]:
        """The case's audit records in order: its chain, each refused attempt kept outside
        it right after the record it was decided against (`replay.in_order`); both read in
        one snapshot on SQLite, through the driver."""
        number = normalise_case_number(case_no)
        sql = self.sql
        events, refused = read(
            self.db.engine,
            self.db.autocommit_engine,
            [(sql.select_events, (number,)), (sql.select_refusals, (number,))],
        )
        chain = list(linked(event_from_mapping(sql.event_mapping(r)) for r in events))
        return in_order(chain, [refusal_from_mapping(sql.refusal_mapping(r)) for r in refused])

    def list(
        self,
        *,
        region: str | None = None,
        state: str | None = None,
        item: str | None = None,
        office: str | None = None,
        open_only: bool = False,
        open_alert: str | None = None,
        oldest_first: bool = False,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Case]:
        """Cases in one query, newest first (or oldest), filtered by region, state, item key,
        office (its cases and the region's cases of no office, as staff see them), open
        (not ended) only, and having an open alert of level ``open_alert``."""
        order = CASES.c.id if oldest_first else CASES.c.id.desc()
        query = select(CASES).order_by(order).limit(limit).offset(offset)
        for column, value in (("region", region), ("state", state), ("item_key", item)):
            if value is not None:
                query = query.where(CASES.c[column] == value)
        if office is not None:
            query = query.where(or_(CASES.c.office == office, CASES.c.office.is_(None)))
        if open_only:
            query = query.where(CASES.c.state.not_in(TERMINAL_STATES))
        if open_alert is not None:
            alerts = ALERTS
            query = query.where(
                CASES.c.id.in_(
                    select(alerts.c.case_id).where(
                        alerts.c.level == open_alert, alerts.c.closed_at.is_(None)
                    )
                )
            )
        with self.db.engine.connect() as conn:
            return [case_from_row(r) for r in conn.execute(query)]

    def count(self) -> int:
        with self.db.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(CASES)).scalar_one())

    # -- verifying ------------------------------------------------------------------------

    def verify(self, case_no: str | None = None) -> tuple[int, builtins.list[ChainBreak]]:
        """Check the audit trail of one case (or of every case); returns the number of
        records checked and what is wrong, case by case: the first break of each broken
        chain (`verify_chain`); a case row that disagrees with its chain replayed (state,
        version, dues, head: `replay.differences`); a refused attempt kept outside the chain
        that was changed, removed or moved (`replay.verify_refusals`); and records whose case
        row is missing (kind ``orphan``). Raises `CaseNotFound` for a ``case_no`` that has
        neither a case row nor records."""
        breaks: list[ChainBreak] = []
        checked = 0
        with self.db.engine.connect() as conn:
            query = select(CASES).order_by(CASES.c.id)
            if case_no is not None:
                case_no = normalise_case_number(case_no)
                query = query.where(CASES.c.case_no == case_no)
            counts = self._refusal_counts(conn, case_no)
            rows = list(conn.execute(query))
            for row in rows:
                number = row._mapping["case_no"]
                events = list(self._events(conn, number))
                refusals = list(self._refusals(conn, number))
                checked += len(events) + len(refusals)
                breaks += _case_breaks(row, events, refusals, counts.get(number, 0))
            orphans = self._orphans(conn, case_no)
            for number, records in orphans:
                checked += records
                breaks.append(
                    ChainBreak(
                        number, 0, f"办件记录缺失，但有 {records} 条审计记录 (办件被删除)", "orphan"
                    )
                )
        if case_no is not None and not rows and not orphans:
            raise CaseNotFound(f"没有编号为 {case_no} 的办件")
        return checked, breaks

    def _events(self, conn: Connection, case_no: str) -> Iterator[AuditEvent]:
        rows = conn.execute(select(AUDIT).where(AUDIT.c.case_no == case_no).order_by(AUDIT.c.seq))
        yield from linked(event_from_row(row) for row in rows)

    def _refusals(self, conn: Connection, case_no: str) -> Iterator[AuditEvent]:
        rows = conn.execute(
            select(REFUSALS)
            .where(REFUSALS.c.case_no == case_no)
            .order_by(REFUSALS.c.refusal_no, REFUSALS.c.id)
        )
        for row in rows:
            yield refusal_from_row(row)

    def _refusal_counts(self, conn: Connection, case_no: str | None) -> dict[str, int]:
        query = select(REFUSAL_COUNTS.c.case_no, REFUSAL_COUNTS.c.last_no)
        if case_no is not None:
            query = query.where(REFUSAL_COUNTS.c.case_no == case_no)
        return {number: int(last) for number, last in conn.execute(query)}

    def _orphans(self, conn: Connection, case_no: str | None) -> builtins.list[tuple[str, int]]:
        """(case number, records) of every case with audit records but no case row."""
        found: dict[str, int] = {}
        for table in (AUDIT, REFUSALS):
            query = (
                select(table.c.case_no, func.count())
                .where(table.c.case_no.not_in(select(CASES.c.case_no)))
                .group_by(table.c.case_no)
            )
            if case_no is not None:
                query = query.where(table.c.case_no == case_no)
            for number, records in conn.execute(query):
                found[number] = found.get(number, 0) + int(records)
        return sorted(found.items())


def _case_breaks(
    row: Any, events: builtins.list[AuditEvent], refusals: builtins.list[AuditEvent], counted: int
) -> builtins.list[ChainBreak]:
    """What is wrong with one case: its chain, its row against the chain, its refusals."""
    m = row._mapping
    number = m["case_no"]
    found: builtins.list[ChainBreak] = []
    broken = verify_chain(events, m["audit_head"], number)
    if broken is not None:
        found.append(broken)
    else:
        try:
            problems = differences(case_from_row(row), m["audit_seq"], replay(events))
        except (ValueError, TypeError, KeyError) as exc:
            problems = [f"办件记录无法与审计链比对 ({exc})"]
        if problems:
            text = "；".join(problems)
            found.append(ChainBreak(number, m["audit_seq"], f"{text} (办件记录被改动)", "case"))
    chain = None if broken is not None else {e.seq: e.hash for e in events}
    refused = verify_refusals(refusals, chain, counted, number)
    if refused is not None:
        found.append(refused)
    return found
