"""``python -m vision.gb28181``: run the GB/T 28181 platform from the config (``vision.gb28181``) until stopped.

Devices register, keep alive and are asked for their channels; every change of a device's state
(registered, moved, online, offline, unregistered, auth_failed, catalog) is logged, and a summary
of all devices every ``--summary-s``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from watchpost.config import ConfigError, load_config


async def _serve(cfg, summary_s: float) -> None:  # noqa: ANN001
    from vision.gb28181.platform import Platform

    platform = await Platform(cfg.vision.gb28181, timezone=cfg.timezone).start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log = logging.getLogger("vision.gb28181")
    try:
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), summary_s)
            except asyncio.TimeoutError:
                for d in platform.devices.values():
                    log.info("device %s %s %s channels=%d keepalives=%d", d.id, "online" if d.online else "offline",
                             f"{d.addr[0]}:{d.addr[1]}/{d.transport}" if d.addr else "-", len(d.channels), d.keepalives)
                    for ch in d.channels.values():  # what a camera's url names: gb28181://<device>/<channel>
                        log.info("  channel %s %s %s", ch.device_id, ch.status or "-", ch.name)
    finally:
        await platform.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m vision.gb28181", description=__doc__.splitlines()[0])
    ap.add_argument("--config", help="config file (default: $WATCHPOST_CONFIG)")
    ap.add_argument("--summary-s", type=float, default=300.0)
    ap.add_argument("--log-level", default="INFO")
    args = ap.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        cfg = load_config(args.config)
    except ConfigError as exc:
        print(f"invalid config {exc.source}: " + "; ".join(exc.errors))
        return 2
    if not cfg.vision.gb28181.enabled:
        print("vision.gb28181.enabled is false: nothing to run")
        return 2
    asyncio.run(_serve(cfg, args.summary_s))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
