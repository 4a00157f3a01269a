"""Once per node: re-seal env values sealed in format v1 (bound to the variable's name
only) as v2 (bound to project, space and name; brygge/envcrypt.py).

Runs at control-plane start, before the admin API serves. When every space is done
the system record `envcrypt/v2-migrated/<key fingerprint>` is written (per node key:
nodes sharing one storage each migrate what their own key sealed), and the migration
never runs again for that key: a v1 value that arrives later (an old backup restored) stays sealed, because
nothing could tell whether it was sealed for this space or copied from another one.
A value this node's key does not open (sealed on another node) is left as it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from brygge import envcrypt
from brygge.clock import now_iso


async def migrate(catalog: Any, data_dir: Path) -> int:
    """Re-seal what needs it; returns how many spaces changed (0 once done)."""
    marker = f"{envcrypt.MIGRATED}/{envcrypt.key_id(data_dir)}"
    if await catalog._get(marker) is not None:
        return 0
    changed = 0
    for sp in await catalog.all_spaces():
        new = envcrypt.migrate_v1(data_dir, sp)
        if new is not None:
            await catalog._put({f"space/{sp['project']}/{sp['name']}": new})
            changed += 1
    await catalog._put({marker: {"at": now_iso(), "spaces": changed}})
    return changed
