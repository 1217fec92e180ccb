"""One module per command of ``steepest``; each defines ``COMMAND``, its entry in
the command table (:data:`steepest.cli.app.COMMANDS`)."""
