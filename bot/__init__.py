"""Discord bot that answers questions about a knowledge base with verbatim, cited quotes."""

import os

__version__ = "0.1.0"

# One OpenBLAS thread per call, unless the operator says otherwise. The bot runs its BLAS
# work (question encoding, embedding after a reload) on several threads at once; with
# OpenBLAS's default of one thread per core they spin against each other and a question's
# encoding p99 went from 16 ms to 712 ms on 2 cores (docs/benchmarks.md, question latency).
# Set before numpy is first imported, which reads it once.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
