from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from command.api.deps import get_db, require
from command.db.models.users import User
from command.domain.roles import ADMINS, Role
from command.errors import Conflict, NotFound
from command.services import audit
from command.services.auth import add_user, hash_password, issue_token, user_view

router = APIRouter(prefix="/api/users", tags=["users"])


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=8, max_length=200)
    role: Role
    display_name: str = Field(default="", max_length=200)
    phone: str | None = Field(default=None, max_length=40)


class UserPatch(BaseModel):
    role: Role | None = None
    display_name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    active: bool | None = None
    password: str | None = Field(default=None, min_length=8, max_length=200)


@router.get("")
def list_users(db: Session = Depends(get_db), _: User = Depends(require(*ADMINS))) -> list[dict]:
    return [user_view(u) for u in db.execute(select(User).order_by(User.id)).scalars()]


@router.post("", status_code=201)
def create_user(body: UserIn, db: Session = Depends(get_db), me: User = Depends(require(*ADMINS))) -> dict:
    try:
        u = add_user(db, body.username, body.password, body.role.value, body.display_name, body.phone, actor=me.username)
    except ValueError as exc:
        raise Conflict(str(exc)) from None
    db.commit()
    return user_view(u)


@router.patch("/{user_id}")
def update_user(user_id: int, body: UserPatch, db: Session = Depends(get_db),
                me: User = Depends(require(*ADMINS))) -> dict:
    u = db.get(User, user_id)
    if u is None:
        raise NotFound(f"user {user_id} not found")
    before = user_view(u)
    changes = body.model_dump(exclude_unset=True)
    if "password" in changes:
        u.password_hash = hash_password(changes.pop("password"))
    for k, v in changes.items():
        setattr(u, k, v.value if isinstance(v, Role) else v)
    audit.record(db, me.username, "user.update", "user", u.id, before=before, after=user_view(u))
    db.commit()
    return user_view(u)


@router.post("/{user_id}/tokens", status_code=201)
def create_api_token(user_id: int, db: Session = Depends(get_db), me: User = Depends(require(*ADMINS))) -> dict:
    """A long-lived token for a service account (vision workers, location systems)."""
    u = db.get(User, user_id)
    if u is None:
        raise NotFound(f"user {user_id} not found")
    token = issue_token(db, u, "api", None)
    audit.record(db, me.username, "token.create", "user", u.id)
    db.commit()
    return {"token": token, "user": user_view(u)}
