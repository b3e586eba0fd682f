"""The daily digest: discovery, planning, the delivery queue, workers and the scheduler tick."""
