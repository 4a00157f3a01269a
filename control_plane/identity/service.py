"""The control plane's identity service: the records, the session key, sessions, the
authenticator and the login throttle of one process, built once at start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from brygge.settings import Settings
from control_plane.identity.principal import Authenticator
from control_plane.identity.records import Records
from control_plane.identity.sessions import Keys, Sessions
from control_plane.identity.throttle import Throttle


class Identity:
    def __init__(self, store: Any, s: Settings, data_dir: Path | None = None) -> None:
        self.records = Records(store)
        self.keys = Keys(data_dir or s.data_path)
        self.sessions = Sessions(self.records, self.keys, s.session_ttl_s, s.refresh_ttl_s,
                                 s.coho_session_ttl_s)
        self.auth = Authenticator(self.records, self.keys, self.sessions)
        self.throttle = Throttle(s.login_max_failures, s.login_lockout_s)
