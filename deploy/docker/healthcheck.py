"""The image's HEALTHCHECK: exit 0 when ``/readyz`` on this container's port answers 200.

A replica that is draining (SIGTERM) or whose database, Redis, limits or budgets are degraded
answers 503, and the check fails; the standard library only, so the check loads nothing else.
"""

import os
import sys
import urllib.error
import urllib.request

port = os.environ.get("MODELYARD_PORT", "8080")
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=3) as answer:
        sys.exit(0 if answer.status == 200 else 1)
except (urllib.error.URLError, OSError):
    sys.exit(1)
