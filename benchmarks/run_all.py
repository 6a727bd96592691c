"""Run every benchmark: each ``benchmarks/bench_*.py`` module's ``main()``, in name order (``make bench``)."""

import importlib.util
import pathlib
import sys
import time


def main():
    here = pathlib.Path(__file__).resolve().parent
    sys.path.insert(0, str(here.parent))
    failed = []
    for path in sorted(here.glob("bench_*.py")):
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
