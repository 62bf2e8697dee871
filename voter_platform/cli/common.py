"""What the subcommands share: the data directory they work on, or a one-line reason it cannot be used."""

from __future__ import annotations

import sys

from voter_platform.settings import DataDirError, DataPaths, configure_environment


def configured_data(command: str) -> DataPaths | None:
    """The configured data directory (settings.configure_environment); None after saying on stderr, as
    `voter-platform <command>: …`, why it cannot be used (the caller exits 2)."""
    try:
        return configure_environment()
    except DataDirError as error:
        print(f"voter-platform {command}: {error}", file=sys.stderr)
        return None
