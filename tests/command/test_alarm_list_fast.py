"""The alarm list's fast path (issue #23) answers exactly what ``to_json`` gives, row for row, on each backend."""

from __future__ import annotations

import json
from datetime import timedelta

import orjson

from command.services import intake
from tests.command.conftest import T0
from watchpost.events import AlarmEvent


def test_search_json_matches_to_json(clocked):
    state, _, _ = clocked
    events = [
        AlarmEvent(source="video", source_event_id="a", type="fire", level="red", occurred_at=T0,
                   location={"name": "tank 1", "site": "north", "lon": 120.1, "lat": 30.2}, camera_id="cam-1",
                   score=0.8, title="fire at tank 1",
                   boxes=[{"cls": "fire", "score": 0.8, "x1": 0.1, "y1": 0.2, "x2": 0.3, "y2": 0.4}],
                   evidence=[{"kind": "snapshot", "uri": "a.jpg", "media_type": "image/jpeg"}]),
        AlarmEvent(source="sensor", source_event_id="b", type="gas", level="orange",
                   occurred_at=T0 + timedelta(minutes=1), location={"name": "pump 2"},
                   reading={"parameter": "H2S", "value": 42.5, "threshold": 10, "unit": "ppm"}, title="H2S 42.5 ppm"),
        AlarmEvent(source="phone", source_event_id="c", type="fire", level="blue",
                   occurred_at=T0 + timedelta(minutes=2), location={"name": "gate"}, description="caller: 中文 \"quoted\""),
    ]
    with state.sessions() as db:
        for ev in events:
            intake.ingest(db, state, ev, "svc")
        intake.verify(db, state, 1, "true", "duty1", "seen on video")
        db.commit()
        slow = [intake.to_json(a) for a in intake.search(db, limit=10)]
        fast = json.loads(orjson.dumps(intake.search_json(db, limit=10)))
        assert fast == json.loads(json.dumps(slow))
        assert [a["id"] for a in json.loads(orjson.dumps(intake.search_json(db, level="orange")))] == [2]
        assert json.loads(orjson.dumps(intake.search_json(db, limit=1, offset=1)))[0]["id"] == slow[1]["id"]


def test_orjson_writes_datetimes_as_the_generic_encoder_does():
    """The warning list's fast answer: every datetime the API gives keeps its isoformat() spelling."""
    from datetime import datetime, timezone

    from fastapi.encoders import jsonable_encoder

    for v in (datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc), datetime(2026, 3, 1, 8, 0, 0, 120, tzinfo=timezone.utc),
              datetime(2026, 3, 1, 8, 0, 0, 999999, tzinfo=timezone.utc), None, {"nested": [1.5, "x"]}):
        assert json.loads(orjson.dumps({"v": v})) == json.loads(json.dumps(jsonable_encoder({"v": v})))
