from __future__ import annotations

import pytest

from comms.fake_twilio import FakeTwilio


@pytest.fixture
def fake_twilio():
    fake = FakeTwilio().start()
    yield fake
    fake.stop()


@pytest.fixture
def comms_config(make_config, tmp_path):
    """Config whose SMS goes to the local fake Twilio through the real client."""

    def build(url: str, fake: FakeTwilio, **comms):
        tree = {
            "audio_dir": str(tmp_path / "audio"),
            "drill_sink_path": str(tmp_path / "drill_sink.jsonl"),
            "twilio": {"account_sid": fake.account_sid, "auth_token": fake.auth_token, "from_number": "+15005550006",
                       "base_url": fake.base_url, "rate_per_s": 1000, **comms.pop("twilio", {})},
            "backoff_base_s": 2.0,
            **comms,
        }
        return make_config(url, comms=tree)

    return build


@pytest.fixture
def comms_service(db_url, fake_twilio, comms_config):
    """The app (TestClient) on each backend, SMS pointed at the fake Twilio, no background loops
    (tests drive the dispatcher themselves); ``as_role(role)`` gives auth headers."""
    from fastapi.testclient import TestClient

    from command.app import create_app
    from command.services.auth import add_user, issue_token
    from watchpost.db import make_engine, make_sessionmaker, session_scope

    cfg = comms_config(db_url, fake_twilio)
    engine = make_engine(db_url)
    tokens = {}
    with session_scope(make_sessionmaker(engine)) as s:
        for role in ("admin", "duty_officer", "viewer", "drill_organizer"):
            u = add_user(s, role, "Password-1-" + role, role)
            tokens[role] = issue_token(s, u, "api", None)
    engine.dispose()
    app = create_app(cfg, run_background=False)
    with TestClient(app) as client:
        client.as_role = lambda role: {"Authorization": f"Bearer {tokens[role]}"}
        client.state = app.state.wp
        client.fake = fake_twilio
        yield client
