"""Message templates in Chinese and English with named variables (pure; no I/O)."""

from __future__ import annotations

from string import Formatter
from typing import Any

LEVEL_NAMES = {
    "zh": {"red": "红色(重大)", "orange": "橙色(较大)", "yellow": "黄色(一般)", "blue": "蓝色(低)"},
    "en": {"red": "RED (major)", "orange": "ORANGE (large)", "yellow": "YELLOW (general)", "blue": "BLUE (low)"},
}

TEMPLATES: dict[str, dict[str, str]] = {
    "warning": {
        "zh": "【{park}】{level_name}预警：{title}。地点：{place}。时间：{time}。请立即核查并回复1确认。",
        "en": "[{park}] {level_name} warning: {title}. Location: {place}. Time: {time}. Verify now and reply 1 to acknowledge.",
    },
    "evacuate": {
        "zh": "【{park}】紧急通知：{title}。{place}区域人员请立即按疏散路线撤离，远离{place}。",
        "en": "[{park}] Emergency: {title}. Everyone in {place} evacuate now along the marked routes.",
    },
    "all_clear": {
        "zh": "【{park}】解除通知：{title}已处置完毕，恢复正常。",
        "en": "[{park}] All clear: {title} has been handled.",
    },
    "escalation": {
        "zh": "【督办】{name}未在{minutes}分钟内确认：{body}",
        "en": "[ESCALATION] {name} did not acknowledge within {minutes} min: {body}",
    },
}


class TemplateError(ValueError):
    pass


def variables(name: str, lang: str = "zh") -> set[str]:
    return {f for _, f, _, _ in Formatter().parse(get(name, lang)) if f}


def get(name: str, lang: str) -> str:
    if name not in TEMPLATES:
        raise TemplateError(f"unknown template {name!r}; have {', '.join(sorted(TEMPLATES))}")
    by_lang = TEMPLATES[name]
    return by_lang.get(lang) or by_lang["zh"]


def render(name: str, lang: str = "zh", /, **values: Any) -> str:
    """Fill template ``name`` in ``lang``; a missing variable is an error naming it (no blanks)."""
    values = dict(values)
    if "level" in values and "level_name" not in values:
        values["level_name"] = LEVEL_NAMES.get(lang, LEVEL_NAMES["zh"]).get(values["level"], values["level"])
    missing = variables(name, lang) - values.keys()
    if missing:
        raise TemplateError(f"template {name!r} needs {', '.join(sorted(missing))}")
    return get(name, lang).format(**values)
