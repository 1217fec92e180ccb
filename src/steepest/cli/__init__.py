"""The ``steepest`` command line: ``steepest COMMAND [options]``.

- :mod:`.app`: the table of commands, the parser and :func:`main`;
- :mod:`.commands`: one module per command (train, evaluate, predict, info,
  gradcheck, demo, sweep, plot, diagnose, lr-find, overfit-check, explain);
- :mod:`.options`: the option groups several commands share (data, network,
  training, output), each option defined once;
- :mod:`.settings`: the defaults, per dataset and per preset, and
  :func:`~.settings.resolve_run`, which merges them with the options given;
- :mod:`.data`: the datasets as the commands load them; :mod:`.files`: the
  files they write; :mod:`.command`: what a command is and where it writes.

Nothing outside this package imports it.
"""

from .app import COMMANDS, build_parser, main
from .settings import resolve_run

__all__ = ["COMMANDS", "build_parser", "main", "resolve_run"]
