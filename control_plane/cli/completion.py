"""`brygge completion`: the shell completion script."""

from __future__ import annotations

import typer

from control_plane.cli.common import (
    app,
    fail,
)


# -- completion ----------------------------------------------------------------------------------
@app.command("completion")
def completion(shell: str = typer.Argument("bash", help="bash, zsh or fish")) -> None:
    """Print the shell completion script for `brygge` (e.g. `brygge completion bash >>
    ~/.bashrc`, or `eval "$(brygge completion zsh)"`)."""
    from typer._completion_shared import get_completion_script

    if shell not in ("bash", "zsh", "fish"):
        fail(f"unknown shell {shell!r}: use bash, zsh or fish")
    typer.echo(get_completion_script(prog_name="brygge", complete_var="_BRYGGE_COMPLETE",
                                     shell=shell))


