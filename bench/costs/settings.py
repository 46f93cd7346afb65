"""Production settings with knobs for measuring what each layer of a request costs.

Only for bench/request_cost.py: never deploy it.

    BENCH_MIDDLEWARE=all|none|minimal   (minimal = Security + Common only)
    BENCH_DROP_MIDDLEWARE=csp,axes,...  (substrings of middleware paths to leave out)
    BENCH_ATOMIC_REQUESTS=1             (wrap each request in a transaction)
"""

import os

from config.settings.production import *  # noqa: F403
from config.settings.production import MIDDLEWARE as FULL_MIDDLEWARE

ROOT_URLCONF = "bench.costs.urls"

_mode = os.environ.get("BENCH_MIDDLEWARE", "all")
if _mode == "none":
    MIDDLEWARE = []
elif _mode == "minimal":
    MIDDLEWARE = [
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.common.CommonMiddleware",
    ]
else:
    _drop = [d for d in os.environ.get("BENCH_DROP_MIDDLEWARE", "").split(",") if d]
    MIDDLEWARE = [m for m in FULL_MIDDLEWARE if not any(d in m.lower() for d in _drop)]
