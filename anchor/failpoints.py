"""Fault injection for crash tests: `CREDANCHOR_CRASH_AT=<point>` kills the process with SIGKILL there.

The integration tests run the real anchoring worker in a subprocess and kill it at each point where
a crash could lose or duplicate work; the next run must finish the job exactly once. Unset, this is
one dictionary lookup per point.
"""

from __future__ import annotations

import os
import signal

#: After a batch is closed in the store, before anything is sent.
AFTER_CLOSE = "after-close"
#: After the anchoring transaction is signed and stored, before it is sent (local accounts).
AFTER_SIGN = "after-sign"
#: After the anchoring transaction is sent, before its receipt is read.
AFTER_SEND = "after-send"
#: After the receipt, before the anchored documents are recorded.
AFTER_RECEIPT = "after-receipt"
POINTS = (AFTER_CLOSE, AFTER_SIGN, AFTER_SEND, AFTER_RECEIPT)


def crash_point(name: str) -> None:
    if os.environ.get("CREDANCHOR_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
