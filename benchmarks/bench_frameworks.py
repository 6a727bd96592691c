"""Training-step time: tinygrad_ref vs PyTorch eager vs TensorFlow eager vs ``tf.function``.

One step = forward, softmax cross-entropy, backward, Adam update, for two MLPs in float32:
784-256-256-10 with batch 128 (MNIST-sized) and 64-128-10 with batch 64 (the digits MLP of the course).
Every framework runs in its own subprocess with the same number of threads (``--threads``, default 2):
``torch.set_num_threads``, TF's intra- and inter-op thread pools, and NumPy's BLAS via threadpoolctl.
The time is the median over ``--steps`` steps (or 10 s of steps) after ``--warmup`` steps; each pair
runs ``--repeat`` times, interleaved, and the fastest run is kept (the machine may be shared).
"CPU ms" is the process's CPU time per step (all its threads: less sensitive to other processes, but it
counts BLAS threads spinning while they wait).

Memory: "peak RSS" is the growth of the process's peak resident set (VmHWM, Linux) from just before the
model is built to the end of the timed steps: model, optimizer state, data and the training loop's
temporaries, measured the same way for every framework (after a first throw-away build, so that imports
and one-time initialisations are not counted). For tinygrad_ref we also report tracemalloc's peak over
building the model and 10 steps (NumPy reports its buffers to tracemalloc; the others' allocators don't).

    python benchmarks/bench_frameworks.py [--threads 2] [--steps 200] [--warmup 20] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

CONFIGS = {
    "mlp784": dict(sizes=(784, 256, 256, 10), batch=128),
    "digits": dict(sizes=(64, 128, 10), batch=64),
}
FRAMEWORKS = ["tinygrad_ref", "pytorch", "tf_eager", "tf_function"]
MAX_SECONDS = 10.0  # per worker timing loop
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ------------------------------------------------------------------------------------- memory helpers


def _status_kib(field):
    """A field of /proc/self/status in KiB (Linux); None elsewhere."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak_rss():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
    except OSError:
        pass


# ------------------------------------------------------------------------------------- one framework


def _data(sizes, batch, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], size=batch).astype(np.int64)
    return x, y


