"""Racing duplicates and racing repeats on both backends (ALM-4 idempotency and merge)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from command.db.models.alarms import Alarm, AlarmKey
from command.services import intake
from tests.command.conftest import T0
from watchpost.events import AlarmEvent


def _race(state, events):
    results, errors = [], []
    barrier = threading.Barrier(len(events))

    def run(ev):
        barrier.wait()
        try:
            with state.sessions() as db:
                alarm, created = intake.ingest(db, state, ev, "svc")
                results.append((alarm.id, created))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(ev,)) for ev in events]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return results


def test_concurrent_retries_make_one_alarm(clocked):
    state, _, _ = clocked
    ev = AlarmEvent(source="video", source_event_id="dup-1", type="fire", camera_id="c1", occurred_at=T0)
    results = _race(state, [ev] * 8)
    assert len({r[0] for r in results}) == 1 and sorted(r[1] for r in results) == [False] * 7 + [True]
    with state.sessions() as db:
        assert db.execute(select(func.count()).select_from(Alarm)).scalar_one() == 1


def test_concurrent_repeats_fold_into_one(clocked):
    state, _, _ = clocked
    events = [AlarmEvent(source="sensor", source_event_id=f"rep-{i}", type="gas", occurred_at=T0,
                         location={"name": "Unit 3", "site": "s1"}) for i in range(6)]
    results = _race(state, events)
    assert len({r[0] for r in results}) == 1 and sum(r[1] for r in results) == 1
    with state.sessions() as db:
        alarm = db.execute(select(Alarm)).scalar_one()
        assert alarm.occurrences == 6
        assert db.execute(select(func.count()).select_from(AlarmKey)).scalar_one() == 6
