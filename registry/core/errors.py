"""Domain errors; the web layer maps them to HTTP status codes in one place."""

from __future__ import annotations

from typing import Any


class RegistryError(Exception):
    """Base of every error the registry raises on purpose."""

    code = "registry_error"
    status = 400

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class ValidationFailed(RegistryError):
    code = "validation_failed"
    status = 422


class BadPayload(RegistryError):
    code = "bad_payload"
    status = 400


class PayloadTooLarge(RegistryError):
    code = "payload_too_large"
    status = 413


class UnsupportedMediaType(RegistryError):
    code = "unsupported_media_type"
    status = 415


class NotFound(RegistryError):
    code = "not_found"
    status = 404


class Unauthorized(RegistryError):
    code = "unauthorized"
    status = 401


class Forbidden(RegistryError):
    code = "forbidden"
    status = 403


class Conflict(RegistryError):
    code = "conflict"
    status = 409


class RateLimited(RegistryError):
    code = "rate_limited"
    status = 429


class Unavailable(RegistryError):
    """Not available now, but soon: ``details["retry_after"]`` says in how many seconds."""

    code = "unavailable"
    status = 503
