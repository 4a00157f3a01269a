"""The records of people (system records in the storage engine, beside the catalog's):

    user/<uid>                {id, email, name, pw, operator, suspended, created, team, sso_sub?}
    user-email/<lower email>  {id}
    team/<tid>                {id, name, personal, created, created_by}
    team-member/<tid>/<uid>   {role, added}
    member/<project>/<uid>    {role, added, by}
    invite/<iid>              {id, project, email, role, by, created}

A user's personal team (`personal: true`) is created with the user, with the user as
its owner. Teams own projects (the project record's `team`)."""

from __future__ import annotations

import re
import secrets
from typing import Any

from brygge.clock import now_iso
from control_plane.identity import roles
from storage.catalog import CatalogError, NotFoundError, SysStore

EMAIL_RE = re.compile(r"^[^@\s/]{1,64}@[^@\s/]{1,255}$")
ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


def check_email(email: object) -> str:
    if not isinstance(email, str) or not EMAIL_RE.match(email.strip()):
        raise CatalogError(f"{email!r} is not an email address")
    return email.strip()


def check_id(kind: str, value: object) -> str:
    if not isinstance(value, str) or not ID_RE.match(value):
        raise NotFoundError(f"no {kind} {str(value)[:80]!r}")
    return value


def new_id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(6)}"


class Records:
    def __init__(self, store: SysStore) -> None:
        self.store = store

    async def get(self, key: str) -> Any:
        return await self.store.call("", "sys.get", {"key": key})

    async def put(self, batch: dict[str, Any]) -> None:
        await self.store.call("", "sys.put", {"batch": batch})

    async def scan(self, prefix: str) -> list[tuple[str, Any]]:
        return [(k, v) for k, v in await self.store.call("", "sys.scan", {"prefix": prefix})]

    # -- users ---------------------------------------------------------------------------
    async def user(self, uid: str) -> dict[str, Any] | None:
        return await self.get(f"user/{uid}") if ID_RE.match(uid or "") else None

    async def user_by_email(self, email: str) -> dict[str, Any] | None:
        if not isinstance(email, str) or not EMAIL_RE.match(email.strip()):
            return None
        ref = await self.get(f"user-email/{email.strip().lower()}")
        return await self.user(ref["id"]) if ref else None

    async def users(self) -> list[dict[str, Any]]:
        return [v for _, v in await self.scan("user/")]

    async def create_user(self, email: str, name: str, pw_hash: str, operator: bool = False,
                          by: str = "") -> dict[str, Any]:
        email = check_email(email)
        if len(name) > 200:
            raise CatalogError("a name must be at most 200 characters")
        if await self.get(f"user-email/{email.lower()}") is not None:
            raise CatalogError(f"a user with email {email!r} already exists")
        uid, tid = new_id("u"), new_id("tm-")
        now = now_iso()
        user = {"id": uid, "email": email, "name": name or email.split("@")[0], "pw": pw_hash,
                "operator": operator, "suspended": False, "created": now, "team": tid}
        await self.put({f"user/{uid}": user, f"user-email/{email.lower()}": {"id": uid},
                        f"team/{tid}": {"id": tid, "name": f"{user['name']}'s team",
                                        "personal": True, "created": now, "created_by": uid},
                        f"team-member/{tid}/{uid}": {"role": "owner", "added": now}})
        return user

    async def update_user(self, user: dict[str, Any]) -> None:
        await self.put({f"user/{user['id']}": user})

    async def remove_user(self, uid: str) -> dict[str, Any]:
        """The user, their email index, memberships and invitations go in one batch. Their
        personal team stays while it owns projects (the operator can still reach them)."""
        user = await self.user(uid)
        if user is None:
            raise NotFoundError(f"no user {uid!r}")
        batch: dict[str, Any] = {f"user/{uid}": None, f"user-email/{user['email'].lower()}": None}
        for k, _ in await self.scan("team-member/"):
            if k.endswith(f"/{uid}"):
                batch[k] = None
        for k, _ in await self.scan("member/"):
            if k.endswith(f"/{uid}"):
                batch[k] = None
        await self.put(batch)
        return user

    # -- teams ---------------------------------------------------------------------------
    async def team(self, tid: str) -> dict[str, Any] | None:
        return await self.get(f"team/{tid}") if ID_RE.match(tid or "") else None

    async def create_team(self, name: str, by_uid: str | None, tid: str | None = None,
                          personal: bool = False) -> dict[str, Any]:
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            raise CatalogError("a team name must be 1 to 100 characters")
        tid = tid or new_id("tm-")
        now = now_iso()
        team = {"id": tid, "name": name, "personal": personal, "created": now,
                "created_by": by_uid or ""}
        batch: dict[str, Any] = {f"team/{tid}": team}
        if by_uid:
            batch[f"team-member/{tid}/{by_uid}"] = {"role": "owner", "added": now}
        await self.put(batch)
        return team

    async def team_role(self, tid: str, uid: str) -> str | None:
        m = await self.get(f"team-member/{tid}/{uid}") if ID_RE.match(tid or "") else None
        return m["role"] if m else None

    async def team_members(self, tid: str) -> list[dict[str, Any]]:
        return [{"user": k.rsplit("/", 1)[1], **v}
                for k, v in await self.scan(f"team-member/{tid}/")]

    async def teams_of(self, uid: str) -> list[dict[str, Any]]:
        out = []
        for k, v in await self.scan("team-member/"):
            _, tid, member = k.split("/", 2)
            if member == uid:
                team = await self.team(tid)
                if team:
                    out.append({**team, "role": v["role"]})
        return out

    async def set_team_member(self, tid: str, uid: str, role: str | None) -> None:
        if role is not None:
            roles.check_role(role)
        await self.put({f"team-member/{tid}/{uid}":
                        None if role is None else {"role": role, "added": now_iso()}})

    # -- project members -----------------------------------------------------------------
    async def member_role(self, project: str, uid: str) -> str | None:
        m = await self.get(f"member/{project}/{uid}")
        return m["role"] if m else None

    async def members(self, project: str) -> list[dict[str, Any]]:
        return [{"user": k.rsplit("/", 1)[1], **v} for k, v in await self.scan(f"member/{project}/")]

    async def set_member(self, project: str, uid: str, role: str | None, by: str = "") -> None:
        if role is not None:
            roles.check_role(role)
        await self.put({f"member/{project}/{uid}":
                        None if role is None else {"role": role, "added": now_iso(), "by": by}})

    # -- invitations ---------------------------------------------------------------------
    async def create_invite(self, project: str, email: str, role: str, by: str) -> dict[str, Any]:
        inv = {"id": new_id("inv"), "project": project, "email": check_email(email),
               "role": roles.check_role(role), "by": by, "created": now_iso()}
        await self.put({f"invite/{inv['id']}": inv})
        return inv

    async def invite(self, iid: str) -> dict[str, Any] | None:
        return await self.get(f"invite/{iid}") if ID_RE.match(iid or "") else None

    async def invites(self, project: str | None = None, email: str | None = None
                      ) -> list[dict[str, Any]]:
        return [v for _, v in await self.scan("invite/")
                if (project is None or v["project"] == project)
                and (email is None or v["email"].lower() == email.lower())]

    async def remove_invite(self, iid: str) -> None:
        await self.put({f"invite/{iid}": None})
