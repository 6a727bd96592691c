"""Training-step time: tinygrad_ref vs PyTorch eager vs TensorFlow eager vs ``tf.function``.

One step = forward, softmax cross-entropy, backward, Adam update, in float32, for
- two MLPs: 784-256-256-10 with batch 128 (MNIST-sized) and 64-128-10 with batch 64 (the digits MLP of
  the course), in all four frameworks, with 2 threads;
- a small CNN on 28x28 images (conv 1->8 3x3, ReLU, max-pool 2, conv 8->16 3x3, ReLU, max-pool 2,
  linear 784->10), batch 64; an LSTM (input 32, hidden 64, 20 steps, batch 32, linear head on the last
  state); a self-attention block (``MultiheadAttention(64, 4, batch_first=True)``, 16 tokens, batch 32,
  mean over tokens, linear head): tinygrad_ref against PyTorch, with 1 thread (the libraries' own
  kernels, not their threading).
Every framework runs in its own subprocess with the row's number of threads (``--threads`` overrides it):
``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS`` and ``MKL_NUM_THREADS`` in its environment,
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
tinygrad_ref keeps the memory its first throw-away build freed (``backend.keep_freed_memory``), so its
RSS growth can read near 0; its tracemalloc peak is the figure to compare.

The allocator: importing tinygrad_ref asks glibc to keep up to 64 MiB of freed memory
(``backend.keep_freed_memory``), which spares it the page faults of fetching fresh pages every step.
PyTorch and TensorFlow allocate their CPU tensors with the same ``malloc`` and fault the same way, so
every framework's subprocess here runs with that setting (glibc's ``MALLOC_TOP_PAD_``): the ratios
compare the frameworks, not one allocator setting against the default. ``--default-allocator`` runs
all of them with glibc's defaults instead (tinygrad_ref's own setting off too).

    python benchmarks/bench_frameworks.py [--threads N] [--steps 200] [--warmup 20] [--repeat 2]
                                          [--configs mlp784 cnn ...] [--frameworks tinygrad_ref pytorch ...]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

FRAMEWORKS = ["tinygrad_ref", "pytorch", "tf_eager", "tf_function"]
CONFIGS = {  # sizes: the MLP's layer widths, or (input features, classes) of the other models
    "mlp784": dict(model="mlp", sizes=(784, 256, 256, 10), batch=128, threads=2, frameworks=FRAMEWORKS),
    "digits": dict(model="mlp", sizes=(64, 128, 10), batch=64, threads=2, frameworks=FRAMEWORKS),
    "cnn": dict(model="cnn", sizes=((1, 28, 28), 10), batch=64, threads=1, frameworks=FRAMEWORKS[:2]),
    "lstm": dict(model="lstm", sizes=((20, 32), 10), batch=32, threads=1, frameworks=FRAMEWORKS[:2]),
    "attention": dict(model="attention", sizes=((16, 64), 10), batch=32, threads=1,
                      frameworks=FRAMEWORKS[:2]),
}
LABELS = {"mlp784": "784-256-256-10 b128", "digits": "64-128-10 b64", "cnn": "CNN 28x28 b64",
          "lstm": "LSTM 32-64 T20 b32", "attention": "MHA 64/4h T16 b32"}
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


def _data(config, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    sizes, batch = CONFIGS[config]["sizes"], CONFIGS[config]["batch"]
    features = sizes[0] if isinstance(sizes[0], tuple) else (sizes[0],)
    x = rng.standard_normal((batch, *features)).astype(np.float32)
    y = rng.integers(0, sizes[-1], size=batch).astype(np.int64)
    return x, y


def _model(nn, config):
    """The config's model from ``nn`` (``tinygrad_ref.nn`` or ``torch.nn``: the same names)."""
    kind, sizes = CONFIGS[config]["model"], CONFIGS[config]["sizes"]
    if kind == "mlp":
        layers = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(a, b), nn.ReLU()]
        return nn.Sequential(*layers[:-1])
    if kind == "cnn":
        return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(16 * 7 * 7, sizes[1]))

    class Sequence(nn.Module):  # LSTM: the last hidden state; attention: the mean over tokens
        def __init__(self):
            super().__init__()
            width = sizes[0][1]
            if kind == "lstm":
                self.body, width = nn.LSTM(width, 64, batch_first=True), 64
            else:
                self.body = nn.MultiheadAttention(width, 4, batch_first=True)
            self.head = nn.Linear(width, sizes[1])

        def forward(self, x):
            if kind == "lstm":
                return self.head(self.body(x)[1][0][0])
            return self.head(self.body(x, x, x, need_weights=False)[0].mean(1))

    return Sequence()


