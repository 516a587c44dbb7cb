"""python-statemachine with the SQLAlchemy ORM as a contender of the peer benchmark: a
``StateMachine`` of the five transitions bound to the case's ORM row (its ``state`` column
is the machine's state field), and an ``after_transition`` callback that adds the log row.

Each step is one session and one transaction (``sessionmaker.begin()``): the row loaded by
primary key, a machine bound to it, the event sent, the log row added, commit. The engine's
connections run in WAL with ``synchronous=FULL`` and each transaction begins with
``BEGIN IMMEDIATE`` (pysqlite's own transaction handling switched off, SQLAlchemy emitting
BEGIN itself), as jingban's own SQLite transactions do.
"""

from __future__ import annotations

from typing import Any

from _peers_common import (
    APPLICANT_ID,
    APPLICANT_NAME,
    AT,
    COMPLETED,
    OPEN_ACTOR,
    TRANSITIONS,
    Peer,
    RowCheck,
    case_number,
    read_pragmas,
    set_pragmas,
)
from sqlalchemy import ForeignKey, String, create_engine, event
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    mapped_column,
    object_session,
    relationship,
    sessionmaker,
)
from statemachine import State, StateMachine


class Base(DeclarativeBase):
    pass


class Application(Base):
    """The case row; ``state`` holds the machine's state value."""

    __tablename__ = "applications"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32))
    applicant_name: Mapped[str] = mapped_column(String(64))
    applicant_id: Mapped[str] = mapped_column(String(18))
    state: Mapped[str | None] = mapped_column(String(16))


class LogRow(Base):
    """One row per transition (many-to-one to the case: adding one loads nothing)."""

    __tablename__ = "application_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    application: Mapped[Application] = relationship()
    action: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    at: Mapped[str] = mapped_column(String(40))


class ApplicationMachine(StateMachine):
    """new -> submitted -> accepted -> reviewed -> paid -> completed, one event a step."""

    new = State(initial=True)
    submitted = State()
    accepted = State()
    reviewed = State()
    paid = State()
    completed = State(final=True)

    open = new.to(submitted)
    accept = submitted.to(accepted)
    approve = accepted.to(reviewed)
    pay = reviewed.to(paid)
    complete = paid.to(completed)

    def after_transition(self, event: str, source: State, target: State, actor: str) -> None:
        """The log row, added to the session the bound row belongs to."""
        session = object_session(self.model)
        assert session is not None
        session.add(
            LogRow(
                application=self.model,
                action=str(event),
                actor=actor,
                from_state=None if source.id == "new" else source.id,
                to_state=target.id,
                at=AT,
            )
        )


_edges = [
    (str(t.event), t.source.id, t.target.id)
    for s in ApplicationMachine.states
    for t in s.transitions
]
assert sorted(_edges) == sorted(t[:3] for t in TRANSITIONS), _edges


def _connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN, not pysqlite
    set_pragmas(dbapi_connection)


def _begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


class StatemachineOrm(Peer):
    """python-statemachine's machine on SQLAlchemy ORM rows."""

    label = "python-statemachine + SQLAlchemy"
    check = RowCheck("applications", "state", COMPLETED, "application_log", "application_id")

    def prepare(self, path: str) -> None:
        self.engine = create_engine(f"sqlite:///{path}")
        event.listen(self.engine, "connect", _connect)
        event.listen(self.engine, "begin", _begin)
        Base.metadata.create_all(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def open_case(self, seq: int) -> int:
        with self.sessions.begin() as session:
            case = Application(
                number=case_number(seq), applicant_name=APPLICANT_NAME, applicant_id=APPLICANT_ID
            )
            session.add(case)
            ApplicationMachine(case).send("open", actor=OPEN_ACTOR)
        return case.id

    def step(self, key: int, action: str, actor: str) -> None:
        with self.sessions.begin() as session:
            case = session.get(Application, key)
            assert case is not None
            ApplicationMachine(case).send(action, actor=actor)

    def pragmas(self) -> tuple[str, int]:
        with self.engine.connect() as conn:
            return read_pragmas(conn.connection.dbapi_connection)

    def close(self) -> None:
        self.engine.dispose()
