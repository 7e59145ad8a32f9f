"""The error-input table: each op's bad inputs raise the right exception and message."""

from __future__ import annotations

import re

import pytest

from tests.opinfo import all_records
from tests.opinfo.core import Sample
from tests.opinfo.runner import materialise, to_ember

CASES = [
    pytest.param(rec, err, id=f"{rec.id}-{i}")
    for rec in all_records()
    for i, err in enumerate(rec.errors)
]


@pytest.mark.parametrize("rec,err", CASES)
def test_error_inputs(rec, err):
    pairs, _ = materialise(Sample(err.args, err.kwargs), "float32", 0)
    args, _ = to_ember(pairs, False)
    with pytest.raises(err.exc) as info:
        rec.ember_fn(*args, **err.kwargs)
    assert re.search(err.match, str(info.value)), (
        f"{rec.id}: message {str(info.value)!r} does not match {err.match!r}"
    )


def test_every_op_family_has_error_inputs():
    import importlib
    import pkgutil

    import tests.opinfo as opinfo

    missing = []
    for info in pkgutil.iter_modules(opinfo.__path__):
        if info.name.startswith("ops_"):
            module = importlib.import_module(f"tests.opinfo.{info.name}")
            if not any(rec.errors for rec in module.RECORDS):
                missing.append(info.name)
    assert not missing, f"op families without error inputs: {missing}"
