"""The consequence models as a set (DSS-2, DSS-4): every registered model is a pure function with
typed, documented, bounded inputs and its published sources, and runs from the CLI as JSON; an input
outside a model's range is refused with the field and the range."""

from __future__ import annotations

import json

from click.testing import CliRunner

from command.dss import registry
from watchpost.cli import main


def test_every_model_is_documented_and_sourced():
    models = registry.load_all()
    assert {"stability_class", "gaussian_plume", "gaussian_puff", "plume_footprint", "dense_gas_continuous",
            "dense_gas_instantaneous", "pool_fire", "bleve_fireball", "tnt_explosion"} <= set(models)
    for m in models.values():
        assert m.summary and m.sources, m.name
        for name, info in m.inputs.model_fields.items():
            assert info.description, f"{m.name}.{name} has no description (unit)"


def test_cli_lists_runs_and_refuses():
    runner = CliRunner()
    listed = runner.invoke(main, ["dss", "list"])
    assert listed.exit_code == 0 and "gaussian_plume:" in listed.output
    # Crowl & Louvar 3rd ed., example 5-1 (the figure is checked to 1 % in test_plume.py).
    ok = runner.invoke(main, ["dss", "gaussian_plume", "--wind-speed", "6", "--stability", "D", "--release-height-m", "60",
                              "--release-rate-kg-s", "0.08", "--x-m", "500"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)
    bad = runner.invoke(main, ["dss", "gaussian_plume", "--wind-speed", "0.2", "--stability", "D",
                               "--release-rate-kg-s", "1", "--x-m", "500"])
    assert bad.exit_code == 2 and "--wind-speed" in bad.output and "1" in bad.output
    unknown = runner.invoke(main, ["dss", "no_such_model"])
    assert unknown.exit_code != 0


def test_cli_takes_lists_as_an_evaluator_types_them():
    # A list input comma-separated or as JSON gives the same figures (TNO multi-energy, DSS-2).
    runner = CliRunner()
    args = ["dss", "tno_multi_energy", "--cloud-volume-m3", "2094", "--strength", "7"]
    comma = runner.invoke(main, [*args, "--distances-m", "30, 100"])
    as_json = runner.invoke(main, [*args, "--distances-m", "[30, 100]"])
    assert comma.exit_code == 0 and as_json.exit_code == 0, comma.output + as_json.output
    assert json.loads(comma.output) == json.loads(as_json.output)
    assert [p["distance_m"] for p in json.loads(comma.output)["points"]] == [30, 100]
    shown = runner.invoke(main, ["dss", "tno_multi_energy", "--help"])
    assert "PydanticUndefined" not in shown.output and "[68.9, 20.7" in shown.output
    bad = runner.invoke(main, [*args, "--distances-m", "30,near"])
    assert bad.exit_code == 2 and "--distances-m" in bad.output
