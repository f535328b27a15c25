"""Synthetic (示例数据) university results, enterprise demands and policies for the matching demo.

`generate_texts(seed, n_results, n_demands, n_policies)` returns three DataFrames whose columns are
the TechResult / TechDemand / Policy model fields (without id / batch_id). Deterministic for a seed.

The texts are assembled from a hand-written vocabulary of real technical topics across the nine
strategic emerging industries of seed 002 (三、产业发展重点方向). Each topic has a result side (method,
technical terms) and a demand side (an enterprise's problem worded differently), so demands have a
plausible, not-verbatim counterpart among the results. Every row is flagged is_demo=True.
"""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from gaoxin.credit_code import make_credit_code, org_check_char

# The nine 战略性新兴产业 of seed 002 are listed once, in gaoxin/reference/industries.yaml; the topic
# tables below are keyed by their names.

# topic = "result core | technical terms | application object | demand wording of the need"
TOPICS: dict[str, list[str]] = {
    "高端装备": [
        "工程机械电液比例控制|电液比例阀,负载敏感,液压系统,节能控制|挖掘机|挖掘机液压系统能耗偏高、动作不够平顺，希望降低油耗",
        "盾构机刀盘磨损在线监测|盾构机,刀具磨损,声发射,振动信号|隧道掘进装备|掘进过程中刀具磨损无法实时掌握，换刀停机时间长",
        "轨道交通牵引变流器|IGBT,牵引变流器,永磁同步电机,矢量控制|电力机车|机车牵引系统效率和功率密度需要进一步提升",
        "高速列车转向架疲劳寿命预测|转向架,疲劳裂纹,有限元,剩余寿命|动车组|车辆关键部件检修周期依赖经验，想做预测性维护",
        "工业机器人柔性装配|工业机器人,力控,视觉引导,柔性装配|汽车零部件装配线|装配工位人工多、节拍慢，需要机器人自动装配",
        "数控机床热误差补偿|数控机床,热变形,误差补偿,主轴|精密加工|机床加工精度随温度漂移，零件尺寸一致性差",
        "智能农机自动导航作业|北斗导航,自动驾驶,路径规划,农机|水稻插秧机|丘陵地区农机作业靠人工驾驶，效率低、漏插多",
        "大型回转支承精密锻造|回转支承,环件轧制,热处理,锻造|起重机|大型轴承依赖外购，交货周期长、成本高",
    ],
    "新材料": [
        "高镍三元正极材料制备|高镍三元,正极材料,共沉淀,包覆改性|锂离子电池|电池正极材料循环寿命不足，高温下容量衰减快",
        "硬质合金超细晶粒制备|硬质合金,碳化钨,超细晶,粉末冶金|切削刀具|刀具耐磨性和韧性不够，加工高温合金时崩刃",
        "铜基复合材料高导热|铜基复合材料,金刚石,热导率,界面调控|电子封装|大功率器件散热不好，封装材料导热率偏低",
        "碳纤维复合材料低成本成型|碳纤维,树脂传递模塑,预浸料,复合材料|轻量化结构件|结构件想用复合材料减重，但成型成本太高",
        "高性能铝合金挤压型材|铝合金,挤压,时效处理,强韧化|轨道车体|车体型材强度和焊接性能需要同时提升",
        "稀土永磁材料晶界扩散|钕铁硼,稀土永磁,晶界扩散,矫顽力|驱动电机|电机磁钢耐温性差，重稀土用量大成本高",
        "石墨烯导电浆料|石墨烯,导电剂,分散,浆料|动力电池|电池导电剂分散不均匀，内阻偏大",
        "固态电解质薄膜制备|固态电解质,硫化物,离子电导率,薄膜|固态电池|想开发固态电池，电解质离子电导率和界面稳定性不够",
    ],
    "航空航天": [
        "中小型航空发动机涡轮叶片冷却|涡轮叶片,气膜冷却,单晶高温合金,航空发动机|涡轴发动机|发动机叶片耐温能力不足，寿命短",
        "无人机集群协同控制|无人机,集群,协同控制,编队|低空巡检|电力线路巡检靠人工，想用多架无人机自主协同巡检",
        "北斗高精度定位终端|北斗,高精度定位,RTK,惯性导航|低空飞行器|无人机在城市环境下定位漂移，精度达不到厘米级",
        "航空复合材料无损检测|超声相控阵,无损检测,复合材料,缺陷识别|飞机蒙皮|复合材料部件内部分层缺陷难以检测，漏检率高",
        "小卫星姿态控制|微小卫星,姿态控制,飞轮,星敏感器|商业航天|卫星平台姿控部件依赖进口，成本高",
        "航空齿轮传动系统减振|齿轮传动,减振,动力学建模,直升机|直升机传动|传动系统振动噪声大，齿轮寿命不达标",
    ],
    "新一代信息技术": [
        "基于深度学习的表面缺陷检测|深度学习,卷积神经网络,机器视觉,缺陷检测|PCB板|生产线靠人工目检产品瑕疵，漏检多、效率低",
        "工业互联网边缘计算平台|工业互联网,边缘计算,数据采集,设备联网|离散制造车间|车间设备型号多、数据孤岛严重，无法统一监控",
        "国产CPU操作系统适配优化|信创,国产CPU,操作系统,适配|政务办公系统|业务系统迁移到国产化平台后运行慢、兼容性问题多",
        "大语言模型知识问答|大语言模型,知识图谱,检索增强,问答|企业知识库|技术文档多，员工查资料难，想做智能问答助手",
        "功率半导体碳化硅器件|碳化硅,MOSFET,功率器件,外延|新能源汽车电控|电控模块想用国产碳化硅器件替代进口",
        "数据安全隐私计算|隐私计算,联邦学习,数据安全,加密|金融风控|多方数据不能出域，联合建模困难",
        "音视频超高清编解码|超高清,视频编码,AVS3,码率控制|视频文创|4K/8K视频传输带宽占用大，画质和码率难以兼顾",
        "5G工业专网低时延通信|5G,专网,低时延,工业控制|智能工厂|车间无线控制时延大、掉线，影响生产",
    ],
    "生物": [
        "中药有效成分提取纯化|中药,提取,大孔树脂,纯化|中成药|中药提取收率低、杂质多，批次质量不稳定",
        "杂交水稻分子育种|杂交水稻,分子标记,基因编辑,育种|种业|品种选育周期长，抗病性状难以快速聚合",
        "生物发酵高产菌株构建|合成生物学,菌株改造,发酵,代谢工程|生物制造|发酵产率低、原料成本高",
        "医疗影像人工智能辅助诊断|医学影像,人工智能,辅助诊断,CT|医疗器械|基层医院阅片医生不足，诊断效率低",
        "体外诊断化学发光试剂|化学发光,体外诊断,抗体,试剂盒|检验科|诊断试剂依赖进口，灵敏度需要提高",
        "茶叶深加工与功能成分|茶叶,茶多酚,深加工,功能食品|黑茶|黑茶产品附加值低，想开发功能性新品",
        "生猪疫病快速检测|非洲猪瘟,核酸检测,快速检测,养殖|生猪养殖|养殖场疫病检测靠送检，出结果慢",
    ],
    "节能环保": [
        "重金属污染土壤修复|重金属,土壤修复,钝化剂,镉|农田|耕地镉超标，稻米重金属含量不达标",
        "工业废水膜处理回用|膜分离,反渗透,废水回用,零排放|化工园区|园区废水处理成本高，达不到回用标准",
        "锂电池回收湿法冶金|电池回收,湿法冶金,浸出,萃取|退役动力电池|废旧电池中镍钴锂回收率不高",
        "余热回收有机朗肯循环|余热回收,有机朗肯循环,换热器,节能|钢铁冶炼|窑炉烟气余热浪费严重，能耗高",
        "垃圾焚烧烟气超低排放|烟气净化,脱硝,二噁英,超低排放|生活垃圾焚烧|焚烧炉烟气排放指标临近限值，需要改造",
        "高效永磁节能电机|永磁电机,节能,变频,能效|风机水泵|工厂风机水泵耗电大，电机能效等级低",
    ],
    "新能源及智能网联汽车": [
        "动力电池管理系统荷电状态估计|电池管理系统,荷电状态,卡尔曼滤波,均衡|电动汽车|电池剩余电量估计不准，续航里程显示跳变",
        "车路云一体化协同感知|车路协同,V2X,激光雷达,多传感器融合|智能网联汽车|路口盲区多，车辆感知范围有限",
        "燃料电池膜电极|燃料电池,膜电极,铂催化剂,质子交换膜|氢能重卡|燃料电池寿命短、铂用量高",
        "电驱动系统扁线电机|扁线电机,电驱动,油冷,功率密度|新能源乘用车|驱动电机体积大、效率不够高",
        "储能系统热管理|储能,液冷,热管理,电池簇|储能电站|储能柜温差大，电池一致性差、有热失控风险",
        "自动驾驶决策规划|自动驾驶,决策规划,强化学习,仿真|无人配送车|园区无人车遇到复杂路况容易停滞",
    ],
    "新兴服务业": [
        "科技成果价值评估模型|成果评估,专利价值,技术交易,定价|技术转移|成果转让时不知道如何定价，买卖双方分歧大",
        "供应链金融风险评估|供应链金融,信用评估,区块链,风控|中小企业融资|中小企业缺少抵押物，贷款难",
        "检验检测数字化管理|检验检测,实验室信息管理,LIMS,质量追溯|检测机构|检测报告流转靠纸质，效率低易出错",
        "工业设计人机工程|工业设计,人机工程,用户体验,造型|装备外观|产品外观和操作体验落后竞品",
        "智慧物流仓储调度|智慧物流,仓储,调度优化,AGV|电商仓库|仓库拣货效率低、人工成本高",
    ],
    "未来产业": [
        "量子精密测量|量子传感,原子磁力计,精密测量,弱磁|地质勘探|微弱磁场测量精度不够，勘探误差大",
        "脑机接口信号解码|脑机接口,脑电,信号解码,康复|康复医疗|中风患者康复训练缺少主动参与手段",
        "人形机器人灵巧手|人形机器人,灵巧手,触觉传感,伺服|服务机器人|机器人抓取不规则物体不稳定",
        "氢能电解水制氢|电解水,制氢,碱性电解槽,PEM|绿氢|制氢电耗高，电解槽效率低",
        "第三代半导体氮化镓射频|氮化镓,射频器件,HEMT,外延|通信基站|基站射频功放效率低、发热大",
        "元宇宙数字孪生|数字孪生,三维建模,虚拟仿真,元宇宙|园区运营|园区设备运行状态不直观，运维靠巡检",
    ],
}

