"""Password hashing with the stdlib's scrypt (memory-hard; no extra dependency).

Stored form: ``scrypt$n$r$p$salt_b64$hash_b64`` so the cost can be raised later: a hash made with
weaker parameters than the current ones is re-hashed at the user's next successful login.
Parameters: OWASP's minimum for scrypt, N=2^17, r=8, p=1 (auth/settings.yaml)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from gaoxin.auth.config import setting

_DKLEN = 32


def _params() -> tuple[int, int, int]:
    return int(setting("password", "scrypt_n")), int(setting("password", "scrypt_r")), int(setting("password", "scrypt_p"))


def _maxmem(n: int, r: int, p: int) -> int:
    return 128 * n * r * (p + 2) + 2 ** 20  # what scrypt needs, with room


def hash_password(password: str) -> str:
    if not password:
        raise ValueError("密码不能为空")
    n, r, p = _params()
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=_DKLEN, maxmem=_maxmem(n, r, p))
    b64 = lambda b: base64.b64encode(b).decode("ascii")  # noqa: E731
    return f"scrypt${n}${r}${p}${b64(salt)}${b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_b64, hash_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        salt = base64.b64decode(salt_b64)
        expected = base64.b64decode(hash_b64)
        n_, r_, p_ = int(n), int(r), int(p)
        digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n_, r=r_, p=p_,
                                dklen=len(expected), maxmem=_maxmem(n_, r_, p_))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, expected)


def needs_rehash(stored: str) -> bool:
    """Whether a stored hash uses weaker parameters than the current setting."""
    try:
        scheme, n, r, p, *_ = stored.split("$")
        return scheme != "scrypt" or (int(n), int(r), int(p)) < _params()
    except ValueError:
        return True


def dummy_hash() -> str:
    """A hash with the current parameters, for equal-time checks of unknown user names."""
    return _DUMMY.get("h") or _DUMMY.setdefault("h", hash_password(secrets.token_urlsafe(12)))


_DUMMY: dict[str, str] = {}