def _make_step(framework, config):
    """Build the model and return a function that runs one training step."""
    x, y = _data(config)
    sizes = CONFIGS[config]["sizes"]
    if framework == "tinygrad_ref":
        sys.path.insert(0, ROOT)
        import tinygrad_ref as tg
        from tinygrad_ref import nn, optim

        model = _model(nn, config)
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

        model = _model(torch.nn, config)
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
    _make_step(framework, config)()  # first build and call: imports, lazy initialisations
    rss_before = _status_kib("VmRSS")
    _reset_peak_rss()
    step = _make_step(framework, config)
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
    result = dict(framework=framework, config=config, threads=threads,
                  median_ms=1e3 * statistics.median(times),
                  p90_ms=1e3 * sorted(times)[int(0.9 * len(times))], cpu_ms=cpu_ms, blas_threads=blas,
                  peak_rss_mb=None if None in (peak, rss_before) else max(0, peak - rss_before) / 1024)
    if framework == "tinygrad_ref":
        import tracemalloc

        tracemalloc.start()
        step = _make_step(framework, config)
        for _ in range(10):
            step()
        result["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    print(json.dumps(result))


# ------------------------------------------------------------------------------------------- driver


def allocator_env(default_allocator=False) -> dict[str, str]:
    """The allocator setting every framework's subprocess runs with: tinygrad_ref's (glibc keeps
    ``KEEP_FREED_MIB`` of freed memory, as ``backend.keep_freed_memory`` asks at import), or glibc's
    defaults for all (tinygrad_ref's own setting switched off too)."""
    from tinygrad_ref.backend import KEEP_FREED_MIB

    if default_allocator:
        return {"TINYGRAD_REF_KEEP_FREED_MIB": "0"}
    return {"MALLOC_TOP_PAD_": str(KEEP_FREED_MIB << 20)}


def run(threads=None, steps=200, warmup=20, frameworks=FRAMEWORKS, configs=tuple(CONFIGS), repeat=2,
        default_allocator=False):
    """Each (model, framework) pair ``repeat`` times, interleaved; keep the run with the lowest median
    (other processes on the machine only ever make a run slower). ``threads=None``: each row's own;
    ``default_allocator``: glibc's defaults for every framework (:func:`allocator_env`)."""
    best = {}
    pairs = [(c, f) for c in configs for f in frameworks if f in CONFIGS[c]["frameworks"]]
    for _, (config, fw) in ((r, pair) for r in range(repeat) for pair in pairs):
        n_threads = threads or CONFIGS[config]["threads"]
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", fw, "--config", config,
               "--threads", str(n_threads), "--steps", str(steps), "--warmup", str(warmup)]
        # the thread count also as environment variables, read when the BLAS and OpenMP libraries load:
        # limiting OpenBLAS later (threadpoolctl) leaves its worker threads alive, and on a busy machine
        # waking them made single-threaded NumPy steps erratic
        threads_env = {name: str(n_threads) for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                                         "MKL_NUM_THREADS")}
        proc = subprocess.run(cmd, capture_output=True, text=True,
                              env={**os.environ, **threads_env, **allocator_env(default_allocator),
                                   "TF_CPP_MIN_LOG_LEVEL": "2"})
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
        if proc.returncode != 0 or not lines:
            print(f"{config} {fw}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
            continue
        result = json.loads(lines[-1])
        if (config, fw) not in best or result["median_ms"] < best[config, fw]["median_ms"]:
            best[config, fw] = result
    return list(best.values())


def format_table(results):
    lines = ["Training step (forward + cross-entropy + backward + Adam), float32; median over the timed "
             "steps",
             f"{'model':<22} {'threads':>7} {'framework':<13} {'median ms':>10} {'p90 ms':>8} "
             f"{'vs PyTorch':>10} "
             f"{'CPU ms':>8} {'peak RSS MB':>12} {'tracemalloc MB':>15}"]
    for config in CONFIGS:
        rows = [r for r in results if r["config"] == config]
        torch_ms = next((r["median_ms"] for r in rows if r["framework"] == "pytorch"), None)
        for r in rows:
            ratio = f"{r['median_ms'] / torch_ms:.2f}x" if torch_ms else "-"
            rss = f"{r['peak_rss_mb']:.1f}" if r["peak_rss_mb"] is not None else "-"
            tm = f"{r['tracemalloc_peak_mb']:.1f}" if "tracemalloc_peak_mb" in r else ""
            lines.append(f"{LABELS[config]:<22} {r['threads']:>7} {r['framework']:<13} "
                         f"{r['median_ms']:>10.3f} {r['p90_ms']:>8.3f} "
                         f"{ratio:>10} {r['cpu_ms']:>8.3f} {rss:>12} {tm:>15}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for every row (default: each row's own)")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--worker", choices=FRAMEWORKS)
    parser.add_argument("--config", choices=list(CONFIGS))
    parser.add_argument("--frameworks", nargs="+", default=FRAMEWORKS, choices=FRAMEWORKS)
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    parser.add_argument("--repeat", type=int, default=2, help="runs per pair; the fastest is kept")
    parser.add_argument("--default-allocator", action="store_true",
                        help="glibc's default allocator settings for every framework, tinygrad_ref's too")
    args = parser.parse_args([] if argv is None and __name__ != "__main__" else argv)
    if args.worker:
        worker(args.worker, args.config, args.threads, args.steps, args.warmup)
        return None
    results = run(args.threads, args.steps, args.warmup, args.frameworks, args.configs, args.repeat,
                  args.default_allocator)
    print(format_table(results))
    return results


if __name__ == "__main__":
    main()
