"""Whom a token belongs to is remembered for seconds, and forgotten at once on every process when it is
revoked (issue #23; logout, password change, role change and deactivation revoke through the same calls)."""

from __future__ import annotations

from datetime import timedelta

from command.app import build_state
from command.services.auth import issue_token, resolve_token_expiry, revoke_token, revoke_user_tokens, token_digest
from command.services.session_cache import SessionCache
from tests.command.conftest import T0
from watchpost.bus import InProcessBus
from watchpost.db import session_scope


class Tick:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def _cached_user(state, token):
    with state.sessions() as db:
        user, expires = resolve_token_expiry(db, token, state.clock)
        state.session_cache.put(token_digest(token), user, expires)
    return state.session_cache.get(token_digest(token), state.clock.now())


def test_cache_keeps_a_detached_copy_until_ttl_or_token_expiry(clocked):
    state, clock, _ = clocked
    tick = Tick()
    cache = SessionCache(5.0, tick)
    with session_scope(state.sessions) as db:
        from sqlalchemy import select

        from command.db.models.users import User

        duty = db.execute(select(User).where(User.username == "duty1")).scalar_one()
        cache.put("d", duty, T0 + timedelta(seconds=30))
    copy = cache.get("d", T0)
    assert copy is not None and copy.username == "duty1" and copy.role == "duty_officer"
    assert copy.password_hash is None  # never kept
    tick.t = 6.0
    assert cache.get("d", T0) is None  # past the TTL
    with session_scope(state.sessions) as db:
        duty = db.execute(select(User).where(User.username == "duty1")).scalar_one()
        cache.put("d", duty, T0 + timedelta(seconds=30))
    assert cache.get("d", T0 + timedelta(seconds=31)) is None  # the token itself expired


def test_a_revocation_reaches_every_process_when_it_commits(db_url, make_config):
    bus = InProcessBus()
    cfg = make_config(db_url)
    a, b = build_state(cfg, bus=bus), build_state(cfg, bus=bus)  # two service processes on one bus
    try:
        from command.services.auth import add_user

        with session_scope(a.sessions) as db:
            user = add_user(db, "op", "Password-1-op", "duty_officer")
            t1, t2 = issue_token(db, user, "session", 3600), issue_token(db, user, "api", None)
        assert _cached_user(a, t1) is not None and _cached_user(a, t2) is not None
        with b.sessions() as db:  # logout on the other process, rolled back first: nothing happens
            revoke_token(db, t1)
            db.rollback()
        assert a.session_cache.get(token_digest(t1), a.clock.now()) is not None
        with b.sessions() as db:
            revoke_token(db, t1)
            db.commit()
        assert a.session_cache.get(token_digest(t1), a.clock.now()) is None
        assert a.session_cache.get(token_digest(t2), a.clock.now()) is not None
        with b.sessions() as db:  # a role change or deactivation revokes every token of the user
            revoke_user_tokens(db, user.id)
            db.commit()
        assert len(a.session_cache) == 0
    finally:
        a.engine.dispose()
        b.engine.dispose()
