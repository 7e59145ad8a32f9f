"""The README is the front door: its Python examples run, and CI runs its commands."""

from __future__ import annotations

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_python_examples_run(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    assert blocks, "README has no Python example"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})


def test_ci_runs_the_readme_commands():
    commands = re.findall(r"```bash\n(.*?)```", README, flags=re.S)[0]
    ci = (ROOT / ".ci" / "run").read_text()
    install = re.search(r'pip install -e "\.\[test\]"', commands)
    assert install and 'pip install -e ".[test]"' in ci
    test_cmd = re.search(r"python -m pytest[^\n]*", commands).group(0)
    assert test_cmd in ci, f"CI does not run the README's test command: {test_cmd}"
