// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ICredentialAnchor} from "./interfaces/ICredentialAnchor.sol";

/**
 * @title CredentialAnchor
 * @notice Batch anchoring and packed on-chain status lists for privately held credentials.
 * @dev Gas is the point of this contract: one storage word per batch, one event per call,
 * indices read straight from calldata, one storage-slot hash per index.
 */
contract CredentialAnchor is ICredentialAnchor {
    uint256 private constant _TOP_BIT = 1 << 255;

    // A Batch packed into one word: anchoredAt | anchoredBlock << 64 | revokedAt << 128. Written
    // whole, so anchoring is a single fresh SSTORE with no read-modify-write.
    mapping(address issuer => mapping(bytes32 root => uint256 packedBatch)) private _batches;
    mapping(address issuer => mapping(uint32 listId => mapping(uint256 word => uint256 bits))) private _revoked;
    mapping(address issuer => mapping(uint32 listId => mapping(uint256 word => uint256 bits))) private _suspended;

    /// @inheritdoc ICredentialAnchor
    function anchorBatch(bytes32 root) external {
        if (root == bytes32(0)) revert CredentialAnchorZeroRoot();
        mapping(bytes32 => uint256) storage batches = _batches[msg.sender];
        if (batches[root] != 0) revert CredentialAnchorRootExists(root);
        batches[root] = uint256(uint64(block.timestamp)) | (uint256(uint64(block.number)) << 64);
        emit BatchAnchored(msg.sender, root);
    }

    /// @inheritdoc ICredentialAnchor
    function revokeBatch(bytes32 root) external {
        mapping(bytes32 => uint256) storage batches = _batches[msg.sender];
        uint256 packed = batches[root];
        if (packed == 0) revert CredentialAnchorUnknownBatch(root);
        if (packed >> 128 != 0) revert CredentialAnchorBatchAlreadyRevoked(root);
        batches[root] = packed | (uint256(uint64(block.timestamp)) << 128);
        emit BatchRevoked(msg.sender, root);
    }

    /// @inheritdoc ICredentialAnchor
    function revoke(uint32 listId, bytes calldata indices) external {
        uint256 count = _setBits(_revoked[msg.sender][listId], indices);
        emit CredentialsRevoked(msg.sender, listId, count);
    }

    /// @inheritdoc ICredentialAnchor
    function suspend(uint32 listId, bytes calldata indices) external {
        uint256 count = _setBits(_suspended[msg.sender][listId], indices);
        emit CredentialsSuspended(msg.sender, listId, count);
    }

    /// @inheritdoc ICredentialAnchor
    function reinstate(uint32 listId, bytes calldata indices) external {
        mapping(uint256 => uint256) storage words = _suspended[msg.sender][listId];
        uint256 length = _checkIndices(indices);
        for (uint256 offset; offset < length; ) {
            uint256 index = _indexAt(indices, offset);
            unchecked {
                words[index >> 8] &= ~(_TOP_BIT >> (index & 255));
                offset += 3;
            }
        }
        emit CredentialsReinstated(msg.sender, listId, length / 3);
    }

    /// @inheritdoc ICredentialAnchor
    function batch(address issuer, bytes32 root) external view returns (Batch memory) {
        return _unpack(_batches[issuer][root]);
    }

    /// @inheritdoc ICredentialAnchor
    function verifyCredential(
        address issuer,
        bytes32 root,
        bytes32 credentialHash,
        bytes32[] calldata proof
    ) external view returns (bool included, Batch memory record) {
        uint256 packed = _batches[issuer][root];
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(credentialHash))));
        included = packed != 0 && MerkleProof.verifyCalldata(proof, root, leaf);
        record = _unpack(packed);
    }

    /// @inheritdoc ICredentialAnchor
    function statusOf(
        address issuer,
        uint32 listId,
        StatusPurpose purpose,
        uint256 index
    ) external view returns (bool) {
        uint256 bits = _words(issuer, listId, purpose)[index >> 8];
        return bits & (_TOP_BIT >> (index & 255)) != 0;
    }

    /// @inheritdoc ICredentialAnchor
    function statusWords(
        address issuer,
        uint32 listId,
        StatusPurpose purpose,
        uint256 firstWord,
        uint256 count
    ) external view returns (uint256[] memory result) {
        mapping(uint256 => uint256) storage words = _words(issuer, listId, purpose);
        result = new uint256[](count);
        for (uint256 i; i < count; ++i) {
            result[i] = words[firstWord + i];
        }
    }

    function _unpack(uint256 packed) private pure returns (Batch memory) {
        return Batch({anchoredAt: uint64(packed), anchoredBlock: uint64(packed >> 64), revokedAt: uint64(packed >> 128)});
    }

    function _words(
        address issuer,
        uint32 listId,
        StatusPurpose purpose
    ) private view returns (mapping(uint256 => uint256) storage) {
        return purpose == StatusPurpose.Revocation ? _revoked[issuer][listId] : _suspended[issuer][listId];
    }

    /// @dev Sets the bit of every packed index; returns how many indices were given.
    function _setBits(mapping(uint256 => uint256) storage words, bytes calldata indices) private returns (uint256) {
        uint256 length = _checkIndices(indices);
        for (uint256 offset; offset < length; ) {
            uint256 index = _indexAt(indices, offset);
            unchecked {
                words[index >> 8] |= _TOP_BIT >> (index & 255);
                offset += 3;
            }
        }
        return length / 3;
    }

    function _checkIndices(bytes calldata indices) private pure returns (uint256 length) {
        length = indices.length;
        if (length == 0 || length % 3 != 0) revert CredentialAnchorMalformedIndices(length);
    }

    /// @dev The 3-byte big-endian index at byte `offset` of `indices` (bounds checked by the caller).
    function _indexAt(bytes calldata indices, uint256 offset) private pure returns (uint256 index) {
        assembly ("memory-safe") {
            index := shr(232, calldataload(add(indices.offset, offset)))
        }
    }
}
