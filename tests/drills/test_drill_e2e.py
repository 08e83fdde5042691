"""A drill end to end through the real pipeline at 10x (DRL-3, VID-1): the drill's clip inject
reaches the real vision worker through the worker-command queue, the worker plays it in a
configured camera's place and raises a real exercise fire alarm; the duty officer verifies it
and opens the incident, the commander activates the published plan, communications notifies
(the SMS lands in the drill sink, never at a provider); the drill ends by itself once every task
is done, and the report's figures and PDF come from what happened."""

from __future__ import annotations

import shutil
import subprocess

import httpx
import pytest

from command.throwaway import serve_in_thread
from comms.outbox import EXERCISE_PREFIX
from tests.plans.sample import park_plan
from watchpost.throwaway import wait_until

pytestmark = pytest.mark.slow

SCENARIO = """
id: e2e-fire
title: 罐区火灾视频演练
title_en: Tank farm fire on video
speed: 10
roles: [duty_officer, commander, comms]
objectives:
  - {id: detect, title: 发现与核实, capabilities: [接警核查]}
  - {id: respond, title: 启动与通知, capabilities: [指挥决策, 预警发布]}
injects:
  - id: fire
    at_s: 0
    kind: video
    camera: tank-a
    clip: fire8_seq_fire2.mp4
    title: 罐区A监控出现明火
    expected:
      - {role: duty_officer, action: verify_alarm, within_s: 600, objective: detect}
      - {role: duty_officer, action: open_incident, within_s: 900, objective: detect}
      - {role: commander, action: activate_plan, level: II, within_s: 1200, objective: respond}
      - {role: comms, action: notify, within_s: 1500, objective: respond}
"""


def _wait(what: str, fn, timeout_s: float = 60):  # noqa: ANN001
    got = wait_until(fn, timeout_s, 0.3)
    assert got, f"timed out waiting for {what}"
    return got


