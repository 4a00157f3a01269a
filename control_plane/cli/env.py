"""`brygge set-env`, `remove-env`: a space's env vars (process.env)."""

from __future__ import annotations

# first: the libraries imported below may warn while they load
import brygge.quiet_warnings  # noqa: F401

# isort: split
import typer

from control_plane.cli.common import (
    DataDir,
    _admin_call,
    app,
    resolve_target,
)


@app.command("set-env")
def set_env(key: str, value: str, project: str = typer.Option(None, "--project", "-p"),
            space: str = typer.Option(None, "--space", "-s"),
            encrypted: bool = typer.Option(False, "--encrypted", help="Store it encrypted "
                                           "(AES-GCM, node key); listings show "
                                           "KEY=(encrypted)"),
            data_dir: str = DataDir,
            url: str = typer.Option(None, "--url"),
            admintoken: str = typer.Option(None, "--admintoken")) -> None:
    """Set an env var of a space (process.env.KEY); warm instances are retired."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    _admin_call("PUT", t, f"/env/{key}", json={"value": value, "encrypted": encrypted})
    typer.echo(f"Set {key}{' (encrypted)' if encrypted else ''} in {t.project}/{t.space}")


@app.command("remove-env")
def remove_env(key: str, project: str = typer.Option(None, "--project", "-p"),
               space: str = typer.Option(None, "--space", "-s"), data_dir: str = DataDir,
               url: str = typer.Option(None, "--url"),
               admintoken: str = typer.Option(None, "--admintoken")) -> None:
    """Remove an env var of a space."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    _admin_call("DELETE", t, f"/env/{key}")
    typer.echo(f"Removed {key} from {t.project}/{t.space}")
