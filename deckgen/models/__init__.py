"""Model files shipped with deckgen (made by deckgen/training/)."""
