"""Errors a user can hit, each with an exit code and a message that says what to do.

The CLI catches ``DeckgenError`` at its edge and prints one line (a traceback
only with ``-v``). Per-slide problems are ``SlideError``: the build records
them in the report and goes on with the other slides.
"""

from __future__ import annotations

EXIT_USAGE = 2  # bad option, bad config
EXIT_BAD_INPUT = 3  # a file we cannot read
EXIT_MISSING_DEPENDENCY = 4  # tesseract, a model file, ...
EXIT_SLIDES_FAILED = 5  # no slide could be built, or --strict and some slides failed
EXIT_REMOTE_FAILURE = 6  # S3, CloudFront or a Dask scheduler unreachable or failing: retry
EXIT_BUSY = 7  # another deckgen run holds the folder's lock: retry when it has finished
EXIT_INTERRUPTED = 130


class DeckgenError(Exception):
    exit_code = EXIT_USAGE


class ConfigError(DeckgenError):
    exit_code = EXIT_USAGE


class BadInputError(DeckgenError):
    exit_code = EXIT_BAD_INPUT


class MissingDependencyError(DeckgenError):
    exit_code = EXIT_MISSING_DEPENDENCY


class RemoteServiceError(DeckgenError):
    """A network or service failure (unreachable, throttled, a 5xx), not the user's
    settings: the same command may succeed later, so scripts can retry on its exit code."""

    exit_code = EXIT_REMOTE_FAILURE


class BusyError(DeckgenError):
    """Another deckgen process holds the lock on a folder this one needs: nothing is wrong
    with the settings, so a wrapper (cron, CI) can wait and run the same command again."""

    exit_code = EXIT_BUSY


class SlideError(BadInputError):
    """One slide could not be processed; the build reports it and carries on."""