def test_clip_inject_to_report_through_the_real_worker(shared_dir, sqlite_url, make_config, tmp_path):
    from vision.pipeline import load_detectors
    from vision.worker import Worker

    clips = shared_dir / "data" / "clips"
    cfg = make_config(sqlite_url, drills={"clip_dir": str(clips), "tick_s": 0.2},
                      comms={"audio_dir": str(tmp_path / "audio"), "sms_provider": "twilio",
                             "twilio": {"account_sid": "AC" + "0" * 32, "auth_token": "x", "from_number": "+10000000000",
                                        "base_url": "http://127.0.0.1:9"},  # a real send would fail loudly
                             "drill_sink_path": str(tmp_path / "sink.jsonl"), "poll_s": 0.2},
                      vision={"media_root": str(tmp_path / "media"), "spool_path": str(tmp_path / "spool.sqlite"),
                              "evidence": {"pre_s": 1.0, "post_s": 1.0},
                              "cameras": [{"id": "tank-a", "name": "罐区A", "site": "tank-farm-a", "detect_fps": 2.0,
                                           "url": str(clips / "fire8_seq_smoke5.mp4"), "profile": "major_hazard"}]})
    try:
        detectors = load_detectors(cfg, {"firesmoke"})
    except FileNotFoundError as exc:
        pytest.skip(f"shipped weights missing: {exc}")
    server = serve_in_thread(cfg, {"vision-1": "service", "org": "drill_organizer", "duty": "duty_officer",
                                   "cmd": "commander", "comms": "duty_officer", "eva": "evaluator"})
    api = httpx.Client(base_url=server.url, timeout=30)
    as_ = {name: {"Authorization": f"Bearer {token}"} for name, token in server.tokens.items()}
    cfg.vision.service_url, cfg.vision.service_token = server.url, server.tokens["vision-1"]
    worker = Worker(cfg, detectors=detectors)
    worker.start()
    try:
        pid = api.post("/api/plans", json=park_plan(), headers=as_["cmd"]).json()["id"]
        for step in ({"action": "submit_review"},):
            assert api.post(f"/api/plans/{pid}/steps", json=step, headers=as_["cmd"]).status_code == 200
        api.post(f"/api/plans/{pid}/reviews", json={"opinion": "同意", "approve": True}, headers=as_["cmd"])
        for action in ("conclude_review", "publish"):
            assert api.post(f"/api/plans/{pid}/steps", json={"action": action}, headers=as_["cmd"]).status_code == 200
        sid = api.post("/api/drills/scenarios", json={"source": SCENARIO}, headers=as_["org"]).json()["id"]
        r = api.post("/api/drills", json={"scenario_id": sid, "seats": [
            {"username": "duty", "role": "duty_officer"}, {"username": "cmd", "role": "commander"},
            {"username": "comms", "role": "comms"}]}, headers=as_["org"])
        assert r.status_code == 201, r.text
        did = r.json()["id"]
        cam = f"tank-a.drill{did}.fire"

        def exercise_fire():
            alarms = api.get("/api/alarms", params={"exercise": True, "type": "fire"}, headers=as_["duty"]).json()
            return next((a for a in alarms if a["camera_id"] == cam), None)

        alarm = _wait("the worker's exercise fire alarm on the drill clip", exercise_fire, 90)
        assert alarm["exercise"] and alarm["title"].startswith("【演练 DRILL】") and alarm["location"]["site"] == "tank-farm-a"
        assert api.post(f"/api/alarms/{alarm['id']}/verify", json={"verdict": "drill"}, headers=as_["duty"]).status_code == 200
        inc = api.post("/api/incidents", json={"alarm_ids": [alarm["id"]]}, headers=as_["duty"]).json()
        assert inc["exercise"]
        assert api.post(f"/api/incidents/{inc['id']}/transitions", json={"to": "verified"},
                        headers=as_["duty"]).status_code == 200
        best = api.get(f"/api/incidents/{inc['id']}/plan-matches", headers=as_["cmd"]).json()[0]
        assert best["plan_id"] == pid
        act = api.post(f"/api/incidents/{inc['id']}/activate-plan", json={"plan_id": pid, "response_level": "II"},
                       headers=as_["cmd"])
        assert act.status_code == 201, act.text
        camp = api.post(f"/api/comms/incidents/{inc['id']}/notify", json={"level": "red", "title": "罐区A火灾演练"},
                        headers=as_["comms"]).json()
        assert camp["campaign"]["exercise"] is True
        d = _wait("the drill to finish once every task is done",
                  lambda: (x := api.get(f"/api/drills/{did}", headers=as_["eva"]).json())["status"] == "finished" and x,
                  60)
        assert {t["action"]: t["status"] for t in d["tasks"]} == {
            "verify_alarm": "done", "open_incident": "done", "activate_plan": "done", "notify": "done"}

        # Drill safety: every message of the drill went to the drill sink; none reached a provider.
        msgs = _wait("the drill's messages to be sent", lambda: (
            m := api.get("/api/comms/messages", params={"exercise": True}, headers=as_["eva"]).json()["items"])
            and all(x["status"] == "delivered" for x in m) and m, 30)
        assert {m["provider"] for m in msgs} == {"drill"} and any(m["channel"] == "sms" for m in msgs)
        assert all(EXERCISE_PREFIX in m["body"][:16] for m in msgs if m["channel"] == "sms")

        rep = api.get(f"/api/drills/{did}/report", headers=as_["eva"]).json()
        process = "\n".join(next(s for s in rep["draft"]["sections"] if s["key"] == "process")["paragraphs"])
        assert "情景注入至报警：1 次" in process and "情景注入至启动预案：1 次" in process
        assert "视觉识别报警（fire）" in process
        tl = api.get(f"/api/drills/{did}/timeline", headers=as_["eva"]).json()
        shot = next(e for e in tl if e["kind"] == "alarm")
        assert any(x["kind"] == "snapshot" for x in shot["data"]["evidence"])  # video evidence in the replay
        pdf = api.get(f"/api/drills/{did}/report.pdf", headers=as_["eva"])
        assert pdf.status_code == 200
        if shutil.which("pdftotext"):
            (tmp_path / "r.pdf").write_bytes(pdf.content)
            text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True).stdout
            assert "三、评估过程" in text and "罐区火灾视频演练" in text
    finally:
        worker.stop()
        server.stop()
