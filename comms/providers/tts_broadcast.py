"""Public-address broadcast: text -> speech (pyttsx3 on espeak-ng, in a child process) -> WAV kept
with the record -> played to PA zones through a sink (CMD-4).

The WAV stays under ``comms.audio_dir`` named by the message's client reference, so an
evaluator can listen to exactly what was broadcast. An unknown voice is an error, never silence.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import wave
from pathlib import Path
from typing import Protocol

import httpx

from comms.providers.base import Outgoing, ProviderError, SendResult
from comms.providers.tts_render import VOICE_EXIT
from watchpost.config import Broadcast as BroadcastConfig

GAP_S = 0.8  # silence between repeats
RENDER_TIMEOUT_S = 120
RENDERER = [sys.executable, "-m", "comms.providers.tts_render"]


class VoiceError(ValueError):
    pass


def render_speech(text: str, path: Path, *, voice: str, rate: int, repeat: int = 1) -> Path:
    """Render ``text`` to a mono 16-bit WAV at ``path`` (``repeat`` times, with pauses).

    The synthesiser (pyttsx3 on libespeak-ng) runs in a child process (``comms.providers.tts_render``):
    libespeak-ng is native code, and a crash in it on some text (seen once under fuzzing: a
    segfault that took the whole service down) must fail one broadcast, to be retried, not the
    service that is sending everything else."""
    if not text.strip():
        raise ValueError("nothing to say: empty text")
    path.parent.mkdir(parents=True, exist_ok=True)
    once = path.with_suffix(".once.wav")
    try:
        run = subprocess.run([*RENDERER, "--voice", voice, "--rate", str(rate), "--out", str(once)],
                             input=text.encode("utf-8", "replace"), capture_output=True, timeout=RENDER_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise ProviderError("tts_timeout", f"speech synthesis took over {RENDER_TIMEOUT_S} s", transient=True) from None
    why = run.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
    if run.returncode == VOICE_EXIT:
        raise VoiceError(why[0])
    if run.returncode < 0:
        raise ProviderError("tts_crash", f"speech synthesiser died (signal {-run.returncode})", transient=True)
    if run.returncode != 0:
        raise ProviderError("tts", why[0][-300:] or f"renderer exited {run.returncode}", transient=False)
    try:
        _repeat_wav(once, path, repeat)
    except (EOFError, wave.Error, FileNotFoundError) as e:
        # libespeak-ng now and then exits cleanly having written no audio (seen in the demo on a long
        # Chinese warning): a failed attempt to retry, not a crash of the provider.
        raise ProviderError("tts_empty", f"speech synthesiser wrote no audio ({type(e).__name__})", transient=True) from None
    finally:
        once.unlink(missing_ok=True)
    return path


def _repeat_wav(src: Path, dst: Path, repeat: int) -> None:
    with wave.open(str(src), "rb") as r:
        params = r.getparams()
        frames = r.readframes(r.getnframes())
    gap = b"\x00" * int(params.framerate * GAP_S) * params.sampwidth * params.nchannels
    with wave.open(str(dst), "wb") as w:
        w.setnchannels(params.nchannels)
        w.setsampwidth(params.sampwidth)
        w.setframerate(params.framerate)
        for i in range(repeat):
            if i:
                w.writeframes(gap)
            w.writeframes(frames)


# -- sinks -------------------------------------------------------------------------------------
class Sink(Protocol):
    name: str

    def play(self, wav: Path, zone: str) -> str:
        """Play ``wav`` on ``zone``; returns a short description for the record."""
        ...


class FileSink:
    """Keeps the WAV (already under audio_dir) and plays nothing: sites without a PA link yet."""

    name = "file"

    def play(self, wav: Path, zone: str) -> str:
        return f"kept {wav.name} for zone {zone}"


class DeviceSink:
    """The local sound card (a PA amplifier wired to the workstation), via aplay or paplay."""

    name = "device"

    def __init__(self) -> None:
        self.exe = shutil.which("paplay") or shutil.which("aplay")

    def play(self, wav: Path, zone: str) -> str:
        if self.exe is None:
            raise ProviderError("no_player", "neither paplay nor aplay is installed", transient=False)
        res = subprocess.run([self.exe, str(wav)], capture_output=True, timeout=600)
        if res.returncode != 0:
            raise ProviderError("device", res.stderr.decode(errors="replace")[-300:], transient=True)
        return f"played on local device ({Path(self.exe).name}) for zone {zone}"


class HttpPaSink:
    """A network PA gateway: POST the WAV with the zone; 2xx means the gateway has queued it."""

    name = "http"

    def __init__(self, url: str, timeout_s: float = 30.0):
        if not url:
            raise ValueError("comms.broadcast.http_url must be set for the http sink")
        self.url = url
        self.timeout_s = timeout_s

    def play(self, wav: Path, zone: str) -> str:
        try:
            r = httpx.post(self.url, params={"zone": zone}, content=wav.read_bytes(),
                           headers={"Content-Type": "audio/wav", "X-PA-Zone": zone}, timeout=self.timeout_s)
        except httpx.HTTPError as exc:
            raise ProviderError("pa_gateway", f"{exc.__class__.__name__}", transient=True) from None
        if r.status_code >= 500 or r.status_code == 429:
            raise ProviderError(str(r.status_code), r.text[:300], transient=True)
        if r.status_code >= 400:
            raise ProviderError(str(r.status_code), r.text[:300], transient=False)
        return f"PA gateway accepted zone {zone} ({r.status_code})"


def make_sink(cfg: BroadcastConfig) -> Sink:
    if cfg.sink == "device":
        return DeviceSink()
    if cfg.sink == "http":
        return HttpPaSink(cfg.http_url)
    return FileSink()


class TtsBroadcast:
    """Channel "broadcast": the recipient is a PA zone name."""

    name = "tts"

    def __init__(self, cfg: BroadcastConfig, audio_dir: str | Path, sink: Sink | None = None):
        self.cfg = cfg
        self.audio_dir = Path(audio_dir)
        self.sink = sink or make_sink(cfg)

    def voice_for(self, lang: str) -> str:
        if lang.startswith("en"):
            return "en"
        return self.cfg.voice

    def render(self, msg: Outgoing) -> Path:
        path = self.audio_dir / f"{msg.client_ref}.wav"
        try:
            return render_speech(msg.body, path, voice=self.voice_for(msg.lang), rate=self.cfg.rate,
                                 repeat=self.cfg.repeat)
        except VoiceError as exc:
            raise ProviderError("voice", str(exc), transient=False) from None

    def send(self, msg: Outgoing) -> SendResult:
        wav = self.render(msg)
        detail = self.sink.play(wav, msg.recipient)
        return SendResult(status="delivered", provider_id=f"{self.sink.name}:{wav.name}", detail=detail,
                          audio_path=str(wav))

    def lookup(self, msg: Outgoing) -> SendResult | None:
        # A broadcast has no provider-side record; replaying an announcement after a crash is the
        # safe side (a PA message heard twice beats one never heard).
        return None
