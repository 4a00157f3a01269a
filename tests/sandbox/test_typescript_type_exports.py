"""Type-only imports and re-exports across TypeScript files (sandbox/ts_elide.py), in
real wasm: every form tsc elides is elided, values beside them keep working, and a
name that is neither a value nor a type is a deploy error naming it and the module."""

from __future__ import annotations

import json

import pytest

from sandbox.app import AppInstance, DeployError, Invocation

INDEX = (
    "import {app} from 'codehooks-js';\n"
    "import * as lib from './lib';\n"
    "import { out } from './use';\n"
    "app.get('/t', (req: any, res: any) => res.json({ names: Object.keys(lib).sort(),"
    " out }));\n"
    "export default app.init();\n")


def serve(files: dict[str, str]) -> dict[str, object]:
    app = AppInstance({"kind": "source", "entry": "index.ts", "files": {"index.ts": INDEX, **files}},
                      lambda o, p: "")
    out: list[tuple[str, object]] = []
    req = {"id": "t", "method": "GET", "path": "/dev/t", "apiPath": "/t", "originalUrl": "/dev/t",
           "query": "", "headers": {}, "body": "", "authed": True, "hostname": "localhost",
           "ip": "127.0.0.1"}
    app.run("__brygge_invoke", json.dumps(req), Invocation(emit=lambda k, v: out.append((k, v))), 5)
    return json.loads(out[-1][1])  # type: ignore[arg-type]


DECLS = (
    "export interface I { a: number }\n"
    "export type T = string;\n"
    "export declare const D: number;\n"
    "export declare function df(): void;\n"
    "export namespace OnlyTypes { export type X = 1 }\n"
    "export default interface DI { b: string }\n"
    "interface Local { c: 1 }\n"
    "export { Local, Local as Renamed };\n"
    "export enum E { A = 'a' }\n"
    "export const enum CE { B = 'b' }\n"
    "export class K { k = 1 }\n"
    "export interface Merged { m: 1 }\n"
    "export const Merged = 'merged';\n"
    "export const { p, q: { r } } = { p: 'p', q: { r: 'r' } };\n"
    "const hidden = 'h';\n"
    "export { hidden as 'str-name' };\n")


def test_every_type_form_is_elided_and_every_value_kept() -> None:
    files = {
        "decls.ts": DECLS,
        "lib.ts": ("export { I, T, D, df, OnlyTypes, Local, Renamed, E, CE, K, Merged, p, r }"
                   " from './decls';\n"
                   "export { default as DI2, type T as T2, 'str-name' as strName } from './decls';\n"
                   "export type { I as I3 } from './decls';\n"
                   "import DI from './decls';\n"
                   "import { I as I4, E as E4 } from './decls';\n"
                   "export { DI, I4, E4 };\n"
                   "export default DI;\n"),
        "use.ts": ("import { E, K, Merged, I, type T } from './lib';\n"
                   "const i: I = { a: 1 };\n"
                   "const t: T = 'x';\n"
                   "export const out = [E.A, new K().k, Merged, i.a, t];\n"),
    }
    got = serve(files)
    assert got == {"names": ["CE", "E", "E4", "K", "Merged", "p", "r", "strName"],
                   "out": ["a", 1, "merged", 1, "x"]}


def test_star_reexports_chains_cycles_diamonds_and_declaration_files() -> None:
    files = {
        "lib.ts": ("export * from './values';\n"
                   "export * from './types-only';\n"  # tsc drops it: no value there
                   "export * from './ambient';\n"  # ambient.d.ts: no file to load at run time
                   "export { Amb } from './ambient';\n"
                   "export { Mid, midValue } from './mid';\n"
                   "export { Leaf, leafValue } from './diamond';\n"),
        "values.ts": "export const v = 1;\nexport interface VI {}\n",
        "types-only.ts": "export interface OnlyI {}\nexport type OnlyT = 1;\n",
        "ambient.d.ts": "export interface Amb { z: 1 }\nexport declare const amb: number;\n",
        # mid and back re-export each other (a cycle tsc accepts)
        "mid.ts": "export { Mid, Back } from './back';\nexport const midValue = 'mid';\n",
        "back.ts": ("import { midValue } from './mid';\n"
                    "export interface Mid {}\nexport type Back = 1;\n"
                    "export const fromMid = () => midValue;\n"),
        # two star paths to one module (a diamond): the type is found through both
        "diamond.ts": "export * from './d1';\nexport * from './d2';\n",
        "d1.ts": "export * from './leaf';\n",
        "d2.ts": "export * from './leaf';\n",
        "leaf.ts": "export interface Leaf {}\nexport const leafValue = 'leaf';\n",
        "use.ts": ("import { v, VI, Amb, Mid } from './lib';\n"
                   "export const out = [v];\nexport type Used = [VI, Amb, Mid];\n"),
    }
    assert serve(files) == {"names": ["leafValue", "midValue", "v"], "out": [1]}


@pytest.mark.parametrize("lib, message", [
    ("export { I, Nope } from './decls';\n",
     "lib.ts re-exports 'Nope' from './decls', but decls.ts exports no value or type named 'Nope'"),
    ("import { K, Gone } from './decls';\nexport { K, Gone };\n",
     "lib.ts imports 'Gone' from './decls', but decls.ts exports no value or type named 'Gone'"),
    ("export { Deep } from './chain';\n",
     "chain.ts re-exports 'Deep' from './decls', but decls.ts exports no value or type named "
     "'Deep'"),
])
def test_a_name_in_neither_form_refuses_the_deploy(lib: str, message: str) -> None:
    files = {"decls.ts": DECLS, "lib.ts": lib, "chain.ts": "export { I, Deep } from './decls';\n",
             "use.ts": "export const out = 0;\n"}
    with pytest.raises(DeployError) as e:
        serve(files)
    assert str(e.value) == message
