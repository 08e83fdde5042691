"""The demo park's resources and duty roster, filed through the public API (``seed_park``), so the
resources page shows experts, teams, materials, vehicles, a shelter and a medical point (some due
for renewal or inspection soon, one already expired) and the duty page shows this week's roster
with someone on duty now (RES-1..3, CMD-1).

Every name and phone number here is made up (phones 1380000xxxx); none is a real person's.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any


def _resources(today: date) -> list[dict]:
    day = lambda n: (today + timedelta(days=n)).isoformat()  # noqa: E731
    return [
        # experts (dynamic evaluation: rated after incidents)
        {"kind": "expert", "code": "EXP-01", "name": "化工工艺专家 甲", "category": "化工工艺", "site": "expert-pool",
         "contact": "专家 甲", "phone": "13800000101", "attrs": {"title": "高级工程师"}},
        {"kind": "expert", "code": "EXP-02", "name": "消防安全专家 乙", "category": "消防", "site": "expert-pool",
         "contact": "专家 乙", "phone": "13800000102"},
        {"kind": "expert", "code": "EXP-03", "name": "环境监测专家 丙", "category": "环境监测", "site": "expert-pool",
         "contact": "专家 丙", "phone": "13800000103"},
        # teams (status evaluation: members, availability)
        {"kind": "team", "code": "TM-HAZ", "name": "危化品处置队", "category": "危化品处置", "site": "fire-station",
         "location_name": "消防站二楼", "lon": 121.4072, "lat": 30.8047, "quantity": 1, "contact": "队长 丁",
         "phone": "13800000111", "members": ["队长 丁", "队员 戊", "队员 己", "队员 庚"]},
        {"kind": "team", "code": "TM-MED", "name": "医疗救护队", "category": "医疗救护", "site": "clinic",
         "location_name": "园区医务室", "lon": 121.4086, "lat": 30.8071, "quantity": 1, "contact": "队长 辛",
         "phone": "13800000112", "members": ["队长 辛", "护士 壬"]},
        {"kind": "team", "code": "TM-ENV", "name": "环境监测队", "category": "环境监测", "site": "control",
         "location_name": "中控室", "lon": 121.4090, "lat": 30.8080, "quantity": 1, "contact": "队长 癸",
         "phone": "13800000113", "members": ["队长 癸", "监测员 子"], "status": "maintenance"},
        # materials (validity, completeness against the norm, availability)
        {"kind": "material", "code": "MAT-ABS", "name": "吸附棉", "category": "吸附材料", "site": "depot",
         "location_name": "应急物资库 A架", "lon": 121.4030, "lat": 30.8020, "quantity": 180, "required_quantity": 200,
         "unit": "kg"},
        {"kind": "material", "code": "MAT-SUIT", "name": "重型防化服", "category": "个体防护", "site": "depot",
         "location_name": "应急物资库 B架", "lon": 121.4030, "lat": 30.8020, "quantity": 12, "required_quantity": 10,
         "unit": "套", "expires_on": day(18)},
        {"kind": "material", "code": "MAT-SCBA", "name": "正压式空气呼吸器", "category": "个体防护", "site": "fire-station",
         "location_name": "消防站器材室", "lon": 121.4070, "lat": 30.8045, "quantity": 16, "unit": "具",
         "inspection_due_on": day(9)},
        {"kind": "material", "code": "MAT-FILT", "name": "防毒面具滤毒罐", "category": "个体防护", "site": "depot",
         "location_name": "应急物资库 B架", "lon": 121.4030, "lat": 30.8020, "quantity": 60, "unit": "个",
         "expires_on": day(-4)},
        {"kind": "material", "code": "MAT-PLUG", "name": "堵漏工具组", "category": "堵漏器材", "site": "depot",
         "location_name": "应急物资库 C架", "lon": 121.4030, "lat": 30.8020, "quantity": 3, "unit": "套",
         "inspection_due_on": day(120)},
        {"kind": "material", "code": "MAT-HOSE", "name": "消防水带 DN65", "category": "消防器材", "site": "fire-station",
         "location_name": "消防站器材室", "lon": 121.4070, "lat": 30.8045, "quantity": 40, "unit": "盘"},
        # vehicles (annual inspection)
        {"kind": "vehicle", "code": "VH-01", "name": "泡沫消防车 沪A·F0001", "category": "消防车", "site": "fire-station",
         "location_name": "消防站车库", "lon": 121.4070, "lat": 30.8045, "quantity": 1, "unit": "辆",
         "contact": "驾驶员 丑", "phone": "13800000121", "inspection_due_on": day(12)},
        {"kind": "vehicle", "code": "VH-02", "name": "危化品抢险车 沪A·F0002", "category": "抢险车", "site": "fire-station",
         "location_name": "消防站车库", "lon": 121.4071, "lat": 30.8044, "quantity": 1, "unit": "辆",
         "contact": "驾驶员 寅", "phone": "13800000122", "inspection_due_on": day(200)},
        {"kind": "vehicle", "code": "VH-03", "name": "救护车 沪A·F0003", "category": "救护车", "site": "clinic",
         "location_name": "园区医务室", "lon": 121.4086, "lat": 30.8071, "quantity": 1, "unit": "辆",
         "contact": "驾驶员 卯", "phone": "13800000123", "inspection_due_on": day(75)},
        # shelter and medical point
        {"kind": "shelter", "code": "SH-01", "name": "园区应急避难场所（体育馆）", "category": "室内避难场所",
         "site": "shelter", "location_name": "园区体育馆", "lon": 121.4102, "lat": 30.8093, "quantity": 500,
         "unit": "人", "contact": "管理员 辰", "phone": "13800000131", "inspection_due_on": day(25)},
        {"kind": "medical_point", "code": "MP-01", "name": "园区医务室", "category": "医疗点", "site": "clinic",
         "location_name": "综合楼一层", "lon": 121.4086, "lat": 30.8071, "quantity": 4, "unit": "床",
         "contact": "医生 巳", "phone": "13800000141"},
    ]


# Role → the people (forms of address, not anyone's name) who take its day (08:00-20:00) and
# night (20:00-08:00) shifts in turn.
ROSTER = {
    "带班领导": [("赵主任", "13800000201"), ("钱主任", "13800000202")],
    "值班长": [("孙工", "13800000211"), ("李工", "13800000212"), ("周工", "13800000213")],
    "值班员": [("吴某", "13800000221"), ("郑某", "13800000222"), ("王某", "13800000223")],
    "消防值班": [("冯队", "13800000231"), ("陈队", "13800000232")],
    # The roles of the tank farm plan (deploy/demo/plans/): activating it assigns each card to whoever holds its role.
    "现场指挥": [("褚指挥", "13800000241"), ("卫指挥", "13800000242")],
    "消防队长": [("蒋队长", "13800000251"), ("沈队长", "13800000252")],
    "通信联络员": [("韩联络", "13800000261"), ("杨联络", "13800000262")],
}


def _shifts(now: datetime) -> list[dict]:
    """Day and night shifts for every role from this week's Monday to next week's Sunday: whatever
    the hour, someone holds each role now."""
    monday = now.date() - timedelta(days=now.weekday())
    out = []
    for d in range(14):
        day = monday + timedelta(days=d)
        for half, (start_h, hours) in enumerate(((8, 12), (20, 12))):
            starts = datetime.combine(day, time(start_h), now.tzinfo)
            for role, people in ROSTER.items():
                person, phone = people[(2 * d + half) % len(people)]
                out.append({"role": role, "person": person, "phone": phone, "starts_at": starts.isoformat(),
                            "ends_at": (starts + timedelta(hours=hours)).isoformat()})
    # The night before this Monday, so early on a Monday someone is on duty too.
    eve = datetime.combine(monday - timedelta(days=1), time(20), now.tzinfo)
    for role, people in ROSTER.items():
        person, phone = people[-1]
        out.append({"role": role, "person": person, "phone": phone, "starts_at": eve.isoformat(),
                    "ends_at": (eve + timedelta(hours=12)).isoformat()})
    return out


def seed_park(api: Any, now: datetime | None = None) -> None:
    """File the park's resources and roster through ``api`` (an httpx client signed in as an
    operator). ``now`` (aware; default the local time) places the roster and the due dates."""
    now = now or datetime.now().astimezone()
    for r in _resources(now.date()):
        api.post("/api/resources", json=r).raise_for_status()
    ended = []
    for s in _shifts(now):
        made = api.post("/api/duty/shifts", json=s).raise_for_status().json()
        if now - timedelta(hours=12) < datetime.fromisoformat(made["ends_at"]) <= now:
            ended.append(made)
    # The shifts that ended last handed over with a note, as the duty room does.
    for s in ended:
        api.post(f"/api/duty/shifts/{s['id']}/handover",
                 json={"note": f"{s['role']}交班：罐区液位正常，2号泡沫泵检修中，防毒面具滤毒罐已过期待更换。"}).raise_for_status()
