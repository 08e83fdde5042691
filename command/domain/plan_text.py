"""What a plan's sentences say, read with patterns (pure): levels, incident types, substances,
deadlines, casualties, phone numbers. The vocabulary of Chinese emergency plans (GB/T 29639-2020)
and its usual English equivalents; ``plan_document`` assembles a draft split from these."""

from __future__ import annotations

import re

# Headings name the part of the plan they open. First match wins: the more specific words come first.
KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("scenarios", ("现场处置方案", "处置卡", "处置方案", "scenario card", "on-site disposal")),
    ("prevention", ("预警分级", "预警级别")),
    ("levels", ("响应分级", "分级响应", "响应级别", "响应等级", "分级标准", "事故分级", "事件分级", "response level")),
    ("termination", ("应急结束", "响应结束", "响应终止", "应急终止", "终止条件", "结束条件", "termination")),
    ("reporting", ("信息报告", "报告程序", "信息上报", "事故报告", "报告与", "reporting")),
    ("protection", ("个体防护", "防护措施", "安全防护", "防护装备", "protective")),
    ("hazards", ("危险源", "风险分析", "风险评估", "危险性分析", "事故风险", "危险目标", "风险辨识", "风险描述",
                 "hazard", "risk")),
    ("organisation", ("组织机构", "组织体系", "职责", "指挥机构", "organisation", "organization", "responsibilit")),
    ("prevention", ("预防", "预警", "监测", "prevention", "warning")),
    ("measures", ("处置措施", "应急处置", "处置程序", "救援措施", "处置要点", "measures", "disposal")),
    ("response", ("应急响应", "响应程序", "响应启动", "响应", "response")),
    ("support", ("保障", "support")),
    ("contacts", ("通讯录", "联系方式", "联系电话", "通讯", "contacts")),
    ("attachments", ("附件", "附录", "附表", "annex", "appendix")),
    ("general", ("总则", "适用范围", "编制目的", "编制依据", "工作原则", "general")),
    ("levels", ("分级",)),  # a bare "2 分级" heading: last, so any more specific part wins
)


def section_kind(heading: str) -> str:
    h = heading.lower()
    for kind, words in KIND_WORDS:
        if any(w in h for w in words):
            return kind
    return "other"


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def cn_number(s: str) -> int | None:
    """Arabic or Chinese numerals below 1000 ("15", "十五", "三十", "一百二十")."""
    s = s.strip()
    if s.isdigit():
        return int(s)
    if not s or any(c not in _CN_DIGITS and c not in "十百" for c in s):
        return None
    total, cur = 0, 0
    for c in s:
        if c == "百":
            total += (cur or 1) * 100
            cur = 0
        elif c == "十":
            total += (cur or 1) * 10
            cur = 0
        else:
            cur = _CN_DIGITS[c]
    return total + cur


_NUM = r"(\d+|[零〇一二两三四五六七八九十百]+)"

# Longest first so "IV" is not read as "I".
_LEVEL = re.compile(r"(Ⅳ|Ⅲ|Ⅱ|Ⅰ|IV|III|II|I|四|三|二|一|4|3|2|1)\s*级")
_LEVEL_MAP = {"Ⅰ": "I", "Ⅱ": "II", "Ⅲ": "III", "Ⅳ": "IV", "I": "I", "II": "II", "III": "III", "IV": "IV",
              "一": "I", "二": "II", "三": "III", "四": "IV", "1": "I", "2": "II", "3": "III", "4": "IV"}
_SEVERITY = (("特别重大", "I"), ("重大", "II"), ("较大", "III"), ("一般", "IV"))
_EN_LEVEL = re.compile(r"\blevel\s+(IV|III|II|I|4|3|2|1)\b", re.I)


def levels_in(text: str) -> list[str]:
    """Response levels a sentence names, in order of appearance, without repeats."""
    found: list[tuple[int, str]] = [(m.start(), _LEVEL_MAP[m.group(1)]) for m in _LEVEL.finditer(text)]
    found += [(m.start(), _LEVEL_MAP[m.group(1).upper()]) for m in _EN_LEVEL.finditer(text)]
    out: list[str] = []
    for _, lv in sorted(found):
        if lv not in out:
            out.append(lv)
    return out