# institution, city adcode (where the result would be transferred from)
INSTITUTIONS = [
    ("中南大学", "430100"), ("湖南大学", "430100"), ("国防科技大学", "430100"), ("湘潭大学", "430300"),
    ("湖南科技大学", "430300"), ("湖南师范大学", "430100"), ("长沙理工大学", "430100"),
    ("湖南农业大学", "430100"), ("中南林业科技大学", "430100"), ("湖南工业大学", "430200"),
    ("南华大学", "430400"), ("湖南理工学院", "430600"), ("湖南文理学院", "430700"), ("吉首大学", "433100"),
    ("湖南中医药大学", "430100"), ("湖南工程学院", "430300"), ("湘南学院", "431000"), ("怀化学院", "431200"),
    ("湖南城市学院", "430900"), ("邵阳学院", "430500"), ("湖南人文科技学院", "431300"),
    ("中国科学院亚热带农业生态研究所", "430100"), ("湖南省农业科学院", "430100"),
]
INSTITUTION_WEIGHTS = np.array([9, 9, 7, 7, 5, 4, 4, 4, 3, 3, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 2], float)

CITIES = {
    "430100": "长沙", "430200": "株洲", "430300": "湘潭", "430400": "衡阳", "430500": "邵阳", "430600": "岳阳",
    "430700": "常德", "430800": "张家界", "430900": "益阳", "431000": "郴州", "431100": "永州",
    "431200": "怀化", "431300": "娄底", "433100": "湘西",
}
CITY_WEIGHTS = {"430100": 8, "430200": 4, "430300": 4, "430400": 3, "430600": 2, "430700": 2, "430900": 2,
                "431000": 2, "431200": 1, "431300": 1, "430500": 1, "431100": 1, "430800": 0.5, "433100": 0.5}

