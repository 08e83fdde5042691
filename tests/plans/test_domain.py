"""Pure domain logic, no server: plan workflow (PLAN-1/3/4), schema (PLAN-5), matching (PLAN-6),
resource checks (RES-2), road routing (RES-4)."""

from __future__ import annotations

import itertools
import json
from datetime import date
from pathlib import Path

import pytest

from command.domain import plan_workflow as wf
from command.domain.plan_match import Candidate, IncidentFacts, pick_level, rank
from command.domain.plan_schema import PlanSchemaError, from_yaml, parse, to_yaml
from command.domain.resource_checks import Need, Stock, allocate, evaluate, expiring
from command.domain.routing import RoadGraph, metres, nearest
from tests.plans.sample import STRUCTURED, structured

STATUSES = ["draft", "submitted", "accepted", "returned", "expired", "in_review", "reviewed", "published",
            "reference", "archived"]
ALL_ACTIONS = sorted({a for (_, a) in wf.TABLE} | {"archive", "fly"})

EXPECTED = {
    ("enterprise", "draft", "submit"): "submitted", ("enterprise", "returned", "submit"): "submitted",
    ("enterprise", "submitted", "accept"): "accepted", ("enterprise", "submitted", "return"): "returned",
    ("enterprise", "accepted", "revise"): "draft", ("enterprise", "expired", "revise"): "draft",
    ("enterprise", "returned", "revise"): "draft", ("enterprise", "accepted", "expire"): "expired",
    ("park", "draft", "submit_review"): "in_review", ("park", "in_review", "review_passed"): "reviewed",
    ("park", "in_review", "review_failed"): "draft", ("park", "reviewed", "publish"): "published",
    ("park", "published", "revise"): "draft", ("park", "reviewed", "revise"): "draft",
}


@pytest.mark.parametrize("scope,status,action", list(itertools.product(wf.SCOPES, STATUSES, ALL_ACTIONS)))
def test_workflow_exhaustive(scope, status, action):
    """Every (scope, status, action): allowed exactly where the table says, else a reason."""
    to, why = wf.next_status(scope, status, action)
    if action == "archive":
        expected = "archived" if status != "archived" else None
    else:
        expected = EXPECTED.get((scope, status, action)) if status != "archived" else None
    assert to == expected
    assert (why is None) == (expected is not None)
    if why:
        assert len(why) > 10


def test_publish_unreviewed_reason_and_activatable():
    assert "review" in wf.next_status("park", "draft", "publish")[1]
    assert wf.why_not_activatable("park", "published") is None
    assert wf.why_not_activatable("enterprise", "accepted") is None
    assert "published" in wf.why_not_activatable("park", "reviewed")
    assert "reference" in wf.why_not_activatable("authority", "reference")
    assert wf.why_not_editable("published") and wf.why_not_editable("draft") is None
    assert wf.review_outcome([True, True], 2) == ("review_passed", None)
    assert wf.review_outcome([True, False], 2) == ("review_failed", None)
    assert wf.review_outcome([True], 2)[0] is None
    assert wf.check_return_reasons([" "]) and wf.check_return_reasons(["缺附件"]) is None
    missing = wf.missing_for_filing(title="x", enterprise="", hazard_types=[], body="", attachments=1,
                                    expires_at=None, structured=None)
    assert missing == ["enterprise", "hazard_types", "expires_at (validity period)",
                       "structured (digital split: response levels and action cards)"]


def test_schema_yaml_roundtrip_and_levels():
    sp = parse(STRUCTURED)
    assert from_yaml(to_yaml(sp)) == sp
    cards, needs, notifs = sp.for_level("III")
    assert [c.id for c in cards] == ["c1", "c2"] and len(needs) == 2 and len(notifs) == 1
    cards, needs, notifs = sp.for_level("I")
    assert [c.id for c in cards] == ["c1", "c2", "c3"] and len(needs) == 3 and len(notifs) == 2
    with pytest.raises(PlanSchemaError, match="duplicate action card"):
        parse(structured(action_cards=STRUCTURED["action_cards"] + [STRUCTURED["action_cards"][0]]))
    with pytest.raises(PlanSchemaError, match="response_levels.0.level"):
        parse(structured(response_levels=[{"level": "V"}]))
    with pytest.raises(PlanSchemaError, match="mapping"):
        from_yaml("- a list")


