"""``python -m minitorch.testing --backend NAME [pytest args]``: run the conformance suite against one backend."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..backends import BackendUnavailableError, get_backend

ENV_VAR = "MINITORCH_CONFORMANCE_BACKENDS"
SUITE = "minitorch.testing.conformance"

_DESCRIPTION = """\
Run minitorch's backend conformance suite (pytest --pyargs minitorch.testing.conformance)
against the named backend only: property tests of every required primitive of the
backend contract on native arrays, every differentiable op of the core on that backend
(values against NumPy, gradients against central differences in float64) over random
shapes, broadcasting, non-contiguous views and mixed dtypes, and the optional fast paths
against their generic versions. Tests needing a dtype the backend lacks are skipped.

Any further arguments go to pytest unchanged. Exits with pytest's exit code
(0: all passed, 1: some failed, 4: usage error such as an unknown backend)."""

_EPILOG = """\
examples:
  python -m minitorch.testing --backend numpy
  python -m minitorch.testing --backend tiny -q -x
  python -m minitorch.testing --backend numba -k softmax --hypothesis-profile=thorough

The hypothesis profile is $HYPOTHESIS_PROFILE when set ("ci": 30 examples per test,
"thorough": 300), else "ci"."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m minitorch.testing", description=_DESCRIPTION, epilog=_EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False)
    parser.add_argument("--backend", required=True, metavar="NAME",
                        help="the backend to test, as listed by `python -m minitorch.backends` "
                             "(several: a comma-separated list)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the suite against ``--backend`` and return pytest's exit code.

    Example:
        >>> main(["--backend", "no-such-backend"])
        4
    """
    args, pytest_args = _parser().parse_known_args(argv)
    names = [n.strip() for n in args.backend.split(",") if n.strip()]
    for name in names:
        try:
            get_backend(name)
        except (ValueError, BackendUnavailableError) as exc:
            print(f"python -m minitorch.testing: {exc}", file=sys.stderr)
            return 4  # pytest's exit code for usage errors
    import pytest

    os.environ[ENV_VAR] = ",".join(names)
    suite_dir = Path(__file__).resolve().parent / "conformance"
    # --confcutdir: from any working directory, pytest loads the suite's own conftest.py
    # (and no conftest.py of the directories around it).
    return int(pytest.main(["--pyargs", SUITE, f"--confcutdir={suite_dir}", "-p", "no:cacheprovider", *pytest_args]))


if __name__ == "__main__":
    sys.exit(main())
