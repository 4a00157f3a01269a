"""What every `brygge` command module shares: the typer app, finding the node a
command talks to, calling its admin API, and failing with one clear line.

Commands that talk to a node find it, in this order: `--url`/`--admintoken` (or
BRYGGE_ADMIN_URL/BRYGGE_ADMIN_TOKEN), the local data dir (`--data-dir`,
BRYGGE_DATA_DIR, default ./.brygge: the operator, by a 5-minute JWT the command signs
with the data dir's session key), then the config written by `brygge login` (an admin
token, or a session whose access token is refreshed when it expires).
Command modules (control_plane/cli/*.py) add their commands to `app`; control_plane/cli/main.py
imports them all.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import typer

from brygge.settings import Settings, SettingsError

app = typer.Typer(add_completion=True, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Brygge: run codehooks-js apps on your own machines.")

CONFIG_PATH = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "brygge" / \
    "config.json"

DataDir = typer.Option(None, "--data-dir", envvar="BRYGGE_DATA_DIR",
                       help="Node data directory [default: ./.brygge]")


def fail(msg: str) -> None:
    typer.echo(f"brygge: {msg}", err=True)
    raise typer.Exit(1)


def settings_for(data_dir: str | None, **overrides: Any) -> Settings:
    try:
        return Settings.from_env().replace(data_dir=data_dir, **overrides)
    except SettingsError as e:
        fail(str(e))
        raise


# -- reading a node's records from its data dir ----------------------------------------------
def read_local(data_dir: str | None, fn: Any) -> Any:
    """Run `fn(catalog, settings)` against the data dir's RocksDB, opened read-only
    (works whether or not the node is running)."""
    from brygge.tokenseal import TokenKeys
    from storage.catalog import Catalog
    from storage.client import LocalStorageClient
    from storage.engine import Engine

    s = settings_for(data_dir)
    db = s.data_path / "db"
    if not (db / "CURRENT").exists():
        fail(f"no Brygge node in {s.data_path}: start one with `brygge up` "
             "(or pass --data-dir)")
    engine = Engine(str(db), read_only=True)
    try:
        keys = TokenKeys.of_data_dir(s.data_path)
        return asyncio.run(fn(Catalog(LocalStorageClient(engine), keys), s))
    finally:
        engine.close()


def node_json(s: Settings) -> dict[str, Any]:
    try:
        return json.loads((s.data_path / "node.json").read_text())
    except (OSError, ValueError):
        return {}


def _used_space(project: str) -> str | None:
    """The space `brygge use` chose for this project, if any."""
    try:
        cfg = json.loads(CONFIG_PATH.read_text())
    except (OSError, ValueError):
        return None
    return cfg.get("space") if cfg.get("project", project) == project else None


@dataclass
class Target:
    admin_url: str
    admin_token: str  # the credential: an admin token, a session JWT or a PAT
    project: str
    space: str

    def headers(self) -> dict[str, str]:
        from control_plane.identity.tokens import auth_header
        return auth_header(self.admin_token)


def read_config() -> dict[str, Any]:
    try:
        cfg = json.loads(CONFIG_PATH.read_text())
    except ValueError as e:
        fail(f"{CONFIG_PATH} is not valid JSON ({e}); run `brygge login` again")
        raise
    return cfg  # type: ignore[no-any-return]


def write_config(cfg: dict[str, Any]) -> None:
    CONFIG_PATH.parent.mkdir(parents=True, exist_ok=True)
    tmp = CONFIG_PATH.with_suffix(".tmp")
    tmp.write_text(json.dumps(cfg, indent=2))
    tmp.chmod(0o600)
    tmp.replace(CONFIG_PATH)


def config_credential(cfg: dict[str, Any]) -> str:
    """The stored admin token, or the session's access token (refreshed first when it
    is about to expire; the refreshed session is saved)."""
    if cfg.get("admintoken"):
        return str(cfg["admintoken"])
    session = cfg.get("session")
    if not isinstance(session, dict) or not session.get("access"):
        fail(f"{CONFIG_PATH} holds no credential; run `brygge login` again")
        raise AssertionError
    if float(session.get("expires") or 0) > time.time() + 30:
        return str(session["access"])
    try:
        r = httpx.post(f"{cfg['url']}/v1/auth/refresh", json={"refresh": session.get("refresh")},
                       timeout=30)
    except httpx.HTTPError as e:
        fail(f"cannot reach the admin API at {cfg['url']}: {e}")
        raise
    if r.status_code != 200:
        fail(f"{_error_of(r)} (run `brygge login` again)")
    cfg["session"] = {k: r.json()[k] for k in ("access", "refresh", "expires")}
    write_config(cfg)
    return str(cfg["session"]["access"])


def resolve_target(data_dir: str | None, project: str | None, space: str | None,
                   url: str | None, admintoken: str | None) -> Target:
    url = url or os.environ.get("BRYGGE_ADMIN_URL")
    admintoken = admintoken or os.environ.get("BRYGGE_ADMIN_TOKEN")
    if url and admintoken:
        return Target(url, admintoken, project or Settings().default_project,
                      space or Settings().default_space)
    s = settings_for(data_dir)
    if (s.data_path / "db" / "CURRENT").exists():
        # the operator, signed in through the data dir: a short local JWT from its key
        from control_plane.identity.sessions import mint_local
        proj = project or s.default_project
        admin_url = url or node_json(s).get("admin_url") or \
            f"http://127.0.0.1:{s.admin_port}"
        return Target(admin_url, admintoken or mint_local(s.data_path), proj,
                      space or _used_space(proj) or s.default_space)
    if CONFIG_PATH.exists():
        cfg = read_config()
        return Target(url or cfg["url"], admintoken or config_credential(cfg),
                      project or cfg.get("project") or Settings().default_project,
                      space or cfg.get("space") or Settings().default_space)
    fail("no node found: run `brygge up`, pass --data-dir, or `brygge login <url> "
         "--email <email>`")
    raise AssertionError


_P = typer.Option(None, "--project", "-p")
_S = typer.Option(None, "--space", "-s")
_U = typer.Option(None, "--url")
_A = typer.Option(None, "--admintoken")


def node_call(method: str, t: Target, path: str, **kw: Any) -> Any:
    """The target node's admin API at `path`; any failure is one line and exit 1."""
    try:
        r = httpx.request(method, f"{t.admin_url}{path}", headers=t.headers(), timeout=30, **kw)
    except httpx.HTTPError as e:
        fail(f"cannot reach the admin API at {t.admin_url}: {e}")
        raise
    if r.status_code >= 300:
        fail(_error_of(r))
    return r.json()


def _project_call(method: str, t: Target, path: str, **kw: Any) -> Any:
    """The admin API below the target's project."""
    return node_call(method, t, f"/v1/projects/{t.project}{path}", **kw)


def _admin_call(method: str, t: Target, path: str, **kw: Any) -> Any:
    """The admin API below the target's space."""
    return _project_call(method, t, f"/spaces/{t.space}{path}", **kw)


def _error_of(r: httpx.Response) -> str:
    try:
        return str(r.json().get("error") or r.text)
    except ValueError:
        return f"HTTP {r.status_code}"
