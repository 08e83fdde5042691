"""No generated request makes the service fail (NFR-9: other systems call this API).

Schemathesis reads the running service's own OpenAPI schema and sends every operation
generated requests, valid and invalid (examples, coverage, fuzzing, then the stateful phase that
follows the schema's links: create → read → update), signed in as an administrator and as a
duty officer. Any 5xx answer, or a status or content type the schema does not document for
that operation, fails the test with the request that caused it (a curl line); so does the
service dying (it did once: libespeak-ng crashed inside it, see comms.providers.tts_render).
Afterwards the audit chain must still verify: a rejected request left no half-written change.

The whole schema is read at test time, so a route is fuzzed the day it lands. In ``make test``
the run is bounded (``WP_FUZZ_EXAMPLES`` per operation, fixed seed); ``make fuzz`` runs the
same test with 200 examples per operation on SQLite and PostgreSQL (docs/operations.md).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from command.throwaway import cli, start, write_config
from watchpost.throwaway import free_port

EXAMPLES = int(os.environ.get("WP_FUZZ_EXAMPLES", "15"))
SEED = int(os.environ.get("WP_FUZZ_SEED", "20261206"))
# Logging out would revoke the fuzzer's own token, and nothing else could be tested after it.
EXCLUDE = ["/api/auth/logout"]
ROLES = {"admin": "admin", "duty_officer": "duty"}
# No 5xx; and every answer's status and content type is one the schema documents for that operation.
CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance"]
BACKENDS = [b for b in os.environ.get("WP_FUZZ_BACKENDS", "sqlite").split(",") if b]


def _token(cfg: Path, username: str, role: str) -> str:
    out = cli(cfg, "user", "add", username, "--role", role, "--password", f"Fuzz-{role}-2026", "--token")
    return next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("token:"))


@pytest.fixture(params=BACKENDS)
def fuzz_service(request, tmp_path):
    storage = {"url": f"sqlite:///{tmp_path / 'wp.sqlite'}"}
    if request.param == "postgres":
        storage = {"url": request.getfixturevalue("pg_server").create_database(f"fuzz_{os.getpid()}")}
    # The workers' long poll would hold every generated request open for its full wait: cap it.
    cfg = write_config(tmp_path, storage=storage, server={"long_poll_max_s": 0.5})
    cli(cfg, "db", "upgrade")
    tokens = {role: _token(cfg, name, role) for role, name in ROLES.items()}
    port = free_port()
    log = tmp_path / "serve.log"
    proc = start(cfg, port, log)
    yield f"http://127.0.0.1:{port}", tokens, log
    proc.terminate()
    proc.wait(15)


def _schemathesis(base: str, token: str, report: Path, cwd: Path) -> subprocess.CompletedProcess:
    args = [sys.executable, "-m", "schemathesis.cli", "run", f"{base}/openapi.json",
            "--header", f"Authorization: Bearer {token}", "--checks", ",".join(CHECKS),
            "--max-examples", str(EXAMPLES), "--seed", str(SEED), "--workers", "1",
            "--generation-database", "none", "--report", "junit", "--report-junit-path", str(report),
            "--no-color", "--output-truncate", "true"]
    for path in EXCLUDE:
        args += ["--exclude-path", path]
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=1800)


@pytest.mark.slow
@pytest.mark.timeout(600 if EXAMPLES <= 30 else 4 * 3600)
def test_no_generated_request_gets_a_server_error(fuzz_service, tmp_path):
    base, tokens, log = fuzz_service
    for role, token in tokens.items():
        run = _schemathesis(base, token, tmp_path / f"junit-{role}.xml", tmp_path)
        summary = run.stdout[-6000:]
        assert run.returncode == 0, f"as {role}: schemathesis found failures\n{summary}\n{run.stderr[-2000:]}"
        assert "generated" in summary and " passed" in summary, summary  # it really ran test cases
    served = log.read_text(errors="replace")
    assert " 500 Internal Server Error" not in served, served[-4000:]
    audit = httpx.get(f"{base}/api/audit/verify", headers={"Authorization": f"Bearer {tokens['admin']}"}).json()
    assert audit["ok"], audit["problems"][:5]
