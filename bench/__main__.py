"""python -m bench [run|concurrency] [options]: see bench/RESULTS.md.

python -m bench                      every scenario, 15 timed repetitions each
python -m bench --only order-list,ics-cold --repeat 30
python -m bench --smoke              fresh SQLite file, 100 generated orders, each scenario once
python -m bench concurrency          gunicorn + client processes against shared stock
python -m bench --compare h20_10k,h20_300k   the scenarios on two PostgreSQL databases of the
                                     server DATABASE_URL names, interleaved in one process,
                                     with the growth ratio of each and its ratio to the
                                     bare-framework page
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
SMOKE_SIZES = ["--customers", "20", "--parts", "60", "--orders", "100", "--lines", "5"]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("command", nargs="?", default="run", choices=["run", "concurrency"])
    parser.add_argument("--repeat", type=int, default=15, help="timed repetitions (default 15)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed repetitions first")
    parser.add_argument("--only", default="", help="comma-separated scenario keys")
    parser.add_argument("--json", dest="json_path", help="also write the results here")
    parser.add_argument("--smoke", action="store_true", help="tiny fresh database, one rep")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument(
        "--check", action="store_true", help="check every counter against its rows afterwards"
    )
    parser.add_argument(
        "--compare", default="", help="two database names: run on both, print growth ratios"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="tracebacks of errors")
    parser.add_argument(
        "--reuse-built",
        action="store_true",
        help="scenarios on a fresh built order use the newest one of their size again",
    )
    # concurrency
    parser.add_argument("--clients", type=int, default=8, help="client processes (concurrency)")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long clients run")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--keep", action="store_true", help="keep the concurrency rows")
    parser.add_argument(
        "--own-postgres",
        action="store_true",
        help="run on a new PostgreSQL of our own, on its own port (bench/pgcluster.py)",
    )
    parser.add_argument(
        "--stop-database-for",
        type=float,
        default=0,
        help="with --own-postgres: stop it for this many seconds during the throughput run",
    )
    return parser.parse_args(argv)


def setup_django(*, smoke_dir: str | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Static files for the manifest storage that DEBUG=0 uses, kept out of the project's own.
    os.environ.setdefault("STATIC_ROOT", str(RESULTS_DIR / "static"))
    if smoke_dir:
        os.environ.pop("DATABASE_URL", None)
        os.environ["SQLITE_PATH"] = str(Path(smoke_dir) / "smoke.sqlite3")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    if "Manifest" in settings.STORAGES["staticfiles"]["BACKEND"] and not _static_current():
        call_command("collectstatic", interactive=False, verbosity=0)


def _static_current() -> bool:
    """The collected files are newer than every file of ours in static/: collecting again
    (compressing some 1,500 files) takes minutes on a loaded machine and changes nothing."""
    manifest = Path(os.environ["STATIC_ROOT"]) / "staticfiles.json"
    if not manifest.exists():
        return False
    collected = manifest.stat().st_mtime
    return all(f.stat().st_mtime < collected for f in (ROOT / "static").rglob("*") if f.is_file())


def machine() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            db_version = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            cursor.execute("select sqlite_version()")
            db_version = f"SQLite {cursor.fetchone()[0]}"
    try:
        with open("/proc/meminfo") as meminfo:
            mem_kb = int(next(ln for ln in meminfo if ln.startswith("MemTotal")).split()[1])
    except (OSError, StopIteration, ValueError):
        mem_kb = 0
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "database": db_version,
        "commit": commit,
    }


def data_size() -> dict:
    from salesorders.models import SalesOrder, SalesOrderLine
    from shipping.models import Allocation

    return {
        "orders": SalesOrder.objects.count(),
        "open_orders_with_target": SalesOrder.objects.open()
        .filter(target_date__isnull=False)
        .count(),
        "lines": SalesOrderLine.objects.count(),
        "allocations": Allocation.objects.count(),
    }


def run(args: argparse.Namespace) -> int:
    from bench import api_scenarios, scenarios  # noqa: F401 - registers the scenarios
    from bench.harness import REGISTRY, format_table, run_scenario

    scenarios.REUSE_BUILT = args.reuse_built
    from bench.invariants import check

    if args.list:
        for sc in REGISTRY:
            print(f"{sc.key:24} {sc.title}")
        return 0
    wanted = {key.strip() for key in args.only.split(",") if key.strip()}
    unknown = wanted - {sc.key for sc in REGISTRY}
    if unknown:
        print(f"Unknown scenarios: {', '.join(sorted(unknown))} (see --list)", file=sys.stderr)
        return 2
    selected = [sc for sc in REGISTRY if not wanted or sc.key in wanted]
    size = data_size()
    if not size["orders"]:
        print("The database holds no orders: run `manage.py generate_data` first.", file=sys.stderr)
        return 2
    info = {"started": dt.datetime.now().isoformat(timespec="seconds"), **machine(), **size}
    print(
        f"{info['database']}, {info['orders']:,} orders, {info['lines']:,} lines, "
        f"{info['cpus']} CPUs; {args.repeat} repetitions after {args.warmup} warm-up"
    )
    bench = scenarios.Bench(verbose=args.verbose)
    results = []
    for sc in selected:
        result = run_scenario(
            bench, sc, repeat=args.repeat, warmup=args.warmup, judge=not args.smoke
        )
        if sc.key in bench.notes and result.status in ("ok", "missed", "ran"):
            result.note = bench.notes[sc.key]
        results.append(result)
        shown = "-" if result.median_ms is None else f"{result.median_ms:.1f} ms"
        print(f"  {sc.key:24} {shown:>12}  {result.status} {result.note}".rstrip(), flush=True)
    print()
    print(format_table(results))
    by_key = {r.key: r for r in results}
    summary = {}
    small, large = by_key.get("line-add-10"), by_key.get("line-add-1000")
    if small and large and small.median_ms and large.median_ms:
        ratio = large.median_ms / small.median_ms
        summary["line_add_ratio_1000_vs_10"] = round(ratio, 2)
        verdict = "ok" if ratio <= 1.2 else "missed"
        print(f"\nAdd Line Item, 1,000 vs 10 lines: x{ratio:.2f} (target <= 1.20): {verdict}")
    problems = {}
    if args.check or args.smoke:
        problems = check()
        summary["invariants"] = problems or "all hold"
        print(f"Invariants after the run: {problems or 'all hold'}")
    payload = {"info": info, "summary": summary, "results": [r.as_dict() for r in results]}
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    paths = [RESULTS_DIR / f"{stamp}.json"] + ([Path(args.json_path)] if args.json_path else [])
    for path in paths:
        path.write_text(json.dumps(payload, indent=2, default=str))
    print(f"Results written to {', '.join(str(p) for p in paths)}")
    failed = [r for r in results if r.status == "error"]
    return 1 if failed or problems else 0


def compare(args: argparse.Namespace) -> int:
    """Each scenario on database A then B (same server, one process, rounds interleaved so load
    on a shared machine hits both alike): medians, B/A, and each page's ratio to the
    bare-framework page of the same database."""
    from django.db import connection

    from bench import api_scenarios, scenarios  # noqa: F401 - registers the API's too
    from bench.harness import REGISTRY, run_scenario

    names = [name.strip() for name in args.compare.split(",") if name.strip()]
    if len(names) != 2:
        print("--compare takes two database names, e.g. h20_10k,h20_300k", file=sys.stderr)
        return 2

    def use(name: str) -> None:
        connection.close()
        connection.settings_dict["NAME"] = name

    benches = {}
    for name in names:
        use(name)
        benches[name] = scenarios.Bench(verbose=args.verbose)
        size = data_size()
        print(f"{name}: {size['orders']:,} orders, {size['lines']:,} lines")
    wanted = {key.strip() for key in args.only.split(",") if key.strip()}
    selected = [sc for sc in REGISTRY if not wanted or sc.key in wanted]
    if not any(sc.key == "baseline" for sc in selected):
        selected.insert(0, next(sc for sc in REGISTRY if sc.key == "baseline"))
    rounds = 3
    repeat = max(1, args.repeat // rounds)
    medians: dict[str, dict[str, float]] = {}
    queries: dict[str, dict[str, int | None]] = {}
    for sc in selected:
        samples: dict[str, list[float]] = {name: [] for name in names}
        for n in range(rounds):
            for name in names:
                use(name)
                result = run_scenario(
                    benches[name], sc, repeat=repeat, warmup=args.warmup if n == 0 else 0
                )
                if result.status in ("error", "not measured"):
                    print(f"  {sc.key} on {name}: {result.status} {result.note}")
                    break
                samples[name] += result.samples_ms
                queries.setdefault(sc.key, {})[name] = result.queries
        if all(samples.values()):
            medians[sc.key] = {name: statistics.median(samples[name]) for name in names}
            a, b = (medians[sc.key][name] for name in names)
            print(f"  {sc.key:24} {a:9.1f} {b:9.1f} ms  x{b / a:.2f}", flush=True)
    base = medians.get("baseline", {})
    a, b = names
    print()
    header = f"| scenario | {a} ms | {b} ms | growth | queries | x bare ({a}) | x bare ({b}) |"
    print(header)
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for sc in selected:
        if sc.key not in medians:
            continue
        m, q = medians[sc.key], queries.get(sc.key, {})
        bare = [m[n] / base[n] if base.get(n) else float("nan") for n in names]
        print(
            f"| {sc.title} | {m[a]:.1f} | {m[b]:.1f} | x{m[b] / m[a]:.2f} | "
            f"{q.get(a)}/{q.get(b)} | {bare[0]:.1f} | {bare[1]:.1f} |"
        )
    return 0


def smoke(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-smoke-") as tmp:
        setup_django(smoke_dir=tmp)
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        call_command("generate_data", *SMOKE_SIZES, "--seed", "1", "--no-progress", verbosity=0)
        args.repeat, args.warmup = 1, 0
        return run(args)


def own_postgres_concurrency(args: argparse.Namespace) -> int:
    """The concurrency run on a PostgreSQL cluster of its own, removed afterwards."""
    from bench.pgcluster import OwnPostgres

    pg = OwnPostgres().init()
    try:
        os.environ["DATABASE_URL"] = pg.createdb("bench")
        setup_django()
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        from bench.concurrency import main as concurrency_main

        args.own_postgres_cluster = pg
        return concurrency_main(args)
    finally:
        try:
            from django.db import connections

            connections.close_all()
        finally:
            pg.destroy()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "concurrency":
        if args.own_postgres:
            return own_postgres_concurrency(args)
        setup_django()
        from bench.concurrency import main as concurrency_main

        return concurrency_main(args)
    if args.smoke:
        return smoke(args)
    setup_django()
    if args.compare:
        return compare(args)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
