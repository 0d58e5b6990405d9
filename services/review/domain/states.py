"""The path of a proposal through review, as a state machine.

A proposal is ``received`` when its version arrives, ``screened`` when the
completeness check passes, ``assigned`` once reviewers have it, ``scored`` when
every desk review is in. The secretariat then shortlists, rejects or asks for a
revision; finalists get a panel (``panel_assigned`` → ``panel_scored``) and the
cycle's awards end every scored proposal as ``awarded`` or ``not_awarded``.
An agency can withdraw a proposal until a final decision.
"""

from __future__ import annotations

RECEIVED = "received"
SCREENED = "screened"
REVISION_REQUESTED = "revision_requested"
ASSIGNED = "assigned"
SCORED = "scored"
SHORTLISTED = "shortlisted"
REJECTED = "rejected"
PANEL_ASSIGNED = "panel_assigned"
PANEL_SCORED = "panel_scored"
AWARDED = "awarded"
NOT_AWARDED = "not_awarded"
WITHDRAWN = "withdrawn"

# A tuple first: the order of STATES must not depend on string hashing (documents are generated).
FINAL_STATES = (REJECTED, AWARDED, NOT_AWARDED, WITHDRAWN)
FINAL = frozenset(FINAL_STATES)

_MOVES: dict[str, tuple[str, ...]] = {
    RECEIVED: (SCREENED, REVISION_REQUESTED),
    SCREENED: (ASSIGNED,),
    # A resubmitted version starts over.
    REVISION_REQUESTED: (RECEIVED,),
    ASSIGNED: (SCORED,),
    SCORED: (SHORTLISTED, REJECTED, REVISION_REQUESTED, NOT_AWARDED),
    SHORTLISTED: (PANEL_ASSIGNED, AWARDED, NOT_AWARDED),
    PANEL_ASSIGNED: (PANEL_SCORED,),
    PANEL_SCORED: (AWARDED, NOT_AWARDED),
}
# Withdrawal is open from every state that is not final.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    state: (*moves, WITHDRAWN) for state, moves in _MOVES.items()
} | {state: () for state in FINAL_STATES}
STATES = tuple(TRANSITIONS)
# Every state in which the cycle's award decision still has to say something.
AWAITING_AWARD = (SCORED, SHORTLISTED, PANEL_ASSIGNED, PANEL_SCORED)


class IllegalTransition(Exception):
    """A move the state machine does not allow; ``allowed`` lists the ones it does.

    Not a frozen dataclass: raising sets ``__traceback__`` on the instance.
    """

    def __init__(self, current: str, wanted: str, allowed: tuple[str, ...]) -> None:
        super().__init__(current, wanted, allowed)
        self.current, self.wanted, self.allowed = current, wanted, allowed

    def __str__(self) -> str:
        allowed = ", ".join(self.allowed) or "none (final state)"
        return f"A proposal that is {self.current} cannot become {self.wanted}; allowed: {allowed}."


def allowed(current: str) -> tuple[str, ...]:
    return TRANSITIONS.get(current, ())


def can_move(current: str, wanted: str) -> bool:
    return wanted in allowed(current)


def move(current: str, wanted: str) -> str:
    """The new state; raises ``IllegalTransition`` when ``wanted`` is not allowed from ``current``."""
    if not can_move(current, wanted):
        raise IllegalTransition(current, wanted, allowed(current))
    return wanted


def reopened_to(current: str, left: str | None) -> str:
    """The stage a reopened proposal goes back to: the one its withdrawal left.

    Raises ``IllegalTransition`` when the proposal is not withdrawn, or the stage left is
    not one a review can resume (a final one, or none recorded).
    """
    if current != WITHDRAWN or left is None or left in FINAL:
        raise IllegalTransition(current, left or "?", ())
    return left
