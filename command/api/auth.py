from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from command.api.deps import SESSION_COOKIE, bearer_token, current_user, get_db, get_state
from command.db.models.users import User
from command.services import audit
from command.services.auth import LoginPolicy, login, revoke_token, user_view
from command.state import ServiceState

router = APIRouter(prefix="/api/auth", tags=["auth"])


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=200)


@router.post("/login", openapi_extra={"x-public": True})
def do_login(body: LoginIn, response: Response, db: Session = Depends(get_db),
             st: ServiceState = Depends(get_state)) -> dict:
    cfg = st.config.server
    policy = LoginPolicy(cfg.session_ttl_s, cfg.lockout_after, cfg.lockout_s)
    try:
        user, token = login(db, body.username, body.password, policy, st.clock)
    finally:
        db.commit()  # failed-login counters and lockouts must stick too
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", max_age=int(cfg.session_ttl_s))
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
