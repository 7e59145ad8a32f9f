"""``python -m benchmarks``: the benchmark suite (see ``benchmarks/suite/__init__.py``)."""

from benchmarks.suite.runner import main

if __name__ == "__main__":
    main()
