"""The staff of the office load: signing in (the console's login form and an API token),
the desk that hands each case to one member of staff at a time, and one member's loop of
requests chosen by weight."""

from __future__ import annotations

import http.client
import json
import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from _office_data import (
    ITEM_WEIGHTS,
    ITEMS,
    OFFICES,
    PASSWORD,
    PAYMENT,
    REGION,
    SURNAMES,
    Held,
    Member,
    Office,
    applicant_id,
    applicant_name,
    completer,
)
from bench_http import Client, Tally

#: Every kind of request, in the report's order, with its group.
KINDS: tuple[tuple[str, str], ...] = (
    ("work queue  GET /work", "read"),
    ("case page   GET /cases/{no}", "read"),
    ("search name GET /search?q=", "read"),
    ("search no.  GET /search?q=", "read"),
    ("API list    ?name=", "read"),
    ("API list    ?case_no=", "read"),
    ("API list    ?id_number=", "read"),
    ("board       GET /board", "read"),
    ("register    POST /api/cases", "action"),
    ("accept      POST …/accept", "action"),
    ("approve     POST …/approve", "action"),
    ("pay         POST …/pay", "action"),
    ("complete    POST …/complete", "action"),
    ("progress    POST /api/public/progress", "public"),
)
WORK, CASE, NAME, NUMBER, API_NAME, API_NO, API_ID, BOARD = (k for k, _ in KINDS[:8])
REGISTER, ACCEPT, APPROVE, PAY, COMPLETE, PROGRESS = (k for k, _ in KINDS[8:])
_READS = ((WORK, 30), (CASE, 24), (NAME, 8), (NUMBER, 6), (API_NAME, 5), (API_NO, 5),
          (API_ID, 2))  # fmt: skip
#: Per role, the weight of each kind of request: 80 of reads, 20 of actions (the
#: supervisors only read), 5 more of applicants' progress queries on top.
WEIGHTS: dict[str, tuple[tuple[str, int], ...]] = {
    "clerk": (*_READS, (REGISTER, 8), (ACCEPT, 12), (PROGRESS, 5)),
    "reviewer": (*_READS, (APPROVE, 14), (COMPLETE, 6), (PROGRESS, 5)),
    "payer": (*_READS, (PAY, 10), (COMPLETE, 10), (PROGRESS, 5)),
    "supervisor": ((BOARD, 35), (WORK, 25), (CASE, 20), (NAME, 10), (NUMBER, 5),
                   (API_NAME, 5), (PROGRESS, 5)),
}  # fmt: skip
#: The state an action needs, and the state it leaves.
NEEDS = {ACCEPT: "submitted", APPROVE: "accepted", PAY: "reviewed", COMPLETE: "paid"}
_TOKEN = re.compile(r'name="login_token" value="([^"]+)"')


@dataclass
class Signed:
    """A member of staff signed in: the console session and an API token."""

    member: Member
    session: str
    token: str


def _cookie(response_headers: list[str], name: str) -> str:
    for header in response_headers:
        if header.startswith(name + "="):
            return header.split(";", 1)[0].split("=", 1)[1]
    raise SystemExit(f"no {name} cookie in {response_headers!r}")


def sign_in(port: int, member: Member) -> Signed:
    """Sign in as staff do: the console's login form (its login token and cookie, then the
    session cookie), and ``POST /api/auth/token`` for the API's bearer token."""
    client = Client(port)
    status, response, page = client.send("GET", "/login", None, None)
    token = _TOKEN.search(page.decode())
    if status != 200 or token is None:
        raise SystemExit(f"GET /login: {status}")
    login = _cookie(response.headers.get_all("Set-Cookie") or [], "jingban_login")
    form = {"username": member.name, "password": PASSWORD, "login_token": token.group(1)}
    status, response, _ = client.send(
        "POST", "/login", urlencode(form).encode(), None,
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"jingban_login={login}"},
    )  # fmt: skip
    if status != 303:
        raise SystemExit(f"POST /login as {member.name}: {status}")
    session = _cookie(response.headers.get_all("Set-Cookie") or [], "jingban_session")
    body = {"username": member.name, "password": PASSWORD}
    status, answer = client.call("POST", "/api/auth/token", body, None)
    if status != 200:
        raise SystemExit(f"POST /api/auth/token as {member.name}: {status} {answer}")
    client.conn.close()
    return Signed(member, session, answer["access_token"])