def severity_level(text: str) -> str | None:
    """特别重大 / 重大 / 较大 / 一般 at the start of a grading sentence → I..IV."""
    head = text[:12]
    for word, lv in _SEVERITY:
        if word in head:
            return lv
    return None


INCIDENT_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("fire", ("火灾", "着火", "起火", "燃烧", "火情", "fire")),
    ("explosion", ("爆炸", "爆燃", "explosion")),
    ("leak", ("泄漏", "泄露", "跑料", "冒罐", "leak", "spill")),
    ("gas", ("中毒", "窒息", "有毒气体", "可燃气体", "毒气", "toxic", "gas")),
    ("smoke", ("烟雾", "冒烟", "烟火", "smoke")),
)


def incident_types_in(text: str) -> list[str]:
    t = text.lower()
    return [kind for kind, words in INCIDENT_WORDS if any(w in t for w in words)]


# Hazardous chemicals common in Chinese parks (the GB 18218 / 重点监管危险化学品 names a plan uses).
SUBSTANCES: tuple[str, ...] = (
    "液化石油气", "液化天然气", "天然气", "氢气", "氯气", "液氯", "液氨", "氨气", "氨", "硫化氢", "一氧化碳",
    "光气", "氰化氢", "二氧化硫", "甲醇", "乙醇", "苯乙烯", "甲苯", "二甲苯", "苯", "丙烯腈", "丙烯", "乙烯",
    "环氧乙烷", "环氧丙烷", "氯乙烯", "丙酮", "汽油", "柴油", "煤油", "石脑油", "原油", "硫酸", "盐酸", "硝酸",
    "氢氧化钠", "过氧化氢", "甲醛", "乙炔", "丁二烯", "二硫化碳", "氯苯", "硝基苯", "苯胺", "溶剂油", "导热油",
)


def substances_in(text: str) -> list[str]:
    out: list[str] = []
    for s in SUBSTANCES:
        # "苯" inside "甲苯" is not a second substance: skip names contained in one already found.
        if s in text and not any(s in f for f in out):
            out.append(s)
    return out


_MINUTES = re.compile(_NUM + r"\s*(分钟|min|minutes)")
_HOURS = re.compile(r"(\d+(?:\.\d+)?|[一二两三四五六七八九十]+)\s*(个)?\s*(小时|h\b|hours?)")


def minutes_in(text: str) -> int | None:
    """The first deadline a sentence states ("30分钟内", "1小时内", "半小时内", "within 15 minutes")."""
    cands: list[tuple[int, int]] = []
    for m in _MINUTES.finditer(text):
        n = cn_number(m.group(1))
        if n is not None:
            cands.append((m.start(), n))
    for m in _HOURS.finditer(text):
        raw = m.group(1)
        n = float(raw) if raw[0].isdigit() else cn_number(raw)
        if n is not None:
            cands.append((m.start(), int(round(float(n) * 60))))
    if "半小时" in text:
        cands.append((text.index("半小时"), 30))
    return min(cands)[1] if cands else None


_CASUALTIES = re.compile(_NUM + r"\s*人(?:以上)?(?:（含）|\(含\))?(?:以上)?[^，。；]{0,6}?(?:死亡|重伤|伤亡|中毒|受伤)")


_RANGE = re.compile(_NUM + r"\s*(?:-|—|～|~|至|到)\s*" + _NUM + r"\s*人")


def casualties_in(text: str) -> int:
    """The smallest casualty count a level's condition names (its threshold), else 0; a range
    ("3-9人死亡") is read from its lower bound."""
    text = _RANGE.sub(lambda m: m.group(1) + "人", text)
    counts = [n for m in _CASUALTIES.finditer(text) if (n := cn_number(m.group(1))) is not None]
    return min(counts) if counts else 0


COLOURS = (("红色", "red"), ("橙色", "orange"), ("黄色", "yellow"), ("蓝色", "blue"))


def colours_in(text: str) -> list[str]:
    return [en for zh, en in COLOURS if zh in text or en in text.lower()]


# Mobile numbers, landlines with area code, and the public emergency numbers.
PHONE = re.compile(r"(?<![\d\-])(1[3-9]\d{9}|0\d{2,3}[-\s]?\d{7,8}|\+?86[-\s]?1[3-9]\d{9}|119|120|110|12350)(?![\d\-])")


