from __future__ import annotations

from fastapi import Depends
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from command.api.deps import get_db, get_state, require
from command.api.openapi import follow
from command.api.routing import api_router
from command.db.models.users import User
from command.domain.roles import ADMINS, Role
from command.errors import Conflict, Invalid, NotFound
from command.services import audit
from command.services.auth import add_user, hash_password, issue_token, password_policy, revoke_user_tokens, user_view
from command.state import ServiceState
from watchpost.fields import Id, Text

router = api_router(prefix="/api/users", tags=["users"])


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: Text = Field(min_length=8, max_length=200)
    role: Role
    display_name: Text = Field(default="", max_length=200)
    phone: Text | None = Field(default=None, max_length=40)


class UserPatch(BaseModel):
    """Fields left out stay as they are. Only ``phone`` may be null (no phone); the others take a value."""

    model_config = ConfigDict(extra="forbid")
    role: Role = None  # type: ignore[assignment]
    display_name: Text = Field(default=None, max_length=200)  # type: ignore[assignment]
    phone: Text | None = Field(default=None, max_length=40)
    active: bool = None  # type: ignore[assignment]
    password: Text = Field(default=None, min_length=8, max_length=200)  # type: ignore[assignment]


@router.get("")
def list_users(db: Session = Depends(get_db), _: User = Depends(require(*ADMINS))) -> list[dict]:
    return [user_view(u) for u in db.execute(select(User).order_by(User.id)).scalars()]


@router.post("", status_code=201, responses=follow(
    201, "user_id", "PATCH /api/users/{user_id}", "POST /api/users/{user_id}/tokens"))
def create_user(body: UserIn, db: Session = Depends(get_db), me: User = Depends(require(*ADMINS)),
                st: ServiceState = Depends(get_state)) -> dict:
    if db.execute(select(User.id).where(User.username == body.username)).first():
        raise Conflict(f"username: user {body.username!r} already exists")
    try:
        u = add_user(db, body.username, body.password, body.role.value, body.display_name, body.phone,
                     actor=me.username, policy=password_policy(st.config.server))
    except ValueError as exc:  # the password policy
        raise Invalid(str(exc)) from None
    db.commit()
    return user_view(u)


def _other_active_admins(db: Session, user_id: int) -> int:
    return db.execute(select(func.count()).select_from(User).where(
        User.role == Role.admin.value, User.active.is_(True), User.id != user_id)).scalar_one()


@router.patch("/{user_id}")
def update_user(user_id: Id, body: UserPatch, db: Session = Depends(get_db),
                me: User = Depends(require(*ADMINS)), st: ServiceState = Depends(get_state)) -> dict:
    """Change a user. A new role, a deactivation or a new password signs the user out everywhere
    (their sessions and API tokens are revoked), so the change holds from the next request on."""
    u = db.get(User, user_id)
    if u is None:
        raise NotFound(f"user {user_id} not found")
    before = user_view(u)
    changes = body.model_dump(exclude_unset=True)
    role_changed = "role" in changes and changes["role"].value != u.role
    deactivated = changes.get("active") is False and u.active
    if (role_changed or deactivated) and u.id == me.id:
        raise Conflict("you cannot change your own role or deactivate yourself; ask another administrator")
    if (role_changed or deactivated) and u.role == Role.admin.value and not _other_active_admins(db, u.id):
        raise Conflict(f"{u.username} is the last active administrator")
    if "password" in changes:
        try:
            u.password_hash = hash_password(changes.pop("password"), u.username, password_policy(st.config.server))
        except ValueError as exc:
            raise Invalid(str(exc)) from None
        password_changed = True
    else:
        password_changed = False
    for k, v in changes.items():
        setattr(u, k, v.value if isinstance(v, Role) else v)
    revoked = 0
    if role_changed or deactivated or password_changed:
        # A new password ends sessions, not a service account's API tokens; a new role or a
        # deactivation ends both (an old token must not keep powers the account lost).
        kinds = ("session", "api") if role_changed or deactivated else ("session",)
        revoked = revoke_user_tokens(db, u.id, kinds)
    audit.record(db, me.username, "user.update", "user", u.id, before=before, after=user_view(u),
                 note=f"{revoked} token(s) revoked" if revoked else "")
    db.commit()
    return user_view(u)


@router.post("/{user_id}/tokens", status_code=201)
def create_api_token(user_id: Id, db: Session = Depends(get_db), me: User = Depends(require(*ADMINS))) -> dict:
    """A long-lived token for a service account (vision workers, location systems)."""
    u = db.get(User, user_id)
    if u is None:
        raise NotFound(f"user {user_id} not found")
    if not u.active:
        raise Conflict(f"user {user_id} is deactivated")
    token = issue_token(db, u, "api", None)
    audit.record(db, me.username, "token.create", "user", u.id)
    db.commit()
    return {"token": token, "user": user_view(u)}
