"""`jingban serve --workers N`: on PostgreSQL, N worker processes answer on one port, one
scheduler among them leads (so /readyz turns 200) and /metrics, served by any worker, sums
the request figures of all of them; on SQLite more than one worker is refused before the
database file is even created (exit 2, one line)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from ops_support import free_port, serving
from prometheus_client.parser import text_string_to_metric_families
from support import fresh_pg_url

JINGBAN = Path(sys.executable).with_name("jingban")


def test_several_workers_on_sqlite_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    env = {**os.environ, "JINGBAN_DATABASE_URL": f"sqlite:///{tmp_path / 'jingban.db'}"}
    done = subprocess.run(
        [str(JINGBAN), "serve", "--workers", "3"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "错误: --workers 3: 多个服务进程需要 PostgreSQL (JINGBAN_DATABASE_URL)；"
        "嵌入式 SQLite 只有一个写锁，请用 --workers 1 (docs/operations.md)"
    ]
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "jingban.db").exists()


def test_several_workers_on_postgresql_share_one_leader_and_their_metrics(tmp_path: Path) -> None:
    url = fresh_pg_url()
    port = free_port()
    env = {
        "JINGBAN_DATABASE_URL": url,
        "JINGBAN_SECRET_KEY_FILE": str(tmp_path / "jingban.key"),
        "JINGBAN_ELECT_SECONDS": "1",
        "JINGBAN_LOG_FORMAT": "json",
    }
    with (
        serving(tmp_path, "--workers", "2", "--port", str(port), env=env, ready=2) as lines,
        httpx.Client(base_url=f"http://127.0.0.1:{port}", trust_env=False, timeout=30) as http,
    ):
        deadline = time.monotonic() + 60
        ready = http.get("/readyz")
        while ready.status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
            ready = http.get("/readyz")
        assert ready.status_code == 200, (ready.text, lines)
        assert ready.json()["checks"]["leader"] is True
        for _ in range(20):
            assert http.get("/healthz").status_code == 200
        scraped = http.get("/metrics")
    assert scraped.status_code == 200, (scraped.text, lines)
    families = {f.name: f for f in text_string_to_metric_families(scraped.text)}
    healthz = sum(
        s.value
        for s in families["jingban_http_requests"].samples
        if s.name.endswith("_total") and s.labels["route"] == "/healthz"
    )
    assert healthz == 20, scraped.text  # whichever worker answered each, all are counted
    leader = families["jingban_scheduler_leader_present"].samples[0].value
    assert leader == 1
    assert len([x for x in lines if "Application startup complete" in x]) == 2, lines
