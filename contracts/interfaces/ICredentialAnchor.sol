// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title ICredentialAnchor
 * @notice A neutral, permissionless record of Merkle roots of credential batches and of the
 * on-chain status (revocation, suspension) of the credentials in them.
 *
 * Everything is namespaced by `msg.sender`: an address can only ever write its own batches and
 * its own status lists. The contract does not decide who is a trusted issuer; a verifier checks
 * that the anchoring address belonged to an issuer accredited in an `IIssuerRegistry` at
 * `anchoredAt`. Several trust registries can therefore share one anchor contract.
 *
 * Status lists follow the W3C Bitstring Status List layout: list entry `index` lives in word
 * `index >> 8`, bit `255 - (index & 255)` (most significant bit first), so the big-endian words
 * of a list, concatenated, are exactly the W3C bitstring. Indices travel as packed 3-byte
 * big-endian integers, so a list holds up to 2**24 entries and one index costs 3 calldata bytes.
 */
interface ICredentialAnchor {
    /// @notice What a status bit means.
    enum StatusPurpose {
        /// @dev Permanent: a revocation bit can be set, never cleared.
        Revocation,
        /// @dev Reversible: a suspension bit can be set and cleared.
        Suspension
    }

    /**
     * @notice One anchored batch, as recorded for the address that anchored it.
     * @dev The batch size is deliberately not recorded: it would publish the issuer's issuance
     * volume per batch to anyone reading the chain, and a verifier does not need it (the Merkle
     * proof alone shows inclusion). Packed in a single storage word.
     */
    struct Batch {
        /// Block timestamp of the anchoring transaction; 0 if the root was never anchored.
        uint64 anchoredAt;
        /// Block number of the anchoring transaction (lets a verifier or worker detect reorgs).
        uint64 anchoredBlock;
        /// Block timestamp at which the whole batch was revoked; 0 if it is not revoked.
        uint64 revokedAt;
    }

    /// @notice `issuer` anchored the Merkle root `root` of a credential batch.
    event BatchAnchored(address indexed issuer, bytes32 indexed root);

    /// @notice `issuer` revoked every credential of the batch with Merkle root `root`.
    event BatchRevoked(address indexed issuer, bytes32 indexed root);

    /// @notice `issuer` set `count` revocation bits in its list `listId`.
    event CredentialsRevoked(address indexed issuer, uint32 indexed listId, uint256 count);

    /// @notice `issuer` set `count` suspension bits in its list `listId`.
    event CredentialsSuspended(address indexed issuer, uint32 indexed listId, uint256 count);

    /// @notice `issuer` cleared `count` suspension bits in its list `listId`.
    event CredentialsReinstated(address indexed issuer, uint32 indexed listId, uint256 count);

    /// @notice The zero root cannot be anchored (it is never the root of a real tree).
    error CredentialAnchorZeroRoot();

    /// @notice The sender already anchored `root`.
    error CredentialAnchorRootExists(bytes32 root);

    /// @notice The sender never anchored `root`.
    error CredentialAnchorUnknownBatch(bytes32 root);

    /// @notice The sender already revoked the batch `root`.
    error CredentialAnchorBatchAlreadyRevoked(bytes32 root);

    /// @notice Packed indices must be a non-empty multiple of 3 bytes; `length` bytes were given.
    error CredentialAnchorMalformedIndices(uint256 length);

    /**
     * @notice Records that the sender anchored the Merkle root `root` now.
     * @dev Reverts with {CredentialAnchorRootExists} if the sender anchored it before, so a
     * retried transaction can never anchor a root twice. Emits {BatchAnchored}.
     */
    function anchorBatch(bytes32 root) external;

    /**
     * @notice Revokes every credential of the sender's batch `root` in one write.
     * @dev Reverts with {CredentialAnchorUnknownBatch} or {CredentialAnchorBatchAlreadyRevoked}.
     * Emits {BatchRevoked}.
     */
    function revokeBatch(bytes32 root) external;

    /**
     * @notice Sets the revocation bits of `indices` in the sender's list `listId`. Permanent.
     * @param indices packed 3-byte big-endian list indices; bits already set stay set.
     * Emits {CredentialsRevoked}.
     */
    function revoke(uint32 listId, bytes calldata indices) external;

    /**
     * @notice Sets the suspension bits of `indices` in the sender's list `listId`.
     * @param indices packed 3-byte big-endian list indices. Emits {CredentialsSuspended}.
     */
    function suspend(uint32 listId, bytes calldata indices) external;

    /**
     * @notice Clears the suspension bits of `indices` in the sender's list `listId`.
     * @param indices packed 3-byte big-endian list indices. Emits {CredentialsReinstated}.
     */
    function reinstate(uint32 listId, bytes calldata indices) external;

    /// @notice The batch `root` as anchored by `issuer` (all zero if it never was).
    function batch(address issuer, bytes32 root) external view returns (Batch memory);

    /**
     * @notice Whether the credential with hash `credentialHash` is in the batch `root` that `issuer`
     * anchored, by its Merkle `proof`; and that batch's record (all zero if never anchored).
     * @dev Leaves follow OpenZeppelin's StandardMerkleTree: keccak256(bytes.concat(keccak256(abi.encode(
     * credentialHash)))), sorted-pair hashing. `included` is false when the root was never anchored by
     * `issuer`, even if the proof fits the root.
     */
    function verifyCredential(
        address issuer,
        bytes32 root,
        bytes32 credentialHash,
        bytes32[] calldata proof
    ) external view returns (bool included, Batch memory record);

    /// @notice Whether entry `index` of `issuer`'s list `listId` has its `purpose` bit set.
    function statusOf(
        address issuer,
        uint32 listId,
        StatusPurpose purpose,
        uint256 index
    ) external view returns (bool);

    /**
     * @notice `count` raw 256-bit words of `issuer`'s list `listId` for `purpose`, starting at
     * word `firstWord` (entries `firstWord * 256` onwards), for bulk checks and for rebuilding
     * the W3C bitstring.
     */
    function statusWords(
        address issuer,
        uint32 listId,
        StatusPurpose purpose,
        uint256 firstWord,
        uint256 count
    ) external view returns (uint256[] memory);
}
