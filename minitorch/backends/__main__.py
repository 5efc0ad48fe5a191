"""``python -m minitorch.backends``: list every discovered backend with its status."""

from __future__ import annotations

import sys

from . import available, get_default_backend


def main() -> int:
    statuses = available()
    print(f"minitorch backends (default: {get_default_backend()})")
    for status in statuses.values():
        print(f"  {status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
