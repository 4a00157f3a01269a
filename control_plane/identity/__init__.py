"""People and credentials of the admin API (issue 18): users, teams, project members,
invitations (records.py), passwords (passwords.py), admin tokens and personal access
tokens (tokens.py), sessions (sessions.py), the permission table (roles.py), who a
request is (principal.py) and login throttling (throttle.py)."""
