"""The NumPy backend keeps freed host memory (glibc malloc tuning): big temporaries stop page-faulting each step."""

import os
import subprocess
import sys

import pytest

from minitorch.backends import host_memory

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc on Linux")

# Allocates and frees 8 MiB arrays in a loop, as a training step does with its activations, and
# prints the page faults of the last 20 rounds.
_SCRIPT = """
import resource, numpy as np, minitorch as mt
mt.zeros(1)  # creates the NumPy backend
def round_():
    a = np.ones(1 << 21, np.float32); b = a * 2; del a; return float(b[-1])
for _ in range(5): round_()
start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20): round_()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - start)
"""


def _faults(**env: str) -> int:
    clean = {k: v for k, v in os.environ.items() if k not in host_memory._USER_SETTINGS + (host_memory.OPT_OUT,)}
    out = subprocess.run([sys.executable, "-c", _SCRIPT], env={**clean, **env}, capture_output=True, text=True,
                         check=True)
    return int(out.stdout)


def test_backend_keeps_freed_memory_so_steps_stop_faulting():
    tuned = _faults()
    untouched = _faults(MINITORCH_KEEP_FREED_MEMORY="0")
    # 20 rounds of fresh 8 MiB arrays (2048 pages each; about 1,000 fault per round untuned, 0 tuned)
    assert untouched > 20 * 500, untouched
    assert tuned < 200, tuned


def test_users_malloc_settings_win():
    assert _faults(MALLOC_TRIM_THRESHOLD_="0", MALLOC_MMAP_THRESHOLD_="65536") > 20 * 500


def test_keep_freed_memory_reports_once_per_process():
    assert host_memory.keep_freed_memory() is host_memory.keep_freed_memory()
