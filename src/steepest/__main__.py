"""``python -m steepest``: the same as the ``steepest`` command."""

import sys

from .cli import main

sys.exit(main())
