"""Platform helpers every process uses, whatever it serves: settings, backoff, logs, metrics, db."""
