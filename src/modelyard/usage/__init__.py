"""Usage: metering each call, pricing it exactly, recording and reporting it."""
