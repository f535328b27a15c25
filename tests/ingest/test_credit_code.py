"""GB 32100-2015 check character (gaoxin.credit_code), scalar and vectorised."""
import numpy as np
from hypothesis import given, strategies as st

from gaoxin.credit_code import ALPHABET, check_char, check_many, credit_code_problem, make_credit_code

# Hand-computed: body 91430100MA4L0000 + "1" → weights 3^i mod 31; sum mod 31 gives the check char.
BODY = "91430100MA4L00001"


def _by_hand(body: str) -> str:
    total = sum(ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(body))
    return ALPHABET[(31 - total % 31) % 31]


def test_check_char_matches_definition():
    assert check_char(BODY) == _by_hand(BODY)
    # a widely cited real-format example code
    assert credit_code_problem("91350100M000100Y43") is None


def test_forged_codes_are_rejected():
    good = make_credit_code(BODY)
    assert credit_code_problem(good) is None
    last = good[-1]
    forged = good[:-1] + next(c for c in ALPHABET if c != last)
    assert "校验位错误" in credit_code_problem(forged)
    assert "18位" in credit_code_problem(good[:-1])
    assert "非法字符" in credit_code_problem(good[:-1] + "I")


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17).filter(lambda s: s[2:8].isdigit()),
       st.sampled_from(ALPHABET))
def test_property_exactly_one_check_char_is_valid(body, other):
    code = make_credit_code(body)
    assert credit_code_problem(code) is None
    if other != code[-1]:
        assert credit_code_problem(body + other) is not None


def test_vectorised_agrees_with_scalar():
    rng = np.random.default_rng(1)
    bodies = ["91" + "".join(rng.choice(list("0123456789"), 6)) + "".join(rng.choice(list(ALPHABET), 9))
              for _ in range(300)]
    codes = [make_credit_code(b) for b in bodies]
    codes[::3] = [c[:-1] + ("0" if c[-1] != "0" else "1") for c in codes[::3]]
    codes += [None, "", "123", "91430100MA4L00001O"]
    got = check_many(codes)
    want = np.array([credit_code_problem(c) is None for c in codes])
    assert (got == want).all()
    assert got.sum() == 200
