"""`brygge files upload|list|get|delete`: blob storage of a space."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

# first: the libraries imported below may warn while they load
import brygge.quiet_warnings  # noqa: F401

# isort: split
import httpx
import typer

from brygge import jsonout
from control_plane.cli.common import (
    _A,
    _P,
    _S,
    _U,
    DataDir,
    Target,
    _admin_call,
    _error_of,
    app,
    fail,
    resolve_target,
)

files_app = typer.Typer(no_args_is_help=True,
                        help="Blob storage of a space (filestore, app.storage): upload, list, "
                             "get, delete.")
app.add_typer(files_app, name="files")


def _file_url(t: Target, path: str) -> str:
    return (f"{t.admin_url}/v1/projects/{t.project}/spaces/{t.space}/files/"
            f"{quote(path.lstrip('/'), safe='/')}")


def _stream_call(method: str, url: str, t: Target, **kw: Any) -> Any:
    try:
        return httpx.stream(method, url, headers=t.headers(),
                            timeout=httpx.Timeout(60, read=600), **kw)
    except httpx.HTTPError as e:
        fail(f"cannot reach the admin API at {t.admin_url}: {e}")
        raise


@files_app.command("upload")
def files_upload(local: Path = typer.Argument(..., help="Local file to upload"),
                 target: str = typer.Argument("", help="Path in blob storage [default: "
                                                       "/<file name>]"),
                 project: str = _P, space: str = _S, as_json: bool = typer.Option(False, "--json"),
                 data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """Upload a file (streamed; replaces the file at that path)."""
    if not local.is_file():
        fail(f"{local}: no such file")
    t = resolve_target(data_dir, project, space, url, admintoken)
    dest = target or "/" + local.name
    size = local.stat().st_size

    def chunks() -> Any:
        with local.open("rb") as f:
            while piece := f.read(1024 * 1024):
                yield piece

    try:
        r = httpx.put(_file_url(t, dest), content=chunks(),
                      headers={**t.headers(), "content-length": str(size)},
                      timeout=httpx.Timeout(60, write=600, read=600))
    except httpx.HTTPError as e:
        fail(f"cannot reach the admin API at {t.admin_url}: {e}")
        raise
    if r.status_code >= 300:
        fail(_error_of(r))
    meta = r.json()
    if as_json:
        typer.echo(jsonout.dumps(meta, indent=2))
    else:
        typer.echo(f"Uploaded {local} to {meta['path']} ({meta['size']} bytes) in "
                   f"{t.project}/{t.space}")


@files_app.command("list")
def files_list(prefix: str = typer.Argument("/", help="Folder (recursive) or file path"),
               project: str = _P, space: str = _S, as_json: bool = typer.Option(False, "--json"),
               data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """List the files under a folder, with size and date."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    rows: Any = _admin_call("GET", t, "/files", params={"prefix": prefix})
    if as_json:
        typer.echo(jsonout.dumps(rows, indent=2))
        return
    if not rows:
        typer.echo(f"No files under {prefix} in {t.project}/{t.space}")
        return
    typer.echo(f"{'SIZE':>12}  {'DATE':24}  PATH")
    for r in rows:
        typer.echo(f"{r['size']:>12}  {r['date']:24}  {r['path']}")
    typer.echo(f"{len(rows)} file(s), {sum(r['size'] for r in rows)} bytes")


@files_app.command("get")
def files_get(path: str = typer.Argument(..., help="Path in blob storage"),
              out: Path = typer.Option(None, "-o", "--output",
                                       help="Write here [default: the file's name; - for stdout]"),
              project: str = _P, space: str = _S, data_dir: str = DataDir, url: str = _U,
              admintoken: str = _A) -> None:
    """Download a file (streamed)."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    dest = out or Path(path.rstrip("/").rsplit("/", 1)[-1] or "download")
    try:
        with _stream_call("GET", _file_url(t, path), t) as r:
            if r.status_code >= 300:
                r.read()
                fail(_error_of(r))
            if str(dest) == "-":
                for piece in r.iter_bytes():
                    sys.stdout.buffer.write(piece)
                sys.stdout.buffer.flush()
                return
            tmp = dest.with_name(dest.name + ".part")
            n = 0
            with tmp.open("wb") as f:
                for piece in r.iter_bytes():
                    f.write(piece)
                    n += len(piece)
            tmp.replace(dest)
    except httpx.HTTPError as e:
        fail(f"download of {path} failed: {e}")
    typer.echo(f"Saved {path} to {dest} ({n} bytes)")


@files_app.command("delete")
def files_delete(path: str = typer.Argument(..., help="Path in blob storage"),
                 project: str = _P, space: str = _S, data_dir: str = DataDir, url: str = _U,
                 admintoken: str = _A) -> None:
    """Delete a file."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    r = _admin_call("DELETE", t, "/files/" + quote(path.lstrip("/"), safe="/"))
    typer.echo(f"Deleted {r['path']} in {t.project}/{t.space}")
