"""Wallets: learners claim credentials into their wallets, verifiers ask wallets for them (issue 16).

`offers` (claim offers: secrets, links, the one claim-and-issue step), `bearer` (the offers' bearer secrets:
drawn, derived and hashed), `holder_proofs` (OpenID4VCI proofs of possession: JWTs by the holder's key),
`oid4vci` (OpenID for Verifiable Credential Issuance 1.0: metadata, token, nonce, credential), `exchanges`
(W3C VC API exchanges: DIDAuthentication, then issuance to the holder's DID). No HTTP framework here: api/
routes call these; the store keeps offers and wallet secrets (anchor.storage.offers).
"""
