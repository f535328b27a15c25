"""The one translation of service errors: HTTP status and Chinese detail on the web (gaoxin.web.app),
Chinese message and exit code 1 on the command line (gaoxin.cli.shell)."""
from __future__ import annotations

import pytest
import typer

from gaoxin.services.errors import Forbidden, Invalid, NotFound, ServiceError, Unavailable


@pytest.mark.parametrize("exc, status", [(ServiceError("参数有误"), 400), (NotFound("没有这一项"), 404),
                                         (Forbidden("无权查看"), 403), (Invalid("数据无法计算"), 422)])
def test_web_answers_each_service_error(sqlite_world, monkeypatch, exc, status):
    from gaoxin.services import overview

    def boom(*a, **k):
        raise exc
    monkeypatch.setattr(overview, "overview", boom)
    c = sqlite_world.client("viewer")
    r = c.get("/api/overview")
    assert (r.status_code, r.json()["detail"]) == (status, str(exc))
    page = c.get("/", headers={"hx-request": "true"})  # a page shell still renders (data come by API)
    assert page.status_code == 200


def test_unavailable_says_when_to_retry(sqlite_world, monkeypatch):
    from gaoxin.services import zones

    def busy():
        raise Unavailable("地图文件暂不可用", retry_after=7, extra={"status": {"state": "building"}})
    monkeypatch.setattr(zones, "geojson_bytes", busy)
    r = sqlite_world.client("viewer").get("/api/map/hunan.geojson")
    assert r.status_code == 503 and r.headers["Retry-After"] == "7"
    assert r.json() == {"detail": "地图文件暂不可用", "status": {"state": "building"}}


def test_page_shows_the_message_in_chinese(sqlite_world):
    c = sqlite_world.client("zone_a")
    r = c.get(f"/evaluation/zones/{sqlite_world.zone_b}")
    assert r.status_code == 403 and "只能查看本园区数据" in r.text and "<html" in r.text


def test_cli_turns_a_service_error_into_a_message_and_exit_code(capsys):
    from gaoxin.cli.shell import service_errors
    with pytest.raises(typer.Exit) as e:
        with service_errors():
            raise NotFound("没有找到目标“x”")
    assert e.value.exit_code == 1
    assert "错误：没有找到目标“x”" in capsys.readouterr().err.replace("\n", "")
