"""`python -m bench` (and `make bench`): run every benchmark module of this package in turn.

Each module is also runnable alone (`python -m bench.feeds`) and has a `main(argv)`.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path


def main() -> None:
    here = Path(__file__).parent
    for module in sorted(info.name for info in pkgutil.iter_modules([str(here)])):
        if module.startswith("_"):
            continue
        benchmark = importlib.import_module(f"bench.{module}")
        if callable(getattr(benchmark, "main", None)):
            print(f"== bench.{module}")
            benchmark.main([])
            print()


if __name__ == "__main__":
    main()
