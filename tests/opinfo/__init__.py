"""Op records for the generated tests. Every module ``tests/opinfo/ops_*.py`` defines
``RECORDS``, a list of :class:`OpRecord`; they are collected here."""

from __future__ import annotations

import importlib
import os
import pkgutil

from .core import B, ErrorInput, I, OpRecord, Sample, T, with_noncontig

__all__ = ["B", "ErrorInput", "I", "OpRecord", "Sample", "T", "with_noncontig", "all_records"]


def all_records() -> list[OpRecord]:
    """All records; ``EMBER_OPINFO=ops_a,ops_b`` restricts to those modules (for working on
    one family while others are being edited)."""
    only = {m for m in os.environ.get("EMBER_OPINFO", "").split(",") if m}
    records: list[OpRecord] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("ops_") and (not only or info.name in only):
            module = importlib.import_module(f"{__name__}.{info.name}")
            records.extend(module.RECORDS)
    ids = [r.id for r in records]
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates, f"duplicate op record ids: {sorted(duplicates)}"
    return records
