"""Broadcast TTS (CMD-4: emergency broadcast) and drill isolation."""

from __future__ import annotations

import json
import shutil
import sys
import wave
from datetime import datetime, timezone

import numpy as np
import pytest

from comms.dispatcher import Dispatcher
from comms.models import OutboxRecord
from comms.outbox import EXERCISE_PREFIX, enqueue
from comms.providers.tts_broadcast import VoiceError, render_speech
from watchpost.clock import FakeClock
from watchpost.db import make_engine, make_sessionmaker, session_scope
from watchpost.events import OutboxMessage

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="Debian package espeak-ng not installed")


def _samples(path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float64), w.getframerate()


def _stats(path) -> tuple[float, float]:
    """Duration (s) and RMS of a WAV."""
    x, rate = _samples(path)
    return len(x) / rate, _rms(x)


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x ** 2))) if len(x) else 0.0


def _longest_silence(x: np.ndarray) -> tuple[int, int]:
    """(start, length) of the longest run of exact zeros, in samples."""
    quiet = np.concatenate(([0], (x == 0).astype(np.int8), [0]))
    edges = np.flatnonzero(np.diff(quiet))
    starts, ends = edges[::2], edges[1::2]
    if not len(starts):
        return 0, 0
    k = int(np.argmax(ends - starts))
    return int(starts[k]), int(ends[k] - starts[k])


@pytest.mark.parametrize("voice,text", [("cmn", "化工园区发生火灾，请立即撤离。"), ("en", "Fire in the park. Evacuate now.")])
def test_wav_is_real_speech(tmp_path, voice, text):
    from comms.providers.tts_broadcast import GAP_S

    one, rate = _samples(render_speech(text, tmp_path / "one.wav", voice=voice, rate=160, repeat=1))
    assert len(one) / rate > 0.5 and _rms(one) > 300, (len(one) / rate, _rms(one))  # silence is RMS ~0
    # Twice, with the pause between: the longest silence is that pause, with speech on both sides of it.
    # (Checked within one file: two separate syntheses may differ in length, as libespeak-ng's own
    # file output and the espeak-ng fallback of tts_render do.)
    two, rate = _samples(render_speech(text, tmp_path / "two.wav", voice=voice, rate=160, repeat=2))
    at, gap = _longest_silence(two)
    assert gap >= GAP_S * rate, f"no pause of {GAP_S} s between the repeats: longest silence {gap / rate:.2f} s"
    before, after = two[:at], two[at + gap:]
    assert _rms(before) > 300 and _rms(after) > 300, "speech on both sides of the pause"
    assert abs(len(before) - len(after)) < 0.6 * rate, "the same words twice"


def test_the_last_words_are_kept_when_espeak_ends_in_the_same_callback(tmp_path):
    """pyttsx3's espeak driver wrote the file on espeak's end-of-message event before adding the audio of that
    callback: a warning could lose its last words (seen once in a full run: one render 1.3 s short).
    ``keep_last_chunk`` makes the driver take a callback's audio first; fed the end and 50 samples together,
    the file holds them."""
    import ctypes

    from pyttsx3.drivers import _espeak
    from pyttsx3.drivers import espeak as driver

    from comms.providers.tts_render import keep_last_chunk

    keep_last_chunk()
    keep_last_chunk()  # once only, however often it is called

    class Proxy:
        def notify(self, *args, **kwargs) -> None: ...

        def setBusy(self, busy: bool) -> None: ...  # noqa: N802 (pyttsx3's name)

    drv = driver.EspeakDriver.__new__(driver.EspeakDriver)  # the callback alone: no espeak initialised
    drv._proxy, drv._speaking, drv._looping = Proxy(), True, True
    drv._save_file, drv._text_to_say = str(tmp_path / "end.wav"), "撤离"
    drv._data_buffer = (1).to_bytes(2, "little", signed=True) * 100  # what earlier callbacks brought
    last = (ctypes.c_short * 50)(*([7] * 50))
    events = (_espeak.EVENT * 2)()
    events[0].type, events[1].type = _espeak.EVENT_MSG_TERMINATED, _espeak.EVENT_LIST_TERMINATED
    drv._onSynth(ctypes.cast(last, ctypes.POINTER(ctypes.c_short)), 50, events)
    samples, _ = _samples(tmp_path / "end.wav")
    assert len(samples) == 150 and set(samples[100:]) == {7.0}


