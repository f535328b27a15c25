"""The services' own errors (Chinese messages); each shell translates them (HTTP status, exit code)."""
from __future__ import annotations


class ServiceError(Exception):
    """A request that cannot be carried out; str() is the Chinese message for the user."""
    status = 400


class NotFound(ServiceError):
    status = 404


class Forbidden(ServiceError):
    status = 403


class Unauthenticated(ServiceError):
    status = 401


class Throttled(ServiceError):
    status = 429

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class Invalid(ServiceError):
    """Data or arguments that cannot be used (the engine refused them); the message says why."""
    status = 422


class Unavailable(ServiceError):
    """A function that cannot run on this installation or right now (a missing map file, no
    LibreOffice for PDF, an index being built); `retry_after` in seconds when waiting helps."""
    status = 503

    def __init__(self, message: str, retry_after: int | None = None, extra: dict | None = None):
        super().__init__(message)
        self.retry_after = retry_after
        self.extra = extra or {}
