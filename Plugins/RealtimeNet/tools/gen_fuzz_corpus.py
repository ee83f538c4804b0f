#!/usr/bin/env python3
"""Write the seed corpus of rtnet-fuzz-decode (Plugins/RealtimeNet/fuzz/corpus/) from protocol/vectors/.

Each entities case becomes a frame a client could receive (a batch: the room.join result with the
schema and document, the state.entities notification, then the equivalent state.delta) and the case
itself (schema / document / entities); each error case and merge-patch vector likewise. Standard
library only; rerun after the vectors change:

    python3 Plugins/RealtimeNet/tools/gen_fuzz_corpus.py
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
VECTORS = ROOT / "protocol/vectors"
OUT = ROOT / "Plugins/RealtimeNet/fuzz/corpus"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48]


def compact(value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def main() -> None:
    seeds: dict[str, str] = {}
    entities = json.loads((VECTORS / "entities.json").read_text())
    for case in entities["cases"] + entities["errors"]:
        name = slug(case["name"])
        seeds[f"entities-{name}"] = compact(case)
        params = {"room": "r", "from": 1, "to": 2, "entities": case["entities"]}
        if "rest" in case:
            params["rest"] = case["rest"]
        frame = [
            {"jsonrpc": "2.0", "id": 1, "result": {"room": "r", "stream": "room:r", "epoch": "e", "offset": 0,
                                                    "state_version": 1, "state": case["document"],
                                                    "entities": case["schema"]}},
            {"jsonrpc": "2.0", "method": "state.entities", "params": params},
        ]
        if "patch" in case:
            frame.append({"jsonrpc": "2.0", "method": "state.delta",
                          "params": {"room": "r", "from": 1, "to": 3, "patch": case["patch"]}})
        seeds[f"frame-{name}"] = compact(frame)
    merge = json.loads((VECTORS / "merge_patch.json").read_text())
    for i, case in enumerate(merge["apply"]):
        seeds[f"merge-apply-{i}"] = compact([
            {"jsonrpc": "2.0", "method": "state.snapshot",
             "params": {"room": "r", "version": 4, "document": case["target"]}},
            {"jsonrpc": "2.0", "method": "state.delta",
             "params": {"room": "r", "from": 4, "to": 5, "patch": case["patch"]}},
        ])
    for i, case in enumerate(merge["compose"]):
        seeds[f"merge-compose-{i}"] = compact({k: v for k, v in case.items() if k != "comment"})
    seeds["rpc-error"] = compact({"jsonrpc": "2.0", "id": 2,
                                  "error": {"code": -32009, "message": "x", "data": {"a": 1}}})
    seeds["rpc-batch"] = compact([{"jsonrpc": "2.0", "id": 3, "result": None},
                                  {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "parse"}},
                                  {"jsonrpc": "2.0", "method": "sys.ping"}])
    seeds["numbers"] = compact([9223372036854775807, -9223372036854775808, 18446744073709551615, 1e308, -0.0, 5e-324])
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    for name, text in sorted(seeds.items()):
        (OUT / f"{name}.json").write_text(text)
    print(f"{len(seeds)} seeds in {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
