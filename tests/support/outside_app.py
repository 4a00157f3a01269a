"""An app kept in `backend/` of its repository that imports files beside that folder
(issue 17 item 1): a JSON file shared with a frontend, and an ES module that imports a
sibling CommonJS file (which requires a text file) and the JSON again. Shared by the
`brygge deploy` node test and the official CLI's webpack test, which expect the same
answer from GET /model."""

from __future__ import annotations

from pathlib import Path

INDEX = r"""
import { app } from 'codehooks-js';
import model from '../datamodel.json';
import { fmt } from '../shared/format.js';
const again = require('../datamodel.json');
EXTRA
app.get('/model', (req, res) => res.json({ fields: model.fields, fmt: fmt('x'),
                                           again: again.fields }));
export default app.init();
"""

FILES = {
    "datamodel.json": '{"fields": ["name", "Ø"]}\n',
    "shared/format.js": "import { suffix } from './suffix.js';\n"
                        "import model from '../datamodel.json';\n"
                        "export const fmt = (s) => `${s}:${model.fields.length}${suffix}`;\n",
    "shared/suffix.js": "const t = require('./note.txt');\n"
                        "module.exports = { suffix: '!' + t.trim() };\n",
    "shared/note.txt": "hi\n",
    "secret.json": '{"never": "uploaded"}\n',  # beside the folder, never imported
}
MODEL = {"fields": ["name", "Ø"], "fmt": "x:2!hi", "again": ["name", "Ø"]}
OUTSIDE = ["../datamodel.json", "../shared/format.js", "../shared/note.txt", "../shared/suffix.js"]


def write_repo(root: Path, extra_js: str = "", files: dict[str, str] | None = None,
               backend: str = "backend") -> Path:
    """The repository under `root`; returns its app folder (`root/backend`). `extra_js`
    goes into index.js after the imports (more routes), `files` add to (or replace) the
    repository's files."""
    write_tree(root, {**FILES, f"{backend}/index.js": INDEX.replace("EXTRA", extra_js),
                      **(files or {})})
    return root / backend


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Files (relative path -> text) under `root`, folders made as needed."""
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root