def _cand(pid, scope="park", **trig):
    return Candidate(pid, f"plan {pid}", scope, parse(structured(triggers={"incident_types": ["leak"]} | trig)))


def test_matching_ranks_with_reasons():
    cands = [_cand(1, sites=["wh-1"]), _cand(2, substances=["苯"], sites=["tank-farm-a"]), _cand(3),
             _cand(4, "enterprise", substances=["氯气"]),
             Candidate(5, "fire only", "park", parse(structured(triggers={"incident_types": ["fire"]})))]
    facts = IncidentFacts(type="leak", level="orange", substance="苯", site="tank-farm-a", casualties=0, text="储罐泄漏")
    ms = rank(cands, facts)
    assert [m.plan_id for m in ms] == [2, 3, 4, 1]
    assert any("苯" in r for r in ms[0].reasons) and any("tank-farm-a" in r for r in ms[0].reasons)
    assert any("not 苯" in r for r in ms[2].reasons)
    assert ms[0].response_level == "II"
    sp = parse(STRUCTURED)
    assert pick_level(sp, IncidentFacts("leak", "blue", casualties=5))[0] == "I"
    assert pick_level(sp, IncidentFacts("leak", "blue"))[0] == "III"
    only_i = parse(structured(response_levels=[{"level": "I", "condition": {"min_casualties": 10}}]))
    lvl, why = pick_level(only_i, IncidentFacts("leak", "red"))
    assert lvl == "I" and "mildest" in why
    assert rank(cands, IncidentFacts(type="earthquake")) == []


def test_resource_evaluation_and_allocation():
    today = date(2026, 11, 24)
    good = Stock(1, "material", "泡沫", "A", 10, required_quantity=20)
    ev = evaluate(good, today)
    assert ev.valid and ev.available and not ev.complete
    exp = Stock(2, "material", "泡沫", "B", 100, expires_on=date(2026, 1, 1))
    insp = Stock(3, "material", "泡沫", "C", 100, inspection_due_on=date(2026, 11, 1))
    held = Stock(4, "material", "泡沫", "D", 8, reserved=5)
    assert not evaluate(exp, today).valid and not evaluate(insp, today).inspected
    assert held.free == 3
    assert expiring(Stock(5, "material", "x", "E", 1, expires_on=date(2026, 12, 1)), today, 30)
    [a] = allocate([Need("material", "泡沫", 12)], [good, exp, insp, held], today)
    assert a.picks == [(1, 10), (4, 2)] and a.shortfall == 0
    assert len(a.flags) == 2 and any("expired" in f for f in a.flags) and any("inspection" in f for f in a.flags)
    [b] = allocate([Need("material", "泡沫", 20)], [good], today)
    assert b.shortfall == 10 and "missing 10" in b.flags[-1]


def test_routing_over_demo_graph():
    data = json.loads((Path(__file__).resolve().parents[2] / "deploy/demo/road_graph.json").read_text())
    g = RoadGraph(data)
    origin = (121.4041, 30.8037)  # inside the tank farm row that blocks straight travel
    a = (121.4001, 30.8001)
    b = (121.4099, 30.8089)
    routes = nearest(g, origin, [(1, *a), (2, *b)], k=2)
    assert [r.target_id for r in routes] == [1, 2]
    for r in routes:
        assert r.path[0] == origin
        assert r.distance_m >= metres(origin, r.path[-1]) - 1e-6  # road is never shorter than straight
        legs = sum(metres(p, q) for p, q in zip(r.path, r.path[1:]))
        assert abs(legs - r.distance_m) < 1.0
    with pytest.raises(ValueError):
        RoadGraph({"nodes": {"a": [0, 0]}, "edges": [["a", "zz"]]})
    # A disconnected target is left out rather than routed through the air.
    g2 = RoadGraph({"nodes": {"a": [0, 0], "b": [0.001, 0], "c": [1, 1]}, "edges": [["a", "b"]]})
    assert [r.target_id for r in nearest(g2, (0, 0), [(1, 1, 1), (2, 0.001, 0)], k=5)] == [2]


