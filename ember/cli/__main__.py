"""``python -m ember.cli``: the ``ember`` command."""

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
