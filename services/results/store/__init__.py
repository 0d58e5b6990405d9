"""Persistence of the results service.

``tables`` (the schema) and ``records`` (writing a publication, reading cycles and the
catalogue). The store works on the connection of a transaction a use case opened
(``usecases/work.py``); it opens none itself.
"""

from services.results.store.tables import inbox, metadata

__all__ = ["inbox", "metadata"]
