"""The identity core (control_plane/identity/) on a real RocksDB engine: passwords,
sessions (forged, expired, refreshed, revoked), the permission table, roles of each
principal kind, the login throttle and the migration of an old data dir."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from control_plane.identity import migrate, passwords, roles, sessions, tokens
from control_plane.identity.principal import Authenticator, AuthError
from control_plane.identity.records import Records
from control_plane.identity.throttle import Throttle
from storage.engine import Engine


class _Store:
    """Storage calls answered by a real Engine on a temp RocksDB."""

    def __init__(self, path: Path) -> None:
        self.engine = Engine(str(path))

    async def call(self, space: str, op: str, args: Any = None) -> Any:
        return json.loads(self.engine.call(space, op, json.dumps(args).encode()))


def _ident(tmp: Path, access_ttl: int = 900) -> tuple[Records, sessions.Sessions, Authenticator]:
    rec = Records(_Store(tmp / "db"))
    keys = sessions.Keys(tmp)
    s = sessions.Sessions(rec, keys, access_ttl, 86400, 86400)
    return rec, s, Authenticator(rec, keys, s)


def test_passwords_are_argon2id_and_verify() -> None:
    h = passwords.hash_password("correct horse")
    assert h.startswith("$argon2id$") and "correct horse" not in h
    assert passwords.verify(h, "correct horse")
    assert not passwords.verify(h, "correct horsf")
    assert not passwords.verify("", "anything")  # an SSO-only user has no password
    assert not passwords.verify("not a hash", "correct horse")
    assert not passwords.verify(h, "x" * (passwords.MAX_LENGTH + 1))
    with pytest.raises(passwords.PasswordError):
        passwords.hash_password("short")


def test_session_key_file_is_private_and_stable(tmp_path: Path) -> None:
    a = sessions.Keys(tmp_path)
    path = tmp_path / sessions.KEY_FILE
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert sessions.Keys(tmp_path).kid == a.kid  # the second process reads the same key
    assert a.jwk["kty"] == "OKP" and a.jwk["crv"] == "Ed25519" and "d" not in a.jwk


def test_sessions_forged_expired_refreshed_revoked(tmp_path: Path) -> None:
    rec, s, auth = _ident(tmp_path)

    async def go() -> None:
        user = await rec.create_user("a@example.com", "A", passwords.hash_password("pw-123456"))
        got = await s.create(user["id"], "cli")
        bearer = {"authorization": f"Bearer {got['access']}"}
        p = await auth.authenticate(bearer)
        assert p.kind == "user" and p.actor == f"user:{user['id']}" and p.sid == got["sid"]
        # the same claims signed with another Ed25519 key
        claims = jwt.decode(got["access"], options={"verify_signature": False})
        forged = jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA")
        with pytest.raises(AuthError, match="invalid session token") as e:
            await auth.authenticate({"authorization": f"Bearer {forged}"})
        assert e.value.status == 401
        # an HS256 token (alg confusion) is no session either
        hs = jwt.encode(claims, "s" * 32, algorithm="HS256")
        with pytest.raises(AuthError):
            await auth.authenticate({"authorization": f"Bearer {hs}"})
        # expired: signed by the right key, past exp
        old = s.keys.sign({**claims, "iat": int(time.time()) - 100,
                           "exp": int(time.time()) - 10})
        with pytest.raises(AuthError, match="expired"):
            await auth.authenticate({"authorization": f"Bearer {old}"})
        # refresh rotates: the old refresh token is spent
        new = await s.refresh(got["refresh"])
        assert new["sid"] == got["sid"] and new["refresh"] != got["refresh"]
        with pytest.raises(sessions.SessionError):
            await s.refresh(got["refresh"])
        with pytest.raises(sessions.SessionError):
            await s.refresh(got["sid"] + ".guess")
        # revocation: the record gone, the unexpired access token is refused at once
        await s.revoke(got["sid"])
        with pytest.raises(AuthError, match="ended"):
            await auth.authenticate({"authorization": f"Bearer {new['access']}"})
        with pytest.raises(sessions.SessionError):
            await s.refresh(new["refresh"])
        # suspension: a live session of the user is refused
        again = await s.create(user["id"])
        await rec.update_user({**user, "suspended": True})
        with pytest.raises(AuthError, match="suspended"):
            await auth.authenticate({"authorization": f"Bearer {again['access']}"})
    asyncio.run(go())


def test_local_token_is_the_operator_and_needs_the_data_dir_key(tmp_path: Path) -> None:
    rec, _, auth = _ident(tmp_path)

    async def go() -> None:
        with pytest.raises(AuthError, match="no operator"):
            await auth.authenticate({"authorization": f"Bearer {sessions.mint_local(tmp_path)}"})
        op, pw = await migrate.ensure_operator(rec, "op@example.com")
        assert pw and passwords.verify(op["pw"], pw)
        p = await auth.authenticate({"authorization": f"Bearer {sessions.mint_local(tmp_path)}"})
        assert p.kind == "local" and p.operator and p.actor == f"local:{op['id']}"
        other = tmp_path / "other"
        other.mkdir()
        with pytest.raises(AuthError):  # another node's key
            await auth.authenticate({"authorization": f"Bearer {sessions.mint_local(other)}"})
    asyncio.run(go())


def test_permission_table() -> None:
    assert roles.allows("viewer", "data.read") and not roles.allows("viewer", "data.write")
    assert not roles.allows("viewer", "secrets.read") and roles.allows("developer", "deploy")
    assert not roles.allows("developer", "tokens.manage") and roles.allows("admin", "tokens.manage")
    assert not roles.allows("admin", "project.delete") and roles.allows("owner", "project.delete")
    assert not any(roles.allows(r, "node.manage") for r in roles.ROLES)
    assert not roles.allows(None, "project.read")
    assert roles.weaker("owner", "viewer") == "viewer" and roles.weaker(None, "owner") is None
    assert roles.stronger("viewer", None) == "viewer"


def test_roles_of_each_principal_kind(tmp_path: Path) -> None:
    rec, s, auth = _ident(tmp_path)

    async def go() -> None:
        op, _ = await migrate.ensure_operator(rec, "op@example.com")
        dev = await rec.create_user("dev@example.com", "Dev", "")
        ta = await rec.create_team("a", op["id"])
        tb = await rec.create_team("b", op["id"])
        await rec.put({"project/pa": {"name": "pa", "team": ta["id"]},
                       "project/pb": {"name": "pb", "team": tb["id"]}})
        tok_a, _ = await tokens.add_admin_token(rec, ta["id"])
        p = await auth.authenticate({"x-admintoken": tok_a})
        assert await p.role_in("pa") == "admin" and await p.role_in("pb") is None
        assert await p.role_in("nosuch") is None
        await rec.set_member("pa", dev["id"], "developer")
        await rec.set_team_member(tb["id"], dev["id"], "viewer")
        sess = await s.create(dev["id"])
        u = await auth.authenticate({"authorization": f"Bearer {sess['access']}"})
        assert await u.role_in("pa") == "developer" and await u.role_in("pb") == "viewer"
        # a PAT: at most its role, only its project
        pat, _ = await tokens.create_pat(rec, dev["id"], "viewer", "pa", None)
        pp = await auth.authenticate({"authorization": f"Bearer {pat}"})
        assert await pp.role_in("pa") == "viewer" and await pp.role_in("pb") is None
        expired, _ = await tokens.create_pat(rec, dev["id"], "admin", None, time.time() - 1)
        with pytest.raises(AuthError, match="expired"):
            await auth.authenticate({"authorization": f"Bearer {expired}"})
        # removing the user's credentials: PATs and the admin tokens they made
        made, _ = await tokens.add_admin_token(rec, ta["id"], by=dev["id"])
        assert await tokens.revoke_all_of(rec, dev["id"]) == 3
        for cred in ({"authorization": f"Bearer {pat}"}, {"x-admintoken": made}):
            with pytest.raises(AuthError):
                await auth.authenticate(cred)
        assert (await auth.authenticate({"x-admintoken": tok_a})).team == ta["id"]
    asyncio.run(go())


def test_admin_tokens_are_hashed_listed_by_prefix_and_the_last_stays(tmp_path: Path) -> None:
    rec, _, _ = _ident(tmp_path)

    async def go() -> None:
        team = await rec.create_team("t", None)
        one, r1 = await tokens.add_admin_token(rec, team["id"], "first")
        two, _ = await tokens.add_admin_token(rec, team["id"], "second")
        keys = [k for k, _ in await rec.scan("admintoken/")]
        assert all(one not in k and two not in k for k in keys)
        assert r1["prefix"] == one[:9] and r1["id"] == tokens.digest(one)[:12]
        listed = await tokens.admin_tokens(rec, team["id"])
        assert [h for h, _ in tokens.match_admin_token(listed, two[:12])] == [tokens.digest(two)]
        assert tokens.match_admin_token(listed, two) == tokens.match_admin_token(listed, two[:9])
        await tokens.remove_admin_token(rec, team["id"], tokens.digest(two))
        with pytest.raises(Exception, match="last admin token"):
            await tokens.remove_admin_token(rec, team["id"], tokens.digest(one))
    asyncio.run(go())


def test_migration_rekeys_clear_admin_tokens_into_a_team(tmp_path: Path) -> None:
    rec, _, auth = _ident(tmp_path)

    async def go() -> None:
        # a data dir from before issue 18: projects without team, clear admin tokens
        await rec.put({"project/brygge": {"name": "brygge"}, "project/acme": {"name": "acme"},
                       "admintoken/adm_oldsecret1": {"project": "acme", "description": "d",
                                                     "created": "2025-01-01T00:00:00Z"},
                       "admintoken/adm_orphan": {"project": "gone"}})
        boot = await migrate.bootstrap(rec, "op@example.com", "brygge")
        assert boot["password"] and boot["admin_token"]  # the new default project's team
        assert (await rec.get("project/acme"))["team"] == "team-acme"
        op = await rec.user_by_email("op@example.com")
        assert (await rec.get("project/brygge"))["team"] == op["team"]
        keys = [k for k, _ in await rec.scan("admintoken/")]
        assert not any("oldsecret" in k or "orphan" in k for k in keys)
        p = await auth.authenticate({"x-admintoken": "adm_oldsecret1"})  # still works
        assert p.team == "team-acme" and await p.role_in("acme") == "admin"
        again = await migrate.bootstrap(rec, "op@example.com", "brygge")
        assert again["password"] is None and again["admin_token"] is None  # idempotent
        assert len(await rec.scan("admintoken/")) == 2
    asyncio.run(go())


def test_throttle_locks_an_email_then_lets_it_try_again() -> None:
    now = [1000.0]
    t = Throttle(3, 60, clock=lambda: now[0])
    for _ in range(2):
        t.failed("A@x.io", "1.2.3.4")
    assert t.retry_after("a@x.io", "1.2.3.4") == 0
    t.failed("a@x.io", "1.2.3.4")
    assert t.retry_after("a@x.io", "9.9.9.9") == 60  # the email is locked from anywhere
    assert t.retry_after("b@x.io", "1.2.3.4") == 0  # its IP not yet (4x the failures)
    now[0] += 61
    assert t.retry_after("a@x.io", "1.2.3.4") == 0
    t.succeeded("a@x.io")
    for i in range(12):  # one IP spraying emails
        t.failed(f"u{i}@x.io", "6.6.6.6")
    assert t.retry_after("fresh@x.io", "6.6.6.6") > 0
    assert t.retry_after("fresh@x.io", "7.7.7.7") == 0


def test_pat_expiry_parsing() -> None:
    assert tokens.parse_expiry("never") is None
    assert tokens.parse_expiry("30d", now=0) == 30 * 86400
    for bad in ("30", "1y", "-1d", "99999999d"):
        with pytest.raises(Exception, match="expir"):
            tokens.parse_expiry(bad)
