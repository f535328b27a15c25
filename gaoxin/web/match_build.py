"""The matching index's background build and its progress now live in gaoxin.services.matching
(the CLI's `gaoxin serve` warm-up and the web pages both use it); this module keeps the web's old
import path working."""
from gaoxin.services.matching import (BUILDING, ERROR, IDLE, READY, STATE_LABELS, BuildStatus,  # noqa: F401
                                      _STATUSES, describe, eta_text, start, status_for)
