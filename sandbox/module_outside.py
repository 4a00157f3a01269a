"""Files an app imports from outside its deployed folder (`../datamodel.json` of an app in
`backend/`), as the official CLI's webpack bundles them: `brygge deploy` reads them from
disk and uploads them under a virtual folder of the upload, `__outside__/up<N>/<path>`
(N: how many folders above the deployed one; `<path>`: from there down). The level is one
segment of its own, so no real folder name can be mistaken for it; `brygge deploy` refuses
an app folder that has an `__outside__` entry of its own. The resolver (sandbox/
module_resolve.py) maps relative specifiers between the real geometry and the virtual
names here, the same way at deploy time (over the disk) and at run time (over the upload,
which is all the sandbox ever reads: no host path is reachable at run time)."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

OUTSIDE = "__outside__"
_LEVEL = re.compile(r"up([1-9][0-9]{0,3})")


class OutsideRefused(Exception):
    """A relative import reaching outside the deployed folder that is not uploaded."""


def to_rel(app: str, path: str) -> str | None:
    """The virtual path `path` (under `app`) as a path relative to the deployed folder
    ('lib/a.js', '../datamodel.json', '.'); None when it is not under `app`."""
    if path == app:
        return "."
    if not path.startswith(app + "/"):
        return None
    segs = path[len(app) + 1:].split("/")
    if len(segs) >= 2 and segs[0] == OUTSIDE:
        m = _LEVEL.fullmatch(segs[1])
        if m:
            return posixpath.join(*([".."] * int(m.group(1))), *segs[2:])
    return path[len(app) + 1:]


def from_rel(app: str, rel: str) -> str:
    """The virtual path of `rel` (normalized, relative to the deployed folder). Raises
    OutsideRefused for a node_modules folder outside the deployed one: packages come from
    the app's own node_modules or the runtime's set, never from beside the app."""
    rel = posixpath.normpath(rel)
    if rel == ".":
        return app
    segs = rel.split("/")
    ups = 0
    while ups < len(segs) and segs[ups] == "..":
        ups += 1
    if not ups:
        return f"{app}/{rel}"
    rest = segs[ups:]
    if "node_modules" in rest:
        raise OutsideRefused("node_modules outside the deployed folder are not uploaded "
                             "(install the package in the app's own node_modules)")
    if ups > 9999:
        raise OutsideRefused("the path climbs too many folders above the deployed one")
    return "/".join([app, OUTSIDE, f"up{ups}", *rest])


def is_outside(app: str, path: str) -> bool:
    rel = to_rel(app, path) if path.startswith(f"{app}/{OUTSIDE}/") else None
    return rel is not None and (rel == ".." or rel.startswith("../"))


def real_rel(name: str) -> str:
    """An upload name ('__outside__/up1/datamodel.json') as the path relative to the
    deployed folder it was read from ('../datamodel.json')."""
    return to_rel("", "/" + name) or name


def disk_path(root: Path, rel: str) -> Path:
    """Where on disk (at deploy time) a path relative to the deployed folder `root` is."""
    return Path(posixpath.normpath(posixpath.join(root.as_posix(), rel)))
