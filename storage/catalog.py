"""The control plane's records: projects, spaces, tokens, deployments.

They live as system records in the storage engine (the control plane keeps its
own state in the same engine as tenant data), under these keys:

    project/<name>                 {name, created, plan?, quota?: {overrides}} (storage/quota.py)
    space/<project>/<space>        {project, name, id, created, deployment, deployed_at, env,
                                    jwks_url, jwt_iss, jwt_aud, allowed_hosts, cors_origins,
                                    rate_limit, cron_timezone, env_encrypted}
    space-id/<id>                  {project, name}
    token/<HMAC of the token>      {project, space, space_id, access: RW|R, description,
                                    created, sealed} (storage/space_tokens.py)
    host/<lower hostname>          {project, space, kind: custom|alt}  (storage/hosts.py;
                                    the space record's `alt_host` names its alt host)
    (admintoken/, user/, team/, member/, pat/, session/: control_plane/identity/)
    deploy/<space id>/<seq>        {seq, digest, date, headers, manifest, startup_error}

Every change publishes `brygge.events.space.<id>` on NATS so routers drop cached
resolutions at once instead of waiting for their cache to expire.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from brygge.clock import now_iso
from brygge.tokenseal import TokenKeys
from storage import hosts
from storage.keys import new_space_id
from storage.space_tokens import SpaceTokens

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class SysStore(Protocol):
    async def call(self, space: str, op: str, args: Any = None) -> Any: ...


class CatalogError(Exception):
    status = 400


class NotFoundError(CatalogError):
    status = 404


class ConflictError(CatalogError):
    status = 409


def check_name(kind: str, name: str) -> str:
    if not NAME_RE.match(name or ""):
        raise CatalogError(f"{kind} name {name!r} must be 1-63 lower-case letters, digits or '-'")
    return name


class Catalog:
    def __init__(self, store: SysStore, token_keys: TokenKeys | None = None,
                 alt_host_domain: str = "") -> None:
        """`token_keys`: the node's space-token keys (`TokenKeys.of_data_dir`), needed by
        every token method; a process that never touches tokens leaves it out.
        `alt_host_domain` (the control plane's): every space created gets an alternative
        host below it."""
        self.store = store
        self.space_tokens = SpaceTokens(self, token_keys)
        self.alt_host_domain = alt_host_domain

    async def _get(self, key: str) -> Any:
        return await self.store.call("", "sys.get", {"key": key})

    async def _put(self, batch: dict[str, Any]) -> None:
        await self.store.call("", "sys.put", {"batch": batch})

    async def claim(self, batch: dict[str, Any], absent: list[str]) -> str | None:
        """Write `batch` only if none of `absent` exists (atomically, in the storage
        engine); returns the key that exists, or None when written."""
        r = await self.store.call("", "sys.put", {"batch": batch, "absent": absent})
        return None if r.get("ok") else str(r.get("present"))

    async def _scan(self, prefix: str) -> list[tuple[str, Any]]:
        return [(k, v) for k, v in await self.store.call("", "sys.scan", {"prefix": prefix})]

    # -- projects and spaces ----------------------------------------------------------
    async def project(self, name: str) -> dict[str, Any]:
        p = await self._get(f"project/{name}") if NAME_RE.match(name or "") else None
        if p is None:
            raise NotFoundError(f"no project named {name!r}")
        return p

    async def find_project(self, name: str) -> dict[str, Any] | None:
        return await self._get(f"project/{name}") if NAME_RE.match(name or "") else None

    async def create_project(self, name: str) -> dict[str, Any]:
        check_name("project", name)
        if await self._get(f"project/{name}") is not None:
            raise CatalogError(f"project {name!r} already exists")
        p = {"name": name, "created": now_iso()}
        await self._put({f"project/{name}": p})
        return p

    async def set_plan(self, project: str, plan: str | None,
                       overrides: dict[str, int | None] | None = None) -> dict[str, Any]:
        """Put the project on `plan` (None: keep it; "" : back to the node's default plan)
        and merge limit overrides (a value None drops that override). Storage's quota
        cache follows the record at once (storage/quota_store.py). Returns the record."""
        p = dict(await self.project(project))
        if plan is not None:
            if plan:
                p["plan"] = plan
            else:
                p.pop("plan", None)
        if overrides:
            q = {**(p.get("quota") or {}), **overrides}
            q = {k: v for k, v in q.items() if v is not None}
            if q:
                p["quota"] = q
            else:
                p.pop("quota", None)
        await self._put({f"project/{project}": p})
        return p

    async def quota_of(self, project: str) -> dict[str, Any]:
        """{project, plan, limits, usage, spaces} as storage enforces them (quota.get)."""
        await self.project(project)
        return dict(await self.store.call("", "quota.get", {"project": project,
                                                            "deployments": True}))

    async def space(self, project: str, name: str) -> dict[str, Any]:
        s = await self.find_space(project, name)
        if s is None:
            raise NotFoundError(f"no space {name!r} in project {project!r}")
        return s

    async def find_space(self, project: str, name: str) -> dict[str, Any] | None:
        # Names come from URLs and Host headers: one that could never have been
        # created is simply not found (and never reaches the storage key checks).
        if not (NAME_RE.match(project or "") and NAME_RE.match(name or "")):
            return None
        return await self._get(f"space/{project}/{name}")

    async def create_space(self, project: str, name: str) -> dict[str, Any]:
        p = await self.project(project)
        check_name("space", name)
        if await self._get(f"space/{project}/{name}") is not None:
            raise CatalogError(f"space {name!r} already exists in {project!r}")
        s = {"project": project, "name": name, "id": new_space_id(), "created": now_iso(),
             "deployment": None, "deployed_at": None}
        if p.get("suspended"):  # the router sees suspension on the space record
            s["suspended"] = True
        batch = {f"space/{project}/{name}": s,
                 f"space-id/{s['id']}": {"project": project, "name": name}}
        if not self.alt_host_domain:
            await self._put(batch)
            return s
        for _ in range(8):  # a taken name (one in billions) draws again
            s["alt_host"] = hosts.new_alt_host(self.alt_host_domain)
            batch[f"host/{s['alt_host']}"] = {"project": project, "space": name, "kind": "alt"}
            taken = await self.claim(batch, [f"space/{project}/{name}", f"host/{s['alt_host']}"])
            if taken is None:
                return s
            if taken.startswith("space/"):
                raise CatalogError(f"space {name!r} already exists in {project!r}")
            del batch[f"host/{s['alt_host']}"]
        raise CatalogError("no free alternative host name was found; try again")

    async def space_by_id(self, space_id: str) -> dict[str, Any] | None:
        """The space record with this platform id, or None."""
        if not isinstance(space_id, str) or not re.match(r"^[A-Za-z0-9_-]{1,64}$", space_id):
            return None
        ref = await self._get(f"space-id/{space_id}")
        if ref is None:
            return None
        sp = await self.find_space(ref["project"], ref["name"])
        return sp if sp is not None and sp.get("id") == space_id else None

    async def remove_space(self, project: str, name: str) -> dict[str, Any]:
        """Drop a space's record, id and API tokens in one write batch; returns the old
        record. The caller erases its data (storage op `space.erase`) and schedules."""
        sp = await self.space(project, name)
        batch: dict[str, Any] = {f"space/{project}/{name}": None, f"space-id/{sp['id']}": None}
        for k, _ in await self.space_tokens.records(project, name):
            batch[k] = None
        for h in await self.hosts(project, name):  # its custom domains and alt host are free
            batch[f"host/{h['host']}"] = None
        await self._put(batch)
        return sp

    async def spaces(self, project: str) -> list[dict[str, Any]]:
        return [v for _, v in await self._scan(f"space/{project}/")]

    async def all_spaces(self) -> list[dict[str, Any]]:
        """Every space of every project (cron catch-up at control-plane start)."""
        return [v for _, v in await self._scan("space/")]

    # -- hosts: custom domains and alternative hosts (storage/hosts.py) --------------------------
    async def host(self, host: str) -> dict[str, Any] | None:
        """The record of a (normalised) request host, or None."""
        if not hosts.is_dns_name(host, min_labels=1):
            return None
        return await self._get(f"host/{host}")

    async def hosts(self, project: str | None = None, space: str | None = None
                    ) -> list[dict[str, Any]]:
        """The host records of a project (or of one space; None: of every project), each
        with its `host`."""
        return [{"host": k.split("/", 1)[1], **v} for k, v in await self._scan("host/")
                if project is None or (v.get("project") == project
                                       and (space is None or v.get("space") == space))]

    async def add_host(self, project: str, space: str, host: str, kind: str = "custom"
                       ) -> dict[str, Any]:
        """Claim `host` (already checked by hosts.check_custom) for the space. Taken:
        CatalogError 409 that never names the owner (another tenant, perhaps)."""
        await self.space(project, space)
        rec = {"project": project, "space": space, "kind": kind, "created": now_iso()}
        if await self.claim({f"host/{host}": rec}, [f"host/{host}"]) is not None:
            owner = await self._get(f"host/{host}") or {}
            mine = owner.get("project") == project and owner.get("space") == space
            raise ConflictError(f"{host} is already a domain of space {space!r}" if mine
                                else f"{host} is already in use")
        return {"host": host, **rec}

    async def remove_host(self, project: str, space: str, host: str) -> dict[str, Any]:
        """Free a custom domain of the space (another space's, or an unknown host: 404,
        naming nothing of its owner)."""
        rec = await self.host(host)
        if rec is None or rec.get("project") != project or rec.get("space") != space:
            raise NotFoundError(f"{host!r} is not a domain of space {space!r}")
        if rec.get("kind") == "alt":
            raise CatalogError(f"{host} is the space's alternative host; it goes with the "
                               "space")
        await self.store.call("", "sys.delete", {"key": f"host/{host}"})
        return {"host": host, **rec}

    # -- env vars ------------------------------------------------------------------------------
    async def set_env(self, project: str, space: str, key: str, value: str | None,
                      encrypted: bool = False) -> dict[str, Any]:
        """Set (or with None remove) one env var of a space; returns the space.
        `encrypted`: `value` is already sealed by brygge/envcrypt.py; the key is listed
        in the record's `env_encrypted` so listings never show the value."""
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$", key or ""):
            raise CatalogError(f"env var name {key!r} must be letters, digits and _, "
                               "not starting with a digit")
        if value is not None and (not isinstance(value, str) or len(value) > 64 * 1024):
            raise CatalogError("an env var value must be a string of at most 64 KB")
        sp = await self.space(project, space)
        env = dict(sp.get("env") or {})
        sealed = [k for k in sp.get("env_encrypted") or [] if k != key]
        if value is None:
            if key not in env:
                raise NotFoundError(f"no env var {key!r} in space {space!r}")
            del env[key]
        else:
            env[key] = value
            if encrypted:
                sealed.append(key)
        sp = {**sp, "env": env}
        if sealed:
            sp["env_encrypted"] = sorted(sealed)
        else:
            sp.pop("env_encrypted", None)
        await self._put({f"space/{project}/{space}": sp})
        return sp

    async def set_cron_timezone(self, project: str, space: str, tz: str | None
                                ) -> dict[str, Any]:
        """The time zone the space's cron expressions are read in (None: the node's
        `cron_timezone`); returns the space."""
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        sp = dict(await self.space(project, space))
        if tz:
            try:
                ZoneInfo(tz)
            except (ZoneInfoNotFoundError, ValueError):
                raise CatalogError(f"unknown time zone {tz!r} (expected an IANA name such "
                                   "as 'Europe/Oslo')") from None
            sp["cron_timezone"] = tz
        else:
            sp.pop("cron_timezone", None)
        await self._put({f"space/{project}/{space}": sp})
        return sp

    # -- admission: JWKS, allowed hosts, CORS, rate limit (storage/admission.py) ------------------
    async def set_admission(self, project: str, space: str, kind: str, value: Any
                            ) -> dict[str, Any]:
        """Set (value None: clear) one admission setting of a space; returns the space.
        kind: 'jwks' {url, iss?, aud?} | 'whitelist-add' ip | 'whitelist-remove' ip |
        'cors' [origins] | 'ratelimit' {rate, burst}."""
        from storage import admission  # validation shared with the router

        sp = dict(await self.space(project, space))
        try:
            if kind == "jwks":
                for f in ("jwks_url", "jwt_iss", "jwt_aud"):
                    sp.pop(f, None)
                if value is not None:
                    url = value.get("url") if isinstance(value, dict) else None
                    if not isinstance(url, str) or not re.match(r"^https?://[^\s/]+", url) \
                            or len(url) > 2048:
                        raise CatalogError("jwks needs {\"url\": \"https://...\"} "
                                           "(an http or https URL of a JSON Web Key Set)")
                    sp["jwks_url"] = url
                    for f, k in (("jwt_iss", "iss"), ("jwt_aud", "aud")):
                        v = value.get(k) or ""
                        if not isinstance(v, str) or len(v) > 1024:
                            raise CatalogError(f"jwks {k} must be a string")
                        if v:
                            sp[f] = v
            elif kind in ("whitelist-add", "whitelist-remove"):
                if not isinstance(value, str):
                    raise CatalogError("whitelist needs an ip: an IP address or CIDR range")
                entry = str(admission.parse_networks([value])[0])
                hosts = [h for h in sp.get("allowed_hosts") or [] if h != entry]
                if kind == "whitelist-add":
                    if len(hosts) >= 1000:
                        raise CatalogError("a space allows at most 1000 hosts")
                    hosts.append(entry)
                elif len(hosts) == len(sp.get("allowed_hosts") or []):
                    raise NotFoundError(f"{entry} is not in the allowed hosts of {space!r}")
                sp["allowed_hosts"] = hosts
            elif kind == "cors":
                sp.pop("cors_origins", None)
                if value is not None:
                    if not isinstance(value, list) or not value or len(value) > 100:
                        raise CatalogError("cors needs {\"origins\": [\"https://...\", ...]} "
                                           "(1 to 100 origins)")
                    sp["cors_origins"] = admission.check_origins(value)
            elif kind == "ratelimit":
                sp.pop("rate_limit", None)
                if value is not None:
                    if not isinstance(value, dict):
                        raise CatalogError("ratelimit needs {\"rate\": <req/s>, \"burst\": <n>}")
                    rate, burst = admission.check_rate(value.get("rate"),
                                                       value.get("burst"))
                    sp["rate_limit"] = {"rate": rate, "burst": burst}
            else:
                raise CatalogError(f"unknown admission setting {kind!r}")
        except admission.AdmissionError as e:
            raise CatalogError(str(e)) from None
        await self._put({f"space/{project}/{space}": sp})
        return sp

    # -- tokens (sealed at rest, found by HMAC: storage/space_tokens.py) -------------------
    async def add_token(self, project: str, space: str, access: str = "RW",
                        description: str = "") -> str:
        if access not in ("RW", "R"):
            raise CatalogError(f"token access must be RW or R (read-only), not {access!r}")
        s = await self.space(project, space)
        return await self.space_tokens.add(project, space, s["id"], access, description)

    async def token(self, token: str) -> dict[str, Any] | None:
        return await self.space_tokens.find(token)

    async def tokens(self, project: str, space: str | None = None) -> list[dict[str, Any]]:
        """The tokens opened (`token` None where this node's key does not open one)."""
        return await self.space_tokens.listing(project, space)

    async def remove_token(self, project: str, space: str, token: str) -> dict[str, Any]:
        """Revoke one of the space's API tokens (routers drop it with the space-changed
        event); unknown or another space's token: CatalogError."""
        rec = await self.space_tokens.remove(project, space, token)
        if rec is None:
            raise CatalogError(f"no token with that value in space {space!r} of {project!r}")
        return {"token": token, **{k: v for k, v in rec.items() if k != "sealed"}}

    # -- deployments ------------------------------------------------------------------------
    async def record_deployment(self, space: dict[str, Any], digest: str,
                                headers: dict[str, str], manifest: dict[str, Any],
                                startup_error: str, prune: list[str] | None = None
                                ) -> dict[str, Any]:
        """Record a deployment and make it active; `prune`: `deploy/...` keys deleted in
        the same write batch (the deployments_kept quota, control_plane/deploy_quota.py)."""
        history = await self.deployments(space["id"])
        seq = (history[0]["seq"] + 1) if history else 1
        dep = {"seq": seq, "_id": f"{seq:010d}", "digest": digest, "date": now_iso(),
               "headers": headers, "manifest": manifest, "startup_error": startup_error}
        new_space = {**space, "deployment": digest, "deployed_at": dep["date"]}
        await self._put({**dict.fromkeys(prune or []),
                         f"deploy/{space['id']}/{seq:010d}": dep,
                         f"space/{space['project']}/{space['name']}": new_space})
        return dep

    async def undeploy(self, space: dict[str, Any]) -> None:
        """The space keeps its history but runs no code until the next deployment."""
        await self._put({f"space/{space['project']}/{space['name']}":
                         {**space, "deployment": None, "undeployed_at": now_iso()}})

    async def rollback(self, space: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Drop the newest deployment and make the previous one active, in one write
        batch; returns (removed, now active). Raises LookupError without a previous one."""
        history = await self.deployments(space["id"])
        if len(history) < 2:
            raise LookupError(space["name"])
        newest, prev = history[0], history[1]
        await self._put({f"deploy/{space['id']}/{newest['_id']}": None,
                         f"space/{space['project']}/{space['name']}":
                         {**space, "deployment": prev["digest"], "deployed_at": prev["date"]}})
        return newest, prev

    async def deployments(self, space_id: str) -> list[dict[str, Any]]:
        """Deployment history, newest first."""
        return [v for _, v in reversed(await self._scan(f"deploy/{space_id}/"))]

    async def bootstrap(self, project: str, space: str) -> dict[str, Any]:
        """Create the default project, space and API token once; return the credentials
        (the admin token and operator: control_plane/identity/migrate.py)."""
        if await self._get(f"project/{project}") is None:
            await self.create_project(project)
        if await self.find_space(project, space) is None:
            await self.create_space(project, space)
        toks = [t for t in await self.tokens(project, space)
                if t["access"] == "RW" and t["token"]]
        token = toks[0]["token"] if toks else await self.add_token(project, space, "RW",
                                                                      "created by brygge up")
        return {"project": project, "space": space, "token": token}
