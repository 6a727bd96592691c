"""Settings shared by the whole suite: no windows, quiet TensorFlow, reproducible hashing."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("PYTHONHASHSEED", "0")
# Tests run two at a time on two cores (pytest -n 2); one BLAS/OpenMP thread per process (and per
# notebook kernel, which inherits this) avoids oversubscription that makes everything several times slower.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
