"""The browser login of the official coho CLI and single sign-on (issue 18), on one real
node configured with a real OpenID Connect provider on loopback (oidc-provider-mock,
a Flask app built on authlib's server) and a real headless Chromium (Debian's, driven
by Playwright):

- `coho login github` (coho 1.0.13, unmodified) prints its /authenticate link; Chromium
  signs in there with email and password; coho prints "Authentication complete" and its
  config holds a session GraphQL currentUser and /v1/auth/me accept;
- the same with the page's SSO button (`coho login google`), and a web sign-in by SSO;
- attacks: a cross-site or replayed form, a wrong state, a replayed code, a code or an
  ID token for another client, a reused nonce, an unverified email; a uuid's token
  delivered to one of two listeners only, whichever comes first, page or stream."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest
import werkzeug.serving
from oidc_provider_mock import app as oidc_app
from playwright.sync_api import Browser, sync_playwright

from tests.support.coho import CACHE, npm_install
from tests.support.nodes import RunningNode, brygge, free_port, new_node, wait_until

PW = "s3cret-Pass-word"
CLIENT = "brygge-node"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# the provider (a test dependency) still uses authlib's deprecated JOSE module
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.fixture(scope="module")
def coho() -> Path:
    """coho 1.0.13 as npm 6 laid it out: npm 7+ installs ink's React 17 peer beside coho's
    own React 16, and `coho login` (the one command that renders with ink) dies with
    "Invalid hook call" (docs/CLI.md: `npm i -g codehooks --legacy-peer-deps`)."""
    if shutil.which("npm") is None:
        pytest.fail("npm is required for the official CLI tests (install Node 20)")
    where = CACHE / "cli-login"
    cli = where / "node_modules" / ".bin" / "coho"
    if not cli.exists():
        npm_install(where, "--legacy-peer-deps", "codehooks@1.0.13")
    return cli


@pytest.fixture(scope="module")
def idp() -> Iterator[str]:
    server = werkzeug.serving.make_server("127.0.0.1", free_port(), oidc_app(), threaded=True)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    t.join()


def idp_user(idp: str, sub: str, email: str, verified: bool = True) -> None:
    r = httpx.put(f"{idp}/users/{sub}", json={"email": email, "email_verified": verified,
                                              "name": sub})
    assert r.status_code == 204, r.text


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory, idp: str) -> Iterator[RunningNode]:
    n = new_node(tmp_path_factory.mktemp("login"), BRYGGE_OIDC_ISSUER=idp,
                 BRYGGE_OIDC_CLIENT_ID=CLIENT, BRYGGE_OIDC_CLIENT_SECRET="client-secret",
                 BRYGGE_OIDC_LABEL="Sign in with Example SSO",
                 BRYGGE_LOGIN_MAX_FAILURES="3", BRYGGE_LOGIN_LOCKOUT_S="3600")
    n.start()
    for email in ("ann@example.com", "dan@example.com"):
        r = brygge("users", "add", email, "--password-stdin", "--data-dir", str(n.data_dir),
                   input=PW + "\n")
        assert r.returncode == 0, r.stderr
    yield n
    n.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "Debian's chromium is not installed (scripts/test.sh installs it)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        yield b
        b.close()


def me(node: RunningNode, token: str) -> httpx.Response:
    return httpx.get(f"{node.admin}/v1/auth/me", headers={"authorization": f"Bearer {token}"})


def current_user(node: RunningNode, token: str) -> dict[str, Any]:
    r = httpx.post(f"{node.admin}/graphql", headers={"authorization": f"Bearer {token}"},
                   json={"query": "{ currentUser {id name termsAccepted} }"})
    assert r.status_code == 200, r.text
    return dict(r.json())


class Coho:
    """`coho login <provider>` running, its output read as it comes."""

    def __init__(self, cli: Path, node: RunningNode, home: Path, provider: str) -> None:
        self.config = home / ".config" / "codehooks-cli-nodejs" / "config.json"
        env = {**os.environ, "ADMIN_URL": node.admin, "ADMIN_API_URL": node.admin,
               "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "NO_COLOR": "1",
               "CI": "false",  # ink prints its last frame ("Authentication complete") only so
               "BROWSER": "true"}  # `open` runs this instead of a desktop browser
        self.proc = subprocess.Popen([str(cli), "login", provider], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        self.out = b""
        self._t = threading.Thread(target=self._read, daemon=True)
        self._t.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for chunk in iter(lambda: self.proc.stdout.read1(4096), b""):  # type: ignore[union-attr]
            self.out += chunk

    def text(self) -> str:
        return ANSI.sub("", self.out.decode(errors="replace"))

    def url(self) -> str:
        def found() -> str | None:
            flat = re.sub(r"\s+", "", self.text())  # ink wraps long lines at 80 columns
            m = re.search(rf"pleasepasteinthisURLinanewbrowsertab/window:(http://[^/]+"
                          rf"/authenticate/\w+/{UUID})", flat)
            return m[1] if m else None
        return str(wait_until(found, 60, "coho's login link"))

    def finish(self) -> str:
        try:
            self.proc.wait(timeout=60)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        self._t.join(10)
        return self.text()


def consent(page: Any, sub: str) -> None:
    """Through the provider's own page as `sub`, back to Brygge's answer."""
    page.wait_for_selector("input[name=sub]")
    page.fill("input[name=sub]", sub)
    page.click("button[type=submit]:has-text('Authorize')")
    page.wait_for_selector("#title")


def coho_token(page: Any, c: Coho, email: str) -> str:
    """The page says coho is signed in, coho says so too: the token it stored."""
    page.wait_for_selector("#title")
    assert f"coho is signed in as {email}" in page.inner_text("#message")
    out = c.finish()
    assert "Authentication complete" in out, out
    return str(json.loads(c.config.read_text())["token"])


def test_coho_login_with_password(coho: Path, node: RunningNode, browser: Browser,
                                  tmp_path: Path) -> None:
    c = Coho(coho, node, tmp_path / "home", "github")
    url = c.url()
    assert url.startswith(f"{node.admin}/authenticate/github/")
    page = browser.new_page()
    page.goto(url)
    assert "Sign in the coho CLI" in page.content()
    assert page.locator("#sso").inner_text() == "Sign in with Example SSO"
    page.fill("input[name=email]", "ann@example.com")
    page.fill("input[name=password]", PW)
    page.click("#signin")
    token = coho_token(page, c, "ann@example.com")
    assert current_user(node, token)["data"]["currentUser"]["name"] == "ann"
    who = me(node, token)
    assert who.status_code == 200 and who.json()["user"]["email"] == "ann@example.com"
    # the link is spent: the page and the stream say so
    again = httpx.get(url, headers={"accept": "text/html"})
    assert again.status_code == 410 and "already used" in again.text
    page.close()


def test_coho_login_with_sso(coho: Path, node: RunningNode, browser: Browser, idp: str,
                             tmp_path: Path) -> None:
    idp_user(idp, "sso-bob", "bob@example.com")
    c = Coho(coho, node, tmp_path / "home", "google")
    page = browser.new_page()
    page.goto(c.url())
    page.click("#sso")
    consent(page, "sso-bob")
    token = coho_token(page, c, "bob@example.com")
    user = me(node, token).json()["user"]
    assert user["email"] == "bob@example.com"
    # a user created by SSO has no password: no password signs them in
    r = httpx.post(f"{node.admin}/v1/auth/login", json={"email": "bob@example.com",
                                                        "password": ""})
    assert r.status_code in (400, 401)
    page.close()


def test_web_sso_lands_signed_in_and_matches_a_verified_email(node: RunningNode, idp: str,
                                                               browser: Browser) -> None:
    ann = httpx.post(f"{node.admin}/v1/auth/login",
                     json={"email": "ann@example.com", "password": PW}).json()["user"]
    idp_user(idp, "sso-ann", "ann@example.com")
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(f"{node.admin}/login")
    page.click("#sso")
    consent(page, "sso-ann")
    assert "signed in to Brygge as ann@example.com" in page.inner_text("#message")
    session = {c["name"]: c for c in ctx.cookies()}["brygge_session"]
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    who = me(node, session["value"])
    assert who.status_code == 200 and who.json()["user"]["id"] == ann["id"]  # the same user
    ctx.close()


def sso_begin(node: RunningNode, cli: str = "") -> tuple[httpx.Client, str]:
    """A browser-like client that started an SSO sign-in: (it, the issuer's URL)."""
    c = httpx.Client(timeout=30)
    r = c.get(f"{node.admin}/sso/start" + (f"?cli={cli}" if cli else ""))
    assert r.status_code == 302, r.text
    return c, r.headers["location"]


def authorize(url: str, sub: str, **replace: str) -> str:
    """The provider's consent as `sub` for the authorization URL (some parameters
    replaced, as an attacker would): the callback URL it sends the browser to."""
    parts = urlsplit(url)
    q = {k: v[0] for k, v in parse_qs(parts.query).items()} | replace
    r = httpx.post(urlunsplit(parts._replace(query=urlencode(q))), data={"sub": sub})
    assert r.status_code == 302, r.text
    return str(r.headers["location"])


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_sso_attacks(node: RunningNode, idp: str) -> None:
    idp_user(idp, "sso-eve", "eve@example.com")
    c1, url1 = sso_begin(node)
    back1 = authorize(url1, "sso-eve")
    assert back1.startswith(f"{node.admin}/sso/callback?")
    wrong = c1.get(f"{node.admin}/sso/callback",
                   params={**query(back1), "state": "not-the-state"})
    assert wrong.status_code == 400 and "state" in wrong.json()["error"]
    ok = c1.get(back1)
    assert ok.status_code == 200, ok.text
    assert "eve@example.com" in ok.text
    # the same callback again: the sign-in cleared its cookie, and with the cookie put
    # back the state is spent before the code goes anywhere
    assert c1.get(back1).status_code == 400
    c1.cookies.set("brygge_sso", query(back1)["state"], path="/sso/")
    replay = c1.get(back1)
    assert replay.status_code == 400 and "already completed" in replay.json()["error"]
    # the spent code under a fresh sign-in of this browser: the provider refuses it
    c2, _ = sso_begin(node)
    state2 = c2.cookies["brygge_sso"]
    code_again = c2.get(f"{node.admin}/sso/callback",
                        params={"state": state2, "code": query(back1)["code"]})
    assert code_again.status_code == 400 and "refused the code" in code_again.json()["error"]
    # someone else's callback URL in this browser: its state is not this browser's
    c3, url3 = sso_begin(node)
    stolen = c3.get(authorize(sso_begin(node)[1], "sso-eve"))
    assert stolen.status_code == 400 and "not started in this browser" in stolen.json()["error"]
    # the first sign-in's nonce put into a new one: the ID token's nonce is not this state's
    reused = c3.get(authorize(url3, "sso-eve", nonce=query(url1)["nonce"]))
    assert reused.status_code == 400 and "nonce" in reused.json()["error"]
    # a code issued to another client: not redeemable by this node's client
    c4, url4 = sso_begin(node)
    other = c4.get(authorize(url4, "sso-eve", client_id="another-client"))
    assert other.status_code == 400 and "refused the code" in other.json()["error"]
    # an email the provider does not vouch for neither matches nor creates a user
    idp_user(idp, "sso-mallory", "ann@example.com", verified=False)
    c5, url5 = sso_begin(node)
    unverified = c5.get(authorize(url5, "sso-mallory"))
    assert unverified.status_code == 403 and "email_verified" in unverified.json()["error"]


def test_an_id_token_for_another_audience_is_refused(idp: str) -> None:
    """An ID token the real provider issued to another client, checked by the node's
    verification (the node never receives one: its token requests name its client)."""
    from joserfc.jwk import KeySet

    from control_plane.login.sso import SsoError, verify_id_token
    meta = httpx.get(f"{idp}/.well-known/openid-configuration").json()
    back = authorize(f"{meta['authorization_endpoint']}?" + urlencode(
        {"client_id": "another-client", "response_type": "code", "scope": "openid email",
         "redirect_uri": "http://127.0.0.1:1/cb", "state": "s", "nonce": "n-1"}), "sso-eve")
    tok = httpx.post(meta["token_endpoint"], auth=("another-client", "x"),
                     data={"grant_type": "authorization_code", "code": query(back)["code"],
                           "redirect_uri": "http://127.0.0.1:1/cb"}).json()
    keys = KeySet.import_key_set(httpx.get(meta["jwks_uri"]).json())
    claims = verify_id_token(tok["id_token"], keys, meta["issuer"], "another-client", "n-1",
                             ["RS256"])
    assert "another-client" in claims["aud"]  # valid for its own client
    with pytest.raises(SsoError, match="aud"):
        verify_id_token(tok["id_token"], keys, meta["issuer"], CLIENT, "n-1", ["RS256"])
    with pytest.raises(SsoError, match="nonce"):
        verify_id_token(tok["id_token"], keys, meta["issuer"], "another-client", "n-2", ["RS256"])


# -- coho's handshake without coho: the form and the stream ------------------------------
def login_page(node: RunningNode, uuid: str, client: httpx.Client | None = None
               ) -> tuple[httpx.Client, str]:
    c = client or httpx.Client(timeout=30)
    r = c.get(f"{node.admin}/authenticate/github/{uuid}")
    assert r.status_code == 200, r.text
    return c, re.findall(r'name="nonce" value="([^"]+)"', r.text)[0]


def post_login(node: RunningNode, c: httpx.Client, uuid: str, nonce: str,
               password: str = PW, email: str = "dan@example.com") -> httpx.Response:
    return c.post(f"{node.admin}/authenticate/github/{uuid}",
                  data={"nonce": nonce, "email": email, "password": password})


def listen(node: RunningNode, uuid: str, into: list[Any]) -> threading.Thread:
    def run() -> None:
        with httpx.stream("GET", f"{node.admin}/cli_auth/{uuid}", timeout=60) as r:
            if r.status_code != 200:
                into.append(("status", r.status_code))
                return
            event = "message"
            for line in r.iter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    into.append((event, json.loads(line[6:])))
                    return
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def new_uuid() -> str:
    import uuid
    return str(uuid.uuid4())


def test_the_form_is_csrf_safe_and_used_once(node: RunningNode) -> None:
    u = new_uuid()
    c, nonce = login_page(node, u)
    assert c.cookies.get("brygge_login")
    # another site's post: no cookie of this browser
    cross = httpx.post(f"{node.admin}/authenticate/github/{u}",
                       data={"nonce": nonce, "email": "dan@example.com", "password": PW})
    assert cross.status_code == 400 and "cookie" in cross.json()["error"]
    # a nonce of another uuid's page
    _, other = login_page(node, new_uuid(), c)
    assert post_login(node, c, u, other).status_code == 400
    # a wrong password re-renders the page with a fresh nonce; the old one is spent
    bad = post_login(node, c, u, nonce, password="wrong-password")
    assert bad.status_code == 401 and "wrong email or password" in bad.text
    spent = post_login(node, c, u, nonce)
    assert spent.status_code == 400 and "already sent" in spent.json()["error"]
    fresh = re.findall(r'name="nonce" value="([^"]+)"', bad.text)[0]
    assert post_login(node, c, u, fresh).status_code == 200
    # bad links
    assert httpx.get(f"{node.admin}/authenticate/github/not-a-uuid").status_code == 400
    assert httpx.get(f"{node.admin}/authenticate/gitlab/{new_uuid()}").status_code == 404
    assert httpx.get(f"{node.admin}/cli_auth/not-a-uuid").status_code == 400


def test_the_token_is_delivered_once(node: RunningNode) -> None:
    u = new_uuid()
    got: list[Any] = []
    streams = [listen(node, u, got), listen(node, u, got)]
    c, nonce = login_page(node, u)
    assert post_login(node, c, u, nonce).status_code == 200
    for t in streams:
        t.join(60)
    tokens = [d["token"] for e, d in got if e == "message"]
    assert len(tokens) == 1 and len(got) == 2, got
    assert [e for e, _ in got].count("error") == 1
    assert me(node, tokens[0]).json()["user"]["email"] == "dan@example.com"
    late: list[Any] = []
    listen(node, u, late).join(60)
    assert late == [("status", 410)]
    # a spent uuid's page is gone
    assert httpx.get(f"{node.admin}/authenticate/github/{u}").status_code == 410


def test_the_page_may_come_before_the_stream(node: RunningNode) -> None:
    u = new_uuid()
    c, nonce = login_page(node, u)
    assert post_login(node, c, u, nonce).status_code == 200
    got: list[Any] = []
    listen(node, u, got).join(60)
    assert got and got[0][0] == "message", got
    assert me(node, got[0][1]["token"]).status_code == 200


def test_password_failures_are_throttled(node: RunningNode) -> None:
    u = new_uuid()
    c, nonce = login_page(node, u)
    for _ in range(3):  # BRYGGE_LOGIN_MAX_FAILURES=3
        r = post_login(node, c, u, nonce, password="wrong-password", email="zed@example.com")
        assert r.status_code == 401
        nonce = re.findall(r'name="nonce" value="([^"]+)"', r.text)[0]
    locked = post_login(node, c, u, nonce, email="zed@example.com")
    assert locked.status_code == 429 and locked.headers["retry-after"]
