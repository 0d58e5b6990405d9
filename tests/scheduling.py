"""How ``pytest -n N`` (pytest-xdist; ``make test`` runs two workers) shares out the tests.

- Every test that starts whole stacks (tests/e2e and the other whole-stack tiers) goes to one
  worker, in collection order, one stack at a time: two stacks at once on two cores would
  starve each other's processes, and a module-scoped stack is started once. That queue is
  the longest, so it is handed out first.
- The unit and integration tests go module by module to whichever worker asks for work (a
  module's fixtures are set up once). Each worker has its own broker (``kafka_bootstrap`` is
  per session) and every test its own databases (``database_factory``), so they share no
  state on the broker or the database server.
- With ``KAFKA_BOOTSTRAP_SERVERS`` set, every worker would use that one broker, and two
  tests' consumers of the same group could share its partitions out: then every test joins
  the one queue (one worker runs them all, as without ``-n``).
"""

from __future__ import annotations

import os

from xdist.scheduler import LoadScopeScheduling
from xdist.workermanage import WorkerController

STACKS = "whole stacks"
MODULE_BY_MODULE = ("tests/unit/", "tests/integration/")


class StacksInOneWorker(LoadScopeScheduling):
    """pytest-xdist's scope scheduling with the whole-stack tests as one scope, queued first."""

    def _split_scope(self, nodeid: str) -> str:
        module = nodeid.split("::", 1)[0]
        if module.startswith(MODULE_BY_MODULE) and not os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
            return module
        return STACKS

    def _assign_work_unit(self, node: WorkerController) -> None:
        if STACKS in self.workqueue:
            self.workqueue.move_to_end(STACKS, last=False)
        super()._assign_work_unit(node)