def phones_in(text: str) -> list[str]:
    return [m.group(1) for m in PHONE.finditer(text)]


def mask_phone(phone: str) -> str:
    """How a phone number may appear in a log or message: the last four digits only."""
    digits = re.sub(r"\D", "", phone)
    return "*" * max(len(digits) - 4, 0) + digits[-4:]


def mask_phones(text: str) -> str:
    return PHONE.sub(lambda m: mask_phone(m.group(1)), text)


ZONES: tuple[str, ...] = ("重度危险区", "中度危险区", "轻度危险区", "热区", "暖区", "冷区", "核心区", "隔离区", "警戒区",
                          "洗消区", "hot zone", "warm zone", "cold zone")

RESOURCE_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("vehicle", ("车", "vehicle", "truck", "ambulance")),
    ("expert", ("专家", "expert")),
    ("shelter", ("避难", "安置", "shelter")),
    ("medical_point", ("医院", "医疗点", "救护站", "hospital")),
    ("team", ("队", "team")),
)


def resource_kind(name: str) -> str:
    n = name.lower()
    for kind, words in RESOURCE_KINDS:
        if any(w in n for w in words):
            return kind
    return "material"


UNITS = ("台", "辆", "具", "套", "件", "个", "只", "吨", "桶", "箱", "袋", "支", "部", "把", "副", "组", "千克", "公斤",
         "kg", "t", "立方米", "m3", "米", "m", "名", "人", "顶", "张", "块", "瓶", "卷")
_QTY = re.compile(r"(?P<name>[\u4e00-\u9fa5A-Za-z（）()]{2,16}?)\s*[：:]?\s*(?P<q>\d+(?:\.\d+)?)\s*(?P<unit>"
                  + "|".join(sorted(map(re.escape, UNITS), key=len, reverse=True)) + r")(?![\u4e00-\u9fa5]{0,1}[内后前])")

_NOT_RESOURCES = ("分钟", "小时", "人员", "以上", "以下", "伤亡", "死亡", "受伤", "公里", "米范围", "距离", "半径")


def quantities_in(text: str) -> list[tuple[str, float, str]]:
    """(name, quantity, unit) of the equipment a sentence lists ("泡沫灭火剂10吨、空气呼吸器20具")."""
    out = []
    for m in _QTY.finditer(text):
        name = re.split(r"配备|储备|设有|共有|现有|备有|配置|其中|包括|存放|设置", m.group("name"))[-1]
        name = re.sub(r"^(有|及|和|、)+", "", name).strip("（(）) ")
        if len(name) < 2 or any(w in name for w in _NOT_RESOURCES) or any(w in m.group(0) for w in ("分钟", "小时")):
            continue
        out.append((name, float(m.group("q")), m.group("unit")))
    return out


def items_of(text: str) -> list[str]:
    """An enumeration split into its items ("A、B、C等" → [A, B, C])."""
    body = re.sub(r"(等(内容|信息|情况)?|等等)[。.]?$", "", text.strip().rstrip("。.；;"))
    parts = re.split(r"[、；;，,]|以及|及其|和(?=[\u4e00-\u9fa5]{2,})", body)
    return [p.strip(" （）()") for p in parts if 1 < len(p.strip(" （）()")) <= 200]


# --- GB/T 29639-2020's parts, for documents that lost their numbering and heading styles ---------
# A plan's documents (rank 1), a named plan or card (rank 2, "火灾事故专项应急预案", "储罐火灾处置卡"), the
# chapters of a plan (rank 3) and their sections (rank 4) carry the standard's names, so a bare line that
# is one of them is a heading even where a .txt export dropped Word's numbering.
PLAN_DOCUMENTS = ("综合应急预案", "专项应急预案", "现场处置方案", "现场处置卡", "处置方案", "处置卡", "附件", "附录")
_NAMED_PLAN = ("应急预案", "现场处置方案", "处置方案", "处置卡")
CHAPTERS = ("总则", "应急组织机构及职责", "组织机构及职责", "应急组织体系", "应急响应", "后期处置", "应急保障",
            "保障措施")
