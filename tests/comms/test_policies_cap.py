"""Policies, templates and escalation (ALM-2 send/supervise 督办); CAP 1.2 export/import."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from lxml import etree

from comms import cap, templates
from comms.models import Campaign, OutboxRecord
from comms.policies import Notice, acknowledge, escalate_due, matching, run_policies
from comms.service import add_contact
from sqlalchemy import select
from watchpost.clock import FakeClock
from watchpost.config import EscalationStep, NotifyPolicy
from watchpost.db import make_engine, make_sessionmaker, session_scope

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)


def test_templates_zh_en_and_missing_variable():
    zh = templates.render("warning", "zh", park="园区", level="red", title="储罐火灾", place="罐区A", time="08:00")
    en = templates.render("warning", "en", park="Park", level="red", title="Tank fire", place="Tank A", time="08:00")
    assert "红色" in zh and "储罐火灾" in zh and "RED" in en and "reply 1" in en
    with pytest.raises(templates.TemplateError, match="place"):
        templates.render("warning", "zh", park="p", level="red", title="t", time="t")


def test_matching_by_level_and_type():
    pols = [NotifyPolicy(name="a", levels=["red"]), NotifyPolicy(name="b", incident_types=["gas"]),
            NotifyPolicy(name="c")]
    assert [p.name for p in matching(pols, "red", "fire")] == ["a", "c"]
    assert [p.name for p in matching(pols, "blue", "gas")] == ["b", "c"]


def test_policy_run_and_escalation_chain(db_url, make_config):
    """ALM-2 督办: unacknowledged → next person on the ladder → their supervisor, each step an
    outbox record linked to the one it escalates; an acknowledgement stops the chain."""
    pol = NotifyPolicy(name="gas-orange", levels=["orange"], incident_types=["gas"], groups=["duty"],
                       channels=["sms"], first_n=1, ack_within_s=300,
                       escalation=[EscalationStep(action="next_person"), EscalationStep(action="supervisor")])
    other = NotifyPolicy(name="experts", levels=["orange"], groups=["experts"], channels=["sms", "console"])
    cfg = make_config(db_url, comms={"policies": [pol.model_dump(), other.model_dump()]})
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    clock = FakeClock(T0)
    with session_scope(sessions) as db:
        boss = add_contact(db, "王主任", "+8613900000100", ["managers"])
        add_contact(db, "张三", "+8613900000101", ["duty"], rank=0, supervisor_id=boss.id)
        add_contact(db, "Li Si", "+8613900000102", ["duty"], lang="en", rank=1, supervisor_id=boss.id)
        add_contact(db, "赵六", "+8613900000104", ["experts", "duty"], rank=5)
        camp = run_policies(db, cfg, level="orange", incident_type="gas", notice=Notice(title="氨泄漏", place="罐区B"),
                            now=clock.now(), incident_id=5)
        cid = camp.id
    with sessions() as db:
        recs = db.execute(select(OutboxRecord).where(OutboxRecord.campaign_id == cid)).scalars().all()
        assert sorted((r.channel, r.recipient_name, r.policy) for r in recs) == [
            ("console", "赵六", "experts"), ("sms", "张三", "gas-orange"), ("sms", "赵六", "experts")]
        assert all("橙色" in r.body and "氨泄漏" in r.body for r in recs)
        expert = next(r for r in recs if r.channel == "sms" and r.recipient_name == "赵六")
    clock.advance(299)
    with session_scope(sessions) as db:
        assert escalate_due(db, cfg, clock.now()) == 0
        acknowledge(db, db.get(OutboxRecord, expert.id), clock.now(), "sms reply")
    clock.advance(2)
    with session_scope(sessions) as db:
        # 张三 -> next person Li Si (English); the expert's console copy has no step left... it
        # escalates by the experts policy's default ladder: next_person (none) is recorded
        assert escalate_due(db, cfg, clock.now()) == 1
    with sessions() as db:
        [step1] = db.execute(select(OutboxRecord).where(OutboxRecord.step == 1)).scalars().all()
        assert step1.recipient_name == "Li Si" and step1.body.startswith("[ESCALATION] 张三")
        orig = db.get(OutboxRecord, step1.escalated_from_id)
        assert orig.recipient_name == "张三" and "next_person" in orig.history[-1].detail
        acked_expert = db.get(OutboxRecord, expert.id)
        assert acked_expert.escalated_at is None, "acknowledged: never escalated"
    clock.advance(301)
    with session_scope(sessions) as db:
        assert escalate_due(db, cfg, clock.now()) == 1
    with sessions() as db:
        [step2] = db.execute(select(OutboxRecord).where(OutboxRecord.step == 2)).scalars().all()
        assert step2.recipient_name == "王主任" and step2.body.startswith("【督办】Li Si")
    with session_scope(sessions) as db:
        acknowledge(db, db.get(OutboxRecord, step2.id), clock.now(), "sms reply")
    with sessions() as db:
        chain = db.get(OutboxRecord, step2.escalated_from_id)
        assert chain.acked_at is not None and db.get(OutboxRecord, chain.escalated_from_id).acked_at is not None
    clock.advance(10000)
    with session_scope(sessions) as db:
        assert escalate_due(db, cfg, clock.now()) == 0
    engine.dispose()


def test_cap_export_validates_and_round_trips(sqlite_url, shared_dir):
    engine = make_engine(sqlite_url)
    sessions = make_sessionmaker(engine)
    ring = [[118.80, 32.05], [118.82, 32.05], [118.82, 32.07], [118.80, 32.07]]
    with session_scope(sessions) as db:
        camp = Campaign(title="罐区B氨泄漏", kind="manual", level="orange", incident_type="gas", exercise=True,
                        msg_type="Update", references="x,y,2026-03-01T08:00:00+00:00", area_desc="罐区B",
                        area_polygon=ring, created_at=T0, incident_id=5)
        db.add(camp)
        db.flush()
        xml = cap.export_campaign(db, camp, sender="Demo Park")
    xsd = etree.XMLSchema(etree.parse(str(shared_dir / "spec" / "cap" / "CAP-v1.2.xsd")))
    assert xsd.validate(etree.fromstring(xml)), xsd.error_log
    doc = etree.fromstring(xml)
    ns = {"c": cap.NS}
    assert doc.findtext("c:status", namespaces=ns) == "Exercise"
    assert doc.findtext("c:msgType", namespaces=ns) == "Update"
    assert doc.findtext("c:info/c:severity", namespaces=ns) == "Severe"
    poly = doc.findtext("c:info/c:area/c:polygon", namespaces=ns).split()
    assert len(poly) == 5 and poly[0] == poly[-1] and poly[0] == "32.050000,118.800000"
    ev = cap.alert_to_event(xml)
    assert (ev.source, ev.level, ev.exercise, ev.title, ev.type) == ("cap", "orange", True, "罐区B氨泄漏", "cap_safety")
    assert ev.location.lat == pytest.approx(32.06) and ev.location.lon == pytest.approx(118.81)
    # the standard's own example imports too; junk and test alerts are refused with a reason
    amber = cap.alert_to_event((shared_dir / "spec" / "cap" / "cap_amber_alert_example.xml").read_bytes())
    assert amber.level == "orange" and amber.source_event_id.endswith("KAR0-0306112239-SW")
    with pytest.raises(cap.CapError, match="valid CAP"):
        cap.alert_to_event(b"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'/>")
    with pytest.raises(cap.CapError, match="Test"):
        cap.alert_to_event(xml.replace(b"<status>Exercise</status>", b"<status>Test</status>"))
    engine.dispose()


def test_next_channel_escalation(sqlite_url, make_config):
    """The default blue policy shows the warning on the console and, unacknowledged after its
    time, sends the same person an SMS."""
    cfg = make_config(sqlite_url)
    engine = make_engine(sqlite_url)
    sessions = make_sessionmaker(engine)
    clock = FakeClock(T0)
    with session_scope(sessions) as db:
        add_contact(db, "值班员", "+8613900000200", ["duty_officer"])
        run_policies(db, cfg, level="blue", incident_type="camera_offline", notice=Notice(title="摄像机离线"),
                     now=clock.now())
    clock.advance(3601)
    with session_scope(sessions) as db:
        assert escalate_due(db, cfg, clock.now()) == 1
    with sessions() as db:
        recs = db.execute(select(OutboxRecord).order_by(OutboxRecord.id)).scalars().all()
        assert [(r.channel, r.recipient, r.step) for r in recs] == [("console", f"contact:{recs[0].contact_id}", 0),
                                                                    ("sms", "+8613900000200", 1)]
    engine.dispose()


def test_role_groups_reach_system_users(db_url, make_config):
    """Duty roster roles: a policy group "role:duty_officer" reaches the active users with that role."""
    from command.services.auth import add_user

    pol = NotifyPolicy(name="duty", levels=["yellow"], groups=["role:duty_officer"], channels=["sms", "console"])
    cfg = make_config(db_url, comms={"policies": [pol.model_dump()]})
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    with session_scope(sessions) as db:
        add_user(db, "duty1", "Password-1-duty1", "duty_officer", phone="+8613900000401")
        add_user(db, "viewer1", "Password-1-viewer1", "viewer", phone="+8613900000402")
        run_policies(db, cfg, level="yellow", incident_type="off_post", notice=Notice(title="脱岗"), now=T0)
    with sessions() as db:
        recs = db.execute(select(OutboxRecord).order_by(OutboxRecord.id)).scalars().all()
        assert [(r.channel, r.recipient) for r in recs] == [("sms", "+8613900000401"), ("console", "user:duty1")]
    engine.dispose()


def test_failed_sms_escalates_without_waiting(sqlite_url, make_config, fake_twilio, comms_config):
    """An SMS the provider refuses (21211) escalates at once to the supervisor, on the record."""
    from comms.dispatcher import Dispatcher

    pol = NotifyPolicy(name="p", levels=["orange"], groups=["duty"], channels=["sms"], ack_within_s=600,
                       escalation=[EscalationStep(action="supervisor")])
    cfg = comms_config(sqlite_url, fake_twilio, policies=[pol.model_dump()])
    engine = make_engine(sqlite_url)
    sessions = make_sessionmaker(engine)
    clock = FakeClock(T0)
    fake_twilio.invalid_numbers.add("+8613900000501")
    with session_scope(sessions) as db:
        boss = add_contact(db, "主管", "+8613900000500", ["managers"])
        add_contact(db, "操作员", "+8613900000501", ["duty"], supervisor_id=boss.id)
        run_policies(db, cfg, level="orange", incident_type="gas", notice=Notice(title="泄漏"), now=clock.now())
    d = Dispatcher(sessions, cfg, clock)
    d.run_once()  # sends, fails with 21211, escalates in the same round
    d.run_once()  # sends the escalation
    with sessions() as db:
        first, second = db.execute(select(OutboxRecord).order_by(OutboxRecord.id)).scalars().all()
        assert (first.status, first.error_code) == ("failed", "21211")
        assert "failed (21211); step 1 supervisor" in first.history[-1].detail
        assert (second.recipient, second.escalated_from_id) == ("+8613900000500", first.id)
    [sent] = fake_twilio.sent_to("+8613900000500")
    assert sent["body"].startswith("【督办】操作员")
    engine.dispose()
