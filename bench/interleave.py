"""python -m bench.interleave OTHER_CHECKOUT [--only a,b] [--rounds 15]: this code against
another checkout of it, on the database DATABASE_URL names, one request at a time in turn.

Each checkout runs in a worker process of its own (the other's modules, the same database and
settings). For every scenario, each round times the bare page and then the scenario once in
one worker, then the same in the other, the order alternating between rounds: a machine whose
speed drifts between runs (a shared one does, by up to 1.5x) slows both sides alike, and each
side's ratio to the bare page is taken against its own bare page of the same minutes. Prints,
per scenario, each side's median in ms, new/old, and each side's median x bare.

Run it as `make bench` runs the benchmark (DEBUG=0 and a SECRET_KEY), e.g.
`DEBUG=0 SECRET_KEY=... DATABASE_URL=... python -m bench.interleave /tmp/old --rounds 15`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# What each worker runs, inside its own checkout: the scenarios and the harness are the
# checkout's own, so the other side may be any earlier version of the benchmark.
WORKER = r"""
import json, sys
sys.path.insert(0, ".")
from bench.__main__ import setup_django
setup_django()
from bench import api_scenarios, scenarios  # both register their scenarios
from bench.harness import REGISTRY, Unavailable, _one
bench = scenarios.Bench()
plans = {}
for line in sys.stdin:
    op, key = json.loads(line)
    try:
        if op == "build":
            sc = next((s for s in REGISTRY if s.key == key), None)
            if sc is None:
                raise Unavailable(f"no scenario {key}")
            plans[key] = sc.build(bench)
            _one(plans[key], count_queries=False)
            reply = sc.title
        elif op == "time":
            reply = _one(plans[key], count_queries=False)[0] * 1000
        else:
            reply = _one(plans[key], count_queries=True)[1]
    except Unavailable as why:
        reply = {"unavailable": str(why)}
    print(json.dumps(reply), flush=True)
"""

BARE = "baseline"


class Worker:
    def __init__(self, checkout: Path) -> None:
        env = {**os.environ}
        # The manifest's static files, collected once for both sides.
        env.setdefault("STATIC_ROOT", str(ROOT / "bench" / "results" / "static"))
        self.process = subprocess.Popen(
            [sys.executable, "-c", WORKER],
            cwd=checkout,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, op: str, key: str):
        self.process.stdin.write(json.dumps([op, key]) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.interleave")
    parser.add_argument("other", help="the other checkout (the 'old' side)")
    parser.add_argument("--only", default="", help="comma-separated scenario keys")
    parser.add_argument("--rounds", type=int, default=15, help="timed rounds per scenario")
    args = parser.parse_args(argv)
    keys = [k for k in args.only.split(",") if k and k != BARE]
    sides = {"old": Worker(Path(args.other).resolve()), "new": Worker(ROOT)}
    try:
        for worker in sides.values():
            worker.ask("build", BARE)
        print("| scenario | old ms | new ms | new/old | old x bare | new x bare | queries |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        bare: dict[str, float] = {}
        for key in keys:
            titles = {name: w.ask("build", key) for name, w in sides.items()}
            if any(isinstance(t, dict) for t in titles.values()):
                print(f"| {key} | not measured: {titles} |")
                continue
            samples = {name: {"bare": [], "page": []} for name in sides}
            for round_ in range(args.rounds):
                order = list(sides) if round_ % 2 == 0 else list(reversed(sides))
                for name in order:
                    samples[name]["bare"].append(sides[name].ask("time", BARE))
                    samples[name]["page"].append(sides[name].ask("time", key))
            median = {n: statistics.median(s["page"]) for n, s in samples.items()}
            # The bare page of this scenario's rounds (the last row shows the last one's).
            bare = {n: statistics.median(s["bare"]) for n, s in samples.items()}
            queries = "/".join(str(sides[n].ask("queries", key)) for n in sides)
            print(
                f"| {titles['new']} | {median['old']:.1f} | {median['new']:.1f} | "
                f"{median['new'] / median['old']:.2f} | {median['old'] / bare['old']:.1f} | "
                f"{median['new'] / bare['new']:.1f} | {queries} |",
                flush=True,
            )
        if bare:
            print(f"| bare page | {bare['old']:.1f} | {bare['new']:.1f} | | 1.0 | 1.0 | |")
    finally:
        for worker in sides.values():
            worker.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
