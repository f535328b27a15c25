import pytest
import yaml

from gaoxin import index
from gaoxin.index.framework import FrameworkError

ISSUE_FRAMEWORK = """
# framework
nodes:
  - code: INDEX
    name: 总指数
    children:
      - code: P1
        weight: 1
        aggregation: geometric        # optional per-node override
        children:
          - {code: x1, weight: 1, direction: -1, denominator: pop, goalposts: [0, 100], transform: log}
"""


def test_issue_framework_keys_accepted_exactly():
    fw = index.load_framework(yaml.safe_load(ISSUE_FRAMEWORK))
    x1 = fw.nodes["x1"]
    assert (x1.direction, x1.denominator, x1.goalposts, x1.transform) == (-1, "pop", (0.0, 100.0), "log")
    assert fw.nodes["P1"].aggregation == "geometric"
    assert fw.indicators == ["x1"] and fw.aggregates == ["P1", "INDEX"]
    assert fw.denominators == ["pop"]
    assert [fw.nodes[c].level for c in ("x1", "P1", "INDEX")] == [1, 2, 3]


def test_documentation_keys_ignored_and_any_depth():
    raw = {"source": "x", "nodes": [{"code": "R", "name_en": "Root", "note": "n", "children": [
        {"code": "A", "unit": "个", "source": "seed 001", "children": [
            {"code": "B", "children": [{"code": "C", "children": [
                {"code": "i1", "missing": "留空", "source_type": "调查", "target": 5}]}]}]},
        {"code": "i2"}]}]}
    fw = index.load_framework(raw)
    assert fw.indicators == ["i1", "i2"]
    assert fw.aggregates == ["C", "B", "A", "R"]          # bottom-up
    assert fw.nodes["R"].level == 5 and fw.nodes["i1"].source_type == "调查"


@pytest.mark.parametrize("raw, words", [
    ({"nodes": [{"code": "R", "children": [{"code": "a", "wieght": 1}]}]}, "不认识的键"),
    ({"nodes": [{"code": "R", "children": [{"code": "a", "direction": 2}]}]}, "direction"),
    ({"nodes": [{"code": "R", "children": [{"code": "a"}, {"code": "a"}]}]}, "重复"),
    ({"nodes": [{"code": "R", "children": [{"code": "a", "goalposts": [5, 1]}]}]}, "goalposts"),
    ({"nodes": [{"code": "R", "children": [{"code": "a", "transform": "exp"}]}]}, "transform"),
    ({"nodes": [{"code": "R", "aggregation": "median", "children": [{"code": "a"}]}]}, "aggregation"),
    ({"nodes": [{"code": "R", "children": [{"code": "a", "weight": -1}]}]}, "负数"),
    ({"nodes": [{"code": "R", "direction": -1, "children": [{"code": "a"}]}]}, "叶节点"),
    ({"items": []}, "nodes"),
])
def test_bad_framework_chinese_message(raw, words):
    with pytest.raises(FrameworkError, match=words):
        index.load_framework(raw)


def test_effective_weights(fw2):
    ew = fw2.effective_weights()
    # P1 has weight 2 of 3; a:b = 1:3 inside P1
    assert ew["P1"] == pytest.approx(2 / 3)
    assert ew["a"] == pytest.approx(2 / 3 * 1 / 4)
    assert ew["b"] == pytest.approx(2 / 3 * 3 / 4)
    assert sum(ew[c] for c in fw2.indicators) == pytest.approx(1.0)


def test_load_from_yaml_file(tmp_path):
    # the shell reads framework files; the engine itself refuses a path (it reads no files)
    from gaoxin.ingest.index_files import read_framework
    p = tmp_path / "f.yaml"
    p.write_text(ISSUE_FRAMEWORK, encoding="utf-8")
    assert read_framework(p).root == "INDEX"
    with pytest.raises(FrameworkError, match="评价引擎不读取文件"):
        index.load_framework(p)
    p.write_text("nodes: [", encoding="utf-8")
    with pytest.raises(FrameworkError, match="YAML"):
        read_framework(p)
    with pytest.raises(FrameworkError, match="找不到评价指标体系“no-such-system”"):
        read_framework("no-such-system")


def test_missing_gap_nodes_are_left_out_and_weights_renormalise():
    raw = {"nodes": [{"code": "R", "children": [
        {"code": "D1", "weight": 30, "children": [{"code": "a"}]},
        {"code": "D2", "weight": 10, "children": [{"code": "b"}, {"code": "gap", "missing": True}]},
        {"code": "D4", "name": "可持续发展", "weight": 20, "missing": True}]}]}
    fw = index.load_framework(raw)
    assert fw.indicators == ["a", "b"] and fw.gaps == [("gap", "gap"), ("D4", "可持续发展")]
    ew = fw.effective_weights()
    assert ew["D1"] == pytest.approx(0.75) and ew["b"] == pytest.approx(0.25)


def test_shipped_hunan_framework_parses():
    from gaoxin.reference import framework_path
    try:
        framework_path("hunan-provincial-2017")
    except FileNotFoundError:
        pytest.skip("内置框架 hunan-provincial-2017 尚未提供")
    fw = index.load_framework("hunan-provincial-2017")
    assert fw.root == "INDEX" and len(fw.indicators) >= 20
    assert all(fw.nodes[c].source_type in ("统计", "调查", "定性") for c in fw.indicators)
