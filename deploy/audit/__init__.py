"""Dependency vulnerability audit: the installed packages against PyPI's vulnerability feed.

    python -m deploy.audit

``policy`` decides (pure), ``feed`` asks PyPI, ``report`` prints, ``__main__`` wires them.
"""
