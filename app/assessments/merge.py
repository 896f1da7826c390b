"""How a batch of changes made offline is merged. Plain Python: no Flask, no database.

A batch is a device's outbox, in order. Each operation has the device's sequence number `seq`
and, for changes, the client's clock `ts` (milliseconds since 1970):

    {"seq": 7,  "type": "start",  "assessment": "<uuid>", "cooperative": 12, "version": 3,
                "visit_date": "2025-10-14", "attendees": ["Pak Slamet"], "latitude": -7.6, ...}
    {"seq": 8,  "type": "answer", "assessment": "<uuid>", "question": "A1", "value": "yes", "na": false, "ts": ...}
    {"seq": 9,  "type": "note",   "assessment": "<uuid>", "section": "A", "text": "...", "ts": ...}
    {"seq": 10, "type": "submit", "assessment": "<uuid>", "ts": ...}
    {"seq": 11, "type": "attendance", "session": 4, "participant": 9, "day": 1, "present": true, "ts": ...}

An attendance change names a Bimtek session, a participant and a day of the session (1 for the first); it
has no assessment. It stands by the same clock rule as an answer (app/bimtek/presence.py).

The rules:
- Each operation is applied or refused on its own; a refused one comes back with its reason, the
  rest of the batch is still applied. Every operation in the batch is acknowledged either way.
- Starts go first, then answers and notes, then submits, each kind in `seq` order: a submit
  queued offline is judged on the answers queued before it.
- An answer or a note replaces the stored one only when its (ts, seq) is newer, so a replayed
  batch, a duplicate, or a change that arrives late changes nothing.
- The server's clock decides: a batch carries the phone's clock when it was sent (`now`), and a
  phone whose clock is more than SKEW off has its stamps moved by that offset (`corrected`), so
  a phone a year ahead cannot outrank every later change, nor one ten years behind lose to all.
- An operation that cannot be stored as sent is malformed: text with NUL characters or lone
  surrogates, numbers past their columns (see app/inputs.py), fields of the wrong type, values
  nested deeper than MAX_DEPTH.
"""
import uuid
from dataclasses import dataclass, field

from app.inputs import MAX_ID, MAX_SEQ, MAX_STAMP, nested_within, storable, whole

KINDS = ("start", "answer", "note", "submit", "attendance")
ASSESSMENT_KINDS = KINDS[:4]  # the facilitator's; attendance is the Dinas's
ORDER = {"start": 0, "answer": 1, "note": 1, "attendance": 1, "submit": 2}
MAX_OPS = 500
MAX_DAY = 366  # a session's day number, 1 for the first
SKEW = 5 * 60 * 1000  # how far (ms) a phone's clock may be from the server's before its stamps are corrected


@dataclass(frozen=True)
class Op:
    seq: int
    type: str
    assessment: uuid.UUID | None  # None for attendance
    ts: int = 0
    data: dict = field(default_factory=dict, compare=False)

    @property
    def stamp(self):
        return (self.ts, self.seq)


@dataclass(frozen=True)
class Refusal:
    seq: int | None
    reason: str


def read_batch(payload, server_now):
    """(operations in the order to apply them, refusals of malformed ones) from a request body, with
    their stamps on the server's clock (`server_now`, ms)."""
    items = payload.get("ops") if isinstance(payload, dict) else None
    if not isinstance(items, list) or len(items) > MAX_OPS:
        return [], [Refusal(None, "malformed")]
    client_now = payload.get("now")
    client_now = client_now if whole(client_now, 1, MAX_STAMP) else None
    ops, refusals = [], []
    for item in items:
        op = _op(item, client_now, server_now)
        if op is None:
            seq = item.get("seq") if isinstance(item, dict) and whole(item.get("seq"), 0, MAX_SEQ) else None
            refusals.append(Refusal(seq, "malformed"))
        else:
            ops.append(op)
    return sorted(ops, key=lambda op: (ORDER[op.type], op.seq)), refusals


def is_newer(incoming, stored):
    """Whether a change stamped `incoming` (ts, seq) replaces one stamped `stored` (None: nothing stored)."""
    return stored is None or incoming > stored


def corrected(ts, client_now, server_now):
    """A change's stamp `ts` on the server's clock. When the phone's clock (`client_now`, read as it sent
    the change; None if unknown) is more than SKEW off, the stamp moves by the offset; no stamp is later
    than SKEW past the server's clock."""
    if client_now is not None and abs(server_now - client_now) > SKEW:
        ts += server_now - client_now
    return max(0, min(ts, server_now + SKEW))


def _op(item, client_now, server_now):
    if not isinstance(item, dict) or item.get("type") not in KINDS or not whole(item.get("seq"), 0, MAX_SEQ):
        return None
    if not nested_within(item) or not storable(item):
        return None
    if item["type"] == "attendance":
        assessment = None
        if not _attendance_fields(item):
            return None
    else:
        try:
            assessment = uuid.UUID(str(item.get("assessment")))
        except ValueError:
            return None
    ts = item.get("ts", 0)
    if not whole(ts, 0, MAX_STAMP):
        return None
    if item["type"] == "answer" and not isinstance(item.get("question"), str):
        return None
    if item["type"] == "note" and not (isinstance(item.get("section"), str) and isinstance(item.get("text"), str)):
        return None
    if item["type"] == "start" and not _start_fields(item):
        return None
    return Op(item["seq"], item["type"], assessment, corrected(ts, client_now, server_now), item)


def _start_fields(item):
    attendees = item.get("attendees")
    return (whole(item.get("cooperative"), 1, MAX_ID)
            and (item.get("version") is None or whole(item["version"], 1, MAX_ID))
            and isinstance(item.get("visit_date") or "", str)
            and (attendees is None or isinstance(attendees, list) and all(isinstance(a, str) for a in attendees))
            and all(item.get(key) is None or isinstance(item[key], (int, float)) and not isinstance(item[key], bool)
                    for key in ("latitude", "longitude", "accuracy_m")))


def _attendance_fields(item):
    return (whole(item.get("session"), 1, MAX_ID) and whole(item.get("participant"), 1, MAX_ID)
            and whole(item.get("day"), 1, MAX_DAY) and isinstance(item.get("present"), bool))
