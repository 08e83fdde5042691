from __future__ import annotations

import logging
import time

from fastapi import Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from command.api.deps import SESSION_COOKIE, bearer_token, current_user, get_db, get_state
from command.api.routing import api_router
from command.db.models.users import User
from command.errors import Invalid
from command.services import audit
from command.services.auth import (AuthError, LoginPolicy, hash_password, login, password_policy, revoke_token,
                                   revoke_user_tokens, user_view, verify_password)
from command.state import ServiceState
from watchpost.fields import Text

router = api_router(prefix="/api/auth", tags=["auth"])
log = logging.getLogger("watchpost.auth")


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: Text = Field(min_length=1, max_length=200)
    new_password: Text = Field(min_length=1, max_length=200)


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Text = Field(min_length=1, max_length=100)
    password: Text = Field(min_length=1, max_length=200)


def client_address(request: Request) -> str:
    """The caller's address as the server sees it (behind a reverse proxy, run uvicorn with
    --forwarded-allow-ips so this is the client's, not the proxy's)."""
    return request.client.host if request.client else "unknown"


@router.post("/login", openapi_extra={"x-public": True})
def do_login(body: LoginIn, request: Request, response: Response, db: Session = Depends(get_db),
             st: ServiceState = Depends(get_state)) -> dict:
    """Sign in. Past ``server.login_attempts_per_min`` attempts from one address: 429 with
    Retry-After; past ``server.lockout_after`` failures on one account: 423 for ``lockout_s``."""
    cfg = st.config.server
    address = client_address(request)
    wait = st.login_limiter.attempt(address, time.monotonic())
    if wait is not None:
        log.warning("login attempts from %s over %d a minute; refused for %.0f s", address,
                    cfg.login_attempts_per_min, wait)
        raise AuthError("too many login attempts from this address; try again later", 429, retry_after_s=wait)
    policy = LoginPolicy(cfg.session_ttl_s, cfg.lockout_after, cfg.lockout_s)
    try:
        user, token = login(db, body.username, body.password, policy, st.clock)
    finally:
        db.commit()  # failed-login counters and lockouts must stick too
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", secure=cfg.tls,
                        max_age=int(cfg.session_ttl_s))
    return {"token": token, "user": user_view(user), "expires_in_s": cfg.session_ttl_s}


@router.post("/logout")
def do_logout(request: Request, response: Response, user: User = Depends(current_user),
              db: Session = Depends(get_db)) -> dict:
    token = bearer_token(request)
    if token:
        revoke_token(db, token)
    audit.record(db, user.username, "user.logout", "user", user.id)
    db.commit()
    response.delete_cookie(SESSION_COOKIE)
    return {"ok": True}


@router.get("/me")
def me(user: User = Depends(current_user)) -> dict:
    return user_view(user)


@router.post("/password")
def change_password(body: PasswordChange, request: Request, user: User = Depends(current_user),
                    db: Session = Depends(get_db), st: ServiceState = Depends(get_state)) -> dict:
    """Change one's own password; every other session of the account is signed out."""
    stored = db.get(User, user.id)  # the caller may be a cached copy: change the stored row
    if stored is None:
        raise AuthError("session expired or invalid")
    user = stored
    if not verify_password(user, body.current_password):
        raise AuthError("current_password: wrong password", 403)
    try:
        user.password_hash = hash_password(body.new_password, user.username, password_policy(st.config.server))
    except ValueError as exc:
        raise Invalid(str(exc)) from None
    ended = revoke_user_tokens(db, user.id, ("session",), keep=bearer_token(request))
    audit.record(db, user.username, "user.password", "user", user.id, note=f"{ended} other session(s) ended",
                 clock=st.clock)
    db.commit()
    return {"ok": True, "sessions_ended": ended}
