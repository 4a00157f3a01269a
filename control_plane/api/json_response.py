"""The admin API's JSON answers in Node's JSON.stringify bytes (brygge/jsonout.py): raw
UTF-8 like the hosted product, and a lone surrogate in a document is `\\ud800`, not the
UnicodeEncodeError (a 500) that Starlette's `json.dumps(...).encode()` would raise."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse as _StarletteJSON

from brygge import jsonout


class JSONResponse(_StarletteJSON):
    def render(self, content: Any) -> bytes:
        return jsonout.dumps_bytes(content)
