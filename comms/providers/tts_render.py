"""Render one text to a WAV with pyttsx3 on espeak-ng: the child process ``render_speech`` runs.

``python -m comms.providers.tts_render --voice cmn --rate 150 --out x.wav < text``. Exit 0 with the
WAV written, ``VOICE_EXIT`` (3) for a voice espeak-ng does not have, 1 for any other failure, the
reason on the last line of standard error.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import wave
from pathlib import Path

VOICE_EXIT = 3


def voices(engine) -> dict[str, str]:  # noqa: ANN001
    """Voice names and languages espeak-ng knows -> the pyttsx3 voice id to select."""
    out: dict[str, str] = {}
    for v in engine.getProperty("voices"):
        out[v.id] = v.id
        out[v.id.split("/")[-1]] = v.id
        for lang in v.languages or []:
            lang = lang.decode() if isinstance(lang, bytes) else str(lang)
            out.setdefault(lang, v.id)
    return out


def speech_ok(path: Path) -> bool:
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


def keep_last_chunk() -> None:
    """pyttsx3 2.99's espeak driver writes the file when espeak says the message has ended, and appends the
    audio that came in that same callback only afterwards: when espeak (asynchronous, in chunks of up to 1 s)
    delivers the last audio with the end, the end of the message is lost. Seen here: one render of a warning
    1.3 s shorter than the others, its last words gone (pyttsx3 issue #334, "the last few words are
    skipped"). The driver is made to take a callback's audio before it looks at the callback's events."""
    import ctypes

    from pyttsx3.drivers import espeak as driver

    original = driver.EspeakDriver._onSynth
    if getattr(original, "keeps_last_chunk", False):
        return

    def on_synth(self, wav, numsamples, events):  # noqa: ANN001, ANN202
        if self._speaking and numsamples > 0:
            self._data_buffer += ctypes.string_at(wav, numsamples * ctypes.sizeof(ctypes.c_short))
        return original(self, wav, 0, events)

    on_synth.keeps_last_chunk = True
    driver.EspeakDriver._onSynth = on_synth


def render(text: str, out: Path, voice: str, rate: int) -> None:
    import pyttsx3

    keep_last_chunk()  # before init: the driver hands espeak its callback then
    engine = pyttsx3.init("espeak")
    known = voices(engine)
    if voice not in known:
        print(f"unknown voice {voice!r}; espeak-ng has e.g. cmn, en, en-us, yue", file=sys.stderr)
        raise SystemExit(VOICE_EXIT)
    engine.setProperty("voice", known[voice])
    engine.setProperty("rate", rate)
    engine.save_to_file(text, str(out))
    engine.runAndWait()
    if speech_ok(out):
        return
    # pyttsx3's file output depends on the espeak driver's callback; when it gives nothing usable
    # (seen headless on some builds) ask espeak-ng itself: the same synthesiser.
    exe = shutil.which("espeak-ng") or shutil.which("espeak")
    if exe is None:
        raise RuntimeError("pyttsx3 produced no audio and espeak-ng is not installed")
    subprocess.run([exe, "-v", known[voice].split("/")[-1], "-s", str(rate), "-w", str(out), text],
                   check=True, capture_output=True, timeout=60)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--voice", required=True)
    ap.add_argument("--rate", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    text = sys.stdin.buffer.read().decode("utf-8", "replace")
    try:
        render(text, args.out, args.voice, args.rate)
    except SystemExit:
        raise
    except Exception as exc:  # the parent reads the reason from the last line
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
