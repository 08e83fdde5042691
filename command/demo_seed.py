"""What the demo park starts with, filed through the public API the first time the demo runs: a
published tank farm fire plan, the fire team and foam near the tank farm, and the bundled drill
scenario, so a newcomer can start a drill from the console and see it through."""

from __future__ import annotations

from pathlib import Path

import httpx

EXAMPLE = Path(__file__).resolve().parents[1] / "drills" / "scenarios" / "tank_farm_fire.yaml"

PLAN = {
    "scope": "park", "title": "罐区储罐火灾专项应急预案", "hazard_types": ["fire", "leak"], "level": "专项",
    "body": "本预案适用于园区罐区储罐泄漏、火灾事故的应急处置。发现火情后值班员立即核查并报告，"
            "指挥长按响应分级启动预案，消防队携泡沫炮出动，通信联络员发布预警。",
    "structured": {
        "triggers": {"incident_types": ["fire", "smoke", "leak", "gas"], "sites": ["tank-farm"],
                     "keywords": ["储罐", "罐区", "泄漏"]},
        "response_levels": [{"level": "I", "condition": {"min_casualties": 3, "description": "3人以上伤亡"}},
                            {"level": "II", "condition": {"incident_levels": ["red", "orange"]}},
                            {"level": "III", "condition": {}}],
        "organisation": [{"role": "现场指挥", "duty": "统一指挥"}, {"role": "消防队长", "duty": "灭火冷却"}],
        "action_cards": [
            {"id": "c1", "role": "现场指挥", "action": "设立现场指挥部，划定警戒区", "order": 1, "deadline_min": 5},
            {"id": "c2", "role": "消防队长", "action": "泡沫覆盖着火罐，冷却相邻储罐", "order": 2, "deadline_min": 10}],
        "resources": [{"kind": "team", "category": "消防", "quantity": 1},
                      {"kind": "material", "category": "泡沫灭火剂", "quantity": 10}],
        "notifications": [{"channel": "broadcast", "recipients": ["all"], "message": "罐区发生火灾，请向上风向疏散",
                           "levels": ["I", "II"]}],
    },
}
RESOURCES = [
    {"kind": "team", "code": "FT-1", "name": "园区消防一队", "category": "消防", "site": "fire-station",
     "location_name": "消防站", "lon": 121.4070, "lat": 30.8045, "quantity": 1, "members": ["队长 王", "队员 李"]},
    {"kind": "material", "code": "FOAM-1", "name": "泡沫灭火剂", "category": "泡沫灭火剂", "site": "depot",
     "location_name": "应急物资库", "lon": 121.4030, "lat": 30.8020, "quantity": 40, "unit": "桶"},
]


def seed(url: str, admin_password: str) -> None:
    token = httpx.post(f"{url}/api/auth/login", json={"username": "admin", "password": admin_password},
                       timeout=10).raise_for_status().json()["token"]
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as api:
        for r in RESOURCES:
            api.post("/api/resources", json=r).raise_for_status()
        plan = api.post("/api/plans", json=PLAN).raise_for_status().json()["id"]
        api.post(f"/api/plans/{plan}/steps", json={"action": "submit_review"}).raise_for_status()
        api.post(f"/api/plans/{plan}/reviews", json={"opinion": "同意发布", "approve": True}).raise_for_status()
        for action in ("conclude_review", "publish"):
            api.post(f"/api/plans/{plan}/steps", json={"action": action}).raise_for_status()
        api.post("/api/drills/scenarios", json={"source": EXAMPLE.read_text(encoding="utf-8")}).raise_for_status()
