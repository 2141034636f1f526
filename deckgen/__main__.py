"""`python -m deckgen` runs the command line, like the `deckgen` script."""

from deckgen.cli import main

main()
