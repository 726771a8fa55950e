// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";
import {IERC5192} from "./IERC5192.sol";

/**
 * @title ICredentialNFT
 * @notice A credential issued as a public, soulbound ERC-721 token (ERC-5192, always locked),
 * with its metadata stored on-chain and served as a `data:` JSON token URI. Anyone can mint;
 * the minting address is recorded as the token's issuer, and only that issuer can burn it
 * (which is how a credential is revoked in NFT mode). Trust in the issuer is checked against
 * an issuer registry, as for anchored batches.
 *
 * Holder consent (in the spirit of ERC-4973 account-bound tokens): a public token is forced on
 * its holder, so an issuer can commit to minting only with the holder's consent. Once it has
 * called `setConsentRequired(true)`, its plain {mint} reverts and it must use
 * {mintWithConsent} with the holder's EIP-712 signature over
 * `MintConsent(address holder,address issuer,bytes32 metadataHash,uint256 nonce,uint256 deadline)`
 * in the domain `{name: "credanchor CredentialNFT", version: "1", chainId, verifyingContract}`
 * (the domain is also readable through ERC-5267 `eip712Domain()`). The signature is checked
 * with ECDSA for an account without code and with ERC-1271 for a contract wallet.
 */
interface ICredentialNFT is IERC5192, IERC5267 {
    /// @notice `issuer` minted credential token `tokenId` to `holder`.
    event CredentialMinted(uint256 indexed tokenId, address indexed issuer, address indexed holder);

    /// @notice `issuer` burned (revoked) credential token `tokenId`.
    event CredentialBurned(uint256 indexed tokenId, address indexed issuer);

    /// @notice `issuer` now does (`required`) or does not mint only with the holder's consent.
    event ConsentRequirementSet(address indexed issuer, bool required);

    /// @notice Credential tokens are soulbound: `tokenId` cannot be transferred or approved.
    error CredentialNFTSoulbound(uint256 tokenId);

    /// @notice Only the issuer of `tokenId` may burn it; `caller` is not.
    error CredentialNFTNotIssuer(uint256 tokenId, address caller);

    /// @notice A credential token needs metadata.
    error CredentialNFTEmptyMetadata();

    /// @notice `issuer` requires holder consent for its mints: use {mintWithConsent} to mint to `holder`.
    error CredentialNFTConsentRequired(address issuer, address holder);

    /// @notice The holder's consent was valid until `deadline` (a block timestamp), which has passed.
    error CredentialNFTConsentExpired(uint256 deadline);

    /**
     * @notice The signature is not `holder`'s consent to this mint: wrong signer, another issuer,
     * other metadata, a used nonce (a consent is good for one mint only) or a malformed signature.
     */
    error CredentialNFTInvalidConsent(address holder);

    /**
     * @notice Mints a new locked credential token to `holder` with JSON `metadata` stored
     * on-chain; the caller is its issuer. Reverts with {CredentialNFTConsentRequired} if the
     * caller requires holder consent. Emits {IERC721-Transfer}, {IERC5192-Locked} and
     * {CredentialMinted}.
     * @return tokenId the new token's id (sequential from 1).
     */
    function mint(address holder, string calldata metadata) external returns (uint256 tokenId);

    /**
     * @notice Mints like {mint}, with `holder`'s consent: `signature` is the holder's EIP-712
     * signature of `MintConsent(holder, msg.sender, keccak256(bytes(metadata)), consentNonce(holder),
     * deadline)`. Works whether or not the caller requires consent. Uses up the holder's nonce,
     * so a consent mints once. Reverts with {CredentialNFTConsentExpired} after `deadline` and
     * with {CredentialNFTInvalidConsent} if the signature does not match. Emits what {mint} emits.
     * @param deadline the last block timestamp at which the consent may be used.
     * @param signature a 65-byte ECDSA signature (r, s, v) or, for a contract wallet, whatever its
     * ERC-1271 `isValidSignature` accepts.
     * @return tokenId the new token's id.
     */
    function mintWithConsent(
        address holder,
        string calldata metadata,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256 tokenId);

    /**
     * @notice Burns `tokenId`, revoking the credential; only its issuer. Emits
     * {IERC721-Transfer} and {CredentialBurned}.
     */
    function burn(uint256 tokenId) external;

    /**
     * @notice The caller (as issuer) commits to minting only with holder consent (`required`),
     * or lifts that commitment. Emits {ConsentRequirementSet}, also when nothing changes.
     */
    function setConsentRequired(bool required) external;

    /// @notice The issuer that minted `tokenId` (reverts if the token does not exist).
    function issuerOf(uint256 tokenId) external view returns (address);

    /// @notice Whether `issuer` mints only with holder consent (false until it says otherwise).
    function consentRequired(address issuer) external view returns (bool);

    /// @notice The nonce `holder`'s next consent must carry (0, then one more per consented mint).
    function consentNonce(address holder) external view returns (uint256);
}