def test_unknown_voice_is_an_error(tmp_path):
    with pytest.raises(VoiceError, match="klingon"):
        render_speech("hello", tmp_path / "x.wav", voice="klingon", rate=160)
    assert not (tmp_path / "x.wav").exists()


def test_a_crashing_synthesiser_fails_one_broadcast_not_the_service(tmp_path, monkeypatch):
    """libespeak-ng once segfaulted under fuzzing and took the whole service with it: synthesis
    now runs in a child process, and its death is a transient error of that one message."""
    from comms.providers import tts_broadcast
    from comms.providers.base import ProviderError

    crash = "import os, signal, sys; sys.stdin.read(); os.kill(os.getpid(), signal.SIGSEGV)"
    monkeypatch.setattr(tts_broadcast, "RENDERER", [sys.executable, "-c", crash])
    with pytest.raises(ProviderError) as err:
        render_speech("紧急通知", tmp_path / "x.wav", voice="cmn", rate=160)
    assert err.value.code == "tts_crash" and err.value.transient and "signal 11" in str(err.value)
    monkeypatch.undo()
    assert render_speech("紧急通知", tmp_path / "y.wav", voice="cmn", rate=160).exists()  # the next one works


def _run(url, cfg, msgs):
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    clock = FakeClock(datetime(2026, 3, 1, tzinfo=timezone.utc))
    with session_scope(sessions) as db:
        ids = [enqueue(db, m) for m in msgs]
    Dispatcher(sessions, cfg, clock).run_once()
    with sessions() as db:
        recs = [db.get(OutboxRecord, i) for i in ids]
        for r in recs:
            r.history
    engine.dispose()
    return recs


def test_broadcast_keeps_wav_with_record(sqlite_url, fake_twilio, comms_config, tmp_path):
    cfg = comms_config(sqlite_url, fake_twilio)
    [rec] = _run(sqlite_url, cfg, [OutboxMessage(channel="broadcast", recipient="zone-A", body="东区泄漏，请撤离。")])
    assert rec.status == "delivered" and rec.provider == "tts"
    dur, rms = _stats(rec.audio_path)
    assert rec.audio_path.startswith(str(tmp_path / "audio")) and dur > 0.5 and rms > 300


def test_exercise_goes_to_drill_sink_not_phones(sqlite_url, fake_twilio, comms_config, tmp_path):
    """Drill safety: exercise SMS and broadcast never reach the provider or speakers, except the
    named test group."""
    cfg = comms_config(sqlite_url, fake_twilio, drill_test_group=["+8613900000077"])
    recs = _run(sqlite_url, cfg, [
        OutboxMessage(channel="sms", recipient="+8613900000001", body="演练火警", exercise=True),
        OutboxMessage(channel="broadcast", recipient="zone-A", body="演练撤离", exercise=True),
        OutboxMessage(channel="sms", recipient="+8613900000077", body="test group", exercise=True),
    ])
    sms, pa, allowed = recs
    assert sms.status == "delivered" and sms.provider == "drill" and sms.body.startswith(f"【{EXERCISE_PREFIX}】")
    assert pa.provider == "drill" and pa.audio_path and _stats(pa.audio_path)[0] > 0.5
    assert fake_twilio.sent_to("+8613900000001") == []
    [real] = fake_twilio.sent_to("+8613900000077")
    assert EXERCISE_PREFIX in real["body"] and allowed.provider == "twilio"
    lines = [json.loads(x) for x in (tmp_path / "drill_sink.jsonl").read_text().splitlines()]
    assert {x["recipient"] for x in lines} == {"+8613900000001", "zone-A"}


