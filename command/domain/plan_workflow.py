"""Plan workflows as a pure state machine (PLAN-1, PLAN-3, PLAN-4, PLAN-7).

enterprise (备案): draft → submitted → accepted | returned (reasons) → (revise) draft ...
                   accepted → expired (past its validity) ; accepted → draft (revision)
park:              draft → in_review → reviewed (all opinions approve) | draft (opinions ask changes)
                   reviewed → published (公布) ; published → draft (revision: a new version)
authority:         reference (entered for reference; editing keeps it reference)
any scope:         → archived (withdrawn), final.

Only ``published`` park plans and ``accepted`` enterprise plans may be activated in an incident.
"""

from __future__ import annotations

SCOPES: tuple[str, ...] = ("enterprise", "park", "authority")
INITIAL: dict[str, str] = {"enterprise": "draft", "park": "draft", "authority": "reference"}

# (scope, action) -> {from_status: to_status}
TABLE: dict[tuple[str, str], dict[str, str]] = {
    ("enterprise", "submit"): {"draft": "submitted", "returned": "submitted"},
    ("enterprise", "accept"): {"submitted": "accepted"},
    ("enterprise", "return"): {"submitted": "returned"},
    ("enterprise", "revise"): {"accepted": "draft", "expired": "draft", "returned": "draft"},
    ("enterprise", "expire"): {"accepted": "expired"},
    ("park", "submit_review"): {"draft": "in_review"},
    ("park", "review_passed"): {"in_review": "reviewed"},
    ("park", "review_failed"): {"in_review": "draft"},
    ("park", "publish"): {"reviewed": "published"},
    ("park", "revise"): {"published": "draft", "reviewed": "draft"},
}
ARCHIVABLE = frozenset({"draft", "submitted", "accepted", "returned", "expired", "in_review", "reviewed",
                        "published", "reference"})
STATUSES: tuple[str, ...] = ("draft", "submitted", "accepted", "returned", "expired", "in_review", "reviewed",
                             "published", "reference", "archived")
# Every step a caller may ask for; "conclude_review" becomes review_passed or review_failed by the opinions.
STEPS: tuple[str, ...] = tuple(sorted({a for (_, a) in TABLE} | {"archive", "conclude_review"}))
ACTIVATABLE: dict[str, str] = {"park": "published", "enterprise": "accepted"}
# Deciding on a filing or a review is a commander's call; writing and submitting is an operator's.
DECISIONS = frozenset({"accept", "return", "conclude_review", "publish", "archive", "expire"})
# Content may change only while the plan is being written; published/accepted plans need "revise" first.
EDITABLE = frozenset({"draft", "returned", "reference"})


def actions(scope: str) -> list[str]:
    return sorted({a for (s, a) in TABLE if s == scope} | {"archive"})


def available(scope: str, status: str) -> list[str]:
    """The steps a plan in ``status`` may take now (what the console offers as buttons)."""
    if status == "archived":
        return []
    out = sorted(a for (s, a), moves in TABLE.items() if s == scope and status in moves
                 and a not in ("review_passed", "review_failed"))
    if scope == "park" and status == "in_review":
        out.append("conclude_review")
    if status in ARCHIVABLE:
        out.append("archive")
    return out


def next_status(scope: str, status: str, action: str) -> tuple[str | None, str | None]:
    """(new status, None) when allowed, else (None, reason)."""
    if scope not in SCOPES:
        return None, f"unknown scope {scope!r}; one of {', '.join(SCOPES)}"
    if status == "archived":
        return None, "plan is archived; no further steps"
    if action == "archive":
        return ("archived", None) if status in ARCHIVABLE else (None, f"cannot archive from {status}")
    moves = TABLE.get((scope, action))
    if moves is None:
        return None, f"{scope} plans have no step {action!r}; allowed: {', '.join(actions(scope))}"
    if status not in moves:
        hint = ""
        if action == "publish":
            hint = " (a plan must pass review before it is published)"
        elif action == "accept":
            hint = " (only a submitted filing can be accepted)"
        return None, f"cannot {action} a {scope} plan that is {status}; needs {' or '.join(sorted(moves))}{hint}"
    return moves[status], None


def check_return_reasons(reasons: list[str]) -> str | None:
    if not [r for r in reasons if r.strip()]:
        return "returning a filing needs at least one reason"
    return None


def review_outcome(opinions: list[bool], min_reviewers: int) -> tuple[str | None, str | None]:
    """Decide a review round from reviewers' approve flags: (action, reason-if-undecided)."""
    if len(opinions) < min_reviewers:
        return None, f"review needs at least {min_reviewers} opinions, has {len(opinions)}"
    return ("review_passed" if all(opinions) else "review_failed"), None


def why_not_activatable(scope: str, status: str) -> str | None:
    need = ACTIVATABLE.get(scope)
    if need is None:
        return f"{scope} plans are for reference and cannot be activated"
    if status != need:
        return f"only a {need} {scope} plan can be activated; this one is {status}"
    return None


def why_not_editable(status: str) -> str | None:
    if status in EDITABLE:
        return None
    return f"plan is {status}; revise it first (a new version) to change its content"


def missing_for_filing(*, title: str, enterprise: str, hazard_types: list[str], body: str, attachments: int,
                       expires_at: object, structured: object) -> list[str]:
    """Completeness check of an enterprise filing (备案): which required parts are absent."""
    missing = []
    if not title.strip():
        missing.append("title")
    if not enterprise.strip():
        missing.append("enterprise")
    if not hazard_types:
        missing.append("hazard_types")
    if not body.strip() and attachments == 0:
        missing.append("body or an attachment (the plan text)")
    if expires_at is None:
        missing.append("expires_at (validity period)")
    if structured is None:
        missing.append("structured (digital split: response levels and action cards)")
    return missing
