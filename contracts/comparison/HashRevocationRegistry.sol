// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IHashRevocationRegistry} from "./IHashRevocationRegistry.sol";

/**
 * @title HashRevocationRegistry
 * @notice Issue by batch root, revoke by publishing the credential's hash: the comparison's model of
 * OpenAttestation's DocumentStore, namespaced by sender like {CredentialAnchor}.
 * @dev One storage word per issued root and per revoked hash, holding the block number.
 */
contract HashRevocationRegistry is IHashRevocationRegistry {
    mapping(address issuer => mapping(bytes32 root => uint256 blockNumber)) private _issued;
    mapping(address issuer => mapping(bytes32 documentHash => uint256 blockNumber)) private _revoked;

    /// @inheritdoc IHashRevocationRegistry
    function issue(bytes32 root) external {
        if (root == bytes32(0)) revert HashRevocationRegistryZeroHash();
        mapping(bytes32 => uint256) storage issued = _issued[msg.sender];
        if (issued[root] != 0) revert HashRevocationRegistryAlreadyIssued(root);
        issued[root] = block.number;
        emit DocumentIssued(msg.sender, root);
    }

    /// @inheritdoc IHashRevocationRegistry
    function revoke(bytes32 documentHash) external {
        _revoke(_revoked[msg.sender], documentHash);
    }

    /// @inheritdoc IHashRevocationRegistry
    function bulkRevoke(bytes32[] calldata documentHashes) external {
        uint256 length = documentHashes.length;
        if (length == 0) revert HashRevocationRegistryNoHashes();
        mapping(bytes32 => uint256) storage revoked = _revoked[msg.sender];
        for (uint256 i; i < length; ) {
            _revoke(revoked, documentHashes[i]);
            unchecked {
                ++i;
            }
        }
    }

    /// @inheritdoc IHashRevocationRegistry
    function isIssued(address issuer, bytes32 root) external view returns (bool) {
        return _issued[issuer][root] != 0;
    }

    /// @inheritdoc IHashRevocationRegistry
    function isRevoked(address issuer, bytes32 documentHash) external view returns (bool) {
        return _revoked[issuer][documentHash] != 0;
    }

    /// @inheritdoc IHashRevocationRegistry
    function issuedBlock(address issuer, bytes32 root) external view returns (uint256) {
        return _issued[issuer][root];
    }

    /// @inheritdoc IHashRevocationRegistry
    function revokedBlock(address issuer, bytes32 documentHash) external view returns (uint256) {
        return _revoked[issuer][documentHash];
    }

    function _revoke(mapping(bytes32 => uint256) storage revoked, bytes32 documentHash) private {
        if (documentHash == bytes32(0)) revert HashRevocationRegistryZeroHash();
        if (revoked[documentHash] != 0) revert HashRevocationRegistryAlreadyRevoked(documentHash);
        revoked[documentHash] = block.number;
        emit DocumentRevoked(msg.sender, documentHash);
    }
}
