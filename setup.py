"""Builds ember's one optional C extension, ``ember._speedups`` (the compiled no-graph fast
paths of the hottest ops; see ``ember/_speedups.c``). Everything else is in pyproject.toml.

Without a C compiler the build skips it (``optional=True``) and ember runs its pure-Python
paths, which have the same semantics."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("ember._speedups", ["ember/_speedups.c"], optional=True)])
