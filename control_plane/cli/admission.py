"""`brygge jwks`, `whitelist`, `whitelist-remove`, `cors`, `ratelimit`: admission settings
of a space."""

from __future__ import annotations

# first: the libraries imported below may warn while they load
import brygge.quiet_warnings  # noqa: F401

# isort: split
import typer

from control_plane.cli.common import (
    _A,
    _P,
    _S,
    _U,
    DataDir,
    _admin_call,
    app,
    resolve_target,
)

# -- admission settings of a space (storage/admission.py, router/jwt_auth.py) -----------------
ADMISSION_KEYS = ("jwks_url", "jwt_iss", "jwt_aud", "allowed_hosts", "cors_origins",
                  "rate_limit")


@app.command("jwks")
def jwks(jwks_url: str = typer.Argument(..., help="JWKS URL; '' removes it"),
         iss: str = typer.Option("", "--iss", help="Required JWT issuer"),
         aud: str = typer.Option("", "--aud", help="Required JWT audience"),
         project: str = _P, space: str = _S, data_dir: str = DataDir, url: str = _U,
         admintoken: str = _A) -> None:
    """Verify Bearer JWTs of a space against this JSON Web Key Set."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    if jwks_url:
        _admin_call("PUT", t, "/jwks", json={"url": jwks_url, "iss": iss, "aud": aud})
        typer.echo(f"JWTs to {t.project}/{t.space} are verified with {jwks_url}")
    else:
        _admin_call("DELETE", t, "/jwks")
        typer.echo(f"Removed the JWKS of {t.project}/{t.space}")


@app.command("whitelist")
def whitelist(ip: str = typer.Argument(..., help="IP address or CIDR range"),
              project: str = _P, space: str = _S, data_dir: str = DataDir, url: str = _U,
              admintoken: str = _A) -> None:
    """Allow a client IP/CIDR; once any is set, other clients get 403."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    hosts = _admin_call("PUT", t, "/whitelist", json={"ip": ip})["allowed_hosts"]
    typer.echo(f"Allowed hosts of {t.project}/{t.space}: {', '.join(hosts)}")


@app.command("whitelist-remove")
def whitelist_remove(ip: str = typer.Argument(..., help="IP address or CIDR range"),
                     project: str = _P, space: str = _S, data_dir: str = DataDir,
                     url: str = _U, admintoken: str = _A) -> None:
    """Remove an allowed host (an empty list admits every client)."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    hosts = _admin_call("DELETE", t, "/whitelist", params={"ip": ip})["allowed_hosts"]
    typer.echo(f"Allowed hosts of {t.project}/{t.space}: {', '.join(hosts) or '(any)'}")


@app.command("cors")
def cors(origins: list[str] = typer.Argument(None, help="Allowed origins; none: every origin"),
         project: str = _P, space: str = _S, data_dir: str = DataDir, url: str = _U,
         admintoken: str = _A) -> None:
    """Narrow CORS of a space to these origins (https://app.example ...)."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    if origins:
        _admin_call("PUT", t, "/cors", json={"origins": origins})
        typer.echo(f"CORS of {t.project}/{t.space}: {', '.join(origins)}")
    else:
        _admin_call("DELETE", t, "/cors")
        typer.echo(f"CORS of {t.project}/{t.space}: every origin")


@app.command("ratelimit")
def ratelimit(rate: float = typer.Argument(0, help="Requests per second; 0 removes the limit"),
              burst: int = typer.Option(None, "--burst", help="Requests at once (default: rate)"),
              project: str = _P, space: str = _S, data_dir: str = DataDir, url: str = _U,
              admintoken: str = _A) -> None:
    """Limit the requests/s of a space (429 with Retry-After beyond)."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    if rate:
        lim = _admin_call("PUT", t, "/ratelimit", json={"rate": rate, "burst": burst})
        typer.echo(f"Rate limit of {t.project}/{t.space}: {lim['rate_limit']['rate']:g}/s, "
                   f"burst {lim['rate_limit']['burst']}")
    else:
        _admin_call("DELETE", t, "/ratelimit")
        typer.echo(f"Removed the rate limit of {t.project}/{t.space}")
