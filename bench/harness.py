"""Run scenarios, time them, count their queries, and report.

A scenario is a small function registered with `@scenario(...)`. It receives the `Bench` (a
logged-in test client and the data it found) and returns a `Plan`: an untimed `setup` run before
each repetition, the timed call, and an untimed `check` that the call did what it claims (a
refused action that redirects fast must not pass for a fast action). Every repetition runs in a
transaction that is rolled back, so the database is the same before and after a run; only an
optional `prepare`, run before that transaction, commits what it writes (rows that must carry
the history of many committed edits, as an order built line by line does), and its result is
what `setup` receives.

Queries are counted on one extra repetition under CaptureQueriesContext (its debug cursor costs
time, so the timed repetitions run without it). Savepoint statements are left out of the count:
they exist only because the repetition runs inside the benchmark's own transaction.
"""

from __future__ import annotations

import math
import statistics
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext


class Unavailable(Exception):
    """The feature a scenario measures is not there (yet): reported as not measured."""


class CheckFailed(AssertionError):
    """The timed call did not do what the scenario measures."""


@dataclass
class Plan:
    timed: Callable[[Any], Any]
    setup: Callable[..., Any] | None = None
    check: Callable[[Any, Any], None] | None = None
    expect_status: int | tuple[int, ...] | None = 200
    # Untimed and committed, before each repetition's transaction; setup(prepared) then.
    prepare: Callable[[], Any] | None = None


@dataclass
class Scenario:
    key: str
    title: str
    build: Callable[[Any], Plan]
    target_ms: float | None
    group: str


REGISTRY: list[Scenario] = []


def scenario(key: str, title: str, *, target_ms: float | None = 150.0, group: str = "pages"):
    """Register a scenario; the function gets the Bench and returns a Plan."""

    def register(build: Callable[[Any], Plan]) -> Callable[[Any], Plan]:
        REGISTRY.append(Scenario(key, title, build, target_ms, group))
        return build

    return register


@dataclass
class Result:
    key: str
    title: str
    target_ms: float | None
    status: str  # "ok", "missed", "not measured", "error"
    reps: int = 0
    median_ms: float | None = None
    p95_ms: float | None = None
    min_ms: float | None = None
    max_ms: float | None = None
    queries: int | None = None
    note: str = ""
    samples_ms: list[float] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (p95 of 15 samples is the 15th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _statements(captured: CaptureQueriesContext) -> int:
    skip = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
    return sum(1 for q in captured.captured_queries if not q["sql"].lstrip().startswith(skip))


def _status_ok(response, expected) -> bool:
    if expected is None or response is None or not hasattr(response, "status_code"):
        return True
    expected = (expected,) if isinstance(expected, int) else expected
    return response.status_code in expected


def _one(plan: Plan, *, count_queries: bool) -> tuple[float, int | None]:
    """One repetition in a transaction that is rolled back: (seconds, queries or None)."""
    prepared = plan.prepare() if plan.prepare else None
    with transaction.atomic():
        if plan.prepare:
            state = plan.setup(prepared) if plan.setup else prepared
        else:
            state = plan.setup() if plan.setup else None
        queries = None
        if count_queries:
            with CaptureQueriesContext(connection) as captured:
                response = plan.timed(state)
            queries = _statements(captured)
            elapsed = 0.0
        else:
            started = time.perf_counter()
            response = plan.timed(state)
            elapsed = time.perf_counter() - started
        if not _status_ok(response, plan.expect_status):
            body = getattr(response, "content", b"")[:300]
            raise CheckFailed(
                f"HTTP {response.status_code}, expected {plan.expect_status}: {body!r}"
            )
        if plan.check:
            plan.check(state, response)
        transaction.set_rollback(True)
    return elapsed, queries


def run_scenario(bench, sc: Scenario, *, repeat: int, warmup: int, judge: bool = True) -> Result:
    """Time a scenario; with judge=False (smoke runs) a slow result is "ran", not "missed"."""
    result = Result(sc.key, sc.title, sc.target_ms, status="ok")
    try:
        plan = sc.build(bench)
    except Unavailable as why:
        result.status, result.note = "not measured", str(why)
        return result
    try:
        for _ in range(warmup):
            _one(plan, count_queries=False)
        samples = [_one(plan, count_queries=False)[0] * 1000 for _ in range(repeat)]
        _, result.queries = _one(plan, count_queries=True)
    except Unavailable as why:
        result.status, result.note = "not measured", str(why)
        return result
    except Exception as error:  # report and go on with the other scenarios
        result.status = "error"
        result.note = f"{type(error).__name__}: {error}"[:500]
        if bench.verbose:
            traceback.print_exc()
        return result
    result.reps = len(samples)
    result.samples_ms = [round(s, 2) for s in samples]
    result.median_ms = round(statistics.median(samples), 1)
    result.p95_ms = round(percentile(samples, 0.95), 1)
    result.min_ms, result.max_ms = round(min(samples), 1), round(max(samples), 1)
    if not judge:
        result.status = "ran"
    elif sc.target_ms is not None and result.median_ms > sc.target_ms:
        result.status = "missed"
    return result


def format_table(results: list[Result]) -> str:
    header = ("scenario", "median ms", "p95 ms", "queries", "target", "status")
    rows = [header]
    for r in results:
        rows.append(
            (
                r.title,
                "-" if r.median_ms is None else f"{r.median_ms:.1f}",
                "-" if r.p95_ms is None else f"{r.p95_ms:.1f}",
                "-" if r.queries is None else str(r.queries),
                "-" if r.target_ms is None else f"< {r.target_ms:.0f} ms",
                r.status + (f" ({r.note})" if r.note else ""),
            )
        )
    widths = [max(len(row[i]) for row in rows[:]) for i in range(len(header) - 1)]
    lines = []
    for n, row in enumerate(rows):
        cells = [
            row[i].ljust(widths[i]) if i == 0 else row[i].rjust(widths[i])
            for i in range(len(header) - 1)
        ]
        lines.append("  ".join(cells) + "  " + row[-1])
        if n == 0:
            lines.append("-" * len(lines[0]))
    return "\n".join(lines)
