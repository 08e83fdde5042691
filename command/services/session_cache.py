"""Who a token belongs to, remembered for a few seconds so a request does not ask the database (issue #23).

Resolving the bearer token took two queries and a commit on every request, a third of an authenticated
route's CPU. Resolved users are kept here by token digest for ``server.session_cache_s``; a hit gives the
endpoint a detached copy of the user (the columns only, never the password hash).

Nothing may outlive a revocation: ``revoke_token`` and ``revoke_user_tokens`` (logout, password change, role
change, deactivation, lockout) note what they revoke on the database session, and when that session commits
the note is published on the bus (``auth/revoked``). Every service process, this one included, drops the
matching entries as the message arrives, so a revoked token is refused by the next request on any process.
The TTL only bounds what a lost bus message could leave behind.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

from command.db.models.users import User

TOPIC = "auth/revoked"
_PENDING = "wp_revoked"
_COLUMNS = ("id", "username", "display_name", "role", "phone", "active")


@dataclass(frozen=True)
class _Entry:
    user_id: int
    fields: dict[str, Any]
    token_expires_at: datetime | None
    cached_at: float


class SessionCache:
    def __init__(self, ttl_s: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._monotonic = monotonic
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.ttl_s > 0

    def get(self, digest: str, now: datetime) -> User | None:
        """A detached copy of the token's user, or None (not cached, stale, or the token expired)."""
        e = self._entries.get(digest)
        if e is None:
            return None
        if self._monotonic() - e.cached_at > self.ttl_s or (e.token_expires_at is not None and e.token_expires_at <= now):
            with self._lock:
                self._entries.pop(digest, None)
            return None
        return User(**e.fields)

    def put(self, digest: str, user: User, token_expires_at: datetime | None) -> None:
        if not self.enabled:
            return
        fields = {c: getattr(user, c) for c in _COLUMNS}
        with self._lock:
            self._entries[digest] = _Entry(user.id, fields, token_expires_at, self._monotonic())

    def drop(self, message: dict[str, Any]) -> None:
        """Forget what a revocation names: one token (``digest``) or every token of a user (``user_id``)."""
        with self._lock:
            if message.get("digest"):
                self._entries.pop(message["digest"], None)
            if message.get("user_id") is not None:
                for d in [d for d, e in self._entries.items() if e.user_id == message["user_id"]]:
                    del self._entries[d]

    def __len__(self) -> int:
        return len(self._entries)


def note_revoked(db: Session, *, digest: str | None = None, user_id: int | None = None) -> None:
    """Called by the revocations: published once ``db`` commits (a rolled-back revocation revokes nothing)."""
    db.info.setdefault(_PENDING, []).append({"digest": digest, "user_id": user_id})


def install(state: Any) -> None:
    """Wire ``state.session_cache`` to the bus and the state's sessions."""
    cache: SessionCache = state.session_cache

    def on_bus(_topic: str, message: dict[str, Any]) -> None:
        cache.drop(message)

    def after_commit(session: Session) -> None:
        for message in session.info.pop(_PENDING, []):
            cache.drop(message)  # at once here, whatever the bus's delivery
            state.bus.publish(TOPIC, message)

    def after_rollback(session: Session) -> None:
        session.info.pop(_PENDING, None)

    state.bus.subscribe(TOPIC, on_bus)
    event.listen(state.sessions, "after_commit", after_commit)
    event.listen(state.sessions, "after_soft_rollback", lambda s, _tx: after_rollback(s))
