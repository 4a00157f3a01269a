"""One kept-alive HTTP connection to each router of a node (BRYGGE_ROUTERS=N share one
port with SO_REUSEPORT, so which router serves a new connection is the kernel's
choice): connections are opened until each router process holds one, found by the
socket's inode in /proc (Linux), so a test can put the same request to every router."""

from __future__ import annotations

import http.client
import os
import re
from typing import Any

from tests.support.nodes import RunningNode


def _server_inode(http_port: int, client_port: int) -> str | None:
    """The inode of the server side of the loopback connection from `client_port`."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            local, remote, inode = f[1], f[2], f[9]
            if (int(local.rsplit(":", 1)[1], 16) == http_port
                    and int(remote.rsplit(":", 1)[1], 16) == client_port):
                return inode
    return None


def _owner(pids: dict[str, int], inode: str) -> str | None:
    want = f"socket:[{inode}]"
    for name, pid in pids.items():
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == want:
                    return name
            except OSError:
                continue
    return None


def per_router(node: RunningNode, tries: int = 200) -> dict[str, http.client.HTTPConnection]:
    """{router name: an open connection it serves}, one per router of the node."""
    pids = {k: v for k, v in node.node_json()["components"].items()
            if re.fullmatch(r"router(-\d+)?", k)}
    found: dict[str, http.client.HTTPConnection] = {}
    for _ in range(tries):
        if len(found) == len(pids):
            return found
        c = http.client.HTTPConnection("127.0.0.1", node.http_port, timeout=30)
        c.request("GET", "/health")  # served by whichever router accepted it
        c.getresponse().read()
        inode = _server_inode(node.http_port, c.sock.getsockname()[1])
        name = _owner(pids, inode) if inode else None
        if name and name not in found:
            found[name] = c
        else:
            c.close()
    raise AssertionError(f"connections reached only {sorted(found)} of {sorted(pids)}")


def send(c: http.client.HTTPConnection, method: str, path: str,
         headers: dict[str, str], body: bytes | None = None) -> tuple[int, Any]:
    """(status, body text) on the kept-alive connection `c`."""
    c.request(method, path, body=body, headers=headers)
    r = c.getresponse()
    return r.status, r.read().decode("utf-8", "replace")
