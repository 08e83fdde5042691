"""A sync endpoint hands its connection back before FastAPI serialises its answer in another worker thread
(issue #23: the PostgreSQL open-loop run stalled with every worker thread waiting for a pooled connection that
only a request waiting for a worker thread could give back)."""

from __future__ import annotations

from fastapi import Depends
from fastapi.testclient import TestClient
from pydantic import BaseModel, field_serializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from command.api.deps import get_db
from command.api.routing import api_router
from command.app import create_app
from command.db.models.users import User

SEEN: list[int] = []


class Probe(BaseModel):
    users: int

    @field_serializer("users")
    def _record(self, users: int) -> int:  # runs while FastAPI serialises the answer
        SEEN.append(ENGINE[0].pool.checkedout())
        return users


ENGINE: list = []


def _app(url, make_config):
    router = api_router(prefix="/probe")

    @router.get("/read")
    def read(db: Session = Depends(get_db)) -> Probe:
        return Probe(users=db.execute(select(func.count()).select_from(User)).scalar_one())

    @router.post("/uncommitted")
    def uncommitted(db: Session = Depends(get_db)) -> Probe:
        db.add(User(username="ghost", display_name="", password_hash="x", role="viewer"))
        db.flush()
        return Probe(users=db.execute(select(func.count()).select_from(User)).scalar_one())

    @router.post("/committed")
    def committed(db: Session = Depends(get_db)) -> Probe:
        db.add(User(username="kept", display_name="", password_hash="x", role="viewer"))
        db.commit()
        return Probe(users=db.execute(select(func.count()).select_from(User)).scalar_one())

    app = create_app(make_config(url), run_background=False)
    app.include_router(router)
    ENGINE[:] = [app.state.wp.engine]
    return app


def test_reads_are_handed_back_before_the_answer_is_serialised(db_url, make_config):
    SEEN.clear()
    with TestClient(_app(db_url, make_config)) as c:
        assert c.get("/probe/read").json() == {"users": 0}
        assert c.post("/probe/committed").json() == {"users": 1}  # reads after its commit: handed back too
        assert SEEN == [0, 0]


def test_a_session_holding_uncommitted_writes_is_left_to_roll_back(db_url, make_config):
    SEEN.clear()
    app = _app(db_url, make_config)
    with TestClient(app) as c:
        assert c.post("/probe/uncommitted").json() == {"users": 1}
        assert SEEN == [1]  # still in its transaction while serialised, exactly as before
        with app.state.wp.sessions() as db:  # and never committed
            assert db.execute(select(func.count()).select_from(User).where(User.username == "ghost")).scalar_one() == 0
