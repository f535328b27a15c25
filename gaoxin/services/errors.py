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
