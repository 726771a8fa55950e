"""The anchoring watch loop (anchor/anchoring/watch.py): transient errors waited out, others fatal, and the
`credanchor anchor --json` shape of a batch. The cycle itself runs on real chains in tests/integration."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from anchor.anchoring.watch import BatchOutcome, is_transient, watch
from anchor.errors import ChainError, ConfigurationError, CredAnchorError, DevchainError
from anchor.storage.store import StoreError


def cycles(*steps: list[int] | BaseException) -> Callable[[], list[int]]:
    """A cycle that returns (or raises) each step in turn."""
    pending = list(steps)

    def cycle() -> list[int]:
        step = pending.pop(0)
        if isinstance(step, BaseException):
            raise step
        return step

    return cycle


def test_transient_errors_are_waited_out_until_an_idle_cycle():
    waited: list[CredAnchorError] = []
    slept: list[float] = []
    down = ChainError("connection refused")
    cycle = cycles([1, 2], down, StoreError("database gone"), [3], [])
    done = watch(cycle, every=0.5, until_idle=True, on_waiting=waited.append, sleep=slept.append)
    assert done == [1, 2, 3]
    assert [type(e) for e in waited] == [ChainError, StoreError] and waited[0] is down
    assert slept == [0.5] * 4  # after every cycle but the idle one that ended the loop


def test_a_cycle_that_failed_does_not_count_as_idle():
    done = watch(cycles(DevchainError("not running"), [5], []), every=1, until_idle=True, sleep=lambda s: None)
    assert done == [5]


def test_any_other_error_ends_the_loop():
    slept: list[float] = []
    with pytest.raises(ConfigurationError, match="wrong passphrase"):
        watch(cycles([1], ConfigurationError("wrong passphrase"), [2]), every=1, sleep=slept.append)
    assert slept == [1]


def test_without_until_idle_an_idle_cycle_goes_on():
    with pytest.raises(KeyboardInterrupt):
        watch(cycles([], [], KeyboardInterrupt()), every=1, sleep=lambda s: None)


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (ChainError("x"), True),
        (DevchainError("x"), True),
        (StoreError("x"), True),
        (ConfigurationError("x"), False),
        (OSError("x"), False),
    ],
)
def test_error_classification(error, transient):
    assert is_transient(error) is transient


def test_batch_outcome_shapes():
    waiting = BatchOutcome("0xabc", 3, "0x" + "11" * 32, waiting_for_confirmations=2)
    assert waiting.to_dict() == {"account": "0xabc", "batch": 3, "root": "0x" + "11" * 32,
                                 "waiting_for_confirmations": 2}  # fmt: skip
    anchored = BatchOutcome("0xabc", 4, "0x" + "22" * 32, credentials=5, tx="0xdead", block=9, gas_used=45_787)
    assert anchored.to_dict() == {"account": "0xabc", "batch": 4, "root": "0x" + "22" * 32, "credentials": 5,
                                  "tx": "0xdead", "block": 9, "gas_used": 45_787, "resumed": False,
                                  "final": False}  # fmt: skip