def test_http_pa_gateway_receives_the_wav(sqlite_url, fake_twilio, comms_config):
    """The network PA sink POSTs the rendered WAV with its zone to the gateway."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    got = []

    class PA(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append((self.path, self.headers["X-PA-Zone"], self.headers["Content-Type"], body))
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()

    srv = ThreadingHTTPServer(("127.0.0.1", 0), PA)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        cfg = comms_config(sqlite_url, fake_twilio, broadcast={"sink": "http", "repeat": 1,
                                                               "http_url": f"http://127.0.0.1:{srv.server_port}/pa/play"})
        [rec] = _run(sqlite_url, cfg, [OutboxMessage(channel="broadcast", recipient="north-gate", body="北门集合")])
    finally:
        srv.shutdown()
        srv.server_close()
    assert rec.status == "delivered" and "accepted" in rec.history[-1].detail
    [(path, zone, ctype, body)] = got
    assert path.startswith("/pa/play?zone=north-gate") and zone == "north-gate" and ctype == "audio/wav"
    assert body[:4] == b"RIFF" and body == open(rec.audio_path, "rb").read()


def test_a_drills_named_test_group_gets_real_messages_until_the_drill_ends(sqlite_url, fake_twilio, comms_config):
    """DRL safety: a running drill's organiser may name a test group (comms_drill_recipients);
    exercise traffic to those numbers goes to the provider, to anyone else to the drill sink, and
    once the drill has ended (the row's ``until`` passed) nobody gets a real message."""
    from datetime import timedelta

    from comms.models import DrillRecipient

    cfg = comms_config(sqlite_url, fake_twilio)
    engine = make_engine(sqlite_url)
    sessions = make_sessionmaker(engine)
    t0 = datetime(2026, 3, 1, tzinfo=timezone.utc)
    clock = FakeClock(t0)
    with session_scope(sessions) as db:
        db.add(DrillRecipient(recipient="+8613900000088", drill_ref="drill 1", until=t0 + timedelta(minutes=30)))
        ids = [enqueue(db, OutboxMessage(channel="sms", recipient=n, body="演练通知", exercise=True))
               for n in ("+8613900000088", "+8613900000001")]
    Dispatcher(sessions, cfg, clock).run_once()
    clock.advance(3600)  # the drill is over
    with session_scope(sessions) as db:
        ids.append(enqueue(db, OutboxMessage(channel="sms", recipient="+8613900000088", body="演练后", exercise=True)))
    Dispatcher(sessions, cfg, clock).run_once()
    with sessions() as db:
        named, other, after = (db.get(OutboxRecord, i) for i in ids)
        assert (named.provider, other.provider, after.provider) == ("twilio", "drill", "drill")
    engine.dispose()
    [real] = fake_twilio.sent_to("+8613900000088")
    assert real["body"].startswith(f"【{EXERCISE_PREFIX}】演练通知")
    assert fake_twilio.sent_to("+8613900000001") == [] and fake_twilio.count() == 1


def test_a_renderer_that_writes_no_audio_is_a_transient_failure(tmp_path, monkeypatch):
    """A synthesiser that exits cleanly without audio fails this attempt (retried), with the reason,
    instead of crashing the provider on an empty WAV (seen in the demo)."""
    import sys

    import pytest

    from comms.providers import tts_broadcast
    from comms.providers.base import ProviderError

    empty = "import sys; open(sys.argv[sys.argv.index('--out') + 1], 'wb').close()"
    monkeypatch.setattr(tts_broadcast, "RENDERER", [sys.executable, "-c", empty])
    with pytest.raises(ProviderError) as e:
        tts_broadcast.render_speech("预警：请关闭门窗", tmp_path / "a.wav", voice="zh", rate=150, repeat=2)
    assert e.value.transient and e.value.code == "tts_empty"
    assert not (tmp_path / "a.once.wav").exists()
