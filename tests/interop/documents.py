"""Every kind of document credanchor writes, built with the library as the CLI and API build them.

Dates are fixed (valid from 2025, until 2125), so a stock verifier's own clock accepts them; the
anchor proof names a chain that is not running (a stock verifier does not read it).
"""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache
from typing import Any

from anchor.credentials.anchor_proofs import anchor_proof, with_anchor_proof
from anchor.credentials.holder import present
from anchor.credentials.issuance import CredentialIssuer
from anchor.credentials.model import Award, AwardingBody, Learner, MicroCredentialSpec, Skill
from anchor.credentials.stacking import StackRules, issue_stack, stack_spec
from anchor.credentials.status import StatusLocation
from anchor.crypto.keys import SigningKey
from anchor.crypto.proofs import RDFC
from anchor.types import Root

ISSUED = datetime(2025, 3, 1, tzinfo=UTC)
UNTIL = datetime(2125, 3, 1, tzinfo=UTC)
CHALLENGE, DOMAIN = "c0ffee-4b1d", "https://verifier.example"
CHAIN_ID = 31337
CONTRACT = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
ACCOUNT = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"

SPEC = MicroCredentialSpec(
    title="Data Literacy Essentials",
    description="Reading, cleaning and charting tabular data.",
    learning_outcomes=("Clean a tabular data set", "Choose a chart that answers a question"),
    assessment_type="Project assessed by two examiners",
    participation_form="online",
    quality_assurance="Internal QA under ISO 21001",
    workload_hours=62.5,
    ects_credits=2.5,
    eqf_level=5,
    nqf_level="NQF 5 (PT)",
    criteria="Pass the project and the oral defence",
    prerequisites=("Basic spreadsheet use",),
    skills=(Skill("http://data.europa.eu/esco/skill/1605025e-a179-421f-8f35-5b07d182a6b2", "data analytics"),),
    stackability="Counts towards the Certificate in Applied Data Skills",
)
STATISTICS = replace(SPEC, title="Applied Statistics", ects_credits=4.5, workload_hours=110, eqf_level=6)
RULES = StackRules(("Data Literacy Essentials", "Applied Statistics"), min_ects=6, min_eqf_level=5, min_components=2)


@cache
def key(name: str) -> SigningKey:
    return SigningKey.generate()


def issuer(name: str = "Universidade Exemplo", cryptosuite: str = RDFC) -> CredentialIssuer:
    body = AwardingBody(key(name).did, name, "PT", "Lisboa", "https://uni.example")
    return CredentialIssuer(body, key(name), cryptosuite=cryptosuite)


def learner() -> Learner:
    return Learner("Zoë Ñúñez", "zoe@example.org", key("holder").did)


def micro_credential(cryptosuite: str = RDFC) -> dict[str, Any]:
    """A graded micro-credential, signed (no status, not anchored): `credanchor issue` without a chain."""
    return issuer(cryptosuite=cryptosuite).issue(SPEC, Award(learner(), ISSUED, grade="A", valid_until=UNTIL))


def anchored_credential(purposes: tuple[str, ...] = ("revocation", "suspension")) -> dict[str, Any]:
    """A micro-credential with on-chain status entries (`purposes`), signed, then given its anchor proof (a
    proof set)."""
    location = StatusLocation(CHAIN_ID, CONTRACT, ACCOUNT, 7, 49880, 1203)
    award = Award(learner(), ISSUED, valid_until=UNTIL, extra_status=tuple(location.entries(purposes=purposes)))
    signed = issuer().issue(STATISTICS, award)
    proof = anchor_proof(
        anchored_at=int(ISSUED.timestamp()) + 60,
        chain_id=CHAIN_ID,
        contract=CONTRACT,
        anchored_by=ACCOUNT,
        root=Root(bytes(range(32))),
        path=[bytes([7]) * 32, bytes([9]) * 32],
        tx_hash=bytes([5]) * 32,
        block_number=6,
    )
    return with_anchor_proof(signed, proof)


@cache
def _components() -> tuple[dict[str, Any], dict[str, Any]]:
    data = issuer("Universidade A").issue(SPEC, Award(learner(), ISSUED, grade="B"))
    statistics = issuer("Politécnico B").issue(STATISTICS, Award(learner(), ISSUED))
    return data, statistics


def stacked_certificate() -> dict[str, Any]:
    """A certificate stacking two micro-credentials of two issuers (`credanchor stack issue`)."""
    parts = list(copy.deepcopy(_components()))
    spec = stack_spec("Certificate in Applied Data Skills", "Data literacy and statistics", parts, rules=RULES)
    return issue_stack(issuer("Academia C"), spec, Award(learner(), ISSUED, valid_until=UNTIL), parts, RULES)


def presentation() -> dict[str, Any]:
    """The learner's presentation of a micro-credential and a stack (`credanchor holder present`)."""
    return present([micro_credential(), stacked_certificate()], key("holder"), challenge=CHALLENGE, domain=DOMAIN)


KINDS = {
    "micro-credential": micro_credential,
    "anchored credential": anchored_credential,
    "stacked certificate": stacked_certificate,
    "presentation": presentation,
}
