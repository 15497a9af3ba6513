"""Settings for the benchmark: the site's own settings plus the baseline view, never used in production."""

import os
from pathlib import Path

from makerlab.settings import *  # noqa: F403
from makerlab.settings import TEMPLATES, VAR_DIR

ROOT_URLCONF = "bench.urls"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], Path(__file__).resolve().parent / "templates"]
# Collected separately so the benchmark never touches the static files of a real install.
STATIC_ROOT = Path(os.environ.get("BENCH_STATIC_ROOT", VAR_DIR / "bench" / "static"))
