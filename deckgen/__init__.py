"""deckgen: turn piles of low-resolution slide images into a searchable static gallery."""

import warnings

__version__ = "0.1.0"

# Pillow warns, on stderr and naming no file, when a picture's EXIF block is damaged
# ("Truncated File Read", "Corrupt EXIF data", "Possibly corrupt EXIF MakerNote data"): the
# pixels are read all the same and the orientation is taken as upright, so the warning only
# buries the build's own lines. Only those warnings of Pillow's, nothing else of the host's.
warnings.filterwarnings("ignore", message=r"(?i).*(exif|truncated file read)",
                        category=UserWarning, module=r"PIL\.")