SURNAMES = list("王李张刘陈杨黄赵周吴徐孙朱马胡郭何高林罗郑梁谢宋唐许邓冯韩曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金")
GIVEN = list("志伟建军明华国平文杰强海波勇辉鹏飞宇晓红丽静敏慧芳霞燕涛斌峰磊超俊健")
ENT_WORDS = ["中联", "湘江", "麓谷", "潇湘", "岳麓", "星城", "楚天", "华菱", "金杯", "天易", "韶峰", "芙蓉", "湘云",
             "湘中", "衡岳", "洞庭", "雁城", "南岭", "梅溪", "橘洲", "九华", "昭山", "云龙", "梓山", "白沙",
             "天心", "岳塘", "莲城", "沅澧", "资江", "郴江", "舜华", "紫鹊", "武陵", "金霞", "星沙"]
ENT_SUFFIX = {
    "高端装备": ["智能装备", "重工", "精密机械", "机电", "动力科技"],
    "新材料": ["新材料", "先进材料", "粉末冶金", "新能源材料", "合金科技"],
    "航空航天": ["航空科技", "空天技术", "通用航空", "北斗科技", "航宇装备"],
    "新一代信息技术": ["信息科技", "智能科技", "数字技术", "电子科技", "软件"],
    "生物": ["生物医药", "药业", "生物科技", "种业", "医疗器械"],
    "节能环保": ["环保科技", "环境工程", "节能科技", "资源循环", "水务科技"],
    "新能源及智能网联汽车": ["新能源汽车", "汽车电子", "电池科技", "智行科技", "动力系统"],
    "新兴服务业": ["科技服务", "检测技术", "供应链管理", "工业设计", "物流科技"],
    "未来产业": ["量子科技", "智能机器人", "氢能科技", "半导体", "数字孪生科技"],
}

