"""The assessment's states and who may move it between them. Plain Python: no Flask, no database.

    draft ──submit──▶ submitted ──approve──▶ approved
                        │  ▲                    │
                  return│  │submit        reopen│ (admin, with a reason)
                        ▼  │                    ▼
                      returned ◀────────────────┘
"""
from dataclasses import dataclass

from app.roles import ADMIN, FACILITATOR, SUPERVISOR

DRAFT, SUBMITTED, RETURNED, APPROVED = "draft", "submitted", "returned", "approved"
UNVISITED = "unvisited"  # where a cooperative no visit has reached yet stands
OWNER = "owner"  # the facilitator who started the assessment


@dataclass(frozen=True)
class Move:
    action: str
    source: str
    target: str
    actor: str           # a role, or OWNER
    needs_comment: bool = False


MOVES = (
    Move("submit", DRAFT, SUBMITTED, OWNER),
    Move("submit", RETURNED, SUBMITTED, OWNER),
    Move("approve", SUBMITTED, APPROVED, SUPERVISOR),
    Move("return", SUBMITTED, RETURNED, SUPERVISOR, needs_comment=True),
    Move("reopen", APPROVED, RETURNED, ADMIN, needs_comment=True),
)
ACTIONS = sorted({move.action for move in MOVES})


class NotAllowed(Exception):
    """The action is not possible from this state, or not for this user."""


def move_for(action, status, role, is_owner):
    """The Move that `action` makes from `status` for a user of `role`; NotAllowed otherwise."""
    for move in MOVES:
        if move.action == action and move.source == status:
            if move.actor == role or (move.actor == OWNER and role == FACILITATOR and is_owner):
                return move
            raise NotAllowed("role")
    raise NotAllowed("state")


def actions_for(status, role, is_owner):
    """The actions this user may take on an assessment in `status`."""
    allowed = []
    for action in ACTIONS:
        try:
            move_for(action, status, role, is_owner)
            allowed.append(action)
        except NotAllowed:
            pass
    return allowed
