"""Stacked credentials: a macro-credential (e.g. a certificate) composed of micro-credentials.

The macro-credential is an ordinary micro-credential — the same Open Badges 3.0 shape and EU
elements, signed, anchored, revoked and verified like any other — with two additions, both
defined by a JSON-LD context so that eddsa-rdfc-2022 signs them (format: docs/stacking.md):

- `credentialSubject.achievement.stackRules` (project context): the rules, as data, that the
  components must meet — required achievements, minimum ECTS credits / hours, minimum EQF level,
  minimum number of components. Shared by every learner of the certificate, like the achievement.
- one OB 3.0 / VC 2.0 `evidence` entry per component, typed `["Evidence", "StackComponent"]`:
  `id` is the component credential's id and `digestMultibase` (VC 2.0) the sha2-256 multihash,
  multibase base64url (`u…`), of the component *as its issuer signed it*: its JCS serialization
  with the anchor proofs removed — the very bytes whose keccak256 is its Merkle leaf, so anchoring
  a component never changes its digest. The entry also records what the stack's issuer saw (title,
  achievement, issuer DID, ECTS, hours, EQF level), so a stack can be judged without its parts.

`verify_stack` adds two named checks to the macro-credential's own report:

- `stack_components` every component shown matches its digest and verifies in full (schema,
  signature, anchoring, status, its issuer accredited at *its own* anchoring time; a component
  that is itself a stack is verified as one). A component not shown is reported "not shown": the
  stack's issuer vouched for it when issuing. With none shown the check is `not_applicable`;
  a shown component that fails makes it fail, naming the component (title and id) and why.
- `stack_rules` the rules hold over the shown components that verified (their own data) and, for
  components not shown, what the stack's issuer recorded. A component that failed does not count.

The package: :mod:`.rules` (rules as data, component summaries, digests), :mod:`.issuing`
(`stack_spec`, `issue_stack`) and :mod:`.verifying` (`verify_stack`, the stack report). Nothing
here anchors: a stack is anchored like any other credential (:mod:`anchor.anchoring.batches`).
"""

from __future__ import annotations

from anchor.credentials.stacking.issuing import (
    DEFAULT_ASSESSMENT,
    DEFAULT_QUALITY_ASSURANCE,
    component_problems,
    issue_stack,
    stack_spec,
)
from anchor.credentials.stacking.rules import (
    SHA2_256,
    STACK_COMPONENT,
    ComponentSummary,
    StackRules,
    StackRulesError,
    component_digest,
    decode_digest,
    digest_matches,
    is_stack,
    stack_references,
)
from anchor.credentials.stacking.verifying import STACK_CHECKS, ComponentResult, StackReport, verify_stack

__all__ = [
    "DEFAULT_ASSESSMENT",
    "DEFAULT_QUALITY_ASSURANCE",
    "SHA2_256",
    "STACK_CHECKS",
    "STACK_COMPONENT",
    "ComponentResult",
    "ComponentSummary",
    "StackReport",
    "StackRules",
    "StackRulesError",
    "component_digest",
    "component_problems",
    "decode_digest",
    "digest_matches",
    "is_stack",
    "issue_stack",
    "stack_references",
    "stack_spec",
    "verify_stack",
]
