"""A push event is encoded once for all its subscribers, not once per WebSocket (issue #23)."""

from __future__ import annotations

from datetime import datetime, timezone

from command.push import TEXT_CACHE, PushHub
from watchpost.events import PushEvent


def test_the_same_text_goes_to_every_subscriber_and_the_cache_stays_bounded():
    hub = PushHub(state=None)
    ev = PushEvent(id=7, topic="alarm", action="created", at=datetime(2026, 3, 1, tzinfo=timezone.utc),
                   data={"id": 1, "title": "火警"})
    first = hub.text_of(ev)
    assert first == ev.model_dump_json() and hub.text_of(ev) is first
    for i in range(TEXT_CACHE + 10):
        hub.text_of(ev.model_copy(update={"id": 100 + i}))
    assert len(hub._texts) == TEXT_CACHE and 7 not in hub._texts
