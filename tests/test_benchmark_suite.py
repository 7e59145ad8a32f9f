"""Smoke runs of the benchmark suite (``python -m benchmarks --smoke``): tiny sizes, two
timed steps, no pauses and no timing assertions, so that the suite never rots. PyTorch runs
where installed; JAX is optional (its own test, skipped without it)."""

from __future__ import annotations

import json

import pytest

runner = pytest.importorskip("benchmarks.suite.runner")
frameworks_mod = pytest.importorskip("benchmarks.suite.frameworks")

EAGER = ["ember"] + (["torch"] if frameworks_mod.available("torch") else [])


def test_smoke_run_prints_the_table_and_writes_the_json(tmp_path, capsys):
    path = tmp_path / "suite.json"
    runner.main(["--smoke", "--frameworks", ",".join(EAGER), "--json", str(path)])
    table = capsys.readouterr().out
    assert "ember ms" in table and "met?" in table
    report = json.loads(path.read_text())
    assert report["frameworks"] == EAGER and report["settings"]["smoke_sizes"]
    assert [w["workload"] for w in report["workloads"]] == list(runner.WORKLOADS)
    for wl in report["workloads"]:
        assert not wl["errors"]
        assert all(wl["check"]["ok"].values()), wl["check"]  # the same work in each
        assert [r["mode"] for r in wl["results"]] == ["train", "infer"]
        for r in wl["results"]:
            assert set(r["frameworks"]) == set(EAGER)
            assert all(len(f["rounds_ms"]) == 2 and f["median_ms"] > 0
                       for f in r["frameworks"].values())
            assert (r["ratio_ember_torch"] is None) == ("torch" not in EAGER)
    if "torch" in EAGER:
        assert report["environment"]["threads"]["torch"]["num_threads"] == 2


def test_smoke_memory_measurement_runs_in_a_fresh_process(tmp_path):
    report = runner.run(["tiny"], ["train"], ["ember"], runner.Settings.preset(smoke=True),
                        memory=True, log=lambda s: None)
    per = report["memory"]["tiny"]["frameworks"]
    assert "error" not in per["ember"], per
    assert per["ember"]["delta_mib"] >= 0 and per["ember"]["baseline_mib"] > 0
    assert per["ember_tracemalloc"]["delta_mib"] > 0
    assert "Peak memory" in runner.format_table(report)


def test_missing_frameworks_are_skipped(monkeypatch):
    monkeypatch.setattr(runner, "available", lambda name: False)
    report = runner.run(["tiny"], ["infer"], ["ember", "torch", "jax"],
                        runner.Settings.preset(smoke=True), log=lambda s: None)
    assert report["frameworks"] == ["ember"]
    assert report["skipped_frameworks"] == ["torch", "jax"]
    assert report["workloads"][0]["results"][0]["met"] is None


def test_jax_path_when_installed():
    pytest.importorskip("jax")
    report = runner.run(["tiny"], ["train", "infer"], ["ember", "jax"],
                        runner.Settings.preset(smoke=True), log=lambda s: None)
    wl = report["workloads"][0]
    assert all(wl["check"]["ok"].values()), wl["check"]
    assert all(set(r["frameworks"]) == {"ember", "jax"} for r in wl["results"])
