"""Helpers of the operations tests: an applicant whose identifiers must never reach a log."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time

from support import at as at
from support import gb11643

APPLICANT_ID = gb11643("51010719750308212")  # 成都市青羊区, born 1975-03-08

OPEN = {
    "applicant_name": "王小红",
    "applicant_id": APPLICANT_ID,
    "actor": "clerk-li",
    "role": "clerk",
}


def make_client(services, *, client: tuple[str, int] = ("127.0.0.1", 50000), now=None):  # type: ignore[no-untyped-def]
    """A TestClient on the application over ``services``, seen as coming from ``client``,
    with the clock frozen at ``now`` (default: 2026-02-14 10:00 Beijing, the 调休 Saturday
    before 春节)."""
    from fastapi.testclient import TestClient

    from jingban.server import create_app

    frozen = now or at("2026-02-14 10:00")
    return TestClient(create_app(services, clock=lambda: frozen), client=client)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serving(root, *args: str, env: dict[str, str], ready: int = 1):  # type: ignore[no-untyped-def]
    """`jingban serve ARGS` in ``root`` with ``env`` added to a clean environment, as a
    context manager yielding the growing list of its output lines once ``ready`` workers
    said their application started; stopped by its own process handle (SIGTERM)."""
    import contextlib
    import os
    import queue
    import subprocess
    import sys
    import threading
    from pathlib import Path

    @contextlib.contextmanager
    def run():  # type: ignore[no-untyped-def]
        base = {k: v for k, v in os.environ.items() if not k.startswith("JINGBAN_TEST_PG")}
        for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
            base.pop(name, None)
        proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("jingban")), "serve", *args],
            cwd=root,
            env={**base, "PYTHONIOENCODING": "utf-8", **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        lines: list[str] = []
        printed: queue.Queue[str | None] = queue.Queue()
        assert proc.stdout is not None
        stream = proc.stdout

        def pump() -> None:
            for line in stream:
                lines.append(line.rstrip("\n"))
                printed.put(line)
            printed.put(None)

        threading.Thread(target=pump, daemon=True).start()
        try:
            # Ready: every worker started, and the socket listens (uvicorn says so after it
            # binds, which a single worker does after its startup).
            while sum("Application startup complete" in x for x in lines) < ready or not any(
                "Uvicorn running on" in x for x in lines
            ):
                try:
                    line = printed.get(timeout=90)
                except queue.Empty:
                    raise AssertionError(f"jingban serve not ready: {lines}") from None
                assert line is not None, f"jingban serve exited: {lines}"
            yield lines
        finally:
            _stop_group(proc)
            try:  # everything it printed, to the end (the group is gone: the pipe closes)
                while printed.get(timeout=30) is not None:
                    pass
            except queue.Empty:
                pass

    return run()


def _stop_group(proc: subprocess.Popen[str]) -> None:
    """Stop ``jingban serve`` and every worker it started (its own process group): SIGTERM,
    then SIGKILL for whatever still runs after 30 s, so that no worker outlives the test
    holding the scheduler's leader lock or the pipe."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=30)
