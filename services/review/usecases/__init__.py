"""Use cases of the review service: one function per thing a user or an event asks for.

Each opens the service's unit of work (``usecases.work.ReviewWork``): the only place
a transaction opens. ``services.review.consumers`` maps consumed events to them.
"""
