// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IHashRevocationRegistry
 * @notice The comparison's baseline for revocation by hash, the approach of OpenAttestation's
 * DocumentStore: an issuer publishes the Merkle root of each batch it issues, and revokes a
 * credential by publishing the credential's hash.
 *
 * Everything is namespaced by `msg.sender` (no owner, no roles): an address can only ever issue
 * and revoke under its own name. Trust in the issuer is checked elsewhere, as for anchored batches.
 *
 * What it reveals: every revoked credential's hash, in an event and in storage, forever. Anyone
 * who holds the credential (a verifier it was once shown to, the holder's employer) can hash it
 * and link it to its revocation and its time; a revoked hash cannot be taken back.
 */
interface IHashRevocationRegistry {
    /// @notice `issuer` issued the batch of documents with Merkle root `root`.
    event DocumentIssued(address indexed issuer, bytes32 indexed root);

    /// @notice `issuer` revoked the document (or batch root) with hash `documentHash`.
    event DocumentRevoked(address indexed issuer, bytes32 indexed documentHash);

    /// @notice The zero hash is never a document or a root, so it can be neither issued nor revoked.
    error HashRevocationRegistryZeroHash();

    /// @notice The caller has already issued `root`.
    error HashRevocationRegistryAlreadyIssued(bytes32 root);

    /// @notice The caller has already revoked `documentHash`.
    error HashRevocationRegistryAlreadyRevoked(bytes32 documentHash);

    /// @notice A bulk revocation needs at least one hash.
    error HashRevocationRegistryNoHashes();

    /// @notice Records that the caller issued the batch with Merkle root `root`. Emits {DocumentIssued}.
    function issue(bytes32 root) external;

    /**
     * @notice Revokes the document with hash `documentHash` under the caller's name (the hash need
     * not belong to a root the caller issued: a whole batch is revoked by revoking its root).
     * Emits {DocumentRevoked}.
     */
    function revoke(bytes32 documentHash) external;

    /**
     * @notice Revokes every hash of `documentHashes`, all or nothing (one already revoked, or
     * repeated, reverts the whole call). Emits one {DocumentRevoked} per hash.
     */
    function bulkRevoke(bytes32[] calldata documentHashes) external;

    /// @notice Whether `issuer` has issued `root`.
    function isIssued(address issuer, bytes32 root) external view returns (bool);

    /// @notice Whether `issuer` has revoked `documentHash`.
    function isRevoked(address issuer, bytes32 documentHash) external view returns (bool);

    /// @notice The block in which `issuer` issued `root` (0 if it never did).
    function issuedBlock(address issuer, bytes32 root) external view returns (uint256);

    /// @notice The block in which `issuer` revoked `documentHash` (0 if it never did).
    function revokedBlock(address issuer, bytes32 documentHash) external view returns (uint256);
}
