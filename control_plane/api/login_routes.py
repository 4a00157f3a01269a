"""The browser's sign-in routes (all `public`: they are how a credential is obtained):

    GET  /authenticate/{provider}/{uuid}  the page coho opens (provider github|google, as
                                          coho names them; every sign-in is Brygge's own)
    POST /authenticate/{provider}/{uuid}  email + password + the form's nonce: signs the
                                          uuid in (cli_auth.py)
    GET  /cli_auth/{uuid}                 coho's event stream: `data: {"token": ...}`
    GET  /login, POST /login              the same page without coho: a web session
    GET  /sso/start[?cli=<uuid>]          to the OpenID Connect issuer (sso.py)
    GET  /sso/callback?code&state         back from it: signed in (coho's uuid or web)

A browser (Accept: text/html) gets refusals as a page, anything else as JSON
`{"error", "requestId"}`. Password sign-ins share /v1/auth/login's throttle. A web
session's access token is left in the `brygge_session` cookie (HttpOnly, SameSite=
Strict) for a browser console; the admin API itself reads only the Authorization
header, so no cookie ever authorizes an API call (no cross-site request forgery)."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

from control_plane.api.auth_routes import client_ip
from control_plane.identity import passwords
from control_plane.login import pages
from control_plane.login.cli_auth import CliAuth, check_uuid
from control_plane.login.sso import Sso, SsoError
from control_plane.login.sso_users import user_for

PROVIDERS = ("github", "google")  # what coho's menu offers (`coho login github|google`)
SSO_COOKIE = "brygge_sso"
SESSION_COOKIE = "brygge_session"
MAX_FORM = 16 * 1024


class Refusal(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.headers = status, headers


class Login:
    """The sign-in services of one control plane (built at its first sign-in request:
    the identity service exists once the control plane has started)."""

    def __init__(self, cp: Any) -> None:
        self.cp, self.ident = cp, cp.identity
        self.nonces = pages.Nonces(cp.s.data_path, cp.s.cli_auth_ttl_s)
        self.cli = CliAuth(self.ident.records, self.ident.sessions, cp.s)
        self.sso = Sso(cp.s)

    async def password(self, email: str, password: str, ip: str) -> dict[str, Any]:
        """The user these credentials sign in, under /v1/auth/login's throttle."""
        wait = self.ident.throttle.retry_after(email, ip)
        if wait > 0:
            raise Refusal(429, f"too many failed logins: try again in {int(wait) + 1} s",
                          {"retry-after": str(int(wait) + 1)})
        user = await self.ident.records.user_by_email(email)
        if user is None or not await passwords.verify_async(user["pw"], password):
            self.ident.throttle.failed(email, ip)
            raise Refusal(401, "wrong email or password")
        if user.get("suspended"):
            raise Refusal(403, "this user is suspended")
        self.ident.throttle.succeeded(email)
        return user


def _refuse(request: Request, e: Refusal | SsoError) -> Response:
    if "text/html" in request.headers.get("accept", ""):
        title = "Signed out" if e.status in (401, 403) else "Sign-in failed"
        resp: Response = pages.message(title, str(e), e.status)
    else:
        rid = (request.headers.get("x-request-id") or secrets.token_hex(8))[:64]
        resp = JSONResponse({"error": str(e), "requestId": rid}, status_code=e.status)
    for k, v in (getattr(e, "headers", None) or {}).items():
        resp.headers[k] = v
    return resp


def _cookie(resp: Response, request: Request, name: str, value: str, max_age: int,
            samesite: str = "strict", path: str = "/") -> None:
    resp.set_cookie(name, value, max_age=max_age, httponly=True, samesite=samesite,  # type: ignore[arg-type]
                    secure=pages.secure(request), path=path)


