"""The demo park's resources and roster (command/demo_seed_park.py) go in through the public API and
give the resources and duty pages something to show (RES-1..3, CMD-1)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from command.demo_seed_park import seed_park


def test_seed_park_files_every_kind_something_due_and_someone_on_duty_now(service):
    """RES-1: experts, teams, materials, vehicles, a shelter and a medical point; RES-2: some expire
    or fall due for inspection soon, one has expired; CMD-1: each role is held now, this week's
    roster is full, and the last shifts handed over with a note. Synthetic phones only."""
    service.headers.update(service.as_role("duty_officer"))
    now = datetime.now().astimezone()
    seed_park(service, now)

    rows = service.get("/api/resources", params={"limit": 1000}).json()
    assert {r["kind"] for r in rows} == {"expert", "team", "material", "vehicle", "shelter", "medical_point"}
    due = service.get("/api/resources", params={"expiring_within": 30}).json()
    assert {"重型防化服", "正压式空气呼吸器", "防毒面具滤毒罐", "泡沫消防车 沪A·F0001", "园区应急避难场所（体育馆）"} \
        <= {r["name"] for r in due}
    assert any(r["evaluation"]["valid"] is False for r in due)

    on_now = service.get("/api/duty/now").json()
    assert {s["role"] for s in on_now} == {"带班领导", "值班长", "值班员", "消防值班", "现场指挥", "消防队长", "通信联络员"}
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    week = service.get("/api/duty/shifts", params={"since": monday.isoformat(),
                                                   "until": (monday + timedelta(days=7)).isoformat()}).json()
    assert len(week) >= 4 * 14
    handed = [s for s in service.get("/api/duty/shifts", params={"since": (now - timedelta(days=1)).isoformat(),
                                                                  "until": now.isoformat()}).json() if s["handed_over_at"]]
    assert handed and all(s["handover_note"] for s in handed)

    phones = [r["phone"] for r in rows if r["phone"]] + [s["phone"] for s in week]
    assert phones and all(re.fullmatch(r"1380000\d{4}", p) for p in phones)