RESULT_TITLE_FORMS = ["{core}关键技术", "{core}方法及装置", "一种{core}方法", "{core}技术及其在{app}中的应用",
                      "面向{app}的{core}系统", "{core}工艺与装备"]
RESULT_ABSTRACT_FORMS = [
    "本成果针对{app}领域{t0}存在的瓶颈，提出了{core}的新方法。团队在{t1}和{t2}方面取得突破，"
    "建立了{t3}模型，经中试验证关键指标优于同类产品，可在{app}等场景推广应用。",
    "围绕{core}，本成果综合运用{t0}、{t1}与{t2}技术，形成了完整的工艺路线和核心装置，"
    "已申请发明专利，适用于{app}的升级改造，能够显著降低成本、提升{t3}性能。",
    "成果面向{app}，研发了基于{t1}的{core}技术，解决了{t0}精度低、稳定性差的问题；"
    "配套{t2}与{t3}软硬件，已在省内企业开展示范应用。",
]
DEMAND_TITLE_FORMS = ["{app}{short}技术需求", "寻求{app}{short}解决方案", "{app}技术攻关：{short}",
                      "{short}合作开发需求"]
DEMAND_DESC_FORMS = [
    "我公司主营{app}相关产品，目前{problem}。希望与高校或科研院所合作，在{t0}等方面联合攻关，"
    "形成可量产的技术方案。",
    "企业现状：{problem}。需求：引进或合作开发相关技术，重点解决{t1}问题，可提供中试场地和应用场景。",
    "{problem}，影响产品竞争力。拟通过技术转让、委托开发等方式寻找成熟成果，要求技术成熟度较高，"
    "能在一年内在{app}上落地。",
]
IP_TYPES = ["发明专利", "发明专利", "发明专利", "实用新型专利", "软件著作权", "技术秘密"]
TERMS = ["转让", "普通许可", "独占许可", "作价入股", "技术开发合作", "技术服务"]
SHORT_NEEDS = ["降本增效", "性能提升", "国产替代", "工艺改进", "智能化升级", "质量提升"]


def _industry_codes() -> dict[str, str]:
    """Industry name → code, from the one industry list (gaoxin/reference/industries.yaml)."""
    from gaoxin.reference import load_industries
    return {item["name"]: item["code"] for item in load_industries()}


def _zones_by_city() -> dict[str, list[str]]:
    try:
        from gaoxin.reference import load_zones
        z = load_zones()
        out: dict[str, list[str]] = {}
        for code, city in zip(z["code"], z["city_code"]):
            out.setdefault(str(city), []).append(str(code))
        return out
    except Exception:
        return {}


def _credit_codes(rng: np.random.Generator, adcodes: list[str]) -> list[str]:
    out = []
    for ad in adcodes:
        org8 = "".join(rng.choice(list("0123456789"), 8))
        out.append(make_credit_code("91" + ad + org8 + org_check_char(org8)))
    return out


def _person(rng: np.random.Generator) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN, rng.integers(1, 3)))


