"""The multi-machine deployment files (issue #26; NFR-5, NFR-9) agree with the code they run: nginx accepts
the shipped site file, its limits match the service's, and systemd accepts the unit files, whose commands
the CLI knows. tests/cluster/test_failover.py runs them."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.cluster.units import INSTALLED, ROOT, UNITS, command, read_unit
from watchpost.config import Server, parse_config
from watchpost.throwaway import NGINX_SITE, find_nginx, render_nginx_site


def test_the_site_file_bounds_bodies_and_waits_like_the_service():
    text = NGINX_SITE.read_text()
    (body,) = re.findall(r"client_max_body_size (\d+)m;", text)
    assert float(body) == Server().max_upload_mb  # nginx refuses nothing the service would take, and the reverse
    poll = re.search(r"location = /api/worker-commands \{[^}]*proxy_read_timeout (\d+)s;", text)
    assert poll and int(poll[1]) > Server.model_fields["long_poll_max_s"].metadata[-1].le  # longest poll allowed
    ws = re.search(r"location = /ws \{[^}]*proxy_read_timeout (\d+)s;", text)
    assert ws and int(ws[1]) > 2 * Server().ws_heartbeat_s
    assert "proxy_set_header Upgrade $http_upgrade;" in text and "X-Request-ID $request_id" in text


def test_nginx_accepts_the_site_file(tmp_path):
    exe = find_nginx()
    if exe is None:
        pytest.skip("nginx (Debian package nginx) is not installed")
    site = tmp_path / "watchpost.conf"
    site.write_text(render_nginx_site(NGINX_SITE.read_text(), 18080, [18081, 18082], tmp_path))
    main = tmp_path / "nginx.conf"
    main.write_text(f"events {{}}\nhttp {{\n    include {site};\n}}\n")
    r = subprocess.run([exe, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(main),
                        "-g", f"pid {tmp_path / 'nginx.pid'};"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr


def test_systemd_accepts_the_units_and_the_cli_their_commands(tmp_path):
    from click.testing import CliRunner

    from vision.assignment import SUPERSEDED_EXIT
    from watchpost.cli import main

    vision = read_unit("watchpost-vision@.service")
    assert vision["RestartPreventExitStatus"] == [str(SUPERSEDED_EXIT)]
    argv, env = command("watchpost-vision@.service", "2", "gpu-3", {"/etc/watchpost/site.yaml": "site.yaml"})
    assert env["WATCHPOST__VISION__WORKER_ID"] == "gpu-3-2" and env["WATCHPOST__VISION__ASSIGNMENT__ENABLED"] == "true"
    cfg = parse_config({}, environ=env)  # the unit's overrides are valid config
    assert cfg.vision.assignment.enabled and cfg.vision.worker_id == "gpu-3-2"
    argv, _ = command("watchpost-serve@.service", "2", "cmd-1", {})
    assert argv[-4:] == ["--host", "0.0.0.0", "--port", "8082"]
    for args in (argv[3:], command("watchpost-vision@.service", "1", "h", {})[0][3:]):
        r = CliRunner().invoke(main, [*args, "--help"])
        assert r.exit_code == 0, (args, r.output)  # the options the unit passes exist

    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    for unit in UNITS.glob("*.service"):  # the binary must exist for verify: point it at this checkout's
        (tmp_path / unit.name).write_text(unit.read_text().replace(INSTALLED, str(ROOT / ".venv/bin/watchpost"))
                                          .replace("WorkingDirectory=/opt/watchpost", f"WorkingDirectory={ROOT}"))
    r = subprocess.run([analyze, "verify", str(tmp_path / "watchpost-serve@1.service"),
                        str(tmp_path / "watchpost-vision@1.service")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout + r.stderr == "", r.stdout + r.stderr
