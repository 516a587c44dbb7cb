"""Every console page at the widths offices use (1024, 1366 and 1920 px), in a real headless
Chromium: the header holds its contents (nothing overflows it, no navigation label or office
name breaks inside a word; below 1440 px it is two whole rows), no page scrolls sideways, and
on the supervisor's board equal on-time rates draw equal bars with every item name whole.

Screenshots of each page and width are saved under artifacts/console/layout-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from console_support import Server, login, shot

from jingban.engine import ActionParams

WIDTHS = (1024, 1366, 1920)
HEIGHT = 768

# Measured in the page: every header element that sticks out of the header, and every nav
# label, office name or user line drawn on more than one line.
_HEADER_PROBLEMS = """() => {
  const top = document.querySelector('header.top');
  const box = top.getBoundingClientRect();
  const out = [];
  for (const el of top.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (getComputedStyle(el).position === 'absolute') continue;  /* screen-reader text */
    if (r.left < box.left - 0.5 || r.right > box.right + 0.5 ||
        r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5) {
      out.push('overflows: ' + el.tagName + ' ' + (el.textContent || '').trim().slice(0, 30));
    }
  }
  /* on one line: its text boxes all overlap vertically (a smaller font sits lower) */
  const lines = (el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const rects = [...range.getClientRects()].filter((r) => r.width > 0)
      .sort((a, b) => a.top - b.top);
    let count = 0, bottom = -Infinity;
    for (const r of rects) {
      if (r.top >= bottom - 1) { count += 1; bottom = r.bottom; }
      else { bottom = Math.max(bottom, r.bottom); }
    }
    return count;
  };
  const labels = 'nav a, .brand strong, .brand .office, .who .me, .who .clock';
  for (const el of top.querySelectorAll(labels)) {
    if (lines(el) > 1) out.push('wraps: ' + el.textContent.trim());
  }
  return out;
}"""
_SCROLL = "() => [document.documentElement.scrollWidth, window.innerWidth]"
_BARS = """() => [...document.querySelectorAll('[data-testid=on-time-chart] li')].map((li) => {
  const label = li.querySelector('.label');
  return {
    name: label.textContent.trim(),
    title: label.getAttribute('title'),
    cut: label.scrollWidth > label.clientWidth + 1 || label.scrollHeight > label.clientHeight + 1,
    value: li.querySelector('.value').textContent.trim(),
    bar: li.querySelector('.bar').getBoundingClientRect().width,
    fill: li.querySelector('.fill').getBoundingClientRect().width,
  };
})"""


def _complete(server: Server, number: str, *, pay: bool) -> None:
    """Take an accepted case through review (and payment) to 办结, on time."""
    services, now = server.services, server.clock()
    closer = ("shawan_payer", "payer") if pay else ("shawan_reviewer", "reviewer")
    steps = [("approve", "shawan_reviewer", "reviewer", ActionParams())]
    if pay:
        payment = ActionParams.of(
            {"amount": "1234.50", "account": "6217003123456789", "voucher": "PZ-LAYOUT-01"}
        )
        steps.append(("pay", "shawan_payer", "payer", payment))
    steps.append(("complete", *closer, ActionParams()))
    for action, actor, role, params in steps:
        services.cases.act(number, action, actor=actor, role=role, now=now, params=params)


@pytest.fixture(scope="module")
def pages(server: Server) -> dict[str, str]:
    """Two items completed on time (100 % each, one with a long name) and one late (its row
    says 超期, a longer text beside its bar), then every page."""
    _complete(server, server.cases["review"], pay=False)  # 门诊慢特病病种待遇认定: a long name
    _complete(server, server.cases["travel"], pay=True)
    _complete(server, server.cases["red"], pay=True)  # past its statutory limit
    waiting = server.cases["waiting"]
    return {
        "work": "/work",
        "work-all": "/work?scope=all",
        "register": "/register",
        "register-item": "/register?item=maternity_allowance",
        "case": f"/cases/{server.cases['red']}",
        "notice": f"/cases/{waiting}/notices/supplement",
        "receipt": f"/cases/{waiting}/receipt",
        "board": "/board",
        "calendar": "/calendar",
        "error": "/no-such-page",
    }


@pytest.fixture(params=WIDTHS, ids=lambda w: f"{w}px")
def sized(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:
    """A fresh tab (no cookies) of the given width."""
    context = browser.new_context(
        viewport={"width": request.param, "height": HEIGHT},
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    context.set_default_timeout(30_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


def _check(tab: Any, name: str, *, header: bool = True) -> None:
    width = tab.viewport_size["width"]
    shot(tab, f"layout-{name}-{width}")
    if header:
        assert tab.evaluate(_HEADER_PROBLEMS) == [], f"{name} at {width}px"
    scroll, inner = tab.evaluate(_SCROLL)
    assert scroll <= inner, f"{name} scrolls sideways at {width}px: {scroll} > {inner}"


def test_public_pages_fit_every_width(sized: Any, server: Server) -> None:
    sized.goto(server.url("/login"))
    _check(sized, "login")
    sized.goto(server.url("/progress"))
    _check(sized, "progress", header=False)


@pytest.mark.parametrize(
    ("user", "keys"),
    [
        ("shawan_clerk", ("work", "work-all", "register", "register-item", "case", "notice",
                          "receipt", "error")),
        ("shawan_supervisor", ("work", "board", "calendar", "case")),
        ("admin", ("calendar", "error")),
    ],
    ids=["clerk", "supervisor", "admin"],
)  # fmt: skip
def test_staff_pages_fit_every_width(
    sized: Any, server: Server, pages: dict[str, str], user: str, keys: tuple[str, ...]
) -> None:
    login(sized, server, user)
    for key in keys:
        response = sized.goto(server.url(pages[key]))
        assert response is not None
        assert response.status == (404 if key == "error" else 200), key
        _check(sized, f"{user}-{key}", header=key != "notice")  # a notice is a bare paper


def test_board_bars_of_equal_rates_are_equal_and_names_whole(
    sized: Any, server: Server, pages: dict[str, str]
) -> None:
    login(sized, server, "shawan_supervisor")
    sized.goto(server.url(pages["board"]))
    bars = sized.evaluate(_BARS)
    full = [b for b in bars if b["value"] == "100.0%"]
    assert len(full) >= 2, bars
    assert max(b["bar"] for b in bars) - min(b["bar"] for b in bars) < 1, bars
    assert any(b["value"] != "100.0%" for b in bars), bars  # the late item's longer row
    for b in bars:  # each fill is its rate of the (common) bar length
        rate = float(b["value"].rstrip("%")) / 100
        assert abs(b["fill"] - rate * b["bar"]) < 1, b
    for b in bars:
        assert not b["cut"] and b["title"] == b["name"], b
