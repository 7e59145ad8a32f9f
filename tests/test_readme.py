"""The README is the front door: its Python examples run, and CI runs its two commands."""

from __future__ import annotations

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_python_examples_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # the examples write checkpoints, logs and plots
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    assert len(blocks) >= 5, "README lost its tour"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    assert (tmp_path / "curves.png").stat().st_size > 0


def readme_commands() -> list[str]:
    """The command lines of the README's first bash block (comments dropped)."""
    block = re.findall(r"```bash\n(.*?)```", README, flags=re.S)[0]
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_ci_runs_the_readme_commands():
    """Both commands, main job and tests, appear in .ci/run as the README writes them (each
    `a && b` line may be split over lines there)."""
    ci = (ROOT / ".ci" / "run").read_text()
    commands = readme_commands()
    assert len(commands) == 2
    assert commands[0].startswith('pip install -e ".[train]"') and "ember train" in commands[0]
    assert commands[1].startswith('pip install -e ".[test]"') and "pytest" in commands[1]
    for line in commands:
        for part in line.split("&&"):
            assert part.strip() in ci, f"CI does not run the README's {part.strip()!r}"


def test_config_example_is_valid(tmp_path, capsys):
    """The README's TOML config passes the CLI's checks and builds its model."""
    from ember.cli import main

    toml = re.findall(r"```toml\n(.*?)```", README, flags=re.S)[0]
    (tmp_path / "config.toml").write_text(toml)
    assert main(["summary", str(tmp_path / "config.toml")]) == 0
    assert "Linear" in capsys.readouterr().out