def _topics() -> list[tuple[str, str, list[str], str, str]]:
    """Flat list of (industry name, core, terms, application, problem)."""
    out = []
    for ind, rows in TOPICS.items():
        for row in rows:
            core, terms, app, problem = row.split("|")
            out.append((ind, core, terms.split(","), app, problem))
    return out


def generate_texts(seed: int = 20261122, n_results: int = 2000, n_demands: int = 500,
                   n_policies: int = 40, enterprises: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Synthetic results / demands / policies (示例数据), deterministic for `seed`.

    `enterprises` (optional; columns credit_code, name, zone_code, industry, and county_code or
    region_code): when given, each demand is raised by one of these enterprises, preferably of the
    demand's industry, so demands link to the enterprise library."""
    rng = np.random.default_rng(seed)
    topics = _topics()
    codes = _industry_codes()
    zones = _zones_by_city()

    # results: pick a topic, an institution, and vary the wording
    r_topic = rng.integers(0, len(topics), n_results)
    inst_p = INSTITUTION_WEIGHTS / INSTITUTION_WEIGHTS.sum()
    r_inst = rng.choice(len(INSTITUTIONS), n_results, p=inst_p)
    r_trl = np.clip(np.round(rng.normal(5, 1.8, n_results)), 1, 9).astype(int)
    results = []
    for i in range(n_results):
        ind, core, terms, app, _ = topics[r_topic[i]]
        t = list(rng.permutation(terms))
        inst, region = INSTITUTIONS[r_inst[i]]
        title = RESULT_TITLE_FORMS[rng.integers(len(RESULT_TITLE_FORMS))].format(core=core, app=app)
        abstract = RESULT_ABSTRACT_FORMS[rng.integers(len(RESULT_ABSTRACT_FORMS))].format(
            core=core, app=app, t0=t[0], t1=t[1], t2=t[2 % len(t)], t3=t[3 % len(t)])
        ip_type = IP_TYPES[rng.integers(len(IP_TYPES))]
        year = int(rng.integers(2018, 2026))
        if ip_type.endswith("专利"):
            kind = "1" if ip_type == "发明专利" else "2"
            ip_number = f"ZL{year}{kind}{rng.integers(0, 10**7):07d}.{rng.integers(0, 10)}"
        elif ip_type == "软件著作权":
            ip_number = f"{year}SR{rng.integers(0, 10**7):07d}"
        else:
            ip_number = None
        term = TERMS[rng.integers(len(TERMS))]
        price = "面议" if rng.random() < 0.4 else f"{int(rng.integers(2, 60)) * 10}万元"
        results.append({
            "code": f"CG{year}{i + 1:06d}",
            "title": title,
            "abstract": abstract,
            "keywords": "；".join(t[:3]),
            "field": codes[ind],
            "institution": inst,
            "team": f"{_person(rng)}教授团队",
            "trl": int(r_trl[i]),
            "ip_type": ip_type,
            "ip_number": ip_number,
            "terms": f"{term}，{price}",
            "region_code": region,
            "is_demo": True,
        })

    # demands: an enterprise in a zone city states a need taken from a topic's demand side
    cities = list(CITY_WEIGHTS)
    cw = np.array([CITY_WEIGHTS[c] for c in cities], float)
    d_city = rng.choice(len(cities), n_demands, p=cw / cw.sum())
    d_topic = rng.integers(0, len(topics), n_demands)
    city_codes = [cities[k] for k in d_city]
    credit = _credit_codes(rng, city_codes)
    base = date(2026, 12, 31)
    demands = []
    for i in range(n_demands):
        ind, core, terms, app, problem = topics[d_topic[i]]
        t = list(rng.permutation(terms))
        city = city_codes[i]
        name = (f"{CITIES[city]}{ENT_WORDS[rng.integers(len(ENT_WORDS))]}"
                f"{ENT_SUFFIX[ind][rng.integers(len(ENT_SUFFIX[ind]))]}有限公司")
        short = SHORT_NEEDS[rng.integers(len(SHORT_NEEDS))]
        zone_list = zones.get(city)
        demands.append({
            "code": f"XQ2026{i + 1:05d}",
            "credit_code": credit[i],
            "enterprise_name": name,
            "zone_code": zone_list[rng.integers(len(zone_list))] if zone_list else None,
            "title": DEMAND_TITLE_FORMS[rng.integers(len(DEMAND_TITLE_FORMS))].format(app=app, short=short),
            "description": DEMAND_DESC_FORMS[rng.integers(len(DEMAND_DESC_FORMS))].format(
                app=app, problem=problem, t0=t[0], t1=t[1]),
            "field": codes[ind],
            "budget_wan": float(np.round(np.exp(rng.normal(4.2, 0.8)), 0)),
            "deadline": base + timedelta(days=int(rng.integers(0, 540))),
            "region_code": city,
            "is_demo": True,
        })

    if enterprises is not None and len(enterprises):
        _link_enterprises(demands, enterprises, np.random.default_rng(seed + 1))
    policies = _policies(rng, n_policies, codes)
    return {"results": pd.DataFrame(results), "demands": pd.DataFrame(demands), "policies": policies}


def _link_enterprises(demands: list[dict], ent: pd.DataFrame, rng: np.random.Generator) -> None:
    """Re-assign each demand to a real (generated) enterprise of the same industry when one exists."""
    ent = ent.reset_index(drop=True)
    by_ind = {k: np.flatnonzero((ent["industry"] == k).to_numpy()) for k in ent["industry"].dropna().unique()} \
        if "industry" in ent else {}
    region_col = "county_code" if "county_code" in ent else ("region_code" if "region_code" in ent else None)
    for d in demands:
        pool = by_ind.get(d["field"])
        i = int(rng.choice(pool)) if pool is not None and len(pool) else int(rng.integers(len(ent)))
        d["credit_code"] = ent["credit_code"].iat[i]
        d["enterprise_name"] = ent["name"].iat[i]
        if "zone_code" in ent and pd.notna(ent["zone_code"].iat[i]):
            d["zone_code"] = ent["zone_code"].iat[i]
        if region_col and pd.notna(ent[region_col].iat[i]):
            d["region_code"] = str(ent[region_col].iat[i])


def _policies(rng: np.random.Generator, n: int, codes: dict[str, str]) -> pd.DataFrame:
    """Policy library: the cited templates in gaoxin/matching/data/policies.yaml first (amounts from
    the seeds, with their source), then synthetic industry-support policies (示例) up to n."""
    from gaoxin.matching.policy import load_policy_templates  # data file with sources
    rows = []
    for k, tpl in enumerate(load_policy_templates()):
        if len(rows) >= n:
            break
        rows.append({
            "code": f"ZC{k + 1:04d}", "title": tpl["title"], "issuer": tpl.get("issuer"),
            "text": tpl.get("text"), "eligible_rungs": list(tpl.get("eligible_rungs") or []),
            "eligible_industries": [codes.get(x, x) for x in (tpl.get("eligible_industries") or [])],
            "amount": tpl.get("amount"), "source": tpl.get("source"), "is_demo": True,
        })
    issuers = ["湖南省科学技术厅", "湖南省工业和信息化厅", "长沙市科学技术局", "株洲市科学技术局",
               "湘潭市科学技术局", "衡阳市科学技术局", "长沙高新区管委会", "湘潭高新区管委会"]
    rung_sets = [["tech_sme"], ["tech_sme", "eaglet"], ["hnte"], ["hnte", "gazelle"], ["gazelle", "little_giant"],
                 ["little_giant", "listed_leader"], []]
    names = list(TOPICS)
    k = len(rows)
    while len(rows) < n:
        ind = names[rng.integers(len(names))]
        issuer = issuers[rng.integers(len(issuers))]
        rungs = rung_sets[rng.integers(len(rung_sets))]
        core = TOPICS[ind][rng.integers(len(TOPICS[ind]))].split("|")[0]
        rows.append({
            "code": f"ZC{k + 1:04d}",
            "title": f"关于支持{ind}产业{core}等关键技术攻关的若干措施（示例）",
            "issuer": issuer,
            "text": (f"为加快{ind}产业发展，对在{core}等方向开展关键核心技术攻关、承接高校院所成果转化的企业，"
                     f"按项目研发投入给予一定比例补助。本条为示例数据，金额与条件须以正式文件为准。"),
            "eligible_rungs": rungs,
            "eligible_industries": [codes[ind]],
            "amount": "示例：按研发投入的一定比例补助，具体以正式文件为准",
            "source": "示例数据（合成）",
            "is_demo": True,
        })
        k += 1
    return pd.DataFrame(rows)
