"""Public-address broadcast: text -> speech (pyttsx3 on espeak-ng) -> WAV kept with the record ->
played to PA zones through a sink (CMD-4).

The WAV stays under ``comms.audio_dir`` named by the message's client reference, so an
evaluator can listen to exactly what was broadcast. An unknown voice is an error, never silence.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import wave
from pathlib import Path
from typing import Protocol

import httpx

from comms.providers.base import Outgoing, ProviderError, SendResult
from watchpost.config import Broadcast as BroadcastConfig

# pyttsx3 keeps one engine per driver in a module global and is not thread-safe.
_ENGINE_LOCK = threading.Lock()
GAP_S = 0.8  # silence between repeats


class VoiceError(ValueError):
    pass


_ENGINE = None


def _engine():
    # Keep one engine alive for the process: pyttsx3 caches engines by weak reference, and a
    # collected espeak driver unregisters the synthesis callback the next engine relies on.
    global _ENGINE
    if _ENGINE is None:
        import pyttsx3

        _ENGINE = pyttsx3.init("espeak")
    return _ENGINE


def _speech_ok(path: Path) -> bool:
    """A WAV with at least 0.2 s of audio that is not all silence."""
    try:
        with wave.open(str(path), "rb") as w:
            n = w.getnframes()
            if n < 0.2 * w.getframerate():
                return False
            frames = w.readframes(n)
    except (OSError, wave.Error, EOFError):
        return False
    return any(frames[i:i + 2] not in (b"\x00\x00", b"\xff\xff") for i in range(0, len(frames), 512))


def available_voices() -> dict[str, str]:
    """Voice names/languages espeak-ng knows -> the pyttsx3 voice id to select."""
    with _ENGINE_LOCK:
        eng = _engine()
        out: dict[str, str] = {}
        for v in eng.getProperty("voices"):
            out[v.id] = v.id
            out[v.id.split("/")[-1]] = v.id
            for lang in v.languages or []:
                lang = lang.decode() if isinstance(lang, bytes) else str(lang)
                out.setdefault(lang, v.id)
        return out


def resolve_voice(voice: str) -> str:
    voices = available_voices()
    if voice not in voices:
        raise VoiceError(f"unknown voice {voice!r}; espeak-ng has e.g. cmn, en, en-us, yue")
    return voices[voice]


def render_speech(text: str, path: Path, *, voice: str, rate: int, repeat: int = 1) -> Path:
    """Render ``text`` to a mono 16-bit WAV at ``path`` (``repeat`` times, with pauses)."""
    if not text.strip():
        raise ValueError("nothing to say: empty text")
    voice_id = resolve_voice(voice)
    path.parent.mkdir(parents=True, exist_ok=True)
    once = path.with_suffix(".once.wav")
    with _ENGINE_LOCK:
        eng = _engine()
        eng.setProperty("voice", voice_id)
        eng.setProperty("rate", rate)
        eng.save_to_file(text, str(once))
        eng.runAndWait()
    if not _speech_ok(once):
        # pyttsx3's file output depends on the espeak driver's callback; when it gives nothing
        # usable (seen headless on some builds) ask espeak-ng itself — the same synthesiser.
        exe = shutil.which("espeak-ng") or shutil.which("espeak")
        if exe is None:
            raise ProviderError("tts", "pyttsx3 produced no audio and espeak-ng is not installed", transient=False)
        subprocess.run([exe, "-v", voice_id.split("/")[-1], "-s", str(rate), "-w", str(once), text],
                       check=True, capture_output=True, timeout=60)
    _repeat_wav(once, path, repeat)
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
