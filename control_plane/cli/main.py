"""The `brygge` command line (entry point `main`). Shared plumbing is in common.py; each
command module adds its commands to the same typer app on import, in the order below
(help lists them in that order)."""

from __future__ import annotations

import os
import sys

# first: the libraries imported below may warn while they load
import brygge.quiet_warnings  # noqa: F401

# isort: split
import typer

# isort: off
# Command modules register on import, in this order (help lists them so).
from control_plane.cli import up  # noqa: F401
from control_plane.cli import deploy  # noqa: F401
from control_plane.cli import logs  # noqa: F401
from control_plane.cli import env  # noqa: F401
from control_plane.cli import admission  # noqa: F401
from control_plane.cli import cron  # noqa: F401
from control_plane.cli import queues  # noqa: F401
from control_plane.cli import files  # noqa: F401
from control_plane.cli import accounts  # noqa: F401
from control_plane.cli import people  # noqa: F401
from control_plane.cli import teamwork  # noqa: F401
from control_plane.cli import backup  # noqa: F401
from control_plane.cli import code  # noqa: F401
from control_plane.cli import status  # noqa: F401
from control_plane.cli import completion  # noqa: F401
from control_plane.cli import spaces  # noqa: F401
from control_plane.cli import lifecycle  # noqa: F401
from control_plane.cli import query  # noqa: F401
from control_plane.cli import import_export  # noqa: F401
from control_plane.cli import schemas  # noqa: F401
from control_plane.cli import kv  # noqa: F401
from control_plane.cli import domains  # noqa: F401
from control_plane.cli import audit  # noqa: F401
from control_plane.cli import quota  # noqa: F401
# isort: on
from control_plane.cli.common import app


def main() -> None:
    """Run the CLI. An unexpected failure is one line naming it and exit status 1;
    `--debug` (anywhere on the line) or BRYGGE_DEBUG=1 shows the traceback instead."""
    debug = "--debug" in sys.argv[1:] or os.environ.get("BRYGGE_DEBUG") == "1"
    if "--debug" in sys.argv[1:]:
        sys.argv.remove("--debug")
    try:
        app(prog_name="brygge")
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as e:
        if debug:
            raise
        typer.echo(f"brygge: {type(e).__name__}: {e} (run with --debug for the traceback)",
                   err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
