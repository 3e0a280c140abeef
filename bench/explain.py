"""Why is a scenario slow? `python -m bench.explain <scenario-key> [--analyze N] [--profile]`

Runs the scenario once (after a warm-up), prints every SQL statement with its time, then
EXPLAIN ANALYZE of the N slowest (PostgreSQL), and with --profile the top of a cProfile of the
Python side. Everything runs in a transaction that is rolled back.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time

from bench.__main__ import setup_django


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.explain")
    parser.add_argument("key")
    parser.add_argument("--analyze", type=int, default=3, help="EXPLAIN ANALYZE the N slowest")
    parser.add_argument("--profile", action="store_true", help="cProfile the timed call")
    parser.add_argument(
        "--sort", default="cumulative", help="profile order: cumulative (default), tottime, ..."
    )
    parser.add_argument("--top", type=int, default=30, help="profile rows shown")
    parser.add_argument("--reuse-built", action="store_true", help="as python -m bench")
    args = parser.parse_args(argv)
    setup_django()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from bench import scenarios
    from bench.harness import REGISTRY

    sc = next((s for s in REGISTRY if s.key == args.key), None)
    if sc is None:
        print(f"No scenario {args.key!r}", file=sys.stderr)
        return 2
    scenarios.REUSE_BUILT = args.reuse_built
    bench = scenarios.Bench(verbose=True)
    plan = sc.build(bench)

    def set_up():
        if plan.prepare:  # committed, before the repetition's transaction
            return plan.setup(prepared) if plan.setup else prepared
        return plan.setup() if plan.setup else None

    # One prepared (committed) state for the warm-up and the measured run: a scenario that
    # builds an order line by line would otherwise build it twice.
    prepared = plan.prepare() if plan.prepare else None
    with transaction.atomic():
        state = set_up()
        plan.timed(state)  # warm-up
        transaction.set_rollback(True)
    with transaction.atomic():
        state = set_up()
        profiler = cProfile.Profile() if args.profile else None
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            plan.timed(state)
            if profiler:
                profiler.disable()
            total = (time.perf_counter() - started) * 1000
        queries = captured.captured_queries
        sql_ms = sum(float(q["time"]) for q in queries) * 1000
        print(f"{sc.title}: {total:.1f} ms, {len(queries)} queries, {sql_ms:.1f} ms in SQL\n")
        for n, q in enumerate(queries, start=1):
            print(f"{n:3}. {float(q['time']) * 1000:8.1f} ms  {q['sql'][:300]}")
        if connection.vendor == "postgresql" and args.analyze:
            slowest = sorted(queries, key=lambda q: -float(q["time"]))[: args.analyze]
            with connection.cursor() as cursor:
                for q in slowest:
                    verb = q["sql"].lstrip().split(" ", 1)[0].upper()
                    if verb not in ("SELECT", "UPDATE", "INSERT", "DELETE"):
                        continue
                    print(f"\n--- EXPLAIN ANALYZE ({float(q['time']) * 1000:.1f} ms)\n")
                    print(q["sql"][:2000])
                    try:  # a write runs again here: in a savepoint, undone at once
                        with transaction.atomic():
                            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
                            print("\n".join(row[0] for row in cursor.fetchall()))
                            transaction.set_rollback(True)
                    except Exception as error:  # noqa: BLE001 - report and go on
                        print(f"(not explained: {type(error).__name__}: {error})")
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
            print(out.getvalue())
        transaction.set_rollback(True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
