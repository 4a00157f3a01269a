"""A TypeScript app whose barrel files re-export interfaces and type aliases beside
classes, functions and an enum, through a chain of two barrels (issue 17 item 5):
tsc drops the specifiers that name only types, so Brygge must too. Shared by the
`brygge deploy` test (tests/integration) and the official CLI's (tests/compat)."""

from __future__ import annotations

from pathlib import Path

FILES = {
    "index.ts": (
        "import { app } from 'codehooks-js';\n"
        "import { MemoryAdapter, MemoryStore, Level, Shape, describe, KeyValue, makePair }"
        " from './src/adapters';\n"
        "import type { Row } from './src/adapters';\n"
        "import * as adapters from './src/adapters';\n"
        "const store: MemoryAdapter = new MemoryStore();\n"
        "store.put('k', 'v');\n"
        "app.get('/barrels', (req: any, res: any) => {\n"
        "  const shape: Shape = { kind: 'square', side: 2 };\n"
        "  const row: Row = { id: 1 };\n"
        "  const kv: KeyValue = makePair('a', 'b');\n"
        "  res.json({ got: store.get('k'), level: Level.High, levelName: Level[Level.High],\n"
        "             shape: describe(shape), row, kv, names: Object.keys(adapters)\n"
        "             .filter(k => k !== '__esModule').sort() });\n"
        "});\n"
        "export default app.init();\n"),
    # barrel 1: an interface and its class side by side, aliases, an enum, a function
    "src/adapters/index.ts": (
        "export { MemoryAdapter, MemoryStore } from './memory';\n"
        "export { Shape, Row, Level, describe } from './kinds';\n"
        "export { KeyValue, Pair, makePair } from './inner';\n"),
    "src/adapters/memory.ts": (
        "export interface MemoryAdapter {\n"
        "  get(key: string): string | undefined;\n"
        "  put(key: string, value: string): void;\n"
        "}\n"
        "export class MemoryStore implements MemoryAdapter {\n"
        "  private data = new Map<string, string>();\n"
        "  get(key: string): string | undefined { return this.data.get(key); }\n"
        "  put(key: string, value: string): void { this.data.set(key, value); }\n"
        "}\n"),
    "src/adapters/kinds.ts": (
        "export type Shape = { kind: 'square' | 'circle'; side: number };\n"
        "export interface Row { id: number }\n"
        "export enum Level { Low = 1, High = 2 }\n"
        "export function describe(s: Shape): string { return `${s.kind}:${s.side}`; }\n"),
    # barrel 2 (re-exported by barrel 1): an import that is re-exported, and a list
    "src/adapters/inner/index.ts": (
        "import { KeyValue } from './pair';\n"
        "export { KeyValue };\n"
        "export { Pair, makePair } from './pair';\n"),
    "src/adapters/inner/pair.ts": (
        "export interface KeyValue { key: string; value: string }\n"
        "export type Pair = [string, string];\n"
        "export function makePair(key: string, value: string): KeyValue {\n"
        "  return { key, value };\n"
        "}\n"),
}

# What GET /dev/barrels answers: the values the barrels give, no type names (and not the
# `__esModule` mark tsc's CommonJS output adds to the namespace for the official CLI)
EXPECTED = {"got": "v", "level": 2, "levelName": "High", "shape": "square:2", "row": {"id": 1},
            "kv": {"key": "a", "value": "b"},
            "names": ["Level", "MemoryStore", "describe", "makePair"]}


def write(root: Path, files: dict[str, str] = FILES) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root
