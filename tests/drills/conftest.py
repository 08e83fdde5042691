"""A service on a FakeClock without its background loops: a test moves the clock and runs the
drill round itself (``drills.run_due``), so drill seconds and deadlines are exact."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

T0 = datetime(2026, 12, 6, 8, 0, tzinfo=timezone.utc)
EXAMPLE = Path(__file__).resolve().parents[2] / "drills" / "scenarios" / "tank_farm_fire.yaml"
USERS = {"organizer": "drill_organizer", "cmd": "commander", "duty": "duty_officer", "lead": "duty_officer",
         "comms": "duty_officer", "eva": "evaluator", "viewer": "viewer", "svc": "service", "boss": "admin"}


@pytest.fixture
def drill_service(db_url, make_config, tmp_path):
    from fastapi.testclient import TestClient

    from command.app import create_app
    from command.services.auth import add_user, issue_token
    from watchpost.clock import FakeClock
    from watchpost.db import session_scope

    clips = tmp_path / "clips"
    clips.mkdir()
    (clips / "fire8_seq_fire2.mp4").write_bytes(b"not decoded in these tests")
    cfg = make_config(db_url, drills={"clip_dir": str(clips)},
                      comms={"audio_dir": str(tmp_path / "audio"), "sms_provider": "drill",
                             "drill_sink_path": str(tmp_path / "sink.jsonl")},
                      vision={"media_root": str(tmp_path / "media"), "spool_path": str(tmp_path / "spool.sqlite"),
                              "cameras": [{"id": "tank-farm-1", "url": str(clips / "fire8_seq_fire2.mp4"),
                                           "site": "tank-farm", "profile": "major_hazard"}]})
    clock = FakeClock(T0)
    app = create_app(cfg, clock=clock, run_background=False)
    tokens = {}
    with session_scope(app.state.wp.sessions) as db:
        for name, role in USERS.items():
            tokens[name] = issue_token(db, add_user(db, name, "Password-1-" + name, role,
                                                    phone=f"+86139000{len(tokens):05d}"), "api", None)
    with TestClient(app) as client:
        client.state, client.clock = app.state.wp, clock
        client.as_user = lambda name: {"Authorization": f"Bearer {tokens[name]}"}
        yield client
