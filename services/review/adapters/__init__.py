"""The outside world behind small interfaces: the broker and the other services' /metrics,
read for the pipeline page."""
