"""fundmodel benchmarks: time and peak memory of each step, printed as a table.

    python bench/run.py                 # every benchmark, all sizes
    python bench/run.py --quick         # 2,300-project sizes only
    python bench/run.py --only model    # benchmarks whose name contains "model"

Then, unless --only names something else, bench/spreadsheet.py: the same 2,300-project
model recomputed by fundmodel and recalculated by LibreOffice after one input change.

Each measurement runs in a fresh subprocess so its peak memory (max RSS) is its own.
Times are wall-clock seconds of the measured call only (set-up excluded), best of
``--repeat`` runs. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases import CASES, Case


def measure(case: Case, repeat: int) -> dict:
    """Run one case in this process: set up, then time the call ``repeat`` times."""
    state = case.setup()
    best = float("inf")
    detail = ""
    for _ in range(repeat):
        start = time.perf_counter()
        out = case.call(state)
        best = min(best, time.perf_counter() - start)
        detail = out if isinstance(out, str) else detail
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": best, "peak_mb": peak_mb, "detail": detail}


def run_isolated(name: str, repeat: int, timeout: float) -> dict:
    cmd = [sys.executable, __file__, "--child", name, "--repeat", str(repeat)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
        return {"error": last}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _fmt_time(s: float) -> str:
    return f"{s * 1000:,.1f} ms" if s < 1 else f"{s:,.2f} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the 2,300-project sizes")
    parser.add_argument("--only", default="", help="run benchmarks whose name contains this")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    cases: dict[str, Case] = {c.name: c for c in CASES}
    if args.child:
        print(json.dumps(measure(cases[args.child], args.repeat)))
        return 0

    selected = [c for c in CASES if args.only in c.name and (not args.quick or c.quick)]
    rows = []
    header = f"{'benchmark':<72} {'time':>10} {'peak RSS':>10}  {'target':<20} verdict"
    print(header)
    print("-" * len(header))
    for case in selected:
        fig = run_isolated(case.name, 1 if case.heavy else args.repeat, args.timeout)
        if "error" in fig:
            line = f"{case.name:<72} {'-':>10} {'-':>10}  {case.target_text:<20} ERROR: {fig['error']}"
        else:
            verdict = case.verdict(fig["seconds"], fig["peak_mb"])
            line = (
                f"{case.name:<72} {_fmt_time(fig['seconds']):>10} {fig['peak_mb']:>7,.0f} MB  "
                f"{case.target_text:<20} {verdict}"
            )
            if fig.get("detail"):
                line += f"  ({fig['detail']})"
        print(line, flush=True)
        rows.append({"name": case.name, **fig})
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2), encoding="utf-8")
    if args.only in "spreadsheet":
        print("\nSide by side with a spreadsheet engine (target: fundmodel >= 20x faster)", flush=True)
        subprocess.run([sys.executable, str(Path(__file__).with_name("spreadsheet.py"))], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
