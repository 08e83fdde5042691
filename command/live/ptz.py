"""Pan, tilt and zoom (CMD-3, VID-5): one interface, and its ONVIF adapter (onvif-zeep).

``PtzController.run`` takes what the console sends — continuous move at a speed in [-1, 1] per
axis, stop, or go to a preset — and returns what it did. The ONVIF adapter talks to the camera's
PTZ service (ContinuousMove, Stop, GotoPreset on the first media profile, or the configured one);
zeep is blocking, so each call runs in a worker thread. A camera that does not answer or refuses
is a ``PtzError`` carrying its reason.
"""

from __future__ import annotations

import asyncio
import threading
from abc import ABC, abstractmethod
from typing import Any

from watchpost.config import Ptz as PtzConfig


class PtzError(RuntimeError):
    pass


class PtzController(ABC):
    async def run(self, action: str, pan: float = 0, tilt: float = 0, zoom: float = 0,
                  preset: str | None = None) -> str:
        loop = asyncio.get_running_loop()
        try:
            if action == "move":
                await loop.run_in_executor(None, self.move, pan, tilt, zoom)
                return f"move pan {pan:+.2f} tilt {tilt:+.2f} zoom {zoom:+.2f}"
            if action == "stop":
                await loop.run_in_executor(None, self.stop)
                return "stop"
            if action == "preset" and preset:
                await loop.run_in_executor(None, self.goto_preset, preset)
                return f"preset {preset}"
        except PtzError:
            raise
        except Exception as exc:  # zeep and requests raise many kinds: all mean the camera did not do it
            raise PtzError(f"{type(exc).__name__}: {exc}"[:300]) from None
        raise PtzError(f"{action}: nothing to do (a preset needs its token)")

    async def list_presets(self) -> list[dict[str, str]]:
        try:
            return await asyncio.get_running_loop().run_in_executor(None, self.presets)
        except PtzError:
            raise
        except Exception as exc:
            raise PtzError(f"{type(exc).__name__}: {exc}"[:300]) from None

    @abstractmethod
    def presets(self) -> list[dict[str, str]]:
        """The camera's presets: ``[{"token", "name"}]``."""

    @abstractmethod
    def move(self, pan: float, tilt: float, zoom: float) -> None: ...

    @abstractmethod
    def stop(self) -> None: ...

    @abstractmethod
    def goto_preset(self, token: str) -> None: ...


class OnvifPtz(PtzController):
    def __init__(self, cfg: PtzConfig):
        self.cfg = cfg
        self._ptz: Any = None
        self._token = cfg.profile_token
        self._lock = threading.Lock()

    def _service(self) -> tuple[Any, str]:
        with self._lock:
            if self._ptz is None:
                from onvif import ONVIFCamera

                cam = ONVIFCamera(self.cfg.host, self.cfg.port, self.cfg.username, self.cfg.password, no_cache=True)
                ptz = cam.create_ptz_service()
                if not self._token:
                    profiles = cam.create_media_service().GetProfiles()
                    if not profiles:
                        raise PtzError("the camera has no media profile")
                    self._token = profiles[0].token
                self._ptz = ptz
            return self._ptz, self._token

    def move(self, pan: float, tilt: float, zoom: float) -> None:
        ptz, token = self._service()
        ptz.ContinuousMove({"ProfileToken": token,
                            "Velocity": {"PanTilt": {"x": pan, "y": tilt}, "Zoom": {"x": zoom}}})

    def stop(self) -> None:
        ptz, token = self._service()
        ptz.Stop({"ProfileToken": token, "PanTilt": True, "Zoom": True})

    def presets(self) -> list[dict[str, str]]:
        ptz, token = self._service()
        return [{"token": str(p.token), "name": str(p.Name or p.token)} for p in ptz.GetPresets({"ProfileToken": token}) or []]

    def goto_preset(self, token: str) -> None:
        ptz, profile = self._service()
        ptz.GotoPreset({"ProfileToken": profile, "PresetToken": token})


_CONTROLLERS: dict[tuple[str, str], PtzController] = {}


def controller(camera_id: str, cfg: PtzConfig) -> PtzController:
    """The camera's controller, kept (an ONVIF session is set up once per camera and config)."""
    key = (camera_id, cfg.model_dump_json())
    if key not in _CONTROLLERS:
        _CONTROLLERS[key] = OnvifPtz(cfg)
    return _CONTROLLERS[key]
