"""The holder's answer to one of our challenges: the step VC API claim exchanges and verifier requests share.

A wallet answers a VerifiablePresentationRequest with a presentation carrying one authentication proof by
the holder with the challenge we issued and our domain (anchor.credentials.presentation enforces that). Here
the challenge is found among the ones this exchange or request made (kept hashed, single-use), the
presentation is verified, and the caller gets the report and the challenge to spend once its own work is
ready to commit: a presentation made for another exchange, or with a challenge we never issued, is refused
before anything is done.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from anchor.credentials.presentation import PresentationReport, verify_presentation
from anchor.credentials.verify import Verifier
from anchor.storage.store import Store
from anchor.types import as_list
from anchor.wallets import bearer
from anchor.wallets.offers import WalletError, origin

#: The checks that make a presentation the holder's answer to our challenge (credentials inside aside).
ANSWER_CHECKS = ("presentation_schema", "presentation_proof", "challenge", "domain")


@dataclass(frozen=True)
class Answer:
    report: PresentationReport
    challenge: str
    proofs: list[dict[str, Any]]


def checked_answer(
    store: Store, verifier: Verifier, public_url: str, owner_id: str, presentation: Any, *, what: str
) -> Answer:
    """Verify `presentation` as the holder's answer to a challenge that `owner_id` (an offer or a request,
    called `what` in messages) made; WalletError 400 when it is not."""
    proofs = [p for p in as_list(presentation.get("proof")) if isinstance(p, dict)] if isinstance(
        presentation, dict) else []  # fmt: skip
    challenges = {p.get("challenge") for p in proofs if isinstance(p.get("challenge"), str)}
    if len(challenges) != 1:
        raise WalletError(400, "invalid-presentation", "the presentation must carry one authentication proof with "
                          f"the challenge of this {what}: POST {{}} to get one")  # fmt: skip
    challenge = str(next(iter(challenges)))
    secret = store.wallet_secret("challenge", bearer.digest(challenge))
    if secret is None or secret.owner != owner_id:
        raise WalletError(400, "invalid-presentation", f"the presentation answers a challenge this {what} did not "
                          "make: POST {} to get one")  # fmt: skip
    report = verify_presentation(presentation, verifier, challenge=challenge, domain=origin(public_url))
    return Answer(report, challenge, proofs)


def failed_answer_checks(report: PresentationReport) -> str:
    """The reasons of the failed ANSWER_CHECKS, '; '-joined ('' when none failed)."""
    return "; ".join(f"{c.name}: {c.reason}" for c in report.checks if c.name in ANSWER_CHECKS
                     and c.outcome.value == "fail")  # fmt: skip
