"""What operators scrape and probe: Prometheus metrics (``/metrics``); ``/readyz`` lives in
:mod:`modelyard.readiness`."""
