"""Run every side-by-side benchmark (minitorch vs PyTorch CPU) one after another: ``make bench``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHMARKS = ["bench_mlp_overhead.py", "bench_conv.py", "bench_mnist_epoch.py", "bench_numba.py"]


def main() -> int:
    here = Path(__file__).parent
    failed = 0
    for name in BENCHMARKS:
        print(f"\n=== {name} ===", flush=True)
        failed |= subprocess.call([sys.executable, name], cwd=here)
    return failed


if __name__ == "__main__":
    sys.exit(main())
