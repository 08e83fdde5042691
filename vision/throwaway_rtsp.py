"""A real RTSP camera for tests and benchmarks: Debian's rtsp-server-perl (a relay) fed by ffmpeg.

ffmpeg publishes an H.264 clip in a loop (RTSP ANNOUNCE/RECORD) to the server's source port;
cameras read it from the client port. The relay serves RTP over UDP only. The clip is encoded
as an IP camera sends it: no B-frames, a keyframe every second.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

from watchpost.throwaway import free_port, wait_port, wait_until


def available() -> str | None:
    missing = [exe for exe in ("rtsp-server-perl", "ffmpeg") if shutil.which(exe) is None]
    return f"{' and '.join(missing)} not installed (Debian packages rtsp-server-perl, ffmpeg)" if missing else None


class RtspServer:
    def __init__(self, clip: Path, workdir: Path, path: str = "cam1"):
        self.h264 = workdir / f"rtsp_source_{clip.stem}.mp4"
        if not self.h264.exists():
            subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(clip), "-c:v", "libx264", "-preset",
                            "veryfast", "-bf", "0", "-g", "10", "-pix_fmt", "yuv420p", "-an", str(self.h264)], check=True)
        self.client_port, self.source_port = free_port(), free_port()
        self.rtp_port = 20000 + (self.client_port % 20000)
        self.path = path
        self.procs: list[subprocess.Popen] = []

    @property
    def url(self) -> str:
        return f"rtsp://127.0.0.1:{self.client_port}/{self.path}"

    def start(self) -> "RtspServer":
        self.procs.append(subprocess.Popen(
            ["rtsp-server-perl", "--clientport", str(self.client_port), "--serverport", str(self.source_port),
             "--client_listen_address", "127.0.0.1", "--source_listen_address", "127.0.0.1",
             "--rtp_start_port", str(self.rtp_port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_port(self.source_port)
        wait_port(self.client_port)
        self.procs.append(subprocess.Popen(
            ["ffmpeg", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", str(self.h264), "-c", "copy",
             "-f", "rtsp", f"rtsp://127.0.0.1:{self.source_port}/{self.path}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        # The relay knows the mount once the publisher's ANNOUNCE is in: on a busy box that took over the
        # second that was once waited here, and the first viewer's DESCRIBE found nothing to play.
        if not wait_until(self._mounted, 20, 0.1):
            raise RuntimeError(f"the RTSP relay never offered {self.url}")
        return self

    def _mounted(self) -> bool:
        """DESCRIBE answers 200 for the mount (the relay answers 404 until the publisher has announced it)."""
        try:
            with socket.create_connection(("127.0.0.1", self.client_port), 1.0) as s:
                s.settimeout(1.0)
                s.sendall(f"DESCRIBE {self.url} RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n\r\n".encode())
                return s.recv(64).split(b"\r\n", 1)[0].split(b" ")[1:2] == [b"200"]
        except (OSError, IndexError):
            return False

    def pause(self) -> None:
        """The camera goes dark (power or network lost): nothing answers on its address."""
        self.stop()

    def resume(self) -> None:
        """The camera is back, at the same address (the relay keeps no state across a restart
        of its publisher, so the whole camera restarts, as a rebooted camera does)."""
        self.start()

    def stop(self) -> None:
        for p in reversed(self.procs):
            p.kill()
            p.wait(5)
        self.procs.clear()
