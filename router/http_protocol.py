"""uvicorn's httptools protocol, with the platform's answers to what fails before the app.

uvicorn answers a request it cannot parse with its own text/plain 400, and a URL
longer than 65,535 bytes is one of those (httptools' URL parser keeps 16-bit
offsets), so a 100,000-byte URL never reached the router's 414. Here:
- the request-target is measured as it arrives: beyond `max_url_bytes` the parse
  stops and the answer is 414 (the URL is not buffered further);
- any other unparseable request is 400; both in the JSON error shape with a request
  id, `connection: close` (the stream cannot be resynchronised).
"""

from __future__ import annotations

import json
import logging

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from router import request_ids

log = logging.getLogger("brygge.router")

_REASONS = {400: b"Bad Request", 414: b"URI Too Long"}


class UrlTooLong(Exception):
    """Raised from the parser's on_url callback to stop the parse."""


def error_response(status: int, message: str) -> bytes:
    """A whole HTTP/1.1 error response in the platform's JSON shape."""
    request_id = request_ids.new()
    body = json.dumps({"error": message, "requestId": request_id}).encode()
    return b"".join([
        b"HTTP/1.1 %d %s\r\n" % (status, _REASONS[status]),
        b"content-type: application/json; charset=utf-8\r\n",
        b"content-length: %d\r\n" % len(body),
        b"x-request-id: %s\r\n" % request_id.encode(),
        b"connection: close\r\n\r\n", body])


def protocol_class(max_url_bytes: int) -> type[HttpToolsProtocol]:
    """The protocol class for uvicorn.Config(http=...), bound to the URL limit."""

    class Protocol(HttpToolsProtocol):
        # path + "?" + query: the router's own check (router/app.py) counts path + query
        limit = max_url_bytes + 1

        def on_url(self, url: bytes) -> None:
            if len(self.url) + len(url) > self.limit:
                raise UrlTooLong
            self.url += url

        def data_received(self, data: bytes) -> None:
            self._unset_keepalive_if_required()
            try:
                self.parser.feed_data(data)
            except httptools.HttpParserUpgrade:  # as uvicorn does
                if self._should_upgrade():
                    self.handle_websocket_upgrade()
                else:
                    self._unsupported_upgrade_warning()
            except httptools.HttpParserError as e:
                if isinstance(e.__context__, UrlTooLong):
                    self._refuse(414, f"URL is longer than {max_url_bytes} bytes")
                else:
                    log.info("unparseable HTTP request: %s", e)
                    self._refuse(400, f"malformed HTTP request: {e}"[:200])

        def _refuse(self, status: int, message: str) -> None:
            self.transport.write(error_response(status, message))
            self.transport.close()

    return Protocol
