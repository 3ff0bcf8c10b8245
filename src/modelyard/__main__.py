"""``python -m modelyard``: the same as the ``modelyard`` command."""

from modelyard.cli.main import main

main()
