"""OpenID4VCI proofs of possession: a JWT (`typ` openid4vci-proof+jwt) signed by the holder's key, naming the
credential issuer as audience and carrying a c_nonce the issuer handed out (OpenID4VCI 1.0, appendix F.1).

The key is named by the header: `kid`, a did:key DID URL, or `jwk`, the public key itself. Ed25519 (alg
`EdDSA`, or its fully-specified name `Ed25519`, RFC 9864) and P-256 (`ES256`) are accepted. The credential is
bound to the DID of that key: the did:key itself, or the did:key made of the JWK. Signatures are verified by
joserfc; which key and which algorithm are decided here, from the header, before it is asked.
"""

from __future__ import annotations

import base64
import json
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, OKPKey

from anchor.crypto import multibase
from anchor.errors import ConfigurationError
from anchor.wallets.offers import WalletError

PROOF_TYPE = "openid4vci-proof+jwt"
ALGORITHMS = ("EdDSA", "Ed25519", "ES256")
P256_PUB = b"\x80\x24"  # multicodec p256-pub (0x1200), varint
#: How far a proof's `iat` may lie in the past (a proof is made just before it is sent) or the future (clocks).
MAX_AGE = timedelta(minutes=5)
CLOCK_SKEW = timedelta(minutes=1)


@dataclass(frozen=True)
class HolderProof:
    """A verified proof: the holder's DID (what the credential is bound to) and the c_nonce it answers."""

    holder: str
    nonce: str


def invalid(detail: str) -> WalletError:
    return WalletError(400, "invalid_proof", detail)


def verify_proof_jwt(token: str, *, audience: str, moment: datetime) -> HolderProof:
    """Check one JWT proof: its type, algorithm, key, signature, audience and age; the nonce is returned for the
    caller to consume (it is single-use, so it is spent only after everything else passed)."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise invalid("the proof is not a compact JWT (header.payload.signature)")
    try:
        header = jws.extract_compact(token.encode()).protected
    except (JoseError, ValueError) as exc:
        raise invalid(f"the proof JWT cannot be read: {exc}") from None
    if header.get("typ") != PROOF_TYPE:
        raise invalid(f"the proof's typ is {header.get('typ')!r}, not {PROOF_TYPE!r}")
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise invalid(f"the proof is signed with {alg!r}; this issuer accepts {', '.join(ALGORITHMS)}")
    holder, key = _holder_key(header, str(alg))
    try:
        with warnings.catch_warnings():  # joserfc warns that "EdDSA" is deprecated (RFC 9864): wallets still use it
            warnings.simplefilter("ignore")
            claims = jwt.decode(token, key, algorithms=[str(alg)]).claims
    except (JoseError, ValueError) as exc:
        raise invalid(f"the proof's signature does not verify with the key in its header ({exc})") from None
    return HolderProof(holder, _check_claims(claims, audience, moment))


def _check_claims(claims: dict[str, Any], audience: str, moment: datetime) -> str:
    aud = claims.get("aud")
    audiences: list[Any] = aud if isinstance(aud, list) else [aud]
    if audience not in audiences:
        raise invalid(f"the proof is for the audience {claims.get('aud')!r}, not this credential issuer {audience!r}")
    issued = claims.get("iat")
    if not isinstance(issued, int | float) or isinstance(issued, bool):
        raise invalid("the proof has no iat (issued-at time, seconds since 1970)")
    age = moment.timestamp() - float(issued)
    if age > MAX_AGE.total_seconds() or -age > CLOCK_SKEW.total_seconds():
        raise invalid(f"the proof was made {age:.0f} s ago; make a fresh one (at most {MAX_AGE.seconds // 60} "
                      "minutes old)")  # fmt: skip
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise WalletError(400, "invalid_nonce", "the proof carries no nonce: get a c_nonce from the nonce endpoint")
    return nonce


def _holder_key(header: dict[str, Any], alg: str) -> tuple[str, OKPKey | ECKey]:
    kid, jwk = header.get("kid"), header.get("jwk")
    if (kid is None) == (jwk is None):
        raise invalid("the proof's header must name its key by kid (a did:key DID URL) or jwk — exactly one")
    if jwk is not None:
        if not isinstance(jwk, dict) or "d" in jwk:
            raise invalid("the proof's jwk must be a public key (and never hold the private part d)")
        raw, curve = _jwk_public_key(jwk)
    else:
        if not isinstance(kid, str) or not kid.startswith("did:key:"):
            raise invalid(f"the proof's kid {str(kid)[:80]!r} is not a did:key DID URL; use did:key or a jwk")
        raw, curve = _did_key_public_key(kid.partition("#")[0])
    expected = {"EdDSA": "Ed25519", "Ed25519": "Ed25519", "ES256": "P-256"}[alg]
    if curve != expected:
        raise invalid(f"the proof's alg {alg} does not fit its {curve} key")
    if curve == "Ed25519":
        did = "did:key:" + multibase.encode(multibase.ED25519_PUB + raw)
        return did, OKPKey.import_key({"kty": "OKP", "crv": "Ed25519", "x": _b64(raw)})
    point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    numbers = point.public_numbers()
    compressed = bytes([2 + (numbers.y & 1)]) + numbers.x.to_bytes(32, "big")
    did = "did:key:" + multibase.encode(P256_PUB + compressed)
    key = ECKey.import_key({"kty": "EC", "crv": "P-256", "x": _b64(numbers.x.to_bytes(32, "big")),
                            "y": _b64(numbers.y.to_bytes(32, "big"))})  # fmt: skip
    return did, key


def _jwk_public_key(jwk: dict[str, Any]) -> tuple[bytes, str]:
    try:
        if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
            raw = _unb64(jwk["x"])
            if len(raw) == 32:
                return raw, "Ed25519"
        if jwk.get("kty") == "EC" and jwk.get("crv") == "P-256":
            x, y = _unb64(jwk["x"]), _unb64(jwk["y"])
            if len(x) == 32 and len(y) == 32:
                return b"\x04" + x + y, "P-256"
    except (KeyError, TypeError, ValueError):
        pass
    raise invalid(f"the proof's jwk is not an Ed25519 (OKP) or P-256 (EC) public key: {json.dumps(jwk)[:120]}")


def _did_key_public_key(did: str) -> tuple[bytes, str]:
    try:
        raw = multibase.decode(did[len("did:key:") :])
    except ConfigurationError as exc:
        raise invalid(f"the proof's did:key cannot be decoded: {exc}") from None
    if raw[:2] == multibase.ED25519_PUB and len(raw) == 34:
        return raw[2:], "Ed25519"
    if raw[:2] == P256_PUB and len(raw) == 35:
        return raw[2:], "P-256"
    raise invalid(f"{did[:40]}… is not an Ed25519 or P-256 did:key")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64url text")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
