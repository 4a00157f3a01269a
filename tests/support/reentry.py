"""A guest that re-enters itself through the host: `NEST` defines `nest(n)`, which makes a
host call that `nesting_host` answers by calling `nest(n + 1)` again."""

from __future__ import annotations

from sandbox.engine import Instance

NEST = "globalThis.nest = (n) => __host('nest\\n' + n);"


def nesting_host(box: list[Instance], seen: list[int]):  # type: ignore[no-untyped-def]
    """Each host call calls the guest again, which makes the next host call."""
    def host(op: str, payload: str) -> str:
        seen.append(int(payload))
        return box[0].call("nest", str(int(payload) + 1)) or ""
    return host
