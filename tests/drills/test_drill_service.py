"""A drill on the live system, driven through the API on a fake clock (DRL-2, DRL-3, DRL-4).

The vision worker is stood in for by posting the alarm it would raise on the clip (the real
worker plays the clip in tests/drills/test_drill_e2e.py); everything else is the real service:
the scenario is filed and checked against the site, injects fire on the drill clock, the alarm
intake, incidents and messages run as they always do, tasks are read from their records, and
the report's figures are checked against what happened."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta

import pytest

from command.services import drills
from tests.drills.conftest import EXAMPLE, T0

SEATS = [{"username": "duty", "role": "duty_officer"}, {"username": "cmd", "role": "commander"},
         {"username": "lead", "role": "team_leader"}, {"username": "comms", "role": "comms"},
         {"username": "eva", "role": "evaluator"}]


def _file(c, text: str | None = None):  # noqa: ANN001
    return c.post("/api/drills/scenarios", json={"source": text or EXAMPLE.read_text(encoding="utf-8")},
                  headers=c.as_user("organizer"))


def _at(c, seconds: float) -> None:  # noqa: ANN001
    """Move the wall clock to T0 + seconds and run one drill round."""
    c.clock.set(T0 + timedelta(seconds=seconds))
    drills.run_due(c.state)


def _drill(c, drill_id: int) -> dict:  # noqa: ANN001
    return c.get(f"/api/drills/{drill_id}", headers=c.as_user("eva")).json()


def _task(d: dict, inject: str, action: str) -> dict:
    return next(t for t in d["tasks"] if t["inject"] == inject and t["action"] == action)


def test_scenarios_are_checked_against_the_site_and_filed(drill_service):
    c = drill_service
    text = EXAMPLE.read_text(encoding="utf-8")
    bad = _file(c, text.replace("camera: tank-farm-1", "camera: tank-farm-9").replace("fire8_seq_fire2.mp4", "nope.mp4"))
    assert bad.status_code == 422
    assert "injects[fire-video].camera: no camera 'tank-farm-9'" in bad.json()["detail"]
    assert "injects[fire-video].clip: 'nope.mp4' not found" in bad.json()["detail"]
    broken = _file(c, text.replace("role: comms, action: notify", "role: pilot, action: notify"))
    assert broken.status_code == 422 and "injects[fire-video].expected" in broken.json()["detail"]
    assert c.post("/api/drills/scenarios", json={"source": text}, headers=c.as_user("duty")).status_code == 403
    first = _file(c)
    assert first.status_code == 201, first.text
    assert first.json()["version"] == 1 and first.json()["injects"] == 5
    again = _file(c)
    assert again.json()["id"] == first.json()["id"] and again.json()["version"] == 2  # a new version, same filing
    found = c.get("/api/drills/scenarios", params={"q": "罐区 火灾"}, headers=c.as_user("viewer")).json()
    assert [s["id"] for s in found] == [first.json()["id"]]
    assert c.get("/api/drills/scenarios", params={"q": "化粪池"}, headers=c.as_user("viewer")).json() == []


def test_drill_runs_on_its_clock_and_tasks_follow_the_records(drill_service):
    c = drill_service
    sid = _file(c).json()["id"]
    org, duty, cmd = c.as_user("organizer"), c.as_user("duty"), c.as_user("cmd")
    r = c.post("/api/drills", json={"scenario_id": sid, "speed": 10, "seats": SEATS}, headers=org)
    assert r.status_code == 201, r.text
    did = r.json()["id"]
    busy = c.post("/api/drills", json={"scenario_id": sid, "seats": [{"username": "duty", "role": "duty_officer"}]},
                  headers=org)
    assert busy.status_code == 409 and "duty already sit in drill" in busy.json()["detail"]
    wrong = c.post("/api/drills", json={"scenario_id": sid, "seats": [{"username": "viewer", "role": "pilot"}]},
                   headers=org)
    assert wrong.status_code == 422

    _at(c, 0)  # the clip inject: a worker command, and six tasks counting from drill second 0
    d = _drill(c, did)
    assert d["fired"] == 1 and len(d["tasks"]) == 6
    assert _task(d, "fire-video", "verify_alarm")["due_s"] == 120
    svc = c.as_user("svc")
    cmds = c.get("/api/worker-commands", params={"worker": "vision-1", "after": 0}, headers=svc).json()["commands"]
    play = next(x["command"] for x in cmds if x["command"]["command"] == "play_clip")
    assert play["play_as"] == "tank-farm-1" and play["drill_id"] == did and play["clip_url"].endswith("fire8_seq_fire2.mp4")
    cam = f"tank-farm-1.drill{did}.fire-video"
    # What the vision worker raises on the clip (test_drill_e2e.py runs the real one).
    c.clock.set(T0 + timedelta(seconds=1.2))
    alarm = c.post("/api/alarms", json={"source": "video", "source_event_id": "w:clip:1", "type": "fire",
                                        "camera_id": cam, "exercise": True, "title": "【演练 DRILL】明火 Fire",
                                        "occurred_at": (T0 + timedelta(seconds=1.2)).isoformat(),
                                        "location": {"name": "罐区1号", "site": "tank-farm"}}, headers=svc).json()
    c.clock.set(T0 + timedelta(seconds=4))  # drill second 40
    assert c.post(f"/api/alarms/{alarm['id']}/verify", json={"verdict": "drill"}, headers=duty).status_code == 200
    c.clock.set(T0 + timedelta(seconds=5))
    inc = c.post("/api/incidents", json={"alarm_ids": [alarm["id"]]}, headers=duty).json()
    assert inc["exercise"] is True
    _at(c, 5)
    d = _drill(c, did)
    verify = _task(d, "fire-video", "verify_alarm")
    assert (verify["status"], verify["done_s"], verify["done_by"], verify["how"]) == ("done", 40.0, "duty", "record")
    assert _task(d, "fire-video", "open_incident")["done_s"] == 50.0
    assert d["progress"]["duty_officer"]["done"] == 2

    _at(c, 6)  # drill 60: the H2S reading arrives through the alarm intake as an exercise alarm
    gas = c.get("/api/alarms", params={"exercise": True, "type": "gas"}, headers=duty).json()
    assert len(gas) == 1 and gas[0]["title"].startswith("【演练 DRILL】")
    # Pause: the drill clock stops, nothing fires, deadlines wait.
    c.clock.set(T0 + timedelta(seconds=7))
    assert c.post(f"/api/drills/{did}/control", json={"action": "pause"}, headers=org).json()["drill_s"] == 70.0
    assert c.post(f"/api/drills/{did}/control", json={"action": "pause"}, headers=org).status_code == 409
    assert c.post(f"/api/drills/{did}/control", json={"action": "pause"}, headers=duty).status_code == 403
    _at(c, 300)
    d = _drill(c, did)
    assert d["drill_s"] == 70.0 and d["status"] == "paused" and d["fired"] == 2
    c.clock.set(T0 + timedelta(seconds=300))
    c.post(f"/api/drills/{did}/control", json={"action": "resume"}, headers=org)
    _at(c, 302)  # drill 90: the worker's call; an acknowledge task for the duty seat
    d = _drill(c, did)
    assert d["drill_s"] == 90.0 and d["fired"] == 3
    ack = _task(d, "worker-call", "acknowledge")
    assert ack["manual"] and ack["due_s"] == 150.0
    assert c.post(f"/api/drills/tasks/{ack['id']}/done", json={"note": "已记录"}, headers=cmd).status_code == 409
    c.clock.set(T0 + timedelta(seconds=303))
    done = c.post(f"/api/drills/tasks/{ack['id']}/done", json={"note": "已记录来电"}, headers=duty).json()
    assert done["status"] == "done" and done["done_s"] == 100.0 and done["how"] == "seat"
    mine = c.get(f"/api/drills/{did}/tasks", params={"mine": True}, headers=c.as_user("lead")).json()
    assert {t["role"] for t in mine} == {"team_leader"}
    # Speed: 2x from here; seconds already counted keep the speed they ran at.
    c.clock.set(T0 + timedelta(seconds=304))
    assert c.post(f"/api/drills/{did}/control", json={"action": "speed", "speed": 2}, headers=org).json()["speed"] == 2
    _at(c, 319)  # 110 + 15 s x 2 = drill 140: the wind report
    d = _drill(c, did)
    assert d["drill_s"] == 140.0 and d["fired"] == 4
    # A restart: a second service on the same database picks the drill up where it was.
    from command.app import build_state

    st2 = build_state(c.state.config, clock=c.clock)
    c.clock.set(T0 + timedelta(seconds=369))  # drill 240: the order to the team leader
    drills.run_due(st2)
    st2.engine.dispose()
    assert _drill(c, did)["fired"] == 5
    # Nobody activates a plan, notifies, dispatches or reports: at the end those are missed.
    _at(c, 600)
    d = _drill(c, did)
    assert d["status"] == "finished" and d["ended_at"]
    assert {t["action"]: t["status"] for t in d["tasks"] if t["inject"] == "fire-video"} == {
        "verify_alarm": "done", "open_incident": "done", "activate_plan": "missed", "notify": "missed",
        "dispatch": "missed", "first_report": "missed"}
    late = _task(d, "gas-reading", "verify_alarm")
    assert late["status"] == "missed"
    assert c.get("/api/drills/live", headers=duty).json() == []


def _finished_drill(c) -> int:  # noqa: ANN001
    sid = _file(c).json()["id"]
    did = c.post("/api/drills", json={"scenario_id": sid, "speed": 10, "seats": SEATS},
                 headers=c.as_user("organizer")).json()["id"]
    _at(c, 0)
    svc, duty = c.as_user("svc"), c.as_user("duty")
    c.clock.set(T0 + timedelta(seconds=2))  # the worker's clip alarm reaches the service at drill 20
    alarm = c.post("/api/alarms", json={"source": "video", "source_event_id": "w:clip:2", "type": "fire",
                                        "camera_id": f"tank-farm-1.drill{did}.fire-video", "exercise": True,
                                        "occurred_at": (T0 + timedelta(seconds=2)).isoformat()}, headers=svc).json()
    c.clock.set(T0 + timedelta(seconds=3))
    c.post(f"/api/alarms/{alarm['id']}/verify", json={"verdict": "drill"}, headers=duty)
    c.clock.set(T0 + timedelta(seconds=20))  # drill 200: late for "open the incident within 180 s"
    iid = c.post("/api/incidents", json={"alarm_ids": [alarm["id"]]}, headers=duty).json()["id"]
    c.clock.set(T0 + timedelta(seconds=25))
    r = c.post(f"/api/comms/incidents/{iid}/notify", json={"level": "red", "title": "罐区火灾演练", "exercise": False},
               headers=c.as_user("comms"))
    assert r.status_code == 200 and r.json()["campaign"]["exercise"] is True  # an exercise incident cannot page for real
    _at(c, 25)
    _at(c, 30)  # drill 300: every inject has fired; deadlines run to 600
    c.clock.set(T0 + timedelta(seconds=31))
    c.post(f"/api/drills/{did}/control", json={"action": "abort"}, headers=c.as_user("organizer"))
    return did


def test_report_figures_match_the_timeline(drill_service, tmp_path):
    c = drill_service
    did = _finished_drill(c)
    d = _drill(c, did)
    assert d["status"] == "aborted"
    assert c.get(f"/api/drills/{did}/report", headers=c.as_user("viewer")).status_code == 403
    rep = c.get(f"/api/drills/{did}/report", headers=c.as_user("eva")).json()
    assert rep["status"] == "unsaved" and rep["versions"] == []
    paras = {s["key"]: s["paragraphs"] for s in rep["draft"]["sections"]}
    assert [s["title"] for s in rep["draft"]["sections"]] == ["一、演练基本情况", "二、评估组织", "三、评估过程",
                                                               "四、存在问题", "五、改进建议"]
    # Inject -> alarm: 20 s for the clip (wall +2 s at 10x), 0 s for the reading and the call the
    # drill posts itself; -> verification 30 s; -> incident 200 s; -> notification 250 s.
    process = "\n".join(paras["process"])
    assert "情景注入至报警：3 次，中位 0 秒，最长 20 秒" in process
    assert "情景注入至核查：1 次，中位 30 秒" in process
    assert "情景注入至创建事件：1 次，中位 3.3 分钟" in process
    assert "情景注入至首次通知：1 次，中位 4.2 分钟" in process
    assert "视觉识别报警（fire），用时 2 秒（实时）" in process
    assert any("「创建事件」超时完成，超时 20 秒" in p for p in paras["problems"])
    plan = rep["draft"]["improvement_plan"]
    assert {p["owner"] for p in plan} >= {"值班员", "指挥长"} and all(p["due"] == "2027-01-05" for p in plan)
    # The organiser edits the words; the numbers are recomputed at render time.
    draft = rep["draft"]
    draft["sections"][4]["paragraphs"].append("建议每季度开展一次罐区火灾桌面推演。")
    saved = c.put(f"/api/drills/{did}/report", json={"draft": draft}, headers=c.as_user("organizer"))
    assert saved.status_code == 200 and saved.json()["version"] == 1 and saved.json()["status"] == "draft"
    final = c.put(f"/api/drills/{did}/report", json={"draft": draft, "final": True}, headers=c.as_user("organizer"))
    assert final.json()["version"] == 2 and final.json()["status"] == "final"
    found = c.get("/api/drills/reports", params={"q": "桌面推演"}, headers=c.as_user("eva")).json()
    assert [(r["drill_id"], r["version"]) for r in found] == [(did, 2)]
    pdf = c.get(f"/api/drills/{did}/report.pdf", params={"version": 2}, headers=c.as_user("eva"))
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"
    docx = c.get(f"/api/drills/{did}/report.docx", headers=c.as_user("eva"))
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    if shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftoppm, pdftotext) is not installed")
    (tmp_path / "r.pdf").write_bytes(pdf.content)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(tmp_path / "r.pdf"), str(tmp_path / "page")], check=True)
    assert list(tmp_path.glob("page-*.png"))
    text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    for title in ("一、演练基本情况", "二、评估组织", "三、评估过程", "四、存在问题", "五、改进建议", "附录：评估表",
                  "建议每季度开展一次罐区火灾桌面推演", "第 2 版"):
        assert title in text, title
    en = c.get(f"/api/drills/{did}/report", params={"lang": "en"}, headers=c.as_user("eva")).json()
    assert en["draft"]["sections"][0]["title"] == "1. The exercise"


def test_debrief_timeline_has_every_step_in_order(drill_service):
    c = drill_service
    did = _finished_drill(c)
    tl = c.get(f"/api/drills/{did}/timeline", headers=c.as_user("viewer")).json()
    kinds = [e["kind"] for e in tl]
    for k in ("drill.started", "drill.inject", "alarm", "alarm.verified", "incident.created", "notification",
              "task.done", "drill.aborted"):
        assert k in kinds, k
    assert [e["at"] for e in tl] == sorted(e["at"] for e in tl)
    verified = next(e for e in tl if e["kind"] == "alarm.verified")
    assert verified["drill_s"] == 30.0


def test_report_is_refused_while_the_drill_runs(drill_service):
    c = drill_service
    sid = _file(c).json()["id"]
    did = c.post("/api/drills", json={"scenario_id": sid, "seats": SEATS}, headers=c.as_user("organizer")).json()["id"]
    r = c.get(f"/api/drills/{did}/report", headers=c.as_user("eva"))
    assert r.status_code == 409 and "is running" in r.json()["detail"]


def test_test_group_is_named_by_the_organiser_and_ends_with_the_drill(drill_service):
    from sqlalchemy import select

    from comms.models import DrillRecipient

    c = drill_service
    sid = _file(c).json()["id"]
    bad = c.post("/api/drills", json={"scenario_id": sid, "test_group": ["13900000001"]}, headers=c.as_user("organizer"))
    assert bad.status_code == 422  # not an E.164 number
    did = c.post("/api/drills", json={"scenario_id": sid, "seats": SEATS, "test_group": ["+8613900000099"]},
                 headers=c.as_user("organizer")).json()["id"]
    with c.state.sessions() as db:
        assert [r.recipient for r in db.execute(select(DrillRecipient)).scalars()] == ["+8613900000099"]
    c.post(f"/api/drills/{did}/control", json={"action": "abort"}, headers=c.as_user("organizer"))
    with c.state.sessions() as db:
        assert db.execute(select(DrillRecipient)).first() is None
