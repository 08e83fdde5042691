"""Users, passwords (argon2), lockout, session and API tokens."""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from command.db.models.users import AuthToken, User
from command.domain.passwords import PasswordPolicy
from command.domain.roles import Role
from command.services import audit
from command.services.session_cache import note_revoked
from watchpost.clock import SYSTEM_CLOCK, Clock

_hasher = PasswordHasher()
DEFAULT_POLICY = PasswordPolicy()


class AuthError(Exception):
    def __init__(self, reason: str, status: int = 401, retry_after_s: float | None = None):
        self.reason = reason
        self.status = status
        self.retry_after_s = retry_after_s
        super().__init__(reason)


def hash_password(password: str, username: str = "", policy: PasswordPolicy = DEFAULT_POLICY) -> str:
    """The argon2 hash of a password the policy accepts; ValueError("password: needs ...") otherwise."""
    policy.check(password, username)
    return _hasher.hash(password)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_view(u: User) -> dict:
    return {"id": u.id, "username": u.username, "display_name": u.display_name, "role": u.role,
            "phone": u.phone, "active": u.active}


def add_user(db: Session, username: str, password: str, role: str, display_name: str = "",
             phone: str | None = None, actor: str = "system", policy: PasswordPolicy = DEFAULT_POLICY) -> User:
    Role(role)  # raises ValueError naming the bad role
    if db.execute(select(User).where(User.username == username)).scalar_one_or_none():
        raise ValueError(f"user {username!r} already exists")
    u = User(username=username, role=role, display_name=display_name or username, phone=phone,
             password_hash=hash_password(password, username, policy))
    db.add(u)
    db.flush()
    audit.record(db, actor, "user.create", "user", u.id, after=user_view(u))
    return u


def issue_token(db: Session, user: User, kind: str, ttl_s: float | None, clock: Clock = SYSTEM_CLOCK) -> str:
    token = secrets.token_urlsafe(32)
    now = clock.now()
    db.add(AuthToken(token_sha256=token_digest(token), user_id=user.id, kind=kind, created_at=now,
                     expires_at=None if ttl_s is None else now + timedelta(seconds=ttl_s)))
    db.flush()
    return token


@dataclass
class LoginPolicy:
    session_ttl_s: float = 8 * 3600
    lockout_after: int = 5
    lockout_s: float = 900


def login(db: Session, username: str, password: str, policy: LoginPolicy, clock: Clock = SYSTEM_CLOCK) -> tuple[User, str]:
    u = db.execute(select(User).where(User.username == username)).scalar_one_or_none()
    now = clock.now()
    if u is None or not u.active:
        # Same answer, and the same hashing time, as a wrong password: do not reveal which usernames exist.
        _verify_hash(_unknown_user_hash(), password)
        raise AuthError("invalid username or password")
    if u.locked_until and u.locked_until > now:
        raise AuthError("account locked after repeated failures; try later", 423)
    if not verify_password(u, password):
        u.failed_logins += 1
        if u.failed_logins >= policy.lockout_after:
            u.locked_until = now + timedelta(seconds=policy.lockout_s)
            u.failed_logins = 0
            audit.record(db, username, "user.lockout", "user", u.id, note="too many failed logins", clock=clock)
        raise AuthError("invalid username or password")
    u.failed_logins = 0
    u.locked_until = None
    if _hasher.check_needs_rehash(u.password_hash):
        u.password_hash = _hasher.hash(password)
    token = issue_token(db, u, "session", policy.session_ttl_s, clock)
    audit.record(db, u.username, "user.login", "user", u.id, clock=clock)
    return u, token


def resolve_token(db: Session, token: str, clock: Clock = SYSTEM_CLOCK) -> User | None:
    return resolve_token_expiry(db, token, clock)[0]


def resolve_token_expiry(db: Session, token: str, clock: Clock = SYSTEM_CLOCK) -> tuple[User | None, datetime | None]:
    """The token's active user (None if the token is unknown, revoked or expired) and when the token expires."""
    row = db.execute(select(AuthToken).where(AuthToken.token_sha256 == token_digest(token))).scalar_one_or_none()
    if row is None or row.revoked:
        return None, None
    if row.expires_at is not None and row.expires_at <= clock.now():
        return None, None
    u = db.get(User, row.user_id)
    return (u, row.expires_at) if u is not None and u.active else (None, None)


def _verify_hash(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _unknown_user_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def verify_password(user: User, password: str) -> bool:
    return _verify_hash(user.password_hash, password)


def revoke_token(db: Session, token: str) -> None:
    row = db.execute(select(AuthToken).where(AuthToken.token_sha256 == token_digest(token))).scalar_one_or_none()
    if row is not None:
        row.revoked = True
        note_revoked(db, digest=row.token_sha256)


def revoke_user_tokens(db: Session, user_id: int, kinds: tuple[str, ...] = ("session", "api"),
                       keep: str | None = None) -> int:
    """Revoke the user's live tokens of ``kinds`` (all but the one ``keep`` names); how many."""
    q = select(AuthToken).where(AuthToken.user_id == user_id, AuthToken.revoked.is_(False),
                                AuthToken.kind.in_(kinds))
    if keep:
        q = q.where(AuthToken.token_sha256 != token_digest(keep))
    rows = list(db.execute(q).scalars())
    for row in rows:
        row.revoked = True
    note_revoked(db, user_id=user_id)  # the kept token is resolved afresh: its user may have changed
    return len(rows)


def password_policy(server_config) -> PasswordPolicy:  # noqa: ANN001  (watchpost.config.Server)
    return PasswordPolicy(server_config.password_min_length, server_config.password_min_classes)
