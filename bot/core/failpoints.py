"""Named failpoints: `BOT_FAILPOINT=<name>` kills the process (SIGKILL) when it reaches that point.

Tests use them to prove that a crash at any step of delivery loses nothing and duplicates nothing.
"""

from __future__ import annotations

import os
import signal

ENV = "BOT_FAILPOINT"  # after_plan, after_claim, after_send or after_ledger


def failpoint(name: str) -> None:
    """Die here, abruptly, if this failpoint is armed."""
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
