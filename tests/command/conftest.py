"""A service state on a FakeClock (deadlines are tested by moving time, not by sleeping)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def clocked(db_url, make_config):
    """(state, clock, make_state) on each backend, with a duty officer and a commander who have phones."""
    from command.app import build_state
    from command.services.auth import add_user
    from watchpost.clock import FakeClock
    from watchpost.db import session_scope

    cfg = make_config(db_url)
    clock = FakeClock(T0)
    states = []

    def make_state():
        st = build_state(cfg, clock=clock)
        states.append(st)
        return st

    state = make_state()
    with session_scope(state.sessions) as s:
        add_user(s, "duty1", "Password-1-duty1", "duty_officer", phone="+8613900000001")
        add_user(s, "cmd1", "Password-1-cmd1", "commander", phone="+8613900000002")
        add_user(s, "view1", "Password-1-view1", "viewer", phone="+8613900000003")
    yield state, clock, make_state
    for st in states:
        st.engine.dispose()
