"""One scenario (or one shared data set) in its own process: python -m bench.run_one NAME SIZE.

Prints the scenario's figures as one JSON line on stdout; everything else goes to stderr."""

from __future__ import annotations

import importlib
import json
import os
import sys


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    if argv[0] == "--call":  # a helper of a scenario in a fresh process: --call module:function args…
        module, function = argv[1].split(":")
        getattr(importlib.import_module(module), function)(*argv[2:])
        return 0
    if argv[0] == "--build":
        dataset, size = argv[1], argv[2]
        from . import data

        getattr(data, f"build_{dataset}")(size)
        print(json.dumps({"built": dataset}), flush=True)
        return 0
    name, size = argv
    module = importlib.import_module(f"bench.{name}")
    figures = module.run(size)
    print(json.dumps({"figures": figures}, ensure_ascii=False, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
