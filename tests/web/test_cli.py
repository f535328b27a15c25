"""`gaoxin users`, `gaoxin report`, `gaoxin serve` (the CLI shell of the platform)."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import zipfile

import httpx
import pytest
from typer.testing import CliRunner

from gaoxin.cli.main import app

runner = CliRunner()


def test_users_add_list_passwd(sqlite_db_url):
    r = runner.invoke(app, ["users", "add", "alice", "--role", "readonly", "--name", "张三", "--password", "alice-pass-1"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["users", "add", "alice", "--role", "readonly", "--password", "alice-pass-1"])
    assert r.exit_code == 1 and "已存在" in r.output
    r = runner.invoke(app, ["users", "add", "bob", "--role", "zone_user", "--password", "bob-pass-12"])
    assert r.exit_code == 1 and "高新区" in r.output
    r = runner.invoke(app, ["users", "list"])
    assert r.exit_code == 0 and "alice" in r.output and "只读" in r.output
    r = runner.invoke(app, ["users", "passwd", "alice", "--password", "new-pass-123"])
    assert r.exit_code == 0
    from gaoxin.auth.users import authenticate
    from gaoxin.store.db import session_scope
    with session_scope(sqlite_db_url) as s:
        assert authenticate(s, "alice", "new-pass-123") is not None
        assert authenticate(s, "alice", "alice-pass-1") is None
    r = runner.invoke(app, ["users", "passwd", "nobody", "--password", "new-pass-123"])
    assert r.exit_code == 1 and "不存在" in r.output


def test_report_commands(demo_home, tmp_path, monkeypatch):
    monkeypatch.setenv("GAOXIN_DATABASE_URL", demo_home["url"])
    out = tmp_path / "评价报告.docx"
    r = runner.invoke(app, ["report", "zone-evaluation", "--year", "2024", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "综合排名" in zipfile.ZipFile(out).read("word/document.xml").decode()
    out2 = tmp_path / "通报.docx"
    r = runner.invoke(app, ["report", "circular", "--target", "xt133-high-tech-enterprises", "--as-of", "2024", "--out", str(out2)])
    assert r.exit_code == 0, r.output
    assert "通报" in zipfile.ZipFile(out2).read("word/document.xml").decode()
    r = runner.invoke(app, ["report", "zone-evaluation", "--year", "1990", "--out", str(out)])
    assert r.exit_code == 1 and "1990" in r.output
    r = runner.invoke(app, ["report", "zone-evaluation", "--year", "2024", "--out", str(tmp_path / "x.txt")])
    assert r.exit_code == 2


def test_serve_prints_address_and_admin_password(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("GAOXIN_DATABASE_URL", "GAOXIN_ADMIN_PASSWORD")}
    env.update(GAOXIN_HOME=str(tmp_path), GAOXIN_EMBEDDER="hashing", COLUMNS="200")
    proc = subprocess.Popen([sys.executable, "-m", "gaoxin.cli.main", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if "已启动" in line:
                break
        text = "".join(lines)
        assert f"http://127.0.0.1:{port}/" in text, text
        pw = re.search(r"初始密码：(\S+?)（", text).group(1)
        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as c:
            c.headers["X-CSRF-Token"] = c.get("/api/auth/csrf").json()["csrf_token"]
            assert c.post("/api/auth/login", json={"username": "admin", "password": pw}).status_code == 200
    finally:
        proc.terminate()
        proc.wait(10)


def test_match_build_progress_bar_counts_to_total():
    """`gaoxin match build`: the bar gets the total up front (N / total), then advances per chunk."""
    from rich.console import Console
    from gaoxin.cli.matching_cli import _BarProgress, _bar
    with _bar(Console(file=open(os.devnull, "w")), quiet=False) as prog:
        p = _BarProgress(prog)
        assert prog.tasks[0].total is None  # unknown until the matcher has compared hashes
        p.total(130)
        p(64)
        p(64)
        p(2)
        task = prog.tasks[0]
        assert (task.completed, task.total, task.finished) == (130, 130, True)
        assert "计算新文本向量" in task.description
        p.total(0)
        assert "没有需要计算" in prog.tasks[0].description
