"""The browser side of signing in (issue 18): the login pages (pages.py, templates/),
the official coho CLI's browser login handshake (cli_auth.py) and single sign-on with an
OpenID Connect issuer (sso.py), served by routes.py."""
