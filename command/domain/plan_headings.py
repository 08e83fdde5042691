"""A plan document's paragraphs and its outline (PLAN-5), pure: which lines are headings, how deep,
and which scenario card a paragraph belongs to. Read by ``plan_document`` (the draft) and
``command/services/plan_reader.py`` (joining a PDF's lines back into paragraphs)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from command.domain import plan_text as tx


@dataclass(frozen=True)
class Paragraph:
    """One block of the document in reading order: a paragraph, or one row of a table (``cells``)."""

    index: int
    text: str
    style: str = ""
    cells: tuple[str, ...] = ()
    page: int | None = None


# --- headings -----------------------------------------------------------------------------------

# The plan's name on its cover ends with 预案 ("…应急预案", "…预案（试行）"); a notice that publishes it
# ("关于印发…预案的通知") or a line about it ("应急预案编号：") is not the title.
_PLAN_NAME = re.compile(r"^[^：:，,。]*预案(?:（[^）]*）|\([^)]*\))?$")
_HEADING_STYLE = re.compile(r"^(heading|标题)\s*(\d)$", re.I)
_NUMBERED = (
    (re.compile(r"^第[一二三四五六七八九十百]+[章部篇]"), 1),
    (re.compile(r"^[一二三四五六七八九十]+\s*[、.．]"), 1),
    # "1 总则", "10 应急保障"; not a date or a count ("2024年5月", "4至16楼", "3人").
    (re.compile(r"^\d{1,2}\s*[、.．]?\s*(?![年月日时分秒楼层至到号个人名次条天周])(?=[\u4e00-\u9fa5A-Za-z])"), 1),
    (re.compile(r"^\d+\.\d+\s*[.．]?\s*(?=[\u4e00-\u9fa5A-Za-z])"), 2),
    (re.compile(r"^\d+\.\d+\.\d+\s*[.．]?\s*(?=[\u4e00-\u9fa5A-Za-z])"), 3),
    (re.compile(r"^[（(][一二三四五六七八九十]+[)）]"), 2),
    (re.compile(r"^附件\s*\d*[：:\s]"), 1),
)
_SENTENCE_END = ("。", "；", ";", "：", ":", "，", ",")


def is_plan_name(text: str) -> bool:
    return bool(_PLAN_NAME.search(text.strip()))


def has_heading_style(p: Paragraph) -> bool:
    return bool(_HEADING_STYLE.match(p.style.strip()))


def starts_with_list_mark(text: str) -> bool:
    return bool(_LIST_MARK.match(text))


def heading_depth(p: Paragraph) -> int | None:
    """1..6 for a heading, 0 for the document title, None for body text."""
    if p.cells:
        return None
    style = p.style.strip()
    if style.lower() == "title" or style == "标题":
        return 0
    m = _HEADING_STYLE.match(style)
    if m:
        return max(1, min(6, int(m.group(2))))
    text = p.text.strip()
    if not text or len(text) > 40 or text.endswith(_SENTENCE_END):
        return None
    depth = None
    for pattern, d in _NUMBERED:
        if pattern.match(text):
            depth = d if depth is None else max(depth, d)
    if depth is not None and re.match(r"^\d+(\.\d+)+", text):
        depth = text.split()[0].rstrip(".．").count(".") + 1
    return depth


def strip_number(heading: str) -> str:
    t = re.sub(r"^(第[一二三四五六七八九十百]+[章部篇]|[一二三四五六七八九十]+\s*[、.．]|[（(][一二三四五六七八九十\d]+[)）]"
               r"|\d+(\.\d+)*\s*[、.．]?)\s*", "", heading.strip())
    return t.strip() or heading.strip()


_LIST_MARK = re.compile(r"^\s*([（(]?\d+[)）.、．]|[①②③④⑤⑥⑦⑧⑨⑩]|[a-z][).、]|[-•·●▪])\s*")


def strip_list_mark(text: str) -> str:
    return _LIST_MARK.sub("", text, count=1).strip()


class Head(NamedTuple):
    """A heading above a paragraph: its depth, the kind of part it opens, its title, its paragraph, and
    whether it opens a scenario card (a 现场处置方案 / 处置卡 whose sub-parts belong to it)."""

    depth: int
    kind: str
    title: str
    index: int = -1
    card: bool = False


BARE_HEADING_MAX = 20  # a bare heading line is short: "应急组织机构及职责" is 9 characters
STEP_PARTS = ("measures", "response")  # a card's 应急处置 / 处置措施 sub-part holds its steps


def bare_heading_depth(text: str) -> int | None:
    """A line with no number and no heading style that is still a heading: short, unpunctuated, and
    named as a part of GB/T 29639 (a .txt export loses Word's auto-numbering, not the names). Its
    depth comes from the standard's ranks; any other line naming a known part sits below them (5)."""
    t = text.strip()
    if not t or len(t) > BARE_HEADING_MAX or re.search(r"[。；;，,：:！!？?]", t):
        return None
    rank = tx.part_rank(t)
    if rank is not None:
        return rank
    if tx.section_kind(t) != "other" and not tx.levels_in(t):  # "Ⅲ级响应" is a level's line, kept as body
        return 5
    return None


def card_of(chain: list[Head]) -> Head | None:
    """The scenario card a paragraph belongs to: the deepest card heading above it, else the bare
    现场处置方案 part (a part without named cards is one card)."""
    cards = [h for h in chain if h.card]
    if cards:
        return cards[-1]
    return next((h for h in reversed(chain) if h.kind == "scenarios"), None)


def closes_card(title: str) -> bool:
    """Another card, an attachment, or a chapter of the plan (总则, 应急响应, 应急保障...) ends a card;
    its own sub-parts (事故风险描述, 应急工作职责, 应急处置, 注意事项) do not."""
    rank = tx.part_rank(title)
    return (rank is not None and rank <= 3) or tx.section_kind(title) in ("scenarios", "attachments")
