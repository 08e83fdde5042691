"""The demo park's decision-support exercise (issue #25), filed through the public API: people on
site with their phones, an exercise ammonia leak at the liquid-ammonia terminal, its footprint run
with the weather of the moment, the response plan drafted from it and approved by the commander, so
the targeted warnings land in the drill sink (an exercise never pages real people). Names and
phone numbers are synthetic."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx

RELEASE = {"lon": 121.4062, "lat": 30.8052}  # 申城液氨储运, the ammonia tanks
# (person id, name, lon, lat): some downwind of the tanks, some upwind, one in the village east of the park.
PEOPLE = [
    ("p-301", "巡检员甲", 121.4075, 30.8053), ("p-302", "巡检员乙", 121.4088, 30.8049),
    ("p-303", "装卸工丙", 121.4068, 30.8056), ("p-304", "司机丁", 121.4097, 30.8050),
    ("p-305", "化验员戊", 121.4030, 30.8050), ("p-306", "保安己", 121.4010, 30.8040),
    ("p-307", "维修工庚", 121.4080, 30.8040), ("p-308", "村民辛", 121.4120, 30.8045),
]
WEATHER = {"source": "manual", "wind_speed_m_s": 2.5, "wind_from_deg": 270.0, "stability": "D", "temperature_c": 18.0}


def seed_dss(api: httpx.Client) -> dict:
    now = datetime.now(timezone.utc).isoformat()
    for i, (pid, name, _lon, _lat) in enumerate(PEOPLE):
        api.post("/api/comms/contacts", json={"name": name, "phone": f"+861380000{310 + i:04d}",
                                              "groups": ["demo-site"]}).raise_for_status()
    api.post("/api/positions", json={"positions": [{"person_id": pid, "name": name, "lon": lon, "lat": lat, "at": now}
                                                   for pid, name, lon, lat in PEOPLE]}).raise_for_status()
    inc = api.post("/api/incidents", json={
        "type": "gas", "title": "【演练】液氨储罐区氨气泄漏", "level": "orange", "exercise": True,
        "location": {"name": "申城液氨储运 储罐区", "site": "tank-farm", **RELEASE}}).raise_for_status().json()
    sim = api.post("/api/simulations", json={"incident_id": inc["id"], "model": "plume_footprint", "substance": "ammonia",
                                             "params": {"release_rate_kg_s": 2.0, "grid_n": 300},
                                             "weather": WEATHER}).raise_for_status().json()
    draft = api.post(f"/api/incidents/{inc['id']}/response-drafts",
                     json={"simulation_id": sim["id"]}).raise_for_status().json()
    sent = api.post(f"/api/response-drafts/{draft['id']}/approve").raise_for_status().json()
    return {"incident": inc["id"], "simulation": sim["id"], "draft": draft["id"], "status": sent["status"]}
