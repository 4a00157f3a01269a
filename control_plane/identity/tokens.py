"""Admin tokens and personal access tokens: secrets shown once, stored only as hashes.

    admintoken/<sha256 hex>  {id, team, prefix, description, created, by}
    pat/<sha256 hex>         {id, user, role, project, expires, description, created}

An admin token (`adm_...`) acts for its team: the admin role in every project the team
owns. It is listed by its prefix, `adm_` and the 5 characters after it, as the official
CLI lists them. A personal access token (`bpat_...`) acts for its user with at most its
role, in one project or (project null) in each of the user's projects, until it
expires. `id` is the first 12 hex digits of the hash: what lists show and what removal
takes. The secrets are 32 random bytes, so a plain sha256 is enough (no salt or
stretching: nothing to guess)."""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from typing import Any

from brygge.clock import now_iso
from control_plane.identity import roles
from control_plane.identity.records import Records
from storage.catalog import CatalogError, NotFoundError

ADMIN_PREFIX = "adm_"
PAT_PREFIX = "bpat_"
HASH_RE = re.compile(r"^[0-9a-f]{64}$")
MAX_TOKEN = 200


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def shown(token: str) -> str:
    """What lists show of an admin token: `adm_` and 5 characters (or the first 5)."""
    return token[:len(ADMIN_PREFIX) + 5] if token.startswith(ADMIN_PREFIX) else token[:5]


def _description(d: object) -> str:
    if not isinstance(d, str) or len(d) > 200:
        raise CatalogError("description must be a string of at most 200 characters")
    return d


# -- admin tokens -------------------------------------------------------------------------
def admin_record(token: str, team: str, description: str, by: str,
                 created: str | None = None) -> tuple[str, dict[str, Any]]:
    h = digest(token)
    return f"admintoken/{h}", {"id": h[:12], "team": team, "prefix": shown(token),
                               "description": description, "created": created or now_iso(),
                               "by": by}


async def add_admin_token(rec: Records, team: str, description: str = "", by: str = ""
                          ) -> tuple[str, dict[str, Any]]:
    """A new admin token of `team`: (the secret, printed once; its record)."""
    if await rec.team(team) is None:
        raise NotFoundError(f"no team {team!r}")
    token = ADMIN_PREFIX + secrets.token_urlsafe(24)
    key, value = admin_record(token, team, _description(description), by)
    await rec.put({key: value})
    return token, value


async def admin_token(rec: Records, token: str) -> dict[str, Any] | None:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN:
        return None
    found = await rec.get(f"admintoken/{digest(token)}")
    return found if found and "team" in found else None


async def admin_tokens(rec: Records, team: str) -> list[tuple[str, dict[str, Any]]]:
    """(hash, record) of the team's admin tokens, oldest first."""
    out = [(k.split("/", 1)[1], v) for k, v in await rec.scan("admintoken/")
           if v.get("team") == team and HASH_RE.match(k.split("/", 1)[1])]
    return sorted(out, key=lambda kv: kv[1].get("created") or "")


def match_admin_token(tokens: list[tuple[str, dict[str, Any]]], given: str
                      ) -> list[tuple[str, dict[str, Any]]]:
    """The tokens `given` names: the whole token, its id (12+ hex of the hash), or text
    starting with the listed prefix (`adm_abcde…`, or more of the token)."""
    h = digest(given)
    whole = [t for t in tokens if t[0] == h]
    if whole:
        return whole
    g = given.rstrip("…")
    by_id = [t for t in tokens if len(g) >= 12 and t[0].startswith(g)]
    return by_id or [t for t in tokens if len(g) >= len(t[1]["prefix"]) >= 5
                     and g.startswith(t[1]["prefix"])]


async def remove_admin_token(rec: Records, team: str, key_hash: str) -> None:
    """Revoke one; the team's last one stays (nothing could manage the team's projects
    through a token afterwards)."""
    tokens = await admin_tokens(rec, team)
    found = [v for h, v in tokens if h == key_hash]
    if not found:
        raise NotFoundError(f"no admin token {key_hash[:12]!r} in team {team!r}")
    if len(tokens) <= 1:
        raise CatalogError(f"{found[0]['prefix']}… is the last admin token of team "
                           f"{team!r}; add another first")
    await rec.put({f"admintoken/{key_hash}": None})


# -- personal access tokens ---------------------------------------------------------------
def parse_expiry(text: str, now: float | None = None) -> float | None:
    """'30d', '12h', '90m' or '0'/'never' → a Unix time (None: never expires)."""
    now = time.time() if now is None else now
    if text in ("", "0", "never"):
        return None
    m = re.fullmatch(r"(\d{1,6})([dhm])", text)
    if not m:
        raise CatalogError(f"expiry {text!r} must look like 30d, 12h or 90m (or never)")
    n = int(m[1]) * {"d": 86400, "h": 3600, "m": 60}[m[2]]
    if n <= 0 or n > 5 * 365 * 86400:
        raise CatalogError("an expiry must be between 1 minute and 5 years")
    return now + n


async def create_pat(rec: Records, user: str, role: str, project: str | None,
                     expires: float | None, description: str = ""
                     ) -> tuple[str, dict[str, Any]]:
    roles.check_role(role)
    token = PAT_PREFIX + secrets.token_urlsafe(32)
    h = digest(token)
    value = {"id": h[:12], "user": user, "role": role, "project": project,
             "expires": expires, "description": _description(description),
             "created": now_iso()}
    await rec.put({f"pat/{h}": value})
    return token, value


async def pat(rec: Records, token: str, now: float | None = None) -> dict[str, Any] | None:
    """The PAT's record while it is valid; None for unknown or expired ones."""
    if not token.startswith(PAT_PREFIX) or len(token) > MAX_TOKEN:
        return None
    found = await rec.get(f"pat/{digest(token)}")
    now = time.time() if now is None else now
    if found is None or (found.get("expires") is not None and found["expires"] <= now):
        return None
    return dict(found)


async def pats(rec: Records, user: str) -> list[tuple[str, dict[str, Any]]]:
    return [(k.split("/", 1)[1], v) for k, v in await rec.scan("pat/") if v["user"] == user]


async def revoke_pat(rec: Records, user: str, pat_id: str) -> dict[str, Any]:
    for h, v in await pats(rec, user):
        if v["id"] == pat_id or (len(pat_id) >= 12 and h.startswith(pat_id)):
            await rec.put({f"pat/{h}": None})
            return v
    raise NotFoundError(f"no personal access token {pat_id[:20]!r}")


async def revoke_all_of(rec: Records, uid: str) -> int:
    """Every PAT of the user and every admin token they created, in one batch (their
    removal or suspension)."""
    batch: dict[str, Any] = {k: None for k, v in await rec.scan("pat/") if v.get("user") == uid}
    batch.update({k: None for k, v in await rec.scan("admintoken/") if v.get("by") == uid})
    if batch:
        await rec.put(batch)
    return len(batch)


def auth_header(credential: str) -> dict[str, str]:
    """The header a client sends a credential in: an admin token as x-admintoken (as
    always), anything else (a session JWT, a PAT) as a bearer token."""
    if credential.startswith(ADMIN_PREFIX):
        return {"x-admintoken": credential}
    return {"authorization": f"Bearer {credential}"}