def test_stored_candidates_rank_like_validated_ones():
    """Matching reads stored splits without re-validating them; the ranking must be identical."""
    from command.domain.plan_match import candidate_from_stored

    cands = [_cand(1, sites=["wh-1"]), _cand(2, substances=["苯"], sites=["tank-farm-a"]), _cand(3)]
    lite = [candidate_from_stored(c.plan_id, c.title, c.scope, c.plan.model_dump(mode="json")) for c in cands]
    facts = IncidentFacts(type="leak", level="red", substance="苯", site="tank-farm-a", casualties=4)
    assert [m.__dict__ for m in rank(lite, facts)] == [m.__dict__ for m in rank(cands, facts)]


def test_nearest_pruning_is_exact():
    """The straight-distance cut-off returns the same k as routing every target."""
    import random

    data = json.loads((Path(__file__).resolve().parents[2] / "deploy/demo/road_graph.json").read_text())
    g = RoadGraph(data)
    rng = random.Random(3)
    targets = [(i, 121.4 + rng.random() * 0.01, 30.8 + rng.random() * 0.009) for i in range(2000)]
    origin = (121.4041, 30.8037)
    fast = nearest(g, origin, targets, k=7, batch=16)
    full = nearest(g, origin, targets, k=7, batch=len(targets))
    assert [r.target_id for r in fast] == [r.target_id for r in full]
    assert [round(r.distance_m, 6) for r in fast] == [round(r.distance_m, 6) for r in full]


def test_version_diff_matches_cards_by_id_and_ignores_provenance():
    """PLAN-7: what changed between versions, a card inserted in the middle read as one addition."""
    from command.domain.plan_diff import diff, version_diff

    a = {"action_cards": [{"id": "c1", "role": "A", "action": "x", "source": 3}, {"id": "c2", "role": "B", "action": "y"}],
         "triggers": {"incident_types": ["fire"]}}
    b = {"action_cards": [{"id": "c1", "role": "A2", "action": "x", "source": 9}, {"id": "c3", "role": "C", "action": "z"},
                          {"id": "c2", "role": "B", "action": "y"}], "triggers": {"incident_types": ["fire", "leak"]}}
    assert diff(a, b) == [
        {"path": "action_cards[c1].role", "kind": "changed", "before": "A", "after": "A2"},
        {"path": "action_cards[c3]", "kind": "added", "before": None, "after": {"id": "c3", "role": "C", "action": "z"}},
        {"path": "triggers.incident_types", "kind": "changed", "before": ["fire"], "after": ["fire", "leak"]}]
    changes = version_diff({"title": "t", "body": "abc", "structured": a}, {"title": "t2", "body": "abcd", "structured": a})
    assert [(c["path"], c["after"]) for c in changes] == [("title", "t2"), ("body", "4 chars")]


def test_available_steps_follow_the_workflow():
    from command.domain import plan_workflow as wf

    assert wf.available("park", "draft") == ["submit_review", "archive"]
    assert wf.available("park", "in_review") == ["conclude_review", "archive"]
    assert wf.available("enterprise", "submitted") == ["accept", "return", "archive"]
    assert wf.available("park", "archived") == []
    for scope in wf.SCOPES:  # every offered step is one the state machine takes
        for status in wf.STATUSES:
            for step in wf.available(scope, status):
                if step != "conclude_review":
                    assert wf.next_status(scope, status, step)[0] is not None, (scope, status, step)
