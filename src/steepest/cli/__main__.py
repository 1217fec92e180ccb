"""``python -m steepest.cli``: the same as the ``steepest`` command."""

import sys

from .app import main

sys.exit(main())