class Connection(Client):
    """A `Client` that behaves as a browser or a proxy with a keep-alive connection: one
    idle past the server's keep-alive timeout (uvicorn: 5 s) is opened afresh before the
    next request, and a request the connection fails is an error of its kind, not the end
    of the member of staff's day."""

    IDLE = 4.0

    def __init__(
        self, port: int, token: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(port, token, headers)
        self.used = time.monotonic()

    def send(  # type: ignore[override]
        self,
        method: str,
        path: str,
        body: bytes | None,
        tally: Tally | None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, http.client.HTTPResponse | None, bytes]:
        """`Client.send`; a failed connection answers status 0 and no response."""
        if time.monotonic() - self.used > self.IDLE:
            self.conn.close()
        try:
            return super().send(method, path, body, tally, headers)
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            if tally is not None:
                with tally.lock:
                    tally.errors.append(f"{type(exc).__name__} {method} {path}: {exc}")
            return 0, None, b""
        finally:
            self.used = time.monotonic()


@dataclass
class Desk:
    """Who holds which case: each open case is in the tray of exactly one member of staff
    of its office and the role its next step needs, so no two staff act on the same case
    (no 409 conflicts by construction). Trays are deques: one owner takes, anyone gives."""

    office: Office
    trays: dict[str, deque[Held]] = field(default_factory=dict)
    by_office: dict[str, list[Held]] = field(default_factory=dict)
    public: list[Held] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    serial: int = 10_000_000

    def __post_init__(self) -> None:
        self.trays = {m.name: deque() for m in self.office.staff}
        self.by_office = {o: [c for c in self.office.cases if c.office == o] for o in OFFICES}
        self.public = list(self.office.cases)
        for case in self.office.cases:
            self.give(case)

    def give(self, case: Held) -> None:
        """Put ``case`` in the tray of a member of its office who takes its next step (the
        shortest tray); a case that needs nobody more is left out."""
        role = {"submitted": "clerk", "accepted": "reviewer", "paid": "payer"}.get(case.state)
        if case.state == "reviewed":
            role = completer(case.item) if completer(case.item) == "reviewer" else "payer"
        if role is None:
            return
        staff = [m for m in self.office.staff if m.role == role and m.office == case.office]
        self.trays[min(staff, key=lambda m: len(self.trays[m.name])).name].append(case)

    def take(self, member: Member, state: str) -> Held | None:
        """The first case in ``member``'s tray in ``state`` (others stay where they were)."""
        tray = self.trays[member.name]
        for _ in range(len(tray)):
            case = tray.popleft()
            if case.state == state:
                return case
            tray.append(case)
        return None

    def next_serial(self) -> int:
        with self.lock:
            self.serial += 1
            return self.serial


class Staff:
    """One member of staff's loop: a keep-alive connection of their own for the console
    and the API, and one for the applicants' phones that reach the office through its
    reverse proxy (each phone's address in ``X-Forwarded-For``, which the server believes
    from loopback, ``JINGBAN_TRUSTED_PROXIES``)."""

    def __init__(
        self, port: int, signed: Signed, desk: Desk, tallies: dict[str, Tally], seed: int
    ) -> None:
        self.member = signed.member
        cookie = {"Cookie": f"jingban_session={signed.session}"}
        self.staff = Connection(port, signed.token, cookie)
        self.phones = Connection(port)
        self.desk = desk
        self.tallies = tallies
        self.rng = random.Random(seed)
        kinds = WEIGHTS[self.member.role]
        self.kinds = [k for k, _ in kinds]  # in the order of WEIGHTS
        self.weights = [w for _, w in kinds]
        self.handlers: dict[str, Callable[[], bool]] = {
            WORK: self.work, CASE: self.case_page, NAME: self.search_name,
            NUMBER: self.search_number, API_NAME: self.api_name, API_NO: self.api_number,
            API_ID: self.api_id, BOARD: self.board, REGISTER: self.register,
            ACCEPT: lambda: self.act(ACCEPT), APPROVE: lambda: self.act(APPROVE),
            PAY: lambda: self.act(PAY), COMPLETE: self.complete, PROGRESS: self.progress,
        }  # fmt: skip

    def run(self, until: float, think: float) -> None:
        """Requests until ``until`` (monotonic), each kind chosen by weight; an action with
        no case ready in the tray is replaced by another action of the role that has one,
        else by a read of the work queue (where the next case comes from). With ``think``
        (seconds, the mean pause after each answer) the first request also comes after such
        a pause: staff who think between clicks do not all click in the same millisecond,
        and a start in step would measure a burst no office has."""
        actions = [k for k in self.kinds if dict(KINDS)[k] == "action"]
        try:
            if think:
                time.sleep(min(self.rng.expovariate(1 / think), max(until - time.monotonic(), 0)))
            while time.monotonic() < until:
                kind = self.rng.choices(self.kinds, self.weights)[0]
                if not self.handlers[kind]() and not any(
                    self.handlers[other]() for other in actions if other != kind
                ):
                    self.work()
                if think:
                    time.sleep(self.rng.expovariate(1 / think))
        finally:
            self.staff.conn.close()
            self.phones.conn.close()

    def _get(self, kind: str, path: str) -> None:
        self.staff.send("GET", path, None, self.tallies[kind])

    def _mine(self) -> Held:
        return self.rng.choice(self.desk.by_office[self.member.office])

    def work(self) -> bool:
        query: dict[str, str | int] = {}
        roll = self.rng.random()
        if roll < 0.25:
            query["page"] = 2
        elif roll < 0.4:
            query["scope"] = "all"
        elif roll < 0.5:
            query["level"] = self.rng.choice(("red", "orange", "yellow"))
        self._get(WORK, "/work" + (f"?{urlencode(query)}" if query else ""))
        return True

    def case_page(self) -> bool:
        self._get(CASE, f"/cases/{self._mine().case_no}")
        return True

    def search_name(self) -> bool:
        name = self._mine().name
        words = name[:2] if self.rng.random() < 0.5 else self.rng.choice(SURNAMES)
        self._get(NAME, "/search?" + urlencode({"q": words}))
        return True

    def search_number(self) -> bool:
        self._get(NUMBER, "/search?" + urlencode({"q": self._mine().case_no}))
        return True

    def api_name(self) -> bool:
        query = {"name": self._mine().name[:2], "page_size": 20}
        self._get(API_NAME, "/api/cases?" + urlencode(query))
        return True

    def api_number(self) -> bool:
        self._get(API_NO, "/api/cases?" + urlencode({"case_no": self._mine().case_no}))
        return True

    def api_id(self) -> bool:
        serial = self.rng.randrange(len(self.desk.office.cases))
        self._get(API_ID, "/api/cases?" + urlencode({"id_number": applicant_id(serial)}))
        return True

    def board(self) -> bool:
        self._get(BOARD, "/board")
        return True

    def register(self) -> bool:
        """A new application at the counter: it waits in this clerk's tray for 受理."""
        serial = self.desk.next_serial()
        item = self.rng.choices([i for i, _ in ITEMS], ITEM_WEIGHTS)[0]
        name = applicant_name(self.rng)
        body = {"region": REGION, "item": item, "applicant_name": name,
                "applicant_id": applicant_id(serial), "all_materials": True}  # fmt: skip
        status, opened = self.staff.call("POST", "/api/cases", body, self.tallies[REGISTER])
        if status == 201:
            case = Held(opened["case_no"], self.member.office, item, opened["state"],
                        opened["version"], name, opened["query_code"])  # fmt: skip
            self.desk.trays[self.member.name].append(case)
            self.desk.by_office[self.member.office].append(case)
            self.desk.public.append(case)
        return True

    def complete(self) -> bool:
        """办结: a paid case (payers), or a reviewed one of an item the reviewer completes."""
        return self.act(COMPLETE, "reviewed" if self.member.role == "reviewer" else "paid")

    def act(self, kind: str, state: str | None = None) -> bool:
        """Take the next case of the tray in the state ``kind`` needs one step on, with the
        version last seen; False when the tray holds none."""
        case = self.desk.take(self.member, state or NEEDS[kind])
        if case is None:
            return False
        action = kind.split()[0]
        body: dict[str, object] = {"expected_version": case.version}
        if action == "pay":
            body.update(PAYMENT)
        elif action == "approve":
            body["reason"] = "材料齐全，审核通过"
        path = f"/api/cases/{case.case_no}/actions/{action}"
        status, answer = self.staff.call("POST", path, body, self.tallies[kind])
        if status == 200:
            case.state, case.version = answer["state"], answer["version"]
            self.desk.give(case)
        return True

    def progress(self) -> bool:
        """An applicant's phone asks for the progress of their case with its query code."""
        index = self.rng.randrange(len(self.desk.public))
        case = self.desk.public[index]
        phone = f"10.{(index >> 16) & 255}.{(index >> 8) & 255}.{index & 255}"
        body = json.dumps({"case_no": case.case_no, "code": case.query_code}).encode()
        headers = {"Content-Type": "application/json", "X-Forwarded-For": phone}
        self.phones.send("POST", "/api/public/progress", body, self.tallies[PROGRESS], headers)
        return True
