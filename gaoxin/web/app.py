"""FastAPI application factory: JSON API under /api (OpenAPI docs at /api/docs) and Chinese pages."""
from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from gaoxin.paths import database_url as default_database_url
from gaoxin.services.db import session_factory
from gaoxin.services.errors import ServiceError
from gaoxin.web.deps import LoginRequired

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
DEFAULT_SESSION_MAX_AGE = 8 * 3600  # one working day; override with GAOXIN_SESSION_MAX_AGE (seconds)


def create_app(database_url: str | None = None, secret_key: str | None = None,
               session_max_age: int | None = None, max_body: int | None = None) -> FastAPI:
    url = database_url or default_database_url()
    app = FastAPI(
        title="高新区创新监测评价平台 API",
        description="湖南省高新区创新监测评价平台的 REST 接口。除 /api/health 外均需登录（会话 Cookie）；"
                    "修改类请求需在请求头 X-CSRF-Token 中携带令牌（GET /api/auth/csrf 获取）。"
                    "表格类接口加 ?format=xlsx 可导出 Excel。",
        version="0.1.0",
        docs_url=None, redoc_url=None, swagger_ui_oauth2_redirect_url=None, openapi_url="/api/openapi.json",
    )
    app.state.database_url = url
    app.state.sessionmaker = session_factory(url)
    app.state.demo_cache = (0.0, False)
    # the cookie only carries the session id; the server-side row decides expiry (auth/settings.yaml)
    from gaoxin.auth.config import setting
    max_age = session_max_age or int(setting("session", "absolute_seconds"))
    app.add_middleware(SessionMiddleware,
                       secret_key=secret_key or os.environ.get("GAOXIN_SECRET_KEY") or secrets.token_urlsafe(32),
                       session_cookie="gaoxin_session", max_age=max_age, same_site="lax",
                       https_only=os.environ.get("GAOXIN_HTTPS_ONLY") == "1")
    from gaoxin.web.security import BodyLimit, SecurityHeaders
    app.add_middleware(BodyLimit, limit=max_body)
    app.add_middleware(SecurityHeaders)  # outermost: every response, errors included, carries the headers
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    from gaoxin.web import api_core, api_engines, pages
    app.include_router(api_core.router)
    app.include_router(api_engines.router)
    app.include_router(pages.router)
    from gaoxin.web import api_registries, pages_registries  # registries (issue 16)
    app.include_router(api_registries.router)
    app.include_router(pages_registries.router)

    @app.get("/api/docs", include_in_schema=False)
    def api_docs():
        # Swagger UI from the vendored npm swagger-ui-dist (no CDN at run time)
        # the stock Swagger page starts with an inline script, which the CSP forbids: same page, static start-up file
        from fastapi.responses import HTMLResponse
        return HTMLResponse('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
                            '<title>高新区创新监测评价平台 API 文档</title><link rel="icon" href="/favicon.ico">'
                            '<link rel="stylesheet" href="/static/vendor/swagger-ui.css"></head><body>'
                            '<div id="swagger-ui"></div><script src="/static/vendor/swagger-ui-bundle.js"></script>'
                            '<script src="/static/swagger-init.js"></script></body></html>')

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon():
        return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml")

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "请先登录"}, status_code=401)
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        from urllib.parse import quote
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        headers = getattr(exc, "headers", None)
        if not isinstance(exc, HTTPException):  # Starlette's own (unknown URL, wrong method): English text
            exc.detail = _STARLETTE_TEXT.get(exc.status_code, "请求无法处理")
        if request.url.path.startswith("/api/") or request.headers.get("hx-request"):
            if request.headers.get("hx-request") and not request.url.path.startswith("/api/"):
                from markupsafe import escape
                return Response(f'<div class="alert alert-error">{escape(str(exc.detail))}</div>',
                                status_code=exc.status_code, media_type="text/html", headers=headers)
            return JSONResponse({"detail": exc.detail, **getattr(exc, "body_extra", {})},
                                status_code=exc.status_code, headers=headers)
        from gaoxin.web.pages import render_error
        resp = render_error(request, exc.status_code, str(exc.detail))
        for k, v in (headers or {}).items():
            resp.headers[k] = v
        return resp

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError):
        # the one place where the services' errors become HTTP answers (status, Chinese detail)
        headers = {"Retry-After": str(exc.retry_after)} if getattr(exc, "retry_after", None) else None
        http = HTTPException(exc.status, str(exc), headers=headers)
        http.body_extra = getattr(exc, "extra", None) or {}
        return await _http_error(request, http)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):
        msgs = []
        for e in exc.errors():
            where = ".".join(str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path"))
            msgs.append(f"参数 {where} 无效（{e.get('msg')}）")
        detail = "；".join(msgs) or "请求参数无效"
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": detail}, status_code=422)
        from gaoxin.web.pages import render_error
        return render_error(request, 422, detail)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        # never show a traceback to users; the log keeps it for the administrator
        import logging
        logging.getLogger("gaoxin.web").exception("未处理的错误：%s %s", request.method, request.url.path)
        msg = "服务器内部错误，请联系系统管理员；详细信息已记录在服务日志中"
        if request.url.path.startswith("/api/") or request.headers.get("hx-request"):
            return JSONResponse({"detail": msg}, status_code=500)
        from gaoxin.web.pages import render_error
        return render_error(request, 500, msg)

    return app


_STARLETTE_TEXT = {404: "页面不存在：请检查网址，或从导航栏进入", 405: "不支持该请求方式",
                   413: "上传内容过大"}


def is_demo(app: FastAPI, session) -> bool:
    """Whether the database holds demo data (drives the 示例数据 banner); cached for 10 s."""
    at, value = app.state.demo_cache
    now = time.monotonic()
    if now - at < 10:
        return value
    from gaoxin.services.db import has_demo_data
    value = has_demo_data(session)
    app.state.demo_cache = (now, value)
    return value
