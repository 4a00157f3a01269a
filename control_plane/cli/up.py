"""`brygge up`: run a whole node in the foreground (the supervisor is supervisor.py)."""

from __future__ import annotations

# first: the libraries imported below may warn while they load
import brygge.quiet_warnings  # noqa: F401

# isort: split
import typer

from control_plane.cli.common import (
    DataDir,
    app,
    settings_for,
)


@app.command()
def up(data_dir: str = DataDir,
       http_port: int = typer.Option(None, "--http-port", help="Router port [default: 8080]"),
       admin_port: int = typer.Option(None, "--admin-port", help="Admin API port [default: 8081]"),
       host: str = typer.Option(None, "--host", help="Listen address [default: 127.0.0.1]"),
       executors: int = typer.Option(None, "--executors", help="Executor processes"),
       app_dir: str = typer.Option(None, "--app", help="Deploy this app folder once up"),
       ) -> None:
    """Run a whole node in the foreground: NATS, storage, executors, control plane, router."""
    from control_plane.cli.supervisor import run_node

    s = settings_for(data_dir, http_port=http_port, admin_port=admin_port, host=host,
                     executors=executors)
    raise typer.Exit(run_node(s, app_dir))

