"""One validated YAML config with env overrides and field-level errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from watchpost.config import ConfigError, load_config, parse_config


def test_defaults_are_valid():
    cfg = parse_config({}, environ={})
    assert cfg.storage.url.startswith("sqlite")
    assert set(cfg.policies.levels) == {"red", "orange", "yellow", "blue"}


def test_env_overrides_nested_fields(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("server: {port: 9000}\n")
    cfg = load_config(p, environ={"WATCHPOST__SERVER__PORT": "9100", "WATCHPOST__STORAGE__URL": "sqlite:///x.db"})
    assert cfg.server.port == 9100 and cfg.storage.url == "sqlite:///x.db"


def test_errors_name_the_field(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("vision:\n  cameras:\n    - {id: cam1, url: a.mp4, detect_fps: -1}\n    - {id: cam1, url: b.mp4}\nservr: {}\n")
    with pytest.raises(ConfigError) as exc:
        load_config(p, environ={})
    text = "\n".join(exc.value.errors)
    assert "vision.cameras.0.detect_fps" in text
    assert "servr" in text


def test_gpu_device_with_onnx_weights_is_refused_by_field():
    """The exported graphs run on the CPU: a GPU device must come with the .pt checkpoints."""
    with pytest.raises(ConfigError) as exc:
        parse_config({"vision": {"detector": {"device": "cuda:0"}}}, environ={})
    text = "\n".join(exc.value.errors)
    assert "vision.detector" in text and "needs .pt weights" in text and "models/firesmoke/best.onnx" in text
    gpu = parse_config({"vision": {"detector": {"device": "cuda:0", "fire_smoke_weights": "models/firesmoke/best.pt",
                                                "person_weights": "models/person/best.pt"}}}, environ={})
    assert gpu.vision.detector.device == "cuda:0"


def test_cli_config_check_prints_fields(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("policies: {levels: {red: {verify_within_s: 10, feedback_within_s: 20}}}\n")
    r = subprocess.run([sys.executable, "-m", "watchpost.cli", "config", "check", str(p)], capture_output=True, text=True)
    assert r.returncode == 2
    assert "policies.levels" in r.stderr and "orange" in r.stderr


def test_configuration_reference_is_current():
    """docs/configuration.md is generated from the config tree; regenerate it when fields change."""
    from pathlib import Path

    from watchpost.config_docs import markdown

    doc = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
    assert doc.read_text(encoding="utf-8") == markdown(), "run: python -m watchpost.config_docs > docs/configuration.md"
