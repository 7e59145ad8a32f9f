"""Print the number of ops and the PyTorch parity pass count: ``python -m tests.op_summary``."""

import sys

import pytest

if __name__ == "__main__":
    sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", "--no-header", "-n", "2",
                          "tests/test_op_parity.py"]))