SECTIONS = ("适用范围", "编制目的", "编制依据", "工作原则", "预案体系", "响应分级", "事故分级", "风险分析", "事故风险",
            "危险性分析", "指挥机构", "信息报告", "预警", "响应启动", "响应程序", "应急处置", "处置措施", "处置程序",
            "应急支援", "响应终止", "应急结束", "应急工作职责", "注意事项", "通信与信息保障", "应急队伍保障",
            "物资装备保障", "其他保障", "个体防护", "预警启动", "响应准备", "预警解除", "应急会议", "资源协调",
            "信息公开", "信息传递", "信息处置", "信息研判", "后勤保障", "现场恢复", "事故调查", "善后处置")


def part_rank(title: str) -> int | None:
    """How high a heading of the standard's vocabulary sits: 1 a plan document (综合应急预案, 现场处置方案,
    附件), 2 a named plan or card, 3 a chapter, 4 a section; None when the title is none of these."""
    t = title.strip()
    if t in PLAN_DOCUMENTS or re.match(r"^(附件|附录)\s*\d*", t):
        return 1
    if t.endswith(_NAMED_PLAN):
        return 2
    if t in CHAPTERS:
        return 3
    if t.startswith(SECTIONS):
        return 4
    return None


# Verbs of a response step: what someone does when the plan is active. A paragraph of the response
# part with none of them describes (a definition, a principle, how equipment behaves): it is no step.
ACTION_WORDS = (
    "立即", "迅速", "马上", "第一时间", "组织", "启动", "报告", "上报", "报警", "通知", "拨打", "呼叫", "疏散",
    "撤离", "撤出", "切断", "关闭", "停止", "停机", "断电", "设立", "设置", "划定", "警戒", "隔离", "封锁", "管制",
    "救治", "抢救", "救护", "急救", "救援", "搜救", "送往", "送医", "转移", "转运", "安置", "赶赴", "到达", "实施",
    "开展", "负责", "调集", "调动", "调配", "联系", "灭火", "扑救", "扑灭", "冷却", "堵漏", "监测", "检测", "清点",
    "核实", "确认", "召开", "下达", "宣布", "发布", "使用", "佩戴", "穿戴", "协助", "配合", "维持", "引导", "控制",
    "处置", "处理", "包扎", "固定", "复苏", "按压", "清理", "恢复", "取证", "调查", "布置", "部署", "指挥", "协调",
    "派", "安排", "启用", "打开", "开启", "关停", "排查", "检查", "收集", "洗消", "覆盖", "稀释", "吸附", "回收",
    "制定", "提出", "请求", "求援", "增援", "救出", "移至", "抬", "脱离", "拉闸", "送", "提供", "保护", "搜寻",
)
# A definition or a reference ("程序包括…三个阶段", "详见各现场处置方案") says what a part holds, not what to do.
_DESCRIBES = re.compile(r"包括|分为|是指|指的是|详见|见附件|见下图|如下图|主要有|由以下")
# "应" as "shall", not inside 响应 / 相应 / 应急 / 供应.
_MODAL = re.compile(r"(?<![响相适对反供])应(?![急用])|要|必须|须|立即|迅速|负责|马上|第一时间")


_URGENT = ("立即", "迅速", "马上", "第一时间", "尽快")


def is_caption(text: str) -> bool:
    """A short line without punctuation or urgency ("应急响应流程图", "电动机的火灾扑救方法", "普通火灾处置"):
    the title of a figure or of the steps below it, not a step."""
    t = text.strip()
    return len(t) <= 20 and not re.search(r"[。；;，,：:！!？?]", t) and not any(w in t for w in _URGENT)


def is_step(text: str) -> bool:
    """Whether a paragraph of a response part is something to do (a step) rather than a description."""
    t = text.strip()
    if is_caption(t) or (t.endswith(("：", ":")) and re.search(r"如下|以下|下列", t)):
        return False
    if _DESCRIBES.search(t) and not _MODAL.search(t):
        return False
    return any(w in t for w in ACTION_WORDS)


# Who can receive a report or carry out a duty: an office, a body or a person in post.
ACTOR_END = r"(?:局|部门|部|中心|指挥部|总指挥|指挥|指挥长|负责人|经理|主任|领导|政府|单位|办公室|值班室|委员会|组|组长|队|站|人员|人|员|班长|主管)"
