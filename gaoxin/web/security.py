"""Browser defences and request limits, applied once to every response (pure ASGI middleware)."""
from __future__ import annotations

import json

from gaoxin.auth.config import setting

# Scripts only from the app's own static files: no inline script, no event-handler attribute, no
# eval. Inline *styles* stay allowed because ECharts and htmx set them.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class SecurityHeaders:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [(k, v) for k, v in SECURITY_HEADERS if k not in names]
            await send(message)
        await self.app(scope, receive, send_with_headers)


def max_body_bytes() -> int:
    return int(setting("limits", "max_body_mb") * 1024 * 1024)


class BodyLimit:
    """Refuses a request body over the limit with 413 before it is read: at once when Content-Length
    says so, and as soon as a streamed body passes the limit otherwise."""

    def __init__(self, app, limit: int | None = None):
        self.app = app
        self.limit = limit

    def _message(self, limit: int) -> bytes:
        mb = limit / 1024 / 1024
        return json.dumps({"detail": f"上传内容过大：超过 {mb:g} MB 的上限，请拆分文件后分批导入"},
                          ensure_ascii=False).encode("utf-8")

    async def _refuse(self, send, limit: int):
        body = self._message(limit)
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json; charset=utf-8"),
                                (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.limit or max_body_bytes()
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    if int(v) > limit:
                        return await self._refuse(send, limit)
                except ValueError:
                    return await self._refuse(send, limit)
        seen = 0
        exceeded = False
        refused = False

        async def counting_receive():
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    exceeded = True
                    raise _TooLarge()
            return message

        async def guarded_send(message):
            # the framework may turn our exception into its own error response: answer 413 instead
            nonlocal refused
            if exceeded:
                if not refused and message["type"] == "http.response.start":
                    refused = True
                    await self._refuse(send, limit)
                return
            await send(message)
        try:
            await self.app(scope, counting_receive, guarded_send)
        except _TooLarge:
            pass
        if exceeded and not refused:
            await self._refuse(send, limit)


class _TooLarge(Exception):
    pass
