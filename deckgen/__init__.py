"""deckgen: turn piles of low-resolution slide images into a searchable static gallery."""

__version__ = "0.1.0"
