"""The national high-tech-zone system (国科发火〔2021〕106号) as a shipped, cited framework."""
import yaml

from gaoxin import index
from gaoxin.reference import FRAMEWORKS_DIR, framework_path, list_frameworks


def _doc():
    return yaml.safe_load((FRAMEWORKS_DIR / "national-2021.yaml").read_text(encoding="utf-8"))


def _nodes(nodes):
    for n in nodes:
        yield n
        yield from _nodes(n.get("children") or [])


def test_national_framework_loads_with_five_weighted_dimensions():
    assert "national-2021" in list_frameworks() and framework_path("national-2021").exists()
    fw = index.load_framework("national-2021")
    dims = fw.children(fw.root)
    # the five first-level dimensions of the 2021 system, weights 20/20/15/15/30 (%)
    assert [fw.nodes[d].name for d in dims] == ["创新能力和创业活跃度", "结构优化和产业价值链", "绿色发展和宜居包容性",
                                               "开放创新和国际竞争力", "综合质效和持续创新力"]
    assert [fw.nodes[d].weight for d in dims] == [20, 20, 15, 15, 30]
    ew = fw.effective_weights()
    assert [round(ew[d], 4) for d in dims] == [0.2, 0.2, 0.15, 0.15, 0.3]
    # 赋权 of 1.1 and 1.2 as printed (0.8, 1.2); 3.1 energy intensity is lower-is-better
    assert fw.nodes["N1_1"].weight == 0.8 and fw.nodes["N1_2"].weight == 1.2
    assert fw.nodes["N3_1"].direction == -1
    assert len(fw.indicators) == 31 and len(fw.gaps) == 15


def test_every_weight_and_node_cites_its_source_and_gaps_are_marked():
    doc = _doc()
    assert doc["zone_class"] == "国家级" and doc["status"] == "incomplete" and "国科发火〔2021〕106号" in doc["source"]
    assert len(doc["gaps"]) >= 3
    for n in _nodes(doc["nodes"]):
        assert n.get("source"), n["code"]
        if n.get("missing"):
            assert "未能核实" in n["note"], n["code"]
        elif n["code"] != "NINDEX":
            # every weight (printed or assumed) says where it comes from or that it is a gap
            ws = n["weight_source"]
            assert ("http" in ws or "GitHub" in ws) if "weight" in n else ("未公开" in ws and "缺口" in ws), n["code"]


def test_provincial_framework_serves_provincial_zones():
    from gaoxin.services.evaluation import class_frameworks
    assert class_frameworks() == {"国家级": "national-2021", "省级": "hunan-provincial-2017"}
