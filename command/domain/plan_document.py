"""Draft a plan's digital split from its document (PLAN-5), pure: paragraphs in, a draft out.

A plan written to GB/T 29639-2020 has a known shape: numbered headings (总则, 组织机构及职责, 应急响应,
响应分级, 处置措施, 现场处置方案, 应急保障, 附件...) and, under each, sentences of known kinds (a role and
its duty, a level and its condition, a deadline, a list of equipment, a phone table). The draft
reads the outline first, then reads each paragraph for the items its part of the plan holds.

Every item keeps ``source``: the paragraph it came from, so the plan manager can check the draft
beside the document. What fits no item is listed in ``unplaced``; guesses the reviewer must confirm
(a role assigned because the text named none, a placeholder for a part the document lacks) are
listed in ``guesses``. Nothing is dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from command.domain import plan_text as tx
from command.domain.plan_headings import (BARE_HEADING_MAX, STEP_PARTS, Head, Paragraph, bare_heading_depth, card_of,
                                           closes_card, has_heading_style, heading_depth, is_plan_name,
                                           starts_with_list_mark, strip_list_mark, strip_number)
from command.domain.plan_schema import StructuredPlan, parse


@dataclass
class Draft:
    title: str
    plan_level: str  # 综合 / 专项 / 现场处置 / ""
    hazard_types: list[str]
    structured: StructuredPlan
    headings: list[int]  # paragraph indexes that are headings
    placed: dict[int, list[str]]  # paragraph → the split paths drafted from it
    unplaced: list[dict]
    guesses: list[dict]
    missing: list[str]
    sections: dict[int, str] = field(default_factory=dict)  # paragraph → the kind of part it is in

    def report(self) -> dict:
        body = [i for i in self.sections if i not in self.headings]
        return {"title": self.title, "plan_level": self.plan_level, "hazard_types": self.hazard_types,
                "paragraphs": len(self.sections), "headings": len(self.headings),
                "placed": len([i for i in body if i in self.placed]), "body_paragraphs": len(body),
                "unplaced": self.unplaced, "guesses": self.guesses, "missing": self.missing,
                "placed_by_paragraph": {str(k): v for k, v in sorted(self.placed.items())},
                "sections": {str(k): v for k, v in sorted(self.sections.items())}}


# --- drafting -----------------------------------------------------------------------------------

_ROLE_SUFFIX = r"(?:总指挥|副总指挥|指挥长|副指挥长|指挥部|指挥|办公室|领导小组|小组|组长|副组长|组|队长|队|部|中心|主任|经理|班长|人员|员|长|负责人)"
_ROLE_DUTY = re.compile(r"^(?P<role>[\u4e00-\u9fa5A-Za-z]{1,18}?" + _ROLE_SUFFIX + r")(?:的)?(?:主要)?(?:职责|职能|任务)?"
                        r"\s*(?:[：:]|负责|职责[为是]?)\s*(?P<duty>.+)$")
_ROLE_HEADING = re.compile(r"^(?P<role>.{0,18}?" + _ROLE_SUFFIX + r")(?:的)?(?:主要)?(?:职责|职能|任务)?$")
_REPORT_TO = re.compile(r"(?:向|报告给|报告至|报送|上报至|上报给)\s*(?P<to>[\u4e00-\u9fa5A-Za-z（）()、]{2,40}?)"
                        r"\s*(?:报告|上报|汇报|报送|报警|[，,。；]|$)")
# "应立即上报现场负责人": the recipient as the object of 上报 / 报告, at the end of its clause.
_REPORT_OBJ = re.compile(r"(?:上报|报告)(?P<to>[\u4e00-\u9fa5A-Za-z（）()、]{2,40})$")
_ACTOR = re.compile(tx.ACTOR_END + r"$")
# The reporter: a clause's subject, cut where its verb begins ("现场负责人接到报告后", "园区应急指挥中心接报后
# 应在15分钟内"), or the agent after 由 ("应由总指挥在1小时内").
_VERB_START = r"(?=在|于|接到|接报|收到|发现|应当|应(?!急)|须|必须|要|立即|第一时间|迅速|根据|按照|负责|决定|核实|研判|向|上报|报告)"
# A clause that opens with a verb, a modal or a condition ("应立即上报…", "并把情况向…") has no subject.
_SUBJECT = re.compile(r"^(?!应(?!急)|须|要|立即|迅速|及时|并|且|把|将|向|上报|报告|需要|如|若|当|在|于|对|由)(?P<who>[\u4e00-\u9fa5A-Za-z]{0,24}?" + tx.ACTOR_END + r")" + _VERB_START)
_AGENT = re.compile(r"由(?P<who>[\u4e00-\u9fa5A-Za-z]{0,24}?" + tx.ACTOR_END + r")" + _VERB_START)
_CONTENTS = re.compile(r"(?:报告|上报)(?:的)?内容(?:应|主要|一般)?(?:包括|包含|有)?[：:]?(?P<items>.+)")
_WEAR = re.compile(r"(?:佩戴|穿戴|穿着|配备|配戴|使用|穿)(?P<items>[^。；]+)")
_PLAN_LEVEL = (("综合应急预案", "综合"), ("专项应急预案", "专项"), ("现场处置方案", "现场处置"))
_TITLE_NOISE = ("火灾", "爆炸", "泄漏", "中毒", "应急预案", "专项", "综合", "现场处置方案", "有限公司", "有限责任公司", "股份", "集团", "公司", "园区",
                "化工", "突发", "事件", "事故", "生产安全", "安全生产")
_HEADER_WORDS = ("姓名", "电话", "职务", "名称", "数量", "单位", "序号", "联系方式", "岗位", "部门", "存放", "规格",
                 "name", "phone", "quantity")
_COMMANDER_WORDS = ("总指挥", "指挥长", "应急指挥部", "指挥部", "现场指挥")
# A member's title inside a unit ("组长：李某", "成员：…"): the unit is the role, not its 组长.
_MEMBER_TITLES = ("组长", "副组长", "成员", "组员", "队员", "各成员")
# The collective of the units ("应急救援小组"), not one of them.
_COLLECTIVE = re.compile(r"^(?:应急|救援|专业|工作|现场|处置)*(?:小组|组|队|工作组|专业组)$")
# A roster: the value of "副总指挥：钱某" or "成员：孙某、周某" is people's names, not a duty.
_ROSTER = re.compile(r"^[\u4e00-\u9fa5]{2,4}(?:\s*[、，,；;\s]\s*[\u4e00-\u9fa5]{2,4})*[。；;]?$")


def is_role_name(name: str) -> bool:
    """Whether a name names one role of the organisation. Not a group of them ("医疗救护组等5个应急救援
    小组", "各成员", "若干…"), nor a member's title, nor the collective of the units."""
    n = name.strip()
    if not n or "等" in n or "若干" in n or n.startswith(("各", "全体", "其他", "其它", "有关", "相关")):
        return False
    if re.search(r"[\d一二三四五六七八九十两]+\s*[个支名]", n):
        return False
    return n not in _MEMBER_TITLES and not _COLLECTIVE.match(n)


def _is_unit_heading(title: str) -> bool:
    """A heading that is a unit's name ("抢险救援组", "通讯联络组"): under the organisation part it opens
    that unit's duties, whatever its words (通讯, 保障) would otherwise say."""
    m = _ROLE_HEADING.match(title.strip())
    return bool(m) and len(title.strip()) <= BARE_HEADING_MAX and is_role_name(m.group("role"))


class _Builder:
    def __init__(self, paragraphs: list[Paragraph], filename: str):
        self.ps = [p for p in paragraphs if p.text.strip() or p.cells]
        self.filename = filename
        self.placed: dict[int, list[str]] = {}
        self.guesses: list[dict] = []
        self.missing: list[str] = []
        self.sections: dict[int, str] = {}
        self.headings: list[int] = []
        self.outline: list[dict] = []
        self.org: dict[str, dict] = {}
        self.levels: dict[str, dict] = {}
        self.cards: list[dict] = []
        self.resources: list[dict] = []
        self.notifications: list[dict] = []
        self.hazards: list[dict] = []
        self.scenarios: list[dict] = []
        self.reporting: dict = {"chain": [], "contents": []}
        self.protection: list[dict] = []
        self.termination: list[dict] = []
        self.contacts: list[dict] = []
        self.title = ""
        self.header: list[str] | None = None
        # A lead-in ("...为Ⅰ级事件：", "报告内容包括：") opens a list: the paragraphs after it, up to the
        # next heading, are its items.
        self.open_level: str | None = None
        self.open_contents: bool | str = False  # False, or "open" / "marked" / "plain" once items come
        # A document that styles its headings is trusted: only the plan documents' separators (综合应急
        # 预案, 现场处置方案), often set as cover text, are taken from bare lines there.
        self.styled = any(has_heading_style(p) for p in self.ps)
        self.step_parts: set[int] = set()  # cards (by heading paragraph) that have a 应急处置 sub-part

    def place(self, p: Paragraph, path: str) -> None:
        self.placed.setdefault(p.index, []).append(path)

    # The outline: each paragraph's part of the plan, and the chain of headings above it.
    def read_outline(self) -> list[tuple[Paragraph, list[Head]]]:
        chain: list[Head] = []
        card: dict | None = None  # the open scenario card: its depth, and how far its flat sub-parts shift
        out = []
        for p in self.ps:
            depth = heading_depth(p)
            if depth == 0 or (not self.title and depth is None and is_plan_name(p.text)
                              and len(p.text) <= 60 and not self.headings):
                self.title = self.title or p.text.strip()
                self.headings.append(p.index)
                self.sections[p.index] = "general"
                continue
            if depth is None and not p.cells:
                depth = self.bare_depth(p, chain)
            if depth is not None:
                title = strip_number(p.text)
                depth, card = self.depth_in_card(depth, title, card)
                kind = self.heading_kind(title, depth, chain)
                chain = [c for c in chain if c.depth < depth]
                is_card = kind == "scenarios" and (tx.part_rank(title) == 2 or any(
                    c.kind == "scenarios" and not c.card for c in chain))
                owner = card_of(chain)
                if owner is not None and kind in STEP_PARTS:
                    self.step_parts.add(owner.index)
                chain.append(Head(depth, kind, title, p.index, is_card))
                if is_card:
                    card = {"depth": depth, "shift": 0}
                self.headings.append(p.index)
                self.outline.append({"title": p.text.strip()[:300], "depth": min(depth, 6), "kind": kind,
                                     "source": p.index})
                self.place(p, f"outline.{len(self.outline) - 1}")
            self.sections[p.index] = next((c.kind for c in reversed(chain) if c.kind != "other"), "other")
            out.append((p, list(chain)))
        return out

    def bare_depth(self, p: Paragraph, chain: list[Head]) -> int | None:
        """The depth of a bare line that is a heading (see ``bare_heading_depth``), else None."""
        depth = bare_heading_depth(p.text)
        if self.styled:
            return depth if depth is not None and depth <= 2 else None
        in_org = any(c.kind == "organisation" for c in chain)
        if depth is None and in_org and _is_unit_heading(p.text) and not re.search(r"[。；;，,：:]", p.text):
            return 6  # "抢险救援组" on its own line: the unit's duties follow
        return depth

    @staticmethod
    def depth_in_card(depth: int, title: str, card: dict | None) -> tuple[int, dict | None]:
        """A card's sub-parts set at the card's own level (紫楹台: "（一）火灾事故现场处置方案" and its "应急
        处置" both Heading 1) are moved one level below it, until another card or a chapter ends it."""
        if card is None:
            return depth, None
        if depth < card["depth"] or closes_card(title):
            return depth, None
        if depth + card["shift"] <= card["depth"]:
            card["shift"] = card["depth"] + 1 - depth
        return depth + card["shift"], card

    @staticmethod
    def heading_kind(title: str, depth: int, chain: list[Head]) -> str:
        kind = tx.section_kind(title)
        parent = next((c for c in reversed(chain) if c.depth < depth and c.kind != "other"), None)
        if parent is not None and parent.kind == "organisation" and _is_unit_heading(title):
            return "organisation"  # "通讯联络组", "后勤保障组": a unit, not the contacts or support part
        if kind != "other" or parent is None:
            return kind
        # "7.1 泄漏处置" under "7 处置措施" is part of the measures; a card's unnamed sub-part ("注意
        # 事项") is the card's notes, not a card of its own.
        return "other" if parent.card else parent.kind

    def read(self) -> None:
        body = self.read_outline()
        # Roles first: action cards name them, so the organisation must be known before the measures.
        for p, chain in body:
            # A card's 应急工作职责 are the duties on the scene, not the plan's organisation.
            if p.index not in self.headings and not p.cells and self.sections[p.index] == "organisation" \
                    and card_of(chain) is None:
                self.read_role(p, chain)
        for p, chain in body:
            if p.index in self.headings:
                continue
            kind = self.sections[p.index]
            if chain != getattr(self, "_chain", None):
                self._chain = chain
                self.open_level, self.open_contents = None, False
            if not p.cells:
                self.header = None
            elif self.read_header(p):
                continue
            self.read_contacts(p)
            if p.cells:
                self.read_table_row(p, kind)
                continue
            text = strip_list_mark(p.text)
            card = card_of(chain)
            if card is not None:
                self.read_card(p, text, chain, card)
            else:
                self.reader(kind)(p, text, chain)
            if kind in ("response", "measures", "prevention", "reporting", "levels"):
                self.read_notification(p, text, chain)
            if kind in ("support", "measures", "response", "attachments", "other", "prevention"):
                self.read_resources(p, text, chain)

    # --- per part -------------------------------------------------------------------------------
    def read_role(self, p: Paragraph, chain: list[tuple[int, str, str]]) -> None:
        # "组  长：冯某", "总 指 挥：赵某": a .txt export pads short titles with spaces.
        text = re.sub(r"(?<=[\u4e00-\u9fa5])\s+(?=[\u4e00-\u9fa5])", "", strip_list_mark(p.text))
        m = _ROLE_DUTY.match(text)
        if not m and self.read_units(p, text):
            return
        if m and _ROSTER.match(m.group("duty").strip()):
            # "副总指挥：钱某", "组长：李某": who holds the post; the post is a role, a member's title is not.
            if is_role_name(m.group("role")):
                self.add_role(m.group("role"), "", p)
            return
        if m and len(m.group("duty")) >= 2 and is_role_name(m.group("role")):
            self.add_role(m.group("role"), m.group("duty"), p)
            return
        if text.endswith(("：", ":")) and len(text) <= 10:
            return  # "主要职责：" leads the duties in
        # "3.2.1 总指挥职责" as a heading, the duties in the paragraphs under it.
        hm = _ROLE_HEADING.match(chain[-1][2]) if chain else None
        if hm and chain[-1][1] == "organisation" and is_role_name(hm.group("role")):
            self.add_role(hm.group("role"), text, p)

    def read_units(self, p: Paragraph, text: str) -> bool:
        """"指挥部下设A、B、C" names the units without their duties: each becomes a role."""
        found = False
        # Clause by clause: "体系由A和B组成。…指挥部下设5个小组，接受总指挥和副总指挥的领导" names two units
        # in its first clause and none in the others (the units are listed with 、 and 和, not commas).
        for clause in re.split(r"[。；;，,]", text):
            m = re.search(r"(?:下设|设立|设置|包括|由)(?P<items>.+?)(?:组成)?$", clause.strip())
            if not m:
                continue
            # "A、B、C等5个应急救援小组": the list ends at 等; what follows counts the units.
            items = re.sub(r"等[^、，,]*$", "", m.group("items"))
            units = [u for u in tx.items_of(items) if re.search(_ROLE_SUFFIX + "$", u) and len(u) <= 20]
            if len(units) < 2:
                continue
            for u in units:
                if u not in self.org and is_role_name(u):
                    self.org[u] = {"role": u, "duty": "", "source": p.index}
            found = True
        if found:
            self.place(p, "organisation")
        return found

    def add_role(self, role: str, duty: str, p: Paragraph) -> None:
        role = role.strip()[:200]
        if role in self.org:
            self.org[role]["duty"] = "；".join(d for d in (self.org[role]["duty"], duty.strip()) if d)[:4000]
        else:
            self.org[role] = {"role": role, "duty": duty.strip()[:4000], "source": p.index}
        self.place(p, f"organisation.{list(self.org).index(role)}")

    def read_general(self, p: Paragraph, text: str, chain: list) -> None:
        pass  # 总则 is context: kept in the plan's body, listed as unplaced for the reviewer

    def reader(self, kind: str):  # noqa: ANN201
        return {"levels": self.read_levels, "response": self.read_response, "measures": self.read_response,
                "prevention": self.read_prevention, "reporting": self.read_reporting, "hazards": self.read_hazards,
                "protection": self.read_protection,
                "termination": self.read_termination}.get(kind, self.read_general)

    def read_levels(self, p: Paragraph, text: str, chain: list) -> None:
        levels = tx.levels_in(text[:40]) or ([lv] if (lv := tx.severity_level(text)) else [])
        if not levels and chain:
            levels = tx.levels_in(chain[-1][2])
        if not levels and self.open_level:
            levels = [self.open_level]  # an item of "符合下列条件之一的，为Ⅰ级事件："
        if not levels:
            return
        lv = levels[0]
        if text.endswith(("：", ":")):
            self.open_level = lv
        spec = self.levels.setdefault(lv, {"level": lv, "condition": {"description": ""}, "source": p.index})
        cond = spec["condition"]
        cond["description"] = (cond["description"] + ("；" if cond["description"] else "") + text)[:4000]
        n = tx.casualties_in(text)
        if n and (not cond.get("min_casualties") or n < cond["min_casualties"]):
            cond["min_casualties"] = n
        colours = tx.colours_in(text)
        if colours:
            cond["incident_levels"] = sorted(set(cond.get("incident_levels", [])) | set(colours),
                                             key=[c for _, c in tx.COLOURS].index)
        self.place(p, f"response_levels.{lv}")

    def read_response(self, p: Paragraph, text: str, chain: list) -> None:
        if tx.levels_in(text[:20]) and any(w in text for w in ("启动", "条件", "情形")) and \
                not any(w in text[:40] for w in ("负责", "组织", "立即")):
            self.read_levels(p, text, chain)
            return
        self.add_card(p, text, chain)

    def read_prevention(self, p: Paragraph, text: str, chain: list) -> None:
        if tx.colours_in(text[:30]) and "预警" in text:
            return  # warning levels are the warning policy's business, not response levels
        if any(w in text for w in ("监测", "巡检", "检查", "预警")) and self.role_in(text):
            self.add_card(p, text, chain)

    def role_in(self, text: str) -> str | None:
        """The organisation's role this sentence gives work to: one named near its start, else anywhere."""
        best = None
        for role in sorted(self.org, key=len, reverse=True):
            at = text.find(role)
            if at == -1:
                # "消防组" in the organisation, "消防救援组" or "由消防组" in the text: match the role's stem.
                stem = role.rstrip("组队部长员")
                at = text.find(stem) if len(stem) >= 2 else -1
            if at != -1 and (best is None or at < best[0]):
                best = (at, role)
        return best[1] if best and best[0] <= 30 else (best[1] if best else None)

    def commander(self) -> str:
        # The post itself before its deputy: "总指挥", not "副总指挥" listed first.
        for w in _COMMANDER_WORDS:
            for role in sorted(self.org, key=lambda r: r.startswith("副")):
                if w in role:
                    return role
        return "应急指挥部"

    def add_card(self, p: Paragraph, text: str, chain: list) -> None:
        if len(text) < 6 or not tx.is_step(text):
            return  # a description, a definition, a caption: kept in the document, listed as unplaced
        role = self.role_in(text)
        if role is None and chain:
            hm = _ROLE_HEADING.match(chain[-1][2])
            role = self.role_in(chain[-1][2]) or (hm.group("role") if hm else None)
        path = f"action_cards.{len(self.cards)}"
        if role is None:
            role = self.commander()
            self.guesses.append({"path": f"{path}.role", "source": p.index,
                                 "note": f"the text names no role; assigned to {role}"})
        if role not in self.org:
            self.org[role] = {"role": role, "duty": "", "source": p.index}
            self.guesses.append({"path": f"organisation.{list(self.org).index(role)}", "source": p.index,
                                 "note": f"role {role} is named by a measure but not in the organisation"})
        levels = tx.levels_in(" ".join(c[2] for c in chain)) or tx.levels_in(text[:15])
        card = {"id": f"d{len(self.cards) + 1}", "role": role, "action": text[:4000], "order": len(self.cards) + 1,
                "levels": levels, "source": p.index}
        mins = tx.minutes_in(text)
        if mins is not None:
            card["deadline_min"] = mins
        self.cards.append(card)
        self.place(p, path)

    def read_notification(self, p: Paragraph, text: str, chain: list) -> None:
        if not any(w in text for w in ("广播", "短信", "通知", "发布")) or \
                not any(w in text for w in ("疏散", "撤离", "预警", "通知", "告知", "警报")):
            return
        channel = "broadcast" if "广播" in text or "警报" in text else ("sms" if "短信" in text else "console")
        levels = tx.levels_in(" ".join(c[2] for c in chain))
        self.notifications.append({"channel": channel, "recipients": ["all"] if channel == "broadcast" else [],
                                   "message": text[:1500], "levels": levels, "source": p.index})
        self.place(p, f"notifications.{len(self.notifications) - 1}")
        if channel != "broadcast":
            self.guesses.append({"path": f"notifications.{len(self.notifications) - 1}.recipients",
                                 "source": p.index, "note": "recipients not stated: add numbers or roles on duty"})

    def read_resources(self, p: Paragraph, text: str, chain: list) -> None:
        for name, q, unit in tx.quantities_in(text):
            kind = tx.resource_kind(name)
            if unit in ("名", "人") and kind != "team":
                continue  # "3名" after a role is people, not equipment
            self.resources.append({"kind": kind, "category": name[:200], "quantity": q, "source": p.index})
            self.place(p, f"resources.{len(self.resources) - 1}")

    def read_reporting(self, p: Paragraph, text: str, chain: list) -> None:
        if self.open_contents and self.continues_list(p, text):
            self.add_content(text.rstrip("。；;."))
            self.reporting.setdefault("source", p.index)
            self.place(p, "reporting.contents")
            return
        self.open_contents = False
        m = _CONTENTS.search(text)
        if m and text.endswith(("：", ":")) and re.search(r"(包括|如下|以下)[：:]$", text):
            self.open_contents = "open"  # "报告信息内容包括：" then one item per paragraph
            self.place(p, "reporting.contents")
            return
        if m:
            items = tx.items_of(m.group("items"))
            if items:
                for i in items:
                    self.add_content(i)
                self.reporting.setdefault("source", p.index)
                self.place(p, "reporting.contents")
                return
        steps = report_steps(text)
        if steps:
            for step in steps:
                if any(s["to"] == step["to"] and s["within_min"] == step["within_min"] for s in self.reporting["chain"]):
                    continue  # the 专项 plans repeat the 综合 plan's links: one link each
                self.reporting["chain"].append({**step, "source": p.index})
                self.place(p, f"reporting.chain.{len(self.reporting['chain']) - 1}")
            self.reporting.setdefault("source", p.index)
            self.place(p, "reporting.chain")
            return
        if self.role_in(text):
            self.add_card(p, text, chain)

    def continues_list(self, p: Paragraph, text: str) -> bool:
        """Whether a paragraph is one more item of the open list. Items are alike: if the first carried a
        mark (①, （1）) the list ends at a paragraph without one; an item is a phrase, not a sentence
        with its own duty ("事故报告后出现新情况的，应当及时补报") nor several sentences."""
        marked = starts_with_list_mark(p.text)
        if self.open_contents == "open":
            self.open_contents = "marked" if marked else "plain"
        if self.open_contents == "marked" and not marked:
            return False
        t = text.strip()
        return len(t) <= 80 and not re.search(r"[。！？!?].", t) and not re.search(r"[，,].*(应|须|要)", t) \
            and not _REPORT_TO.search(t)

    def add_content(self, item: str) -> None:
        """One item of what a report contains, once: "火灾事故发生单位概况" in a 专项 plan repeats the 综合
        plan's "事故发生单位概况" with its incident in front."""
        item = item.strip()[:200]
        key = re.sub(r"[\W_]", "", item)  # "时间，地点" and "时间、地点" are the same item
        if len(key) < 2 or any(key.endswith(k) or k.endswith(key)
                               for k in (re.sub(r"[\W_]", "", c) for c in self.reporting["contents"])):
            return
        self.reporting["contents"].append(item)

    def read_hazards(self, p: Paragraph, text: str, chain: list) -> None:
        substances = tx.substances_in(text)
        types = tx.incident_types_in(text)
        if not substances and not types:
            return
        name = re.split(r"[，,。；;：:]", text)[0][:60] or text[:60]
        loc = re.search(r"([\u4e00-\u9fa5A-Za-z0-9#号]{1,12}(?:罐区|装置|车间|仓库|库房|储罐|管廊|泵房|站|码头))", text)
        triggers = [c.strip() for c in re.split(r"[。；;]", text)
                    if any(w in c for w in ("引发", "导致", "引起", "造成", "诱因", "原因", "可能", "遇"))]
        self.hazards.append({"name": name, "location": loc.group(1) if loc else "", "substances": substances,
                             "incident_types": types, "triggers": [t[:1000] for t in triggers][:50],
                             "source": p.index})
        self.place(p, f"hazards.{len(self.hazards) - 1}")

    def read_card(self, p: Paragraph, text: str, chain: list[Head], card: Head) -> None:
        """A paragraph inside a scenario card: its risk description is a hazard, its 应急处置 sub-part
        holds the steps (every paragraph does, when the card has no such sub-part); its duties on the
        scene and its notes (注意事项) stay in the document, listed as unplaced."""
        below = chain[chain.index(card) + 1:]
        part = next((h.kind for h in reversed(below) if h.kind != "other"), "other")
        if part == "hazards":
            self.read_hazards(p, text, chain)
        elif part == "protection":
            self.read_protection(p, text, chain)
        elif part in STEP_PARTS or card.index not in self.step_parts:
            self.read_scenarios(p, text, card)

    def read_scenarios(self, p: Paragraph, text: str, card: Head) -> None:
        c = self.scenarios[-1] if self.scenarios and self.scenarios[-1]["_key"] == card.index else None
        if c is None:
            c = {"_key": card.index, "id": f"s{len(self.scenarios) + 1}", "title": card.title[:200],
                 "incident_types": [], "role": "", "steps": [], "source": p.index}
            self.scenarios.append(c)
        m = re.match(r"^(?:责任人|负责人|执行人|处置人员|岗位)[：:](.+)$", text)
        if m:
            c["role"] = m.group(1).strip()[:200]
        elif len(text) >= 4 and not tx.is_caption(text):
            c["steps"].append(text[:2000])
        else:
            return  # "普通火灾处置": the title of the steps below it
        c["incident_types"] = sorted(set(c["incident_types"]) | set(tx.incident_types_in(card.title + text)))
        self.place(p, f"scenario_cards.{len(self.scenarios) - 1}")

    def read_protection(self, p: Paragraph, text: str, chain: list) -> None:
        zone = next((z for z in tx.ZONES if z in text), None)
        m = _WEAR.search(text)
        if not m:
            return
        items = [re.sub(r"^(佩戴|穿戴|穿着|配备|配戴|使用|穿)", "", i) for i in tx.items_of(m.group("items"))]
        items = [i for i in items if 2 <= len(i) <= 40]
        if not items:
            return
        self.protection.append({"zone": zone or "现场", "equipment": items[:50], "source": p.index})
        self.place(p, f"protection.{len(self.protection) - 1}")
        if zone is None:
            self.guesses.append({"path": f"protection.{len(self.protection) - 1}.zone", "source": p.index,
                                 "note": "no zone named; filed under 现场 (the scene)"})

    def read_termination(self, p: Paragraph, text: str, chain: list) -> None:
        if text.endswith(("：", ":")) or len(text) < 4 or tx.is_caption(text):
            return  # "符合下列条件之一的，即满足应急终止条件：" leads the conditions in
        if not is_end_condition(text, chain[-1][2] if chain else ""):
            return  # the procedure of ending, kept in the document and listed as unplaced
        self.termination.append({"condition": text[:2000], "source": p.index})
        self.place(p, f"termination.{len(self.termination) - 1}")

    def read_header(self, p: Paragraph) -> bool:
        """A table's header row ("职务 | 姓名 | 电话"): later rows are read by its columns."""
        cells = [c.strip() for c in p.cells]
        if any(tx.phones_in(c) or re.fullmatch(r"\d+(\.\d+)?", c) for c in cells):
            return False
        if sum(1 for c in cells if any(w in c for w in _HEADER_WORDS)) < 2:
            return False
        self.header = cells
        self.place(p, "table header")
        return True

    def column(self, cells: list[str], *words: str) -> str | None:
        if not self.header:
            return None
        for i, h in enumerate(self.header):
            if i < len(cells) and any(w in h for w in words):
                return cells[i].strip()
        return None

    def read_contacts(self, p: Paragraph) -> None:
        phones = tx.phones_in(" ".join(p.cells) if p.cells else p.text)
        if not phones:
            return
        if p.cells:
            others = [c.strip() for c in p.cells if c.strip() and not tx.phones_in(c)]
            person = self.column(list(p.cells), "姓名", "联系人", "name")
            if person is None:
                person = next((c for c in others if re.fullmatch(r"[\u4e00-\u9fa5]{2,4}", c)
                               and not re.search(_ROLE_SUFFIX + "$", c)), "")
            unit = self.column(list(p.cells), "职务", "单位", "部门", "岗位", "职责", "unit", "role")
            if unit is None:
                unit = "、".join(c for c in others if c != person and not c.isdigit())[:200]
            for ph in phones:
                self.contacts.append({"name": person[:100], "unit": unit, "phone": ph, "source": p.index})
        else:
            for m in tx.PHONE.finditer(p.text):
                before = re.split(r"[，,。；;]", p.text[:m.start()])[-1].strip("：: ")[:200]
                self.contacts.append({"name": "", "unit": before, "phone": m.group(1), "source": p.index})
        self.place(p, "contacts")

    def read_table_row(self, p: Paragraph, kind: str) -> None:
        cells = [c.strip() for c in p.cells]
        joined = " ".join(cells)
        q_cell = self.column(cells, "数量", "quantity")
        n_cell = self.column(cells, "名称", "物资", "装备", "name")
        stated = bool(q_cell and n_cell and re.fullmatch(r"\d+(\.\d+)?", q_cell))
        if p.index in self.placed and not stated:
            return  # a contact row
        nums = [(i, c) for i, c in enumerate(cells) if re.fullmatch(r"\d+(\.\d+)?", c)]
        names = [c for c in cells if re.search(r"[\u4e00-\u9fa5A-Za-z]{2,}", c) and not tx.phones_in(c)]
        if stated:
            nums, names = [(0, q_cell)], [n_cell]
        elif self.header and not any(w in h for h in self.header for w in ("数量", "quantity")):
            nums = []  # a header without a quantity column: its numbers are 序号, not stock
        if nums and names and kind in ("support", "attachments", "measures", "response", "other"):
            # 序号 | 名称 | 数量 | 单位 | 存放地点: without a header, the quantity is the last numeric cell.
            q = float(nums[-1][1])
            name = names[0]
            if q > 0:
                self.resources.append({"kind": tx.resource_kind(name), "category": name[:200], "quantity": q,
                                       "source": p.index})
                self.place(p, f"resources.{len(self.resources) - 1}")
                return
        if kind == "organisation" and len(names) >= 2:
            m = re.search(_ROLE_SUFFIX, names[0])
            if m:
                self.add_role(names[0], "；".join(names[1:]), p)
                return
        if kind == "levels" and tx.levels_in(joined):
            self.read_levels(p, joined, [])

    # --- assembling ------------------------------------------------------------------------------
    def draft(self) -> Draft:
        self.read()
        text_all = "\n".join(p.text for p in self.ps)
        title = self.title or re.sub(r"\.(docx|pdf)$", "", self.filename, flags=re.I)
        types = tx.incident_types_in(title)
        for h in self.hazards:
            types += [t for t in h["incident_types"] if t not in types]
        for c in self.scenarios:
            types += [t for t in c["incident_types"] if t not in types]
        if not types:
            types = tx.incident_types_in(text_all)
        if not types:
            types = ["unspecified"]
            self.missing.append("triggers.incident_types")
            self.guesses.append({"path": "triggers.incident_types", "source": None,
                                 "note": "no incident type found in the title or hazards: say which incidents it covers"})
        keywords = [w for w in re.split(r"[\s、，,（）()《》\-—]+", _strip_noise(title)) if 2 <= len(w) <= 20][:10]
        levels = [self.levels[lv] for lv in ("I", "II", "III", "IV") if lv in self.levels]
        if not levels:
            self.missing.append("response_levels")
            levels = [{"level": "IV", "condition": {"description": "文件未列出响应分级；请补充 (no response levels in the document)"}}]
            self.guesses.append({"path": "response_levels.0", "source": None,
                                 "note": "the document lists no response levels: one placeholder level IV"})
        for part, items in (("organisation", self.org), ("action_cards", self.cards),
                            ("reporting.chain", self.reporting["chain"]), ("termination", self.termination)):
            if not items:
                self.missing.append(part)
        for c in self.scenarios:
            c.pop("_key", None)
        scenarios = [c for c in self.scenarios if c["steps"]]
        reporting = {k: v for k, v in self.reporting.items()}
        data = {"triggers": {"incident_types": types, "substances": tx.substances_in(text_all)[:50],
                             "sites": [], "keywords": keywords},
                "response_levels": levels, "organisation": list(self.org.values()), "action_cards": self.cards,
                "resources": _merge_resources(self.resources), "notifications": self.notifications,
                "outline": self.outline, "hazards": self.hazards, "scenario_cards": scenarios,
                "reporting": reporting, "protection": self.protection, "termination": self.termination,
                "contacts": _dedupe_contacts(self.contacts)}
        structured = parse(data)
        plan_level = next((lv for word, lv in _PLAN_LEVEL if word in title), "")
        unplaced = [{"source": p.index, "section": self.sections.get(p.index, "other"),
                     "text": (" | ".join(p.cells) if p.cells else p.text.strip())[:500]}
                    for p in self.ps if p.index not in self.placed and p.index not in self.headings
                    and len(p.text.strip() or " ".join(p.cells)) >= 4]
        return Draft(title=title[:300], plan_level=plan_level, hazard_types=[t for t in types if t != "unspecified"],
                     structured=structured, headings=self.headings, placed=self.placed, unplaced=unplaced,
                     guesses=self.guesses, missing=self.missing, sections=self.sections)


def is_end_condition(text: str, heading: str) -> bool:
    """Whether a paragraph of the termination part states when the response ends, rather than how it
    is ended: not under a heading naming the procedure ("应急结束的程序"), not who ends each level
    ("Ⅱ级响应：…由总指挥下达终止指令"), not what is done after ("应急状态终止后，现场继续监测")."""
    if "程序" in heading or "流程" in heading:
        return False
    if tx.levels_in(text[:8]):
        return False
    first = re.split(r"[，,。；;：:]", text)[0]
    return not re.search(r"(终止|结束|解除)(以)?后$", first)


def recipients(clause: str) -> list[str]:
    """Whom a clause reports to: "向A和B报告" is two links; a recipient must be an office, a body or a
    person in post ("上级" or "事故信息" is not)."""
    m = _REPORT_TO.search(clause) or _REPORT_OBJ.search(clause)
    if not m:
        return []
    to = m.group("to").strip()
    parts = [x.strip() for x in re.split(r"和|及|、|或", to) if x.strip()]
    if len(parts) > 1 and all(_ACTOR.search(x) for x in parts):
        return parts
    return [to] if _ACTOR.search(to) else []


def report_steps(text: str) -> list[dict]:
    """The links of the reporting chain a paragraph states, clause by clause: who (the clause's subject,
    carried on within its sentence) reports to whom, within the deadline stated since the last link.
    A report with no deadline and no urgency ("决定是否向…报告") is a decision, not a link."""
    steps = []
    for sentence in re.split(r"[。！？!?]", text):
        by, within = "", None
        for clause in re.split(r"[，,；;：:]", sentence):
            clause = clause.strip()
            who = _AGENT.search(clause) or _SUBJECT.match(clause)
            if who:
                by = who.group("who")
            mins = tx.minutes_in(clause)
            if mins is not None:
                within = mins
            elif within is None and any(w in clause for w in ("立即", "第一时间", "迅速", "马上")):
                within = 0
            # A body does not report to itself: "指挥部…立即安排抢险组到达现场…，上报指挥部" is the group's
            # report back, not a link of the chain.
            targets = [t for t in recipients(clause) if t != by]
            if targets and within is not None:
                steps += [{"to": t[:200], "by": by[:200], "within_min": within} for t in targets]
                within = None
    return steps


def _strip_noise(title: str) -> str:
    for w in _TITLE_NOISE:
        title = title.replace(w, " ")
    return title


def _merge_resources(items: list[dict]) -> list[dict]:
    """One requirement per (kind, category): a document lists the same foam in its text and its table."""
    out: dict[tuple[str, str], dict] = {}
    for r in items:
        key = (r["kind"], r["category"])
        if key in out:
            out[key]["quantity"] = max(out[key]["quantity"], r["quantity"])
        else:
            out[key] = dict(r)
    return list(out.values())


def _dedupe_contacts(items: list[dict]) -> list[dict]:
    seen, out = set(), []
    for c in items:
        if c["phone"] not in seen:
            seen.add(c["phone"])
            out.append(c)
    return out


def draft_plan(paragraphs: list[Paragraph], filename: str = "") -> Draft:
    """The draft split of a plan document; raises PlanSchemaError only on a bug in the drafting
    (the draft is built to satisfy the schema, placeholders included)."""
    return _Builder(paragraphs, filename).draft()
