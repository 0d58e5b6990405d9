"""Use cases of the review service: one function per thing a user or an event asks for.

The HTTP edge (``api/``) and the worker (``consumers.py``) call them; each runs in the
transaction its caller opened.
"""
