"""Re-ranking with brokers' accept / reject verdicts (MatchFeedback).

- A rejected (demand, result) pair is never suggested again for that demand.
- A result accepted for a demand is boosted for other demands in proportion to how similar those
  demands are to the accepting one: boost · max(0, (cos − floor) / (1 − floor)).
- A pair accepted for this very demand gets the full boost (and is marked 经纪人已确认).
Settings (boost, floor) are in data/settings.yaml. Vectorised over queries; the loop runs over the
accepted pairs only.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def latest_verdicts(feedback: pd.DataFrame | None) -> pd.DataFrame:
    """One verdict per (demand, result): the latest one wins."""
    cols = ["demand_code", "result_code", "verdict"]
    if feedback is None or len(feedback) == 0:
        return pd.DataFrame(columns=cols)
    fb = feedback.copy()
    if "at" in fb.columns:
        fb = fb.sort_values("at", kind="stable")
    fb = fb.drop_duplicates(["demand_code", "result_code"], keep="last")
    return fb[cols + [c for c in ("username",) if c in fb.columns]].reset_index(drop=True)


def exclude_codes(verdicts: pd.DataFrame, q_codes: list[str], doc_pos) -> np.ndarray:
    """Pair codes q * n_docs + d for rejected pairs among the given queries."""
    rej = verdicts[verdicts["verdict"] == "reject"]
    qpos = {c: i for i, c in enumerate(q_codes)}
    out = []
    n_docs = doc_pos.n
    for d, r in zip(rej["demand_code"].astype(str), rej["result_code"].astype(str)):
        qi, di = qpos.get(d), doc_pos(r)
        if qi is not None and di is not None:
            out.append(qi * n_docs + di)
    return np.array(out, np.int64)


def boost_matrix(cand: np.ndarray, q_emb: np.ndarray | None, q_codes: list[str], verdicts: pd.DataFrame,
                 demand_emb_of, doc_pos, boost: float, floor: float) -> tuple[np.ndarray, np.ndarray]:
    """Boost [n_q × n_cand] for candidate result indices `cand`, and a bool 'confirmed' matrix."""
    b = np.zeros(cand.shape, np.float32)
    confirmed = np.zeros(cand.shape, bool)
    acc = verdicts[verdicts["verdict"] == "accept"]
    if len(acc) == 0:
        return b, confirmed
    qcodes = np.asarray(q_codes, dtype=object)
    for d, r in zip(acc["demand_code"].astype(str), acc["result_code"].astype(str)):
        di = doc_pos(r)
        if di is None:
            continue
        hit = cand == di
        if not hit.any():
            continue
        mine = (qcodes == d)[:, None] & hit
        confirmed |= mine
        b = np.where(mine, boost, b)
        e = demand_emb_of(d)
        if e is not None and q_emb is not None:
            sim = q_emb @ e
            w = np.clip((sim - floor) / max(1e-6, 1 - floor), 0, 1) * boost
            b = np.where(hit, np.maximum(b, w[:, None]), b)
    return b, confirmed
