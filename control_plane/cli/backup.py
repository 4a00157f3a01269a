"""`brygge backup` and `brygge restore` of a space (control_plane/api/backups.py).

    brygge backup [-p P] [-s S] [-o FILE]         download a consistent snapshot of the space
    brygge restore FILE [-p P] [-s S] [--force]   replace an empty (or, --force, any) space

Both stream: the file is never whole in memory here. Progress goes to stderr on a
terminal; errors are one line and exit 1.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TransferSpeedColumn,
)

from brygge import jsonout
from control_plane.cli.common import _A, _P, _S, _U, DataDir, _error_of, app, fail, resolve_target

PIECE = 256 * 1024


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                    TransferSpeedColumn(), transient=True,
                    disable=not os.isatty(2))


@app.command()
def backup(project: str = _P, space: str = _S,
           output: str = typer.Option(None, "--output", "-o",
                                      help="File to write [default: <project>-<space>-"
                                      "<time>.brygge-backup]"),
           as_json: bool = typer.Option(False, "--json"),
           data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """Back up a space (data, files, KV, settings, deployments) to one file."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    out = Path(output or f"{t.project}-{t.space}-{stamp}.brygge-backup")
    part = out.with_name(out.name + ".part")
    size = 0
    try:
        with httpx.stream("GET", f"{t.admin_url}/v1/projects/{t.project}/spaces/{t.space}"
                          "/backup", headers=t.headers(),
                          timeout=httpx.Timeout(30, read=300)) as r:
            if r.status_code >= 300:
                r.read()
                fail(_error_of(r))
            with _progress() as prog, open(part, "wb") as f:
                task = prog.add_task(f"Backing up {t.project}/{t.space}", total=None)
                for chunk in r.iter_bytes(PIECE):
                    f.write(chunk)
                    size += len(chunk)
                    prog.update(task, advance=len(chunk))
        os.replace(part, out)
    except httpx.HTTPError as e:
        part.unlink(missing_ok=True)
        fail(f"the backup of {t.project}/{t.space} failed: {e or type(e).__name__}")
    except OSError as e:
        part.unlink(missing_ok=True)
        fail(f"cannot write {out}: {e.strerror or e}")
    if as_json:
        typer.echo(jsonout.dumps({"file": str(out), "bytes": size}))
    else:
        typer.echo(f"Backed up {t.project}/{t.space} to {out} ({size} bytes)")


@app.command()
def restore(file: str = typer.Argument(..., help="A file written by `brygge backup`"),
            project: str = _P, space: str = _S,
            force: bool = typer.Option(False, "--force", help="Replace the space's data "
                                       "even when it is not empty"),
            as_json: bool = typer.Option(False, "--json"),
            data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """Restore a backup into a space (empty unless --force) and activate its deployment."""
    path = Path(file)
    try:
        total = path.stat().st_size
        f = open(path, "rb")
    except OSError as e:
        fail(f"cannot read {file}: {e.strerror or e}")
        raise
    t = resolve_target(data_dir, project, space, url, admintoken)
    with f, _progress() as prog:
        task = prog.add_task(f"Restoring {path.name} into {t.project}/{t.space}", total=total)

        def body() -> Iterator[bytes]:
            while piece := f.read(PIECE):
                prog.update(task, advance=len(piece))
                yield piece

        try:
            r = httpx.post(f"{t.admin_url}/v1/projects/{t.project}/spaces/{t.space}/restore",
                           params={"force": "true"} if force else None, content=body(),
                           headers={**t.headers(),
                                    "content-type": "application/gzip"},
                           timeout=httpx.Timeout(30, read=600))
        except httpx.HTTPError as e:
            fail(f"cannot reach the admin API at {t.admin_url}: {e or type(e).__name__}")
            raise
    if r.status_code >= 300:
        fail(_error_of(r))
    res = r.json()
    if as_json:
        typer.echo(jsonout.dumps(res))
        return
    c = res.get("counts") or {}
    dep = f"deployment {res['deployment']} active" if res.get("deployment") else \
        "no active deployment"
    typer.echo(f"Restored {t.project}/{t.space}: {c.get('documents', 0)} documents, "
               f"{c.get('kv', 0)} key-value entries, {c.get('files', 0)} files, "
               f"{res.get('deployments', 0)} deployments ({dep})")
