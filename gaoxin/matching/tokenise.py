"""Chinese tokenising for retrieval: jieba search mode with a domain dictionary and stop words.

The domain dictionary is the union of
- keywords of the shipped taxonomies `gaoxin.reference.load_industries()` / `load_new_tracks()`
  (when the reference package is present; tolerated if absent),
- the curated list `data/terms.txt`,
so compounds such as 高镍三元 or 车路云一体化 stay whole; jieba's search mode then also emits their
sub-words (三元, 一体化) so partial overlaps still count.

jieba writes a dictionary cache; it goes to `$GAOXIN_HOME/cache/` (writable), not the temp dir.
"""
from __future__ import annotations

import logging
import re
import threading
from functools import cache
from pathlib import Path
from typing import Iterable

DATA_DIR = Path(__file__).resolve().parent / "data"
_KEEP_ASCII = re.compile(r"^[a-z0-9][a-z0-9.+\-]*$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_lock = threading.Lock()


def _read_lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def _walk_strings(obj, keys=("keywords", "name", "terms", "tracks", "fields", "subfields")) -> Iterable[str]:
    """All strings found under the given keys anywhere in a nested YAML structure."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in keys:
                if isinstance(v, str):
                    yield v
                elif isinstance(v, (list, tuple)):
                    for x in v:
                        if isinstance(x, str):
                            yield x
                        else:
                            yield from _walk_strings(x, keys)
                elif isinstance(v, dict):
                    yield from _walk_strings(v, keys)
            elif isinstance(v, (dict, list, tuple)):
                yield from _walk_strings(v, keys)
    elif isinstance(obj, (list, tuple)):
        for x in obj:
            yield from _walk_strings(x, keys)
    elif hasattr(obj, "__dict__"):
        yield from _walk_strings(vars(obj), keys)


def taxonomy_terms() -> list[str]:
    """Keywords of the industry / new-track taxonomies (empty when the reference data is absent)."""
    terms: list[str] = []
    try:
        import gaoxin.reference as ref
    except ImportError:
        return terms
    for loader in ("load_industries", "load_new_tracks"):
        fn = getattr(ref, loader, None)
        if fn is None:
            continue
        try:
            terms.extend(_walk_strings(fn()))
        except Exception as exc:  # a broken reference file must not stop matching
            logging.getLogger(__name__).warning("读取产业分类关键词失败：%s", exc)
    # split "A、B" style entries and drop long sentences (not terms)
    out = []
    for t in terms:
        for part in re.split(r"[、，,；;/（）()\s]+", t):
            part = part.strip()
            if 2 <= len(part) <= 12 and _CJK.search(part):
                out.append(part)
    return out


@cache
def domain_terms() -> tuple[str, ...]:
    terms = taxonomy_terms() + _read_lines(DATA_DIR / "terms.txt")
    return tuple(dict.fromkeys(terms))


@cache
def stop_words() -> frozenset[str]:
    return frozenset(_read_lines(DATA_DIR / "stopwords.txt"))


def _cache_dir() -> Path:
    from gaoxin.paths import data_home
    d = data_home() / "cache"
    d.mkdir(parents=True, exist_ok=True)
    return d


@cache
def _jieba():
    import jieba
    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    try:
        tk.tmp_dir = str(_cache_dir())
    except OSError:  # read-only home: let jieba fall back to the temp dir
        pass
    with _lock:
        tk.initialize()
        for term in domain_terms():
            tk.add_word(term, freq=20000)  # high enough that the compound wins over its parts
    return tk


@cache
def fingerprint() -> str:
    """Identifies the tokeniser set-up (jieba version, domain terms, stop words): cached tokens in an
    index are only reused while it is unchanged."""
    import hashlib
    import jieba
    h = hashlib.sha1(f"v1|{jieba.__version__}|".encode())
    h.update("\n".join(domain_terms()).encode("utf-8"))
    h.update("\n".join(sorted(stop_words())).encode("utf-8"))
    return h.hexdigest()[:16]


def tokenize(text: str | None) -> list[str]:
    """Search-mode tokens of one text: lower-cased, stop words, punctuation and lone CJK characters removed."""
    if not text:
        return []
    stops = stop_words()
    out = []
    for tok in _jieba().lcut_for_search(str(text)):
        tok = tok.strip().lower()
        if not tok or tok in stops:
            continue
        if _CJK.search(tok):
            if len(tok) >= 2:
                out.append(tok)
        elif _KEEP_ASCII.match(tok) and len(tok) >= 2:
            out.append(tok)
    return out


def tokenize_many(texts: Iterable[str | None]) -> list[list[str]]:
    return [tokenize(t) for t in texts]