async def _form(request: Request) -> dict[str, str]:
    body = await request.body()
    if len(body) > MAX_FORM:
        raise Refusal(413, f"the form is larger than {MAX_FORM // 1024} KB")
    try:
        fields = parse_qs(body.decode(), keep_blank_values=True, max_num_fields=10)
    except (UnicodeDecodeError, ValueError):
        raise Refusal(400, "the body must be a form (application/x-www-form-urlencoded)") from None
    return {k: v[0] for k, v in fields.items()}


def router(cp: Any) -> APIRouter:
    r = APIRouter()

    def svc() -> Login:
        if getattr(cp, "login", None) is None:
            cp.login = Login(cp)
        return cp.login  # type: ignore[no-any-return]

    def target(provider: str, uuid: str) -> str:
        if provider not in PROVIDERS:
            raise Refusal(404, f"no sign-in provider {provider[:40]!r}: coho names "
                               f"{' or '.join(PROVIDERS)}")
        u = check_uuid(uuid)
        if u is None:
            raise Refusal(400, "the login link's id is not a UUID: run `coho login` again")
        return u

    async def open_uuid(uuid: str) -> None:
        if await svc().cli.state(uuid) != "pending":
            raise Refusal(410, "this login link was already used: run `coho login` again")

    def page(request: Request, purpose: str, action: str, cli: str | None, status: int = 200,
             error: str = "", email: str = "") -> Response:
        s = svc()
        cookie, new = pages.browser_cookie(request)
        sso = None
        if s.sso.enabled:
            sso = "/sso/start" + (f"?cli={quote(cli)}" if cli else "")
        title = "Sign in the coho CLI to Brygge" if cli else "Sign in to Brygge"
        resp = pages.render("login.html", status, title=title, cli=cli or "", action=action,
                            nonce=s.nonces.issue(purpose, cookie), error=error, email=email,
                            sso_url=sso, sso_label=cp.s.oidc_label)
        if new:
            _cookie(resp, request, pages.CSRF_COOKIE, cookie, cp.s.cli_auth_ttl_s)
        return resp

    async def sign_in(request: Request, purpose: str, action: str, cli: str | None
                      ) -> dict[str, Any] | Response:
        """The POST of a login form: the user, or the page again with what went wrong."""
        s = svc()
        form = await _form(request)
        why = s.nonces.check(form.get("nonce"), purpose, request.cookies.get(pages.CSRF_COOKIE, ""))
        if why:
            raise Refusal(400, why)
        if not await s.cli.claim_nonce(form["nonce"]):
            raise Refusal(400, "this form was already sent once: reload the login page")
        email, password = form.get("email", ""), form.get("password", "")
        if not email or not password:
            return page(request, purpose, action, cli, 400, "enter your email and password", email)
        try:
            user = await s.password(email, password, client_ip(request))
        except Refusal as e:
            if e.status == 429:
                raise
            return page(request, purpose, action, cli, e.status, str(e), email)
        request.state.actor = f"user:{user['id']}"
        return user

    async def web_session(request: Request, user: dict[str, Any]) -> Response:
        sess = await svc().ident.sessions.create(user["id"], "web")
        resp = pages.message("Signed in", f"You are signed in to Brygge as {user['email']}.")
        _cookie(resp, request, SESSION_COOKIE, sess["access"], cp.s.session_ttl_s)
        return resp

    async def cli_signed(uuid: str, user: dict[str, Any], via: str) -> Response:
        if not await svc().cli.signed_in(uuid, user["id"], via):
            raise Refusal(410, "this login link was already used: run `coho login` again")
        return pages.message("Signed in", f"coho is signed in as {user['email']}: go back to "
                                          "your terminal. You may close this window.")

    @r.get("/authenticate/{provider}/{uuid}")
    async def cli_page(request: Request, provider: str, uuid: str) -> Response:
        try:
            u = target(provider, uuid)
            await open_uuid(u)
        except Refusal as e:
            return _refuse(request, e)
        return page(request, f"cli:{provider}:{u}", f"/authenticate/{provider}/{u}", u)

    @r.post("/authenticate/{provider}/{uuid}")
    async def cli_post(request: Request, provider: str, uuid: str) -> Response:
        try:
            u = target(provider, uuid)
            await open_uuid(u)
            user = await sign_in(request, f"cli:{provider}:{u}", f"/authenticate/{provider}/{u}", u)
            if isinstance(user, Response):
                return user
            return await cli_signed(u, user, "password")
        except Refusal as e:
            return _refuse(request, e)

    @r.get("/cli_auth/{uuid}")
    async def cli_wait(request: Request, uuid: str) -> Response:
        u = check_uuid(uuid)
        s = svc()
        try:
            if u is None:
                raise Refusal(400, "the id is not a UUID")
            if await s.cli.state(u) == "delivered":
                raise Refusal(410, "this login was already delivered: run `coho login` again")
            if s.cli.streams >= cp.s.cli_auth_max_streams:
                raise Refusal(503, "too many logins are waiting: try again in a minute")
        except Refusal as e:
            return _refuse(request, e)
        return StreamingResponse(s.cli.stream(u), media_type="text/event-stream",
                                 headers={"cache-control": "no-store", "x-accel-buffering": "no"})

    @r.get("/login")
    async def web_page(request: Request) -> Response:
        return page(request, "web", "/login", None)

    @r.post("/login")
    async def web_post(request: Request) -> Response:
        try:
            user = await sign_in(request, "web", "/login", None)
        except Refusal as e:
            return _refuse(request, e)
        return user if isinstance(user, Response) else await web_session(request, user)

    @r.get("/sso/start")
    async def sso_start(request: Request, cli: str = "") -> Response:
        s = svc()
        try:
            if not s.sso.enabled:
                raise Refusal(404, "single sign-on is not configured on this node (oidc_issuer)")
            u = check_uuid(cli) if cli else None
            if cli and u is None:
                raise Refusal(400, "cli must be the UUID of coho's login link")
            if u:
                await open_uuid(u)
            url, state = await s.sso.start(s.ident.records, redirect_uri(request), u)
        except (Refusal, SsoError) as e:
            return _refuse(request, e)
        resp = RedirectResponse(url, status_code=302, headers=pages.HEADERS)
        # Lax: the issuer's redirect back is a cross-site top-level GET
        _cookie(resp, request, SSO_COOKIE, state, cp.s.cli_auth_ttl_s, "lax", "/sso/")
        return resp

    @r.get("/sso/callback")
    async def sso_callback(request: Request, state: str = "", code: str = "", error: str = "",
                           error_description: str = "") -> Response:
        s = svc()
        request.state.audit_record = True  # a sign-in, though a GET
        try:
            if not s.sso.enabled:
                raise Refusal(404, "single sign-on is not configured on this node (oidc_issuer)")
            if error:
                raise Refusal(400, f"the identity provider refused the sign-in: {error[:100]} "
                                   f"{error_description[:300]}".strip())
            if not state or not code or len(state) > 200 or len(code) > 2000:
                raise Refusal(400, "the callback needs the issuer's code and state")
            if not secrets.compare_digest(request.cookies.get(SSO_COOKIE, ""), state):
                raise Refusal(400, "this sign-in was not started in this browser (state)")
            claims, cli = await s.sso.finish(s.ident.records, s.cli.claim, state, code)
            user = await user_for(s.ident.records, claims)
            request.state.actor = f"user:{user['id']}"
            resp = await (cli_signed(cli, user, "sso") if cli else web_session(request, user))
        except (Refusal, SsoError) as e:
            return _refuse(request, e)
        resp.delete_cookie(SSO_COOKIE, path="/sso/")
        return resp

    def redirect_uri(request: Request) -> str:
        if cp.s.oidc_redirect_url:
            return str(cp.s.oidc_redirect_url)
        return f"{request.url.scheme}://{request.url.netloc}/sso/callback"

    return r
