"""A realistic park plan for a benzene leak/fire at tank farm A, used across the tests."""

from __future__ import annotations

import copy

STRUCTURED = {
    "triggers": {"incident_types": ["leak", "fire"], "substances": ["苯", "benzene"], "sites": ["tank-farm-a"],
                 "keywords": ["储罐", "泄漏"]},
    "response_levels": [
        {"level": "I", "condition": {"min_casualties": 3, "description": "3人以上伤亡"}},
        {"level": "II", "condition": {"incident_levels": ["red", "orange"]}},
        {"level": "III", "condition": {}},
    ],
    "organisation": [{"role": "现场指挥", "duty": "统一指挥"}, {"role": "消防队长", "duty": "灭火堵漏"},
                     {"role": "环保员", "duty": "监测"}],
    "action_cards": [
        {"id": "c1", "role": "现场指挥", "action": "启动应急响应，设立现场指挥部", "order": 1, "deadline_min": 5},
        {"id": "c2", "role": "消防队长", "action": "组织堵漏和泡沫覆盖", "order": 2, "deadline_min": 15},
        {"id": "c3", "role": "环保员", "action": "布设下风向VOC监测点", "order": 3, "deadline_min": 30, "levels": ["I", "II"]},
    ],
    "resources": [
        {"kind": "material", "category": "泡沫灭火剂", "quantity": 20},
        {"kind": "team", "category": "消防", "quantity": 1},
        {"kind": "material", "category": "吸附棉", "quantity": 50, "levels": ["I"]},
    ],
    "notifications": [
        {"channel": "sms", "recipients": ["+8613900000001", "+8613900000002"], "roles_on_duty": ["现场指挥"],
         "message": "罐区A苯泄漏，请立即到岗"},
        {"channel": "broadcast", "recipients": ["zone-a"], "message": "罐区A发生泄漏，请向上风向疏散", "levels": ["I", "II"]},
    ],
}


def structured(**changes) -> dict:
    d = copy.deepcopy(STRUCTURED)
    d.update(changes)
    return d


def park_plan(title: str = "罐区A苯泄漏专项应急预案", **kw) -> dict:
    return {"scope": "park", "title": title, "hazard_types": ["leak", "fire"], "level": "专项",
            "body": "本预案适用于罐区A储罐苯泄漏及火灾事故的应急处置。", "structured": structured()} | kw


def publish(client, plan_id: int) -> None:
    """draft → in_review → (opinion) → reviewed → published, as the API would be driven."""
    cmd = client.as_role("commander")
    assert client.post(f"/api/plans/{plan_id}/steps", json={"action": "submit_review"}, headers=cmd).status_code == 200
    assert client.post(f"/api/plans/{plan_id}/reviews", json={"opinion": "同意发布", "approve": True}, headers=cmd).status_code == 201
    r = client.post(f"/api/plans/{plan_id}/steps", json={"action": "conclude_review"}, headers=cmd)
    assert r.json()["status"] == "reviewed", r.text
    r = client.post(f"/api/plans/{plan_id}/steps", json={"action": "publish"}, headers=cmd)
    assert r.json()["status"] == "published", r.text
