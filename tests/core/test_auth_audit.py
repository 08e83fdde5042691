"""Users, roles, lockout and the audit hash chain (NFR-6, NFR-7)."""

from __future__ import annotations

from sqlalchemy import update

from command.db.models.audit import AuditEntry
from command.services import audit
from watchpost.db import make_engine, make_sessionmaker, session_scope


def test_login_me_logout(service):
    r = service.post("/api/auth/login", json={"username": "viewer", "password": "Password-1-viewer"})
    assert r.status_code == 200, r.text
    token = r.json()["token"]
    me = service.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["role"] == "viewer"
    assert service.post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert service.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_lockout_after_repeated_failures(service):
    for _ in range(5):
        assert service.post("/api/auth/login", json={"username": "viewer", "password": "wrong-pass"}).status_code == 401
    r = service.post("/api/auth/login", json={"username": "viewer", "password": "Password-1-viewer"})
    assert r.status_code == 423
    assert "locked" in r.json()["detail"]


def test_wrong_role_is_403_and_anonymous_401(service):
    assert service.get("/api/users").status_code == 401
    r = service.get("/api/users", headers=service.as_role("viewer"))
    assert r.status_code == 403 and "viewer" in r.json()["detail"]
    assert service.get("/api/users", headers=service.as_role("admin")).status_code == 200


def test_user_create_validation(service):
    r = service.post("/api/users", json={"username": "x", "password": "short", "role": "viewer"},
                     headers=service.as_role("admin"))
    assert r.status_code == 422
    assert any(e["loc"][-1] == "password" for e in r.json()["detail"])
    r = service.post("/api/users", json={"username": "x", "password": "Long-enough-1", "role": "pilot"},
                     headers=service.as_role("admin"))
    assert r.status_code == 422


def test_audit_chain_detects_tampering(service, db_url):
    service.post("/api/users", json={"username": "newbie", "password": "Long-enough-1", "role": "viewer"},
                 headers=service.as_role("admin"))
    ok = service.get("/api/audit/verify", headers=service.as_role("evaluator")).json()
    assert ok["ok"], ok
    engine = make_engine(db_url)
    with session_scope(make_sessionmaker(engine)) as s:
        s.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(actor="mallory"))
    with make_sessionmaker(engine)() as s:
        problems = audit.verify(s)
    engine.dispose()
    assert any(p.seq == 2 and "hash" in p.reason for p in problems)
    bad = service.get("/api/audit/verify", headers=service.as_role("evaluator")).json()
    assert not bad["ok"]
