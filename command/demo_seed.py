"""What the demo park starts with, filed through the public API the first time the demo runs: a
published tank farm fire plan imported from its Word document, the park's resources and roster, an
exercise ammonia leak with its footprint and approved response plan (its warnings in the drill sink),
and the bundled drill scenario, so a newcomer can start a drill from the console and see it through."""

from __future__ import annotations

from pathlib import Path

import httpx

from command.demo_seed_dss import seed_dss
from command.demo_seed_park import seed_park

EXAMPLE = Path(__file__).resolve().parents[1] / "drills" / "scenarios" / "tank_farm_fire.yaml"

# The park's tank farm plan, filed the way a park files its plans: imported from the Word document
# (a made-up plan written to GB/T 29639-2020, deploy/demo/plans/), its drafted split corrected by the
# plan manager, reviewed and published.
PLAN_DOCX = Path(__file__).resolve().parents[1] / "deploy" / "demo" / "plans" / "tank_farm_fire_plan.docx"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
RESOURCES = [
    {"kind": "team", "code": "FT-1", "name": "园区消防一队", "category": "消防", "site": "fire-station",
     "location_name": "消防站", "lon": 121.4070, "lat": 30.8045, "quantity": 1, "members": ["队长 王", "队员 李"]},
    {"kind": "material", "code": "FOAM-1", "name": "泡沫灭火剂", "category": "泡沫灭火剂", "site": "depot",
     "location_name": "应急物资库", "lon": 121.4030, "lat": 30.8020, "quantity": 40, "unit": "桶"},
]


def import_plan(api: httpx.Client) -> int:
    r = api.post("/api/plans/import", files={"file": (PLAN_DOCX.name, PLAN_DOCX.read_bytes(), DOCX_TYPE)},
                 data={"scope": "park", "enterprise": "示范化工园区"}).raise_for_status().json()
    plan = r["id"]
    # The plan manager's correction after the side-by-side review: the park's video smoke alarms
    # open incidents of type smoke, which the document calls 烟火报警 only in its warning section.
    sp = r["structured"]
    sp["triggers"]["incident_types"] = sorted(set(sp["triggers"]["incident_types"]) | {"smoke"})
    api.put(f"/api/plans/{plan}/structured", json=sp).raise_for_status()
    api.post(f"/api/plans/{plan}/steps", json={"action": "submit_review"}).raise_for_status()
    api.post(f"/api/plans/{plan}/reviews", json={"opinion": "同意发布", "approve": True}).raise_for_status()
    for action in ("conclude_review", "publish"):
        api.post(f"/api/plans/{plan}/steps", json={"action": action}).raise_for_status()
    return plan


def seed(url: str, admin_password: str) -> None:
    token = httpx.post(f"{url}/api/auth/login", json={"username": "admin", "password": admin_password},
                       timeout=10).raise_for_status().json()["token"]
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as api:
        for r in RESOURCES:
            api.post("/api/resources", json=r).raise_for_status()
        seed_park(api)
        import_plan(api)
        seed_dss(api)
        api.post("/api/drills/scenarios", json={"source": EXAMPLE.read_text(encoding="utf-8")}).raise_for_status()
