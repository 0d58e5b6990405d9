"""The outside world behind small interfaces, each with a real and a fake."""
