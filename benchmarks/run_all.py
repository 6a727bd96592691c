"""Run every benchmark: each ``benchmarks/bench_*.py`` module's ``main()``, in name order (``make bench``).

    python benchmarks/run_all.py               # all of them
    python benchmarks/run_all.py frameworks    # only bench_frameworks.py (names without "bench_" and ".py")
"""

import importlib.util
import pathlib
import sys
import time


def main(names=None):
    here = pathlib.Path(__file__).resolve().parent
    sys.path.insert(0, str(here.parent))
    paths = sorted(here.glob("bench_*.py"))
    names = sys.argv[1:] if names is None else names
    known = [p.stem.removeprefix("bench_") for p in paths]
    unknown = sorted(set(names) - set(known))
    if unknown:
        sys.exit(f"unknown benchmark(s) {unknown}; choose from {known}")
    failed = []
    for path in (p for p in paths if not names or p.stem.removeprefix("bench_") in names):
        print(f"\n=== {path.name} ===", flush=True)
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        start = time.perf_counter()
        try:
            spec.loader.exec_module(module)
            module.main()
        except Exception as e:  # one broken benchmark should not hide the others' results
            failed.append(path.name)
            print(f"{path.name} failed: {type(e).__name__}: {e}", file=sys.stderr)
        print(f"({path.name}: {time.perf_counter() - start:.0f} s)", flush=True)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
