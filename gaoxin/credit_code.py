"""统一社会信用代码 (unified social credit code) per GB 32100-2015.

18 characters: 登记管理部门码 (1) + 机构类别码 (1) + 登记管理机关行政区划码 (6 digits)
+ 主体标识码 (组织机构代码, 9, itself carrying a GB 11714-1997 check character) + 校验码 (1).
Pure functions; `check_many` validates a whole column at once with numpy.
"""
from __future__ import annotations

import numpy as np

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3^i mod 31
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714-1997 organisation code
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_ORG_VALUE = {**{str(d): d for d in range(10)}, **{chr(ord("A") + i): 10 + i for i in range(26)}}


def check_char(body17: str) -> str:
    """The 18th (check) character for the first 17 characters."""
    total = sum(_VALUE[c] * w for c, w in zip(body17, WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def org_check_char(org8: str) -> str:
    total = sum(_ORG_VALUE[c] * w for c, w in zip(org8, ORG_WEIGHTS))
    c = 11 - total % 11
    return "X" if c == 10 else ("0" if c == 11 else str(c))


def make_credit_code(body17: str) -> str:
    return body17 + check_char(body17)


def credit_code_problem(code: object) -> str | None:
    """None when `code` is a well-formed code with a correct check character, else the reason (Chinese)."""
    if not isinstance(code, str):
        return "统一社会信用代码为空"
    s = code.strip().upper()
    if len(s) != 18:
        return f"统一社会信用代码应为18位，实际为{len(s)}位"
    bad = [c for c in s if c not in _VALUE]
    if bad:
        return f"统一社会信用代码含非法字符“{bad[0]}”（不得使用 I、O、Z、S、V）"
    if not s[2:8].isdigit():
        return "统一社会信用代码第3–8位应为行政区划码（数字）"
    if check_char(s[:17]) != s[17]:
        return f"统一社会信用代码校验位错误（应为“{check_char(s[:17])}”，实际为“{s[17]}”），可能是伪造或录入错误"
    return None


def is_valid_credit_code(code: object) -> bool:
    return credit_code_problem(code) is None


def check_many(codes) -> np.ndarray:
    """Vectorised check-character test: boolean array, True where the code is valid."""
    arr = np.asarray(codes, dtype=object)
    out = np.zeros(arr.shape[0], dtype=bool)
    s = np.array([c.strip().upper() if isinstance(c, str) else "" for c in arr], dtype="U18")
    ok_len = np.char.str_len(s) == 18
    if not ok_len.any():
        return out
    good = s[ok_len]
    chars = good.view("U1").reshape(-1, 18)
    lut = np.full(128, -1, dtype=np.int64)
    for c, v in _VALUE.items():
        lut[ord(c)] = v
    codes_arr = np.vectorize(ord, otypes=[np.int64])(chars) if chars.size else np.zeros((0, 18), np.int64)
    vals = lut[np.clip(codes_arr, 0, 127)]
    legal = (vals >= 0).all(axis=1)
    total = (vals[:, :17] * np.array(WEIGHTS)).sum(axis=1)
    expect = (31 - total % 31) % 31
    out[np.flatnonzero(ok_len)] = legal & (vals[:, 17] == expect)
    return out