def _make_step(framework, sizes, batch):
    """Build the model and return a function that runs one training step."""
    x, y = _data(sizes, batch)
    if framework == "tinygrad_ref":
        sys.path.insert(0, ROOT)
        import tinygrad_ref as tg
        from tinygrad_ref import nn, optim

        layers = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(a, b), nn.ReLU()]
        model = nn.Sequential(*layers[:-1])
        opt = optim.Adam(model.parameters(), lr=1e-3)
        xt, yt = tg.tensor(x), tg.tensor(y)

        def step():
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xt), yt)
            loss.backward()
            opt.step()
            return loss

        return step
    if framework == "pytorch":
        import torch

        layers = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
        model = torch.nn.Sequential(*layers[:-1])
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)

        def step():
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(xt), yt)
            loss.backward()
            opt.step()
            return loss

        return step
    import tensorflow as tf

    model = tf.keras.Sequential([tf.keras.Input((sizes[0],))] + [
        tf.keras.layers.Dense(b, activation="relu" if i < len(sizes) - 2 else None)
        for i, b in enumerate(sizes[1:])])
    opt = tf.keras.optimizers.Adam(1e-3)
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    xt, yt = tf.constant(x), tf.constant(y)

    def step():
        with tf.GradientTape() as tape:
            loss = loss_fn(yt, model(xt, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    return tf.function(step) if framework == "tf_function" else step


def worker(framework, config, threads, steps, warmup):
    """Run in a fresh process: set the thread counts, time the steps, print one JSON line."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import numpy  # noqa: F401  (load NumPy's BLAS first: threadpoolctl only limits loaded libraries)

    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(threads)  # NumPy's BLAS
        blas = "threadpoolctl"
    except ImportError:
        blas = "unlimited (no threadpoolctl)"
    if framework == "pytorch":
        import torch

        torch.set_num_threads(threads)
        torch.set_num_interop_threads(threads)
    if framework.startswith("tf"):
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    sizes, batch = CONFIGS[config]["sizes"], CONFIGS[config]["batch"]
    _make_step(framework, sizes, batch)()  # first build and call: imports, lazy initialisations
    rss_before = _status_kib("VmRSS")
    _reset_peak_rss()
    step = _make_step(framework, sizes, batch)
    for _ in range(warmup):
        step()
    times, start, cpu_start = [], time.perf_counter(), time.process_time()
    for i in range(steps):
        t0 = time.perf_counter()
        float(step())  # float(): wait for the value (TF may run asynchronously)
        times.append(time.perf_counter() - t0)
        if i >= 30 and t0 - start > MAX_SECONDS:  # slow frameworks: enough steps for a median
            break
    cpu_ms = 1e3 * (time.process_time() - cpu_start) / len(times)
    peak = _status_kib("VmHWM")
    result = dict(framework=framework, config=config, median_ms=1e3 * statistics.median(times),
                  p90_ms=1e3 * sorted(times)[int(0.9 * len(times))], cpu_ms=cpu_ms, blas_threads=blas,
                  peak_rss_mb=None if None in (peak, rss_before) else max(0, peak - rss_before) / 1024)
    if framework == "tinygrad_ref":
        import tracemalloc

        tracemalloc.start()
        step = _make_step(framework, sizes, batch)
        for _ in range(10):
            step()
        result["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    print(json.dumps(result))


# ------------------------------------------------------------------------------------------- driver


def run(threads=2, steps=200, warmup=20, frameworks=FRAMEWORKS, configs=tuple(CONFIGS), repeat=2):
    """Each (model, framework) pair ``repeat`` times, interleaved; keep the run with the lowest median
    (other processes on the machine only ever make a run slower)."""
    best = {}
    for _, config, fw in ((r, c, f) for r in range(repeat) for c in configs for f in frameworks):
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", fw, "--config", config,
               "--threads", str(threads), "--steps", str(steps), "--warmup", str(warmup)]
        proc = subprocess.run(cmd, capture_output=True, text=True,
                              env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
        if proc.returncode != 0 or not lines:
            print(f"{config} {fw}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
            continue
        result = json.loads(lines[-1])
        if (config, fw) not in best or result["median_ms"] < best[config, fw]["median_ms"]:
            best[config, fw] = result
    return list(best.values())


def format_table(results, threads):
    lines = [f"Training step (forward + cross-entropy + backward + Adam), float32, {threads} threads; "
             "median over the timed steps",
             f"{'model':<22} {'framework':<13} {'median ms':>10} {'p90 ms':>8} {'vs PyTorch':>10} "
             f"{'CPU ms':>8} {'peak RSS MB':>12} {'tracemalloc MB':>15}"]
    for config in CONFIGS:
        rows = [r for r in results if r["config"] == config]
        torch_ms = next((r["median_ms"] for r in rows if r["framework"] == "pytorch"), None)
        sizes = "-".join(map(str, CONFIGS[config]["sizes"])) + f" b{CONFIGS[config]['batch']}"
        for r in rows:
            ratio = f"{r['median_ms'] / torch_ms:.2f}x" if torch_ms else "-"
            rss = f"{r['peak_rss_mb']:.1f}" if r["peak_rss_mb"] is not None else "-"
            tm = f"{r['tracemalloc_peak_mb']:.1f}" if "tracemalloc_peak_mb" in r else ""
            lines.append(f"{sizes:<22} {r['framework']:<13} {r['median_ms']:>10.3f} {r['p90_ms']:>8.3f} "
                         f"{ratio:>10} {r['cpu_ms']:>8.3f} {rss:>12} {tm:>15}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--worker", choices=FRAMEWORKS)
    parser.add_argument("--config", choices=list(CONFIGS))
    parser.add_argument("--frameworks", nargs="+", default=FRAMEWORKS, choices=FRAMEWORKS)
    parser.add_argument("--repeat", type=int, default=2, help="runs per pair; the fastest is kept")
    args = parser.parse_args([] if argv is None and __name__ != "__main__" else argv)
    if args.worker:
        worker(args.worker, args.config, args.threads, args.steps, args.warmup)
        return None
    results = run(args.threads, args.steps, args.warmup, args.frameworks, repeat=args.repeat)
    print(format_table(results, args.threads))
    return results


if __name__ == "__main__":
    main()
