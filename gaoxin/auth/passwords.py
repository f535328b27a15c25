"""Password hashing with the stdlib's scrypt (memory-hard; no extra dependency).

Stored form: ``scrypt$n$r$p$salt_b64$hash_b64`` so the cost can be raised later without breaking
existing hashes.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# OWASP-recommended minimum for scrypt is N=2^17,r=8,p=1; 2^14 keeps login under ~50 ms on the 2-core
# machine while still costing 16 MiB per guess. Raise N here; old hashes keep their own parameters.
_N, _R, _P = 2 ** 14, 8, 1
_DKLEN = 32


def hash_password(password: str) -> str:
    if not password:
        raise ValueError("密码不能为空")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=_DKLEN)
    b64 = lambda b: base64.b64encode(b).decode("ascii")  # noqa: E731
    return f"scrypt${_N}${_R}${_P}${b64(salt)}${b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_b64, hash_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        salt = base64.b64decode(salt_b64)
        expected = base64.b64decode(hash_b64)
        digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=int(n), r=int(r), p=int(p),
                                dklen=len(expected), maxmem=2 ** 26)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, expected)
