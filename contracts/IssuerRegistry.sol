// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IIssuerRegistry} from "./interfaces/IIssuerRegistry.sol";

/**
 * @title IssuerRegistry
 * @notice On-chain registry of accredited credential issuers with queryable history.
 * @dev The admin (`DEFAULT_ADMIN_ROLE`) grants and revokes `ACCREDITATION_BODY_ROLE`; bodies
 * register issuers and manage their accreditation windows. Losing the role does not void the
 * windows a body granted: they were true at the time.
 */
contract IssuerRegistry is AccessControl, IIssuerRegistry {
    /// @inheritdoc IIssuerRegistry
    bytes32 public constant ACCREDITATION_BODY_ROLE = keccak256("ACCREDITATION_BODY_ROLE");

    mapping(address issuer => Issuer record) private _issuers;
    mapping(address issuer => Accreditation[] windows) private _accreditations;
    mapping(bytes32 didHash => address issuer) private _didOwners;

    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc IIssuerRegistry
    function registerIssuer(
        address issuer,
        string calldata did,
        string calldata name,
        string calldata scope,
        uint64 validFrom,
        uint64 validUntil
    ) external onlyRole(ACCREDITATION_BODY_ROLE) {
        if (issuer == address(0)) revert IssuerRegistryZeroAddress();
        if (_issuers[issuer].registeredAt != 0) revert IssuerRegistryIssuerExists(issuer);
        _bindDid(issuer, did);
        _issuers[issuer] = Issuer({did: did, name: name, body: msg.sender, registeredAt: uint64(block.timestamp)});
        emit IssuerRegistered(issuer, msg.sender, did, name);
        _accredit(issuer, validFrom, validUntil, scope);
    }

    /// @inheritdoc IIssuerRegistry
    function updateIssuer(address issuer, string calldata did, string calldata name) external {
        Issuer storage record = _recordOf(issuer);
        if (keccak256(bytes(did)) != keccak256(bytes(record.did))) {
            _bindDid(issuer, did);
            record.did = did;
        }
        record.name = name;
        emit IssuerUpdated(issuer, msg.sender, did, name);
    }

    /// @inheritdoc IIssuerRegistry
    function accredit(address issuer, uint64 validFrom, uint64 validUntil, string calldata scope) external {
        _recordOf(issuer);
        _accredit(issuer, validFrom, validUntil, scope);
    }

    /// @inheritdoc IIssuerRegistry
    function deaccredit(address issuer) external {
        _recordOf(issuer);
        uint64 currentTime = uint64(block.timestamp);
        Accreditation[] storage windows = _accreditations[issuer];
        bool ended = false;
        for (uint256 i; i < windows.length; ++i) {
            Accreditation storage window = windows[i];
            // Windows already over, or emptied by an earlier de-accreditation, stay as they are.
            if (window.validUntil > currentTime && window.validUntil > window.validFrom) {
                // A window that has not started yet becomes empty; a running one ends now.
                window.validUntil = window.validFrom > currentTime ? window.validFrom : currentTime;
                ended = true;
            }
        }
        if (!ended) revert IssuerRegistryNotAccredited(issuer);
        emit IssuerDeaccredited(issuer, msg.sender, currentTime);
    }

    /// @inheritdoc IIssuerRegistry
    function transferIssuer(address issuer, address newBody) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Issuer storage record = _issuers[issuer];
        if (record.registeredAt == 0) revert IssuerRegistryUnknownIssuer(issuer);
        if (!hasRole(ACCREDITATION_BODY_ROLE, newBody)) revert IssuerRegistryNotABody(newBody);
        address previousBody = record.body;
        record.body = newBody;
        emit IssuerTransferred(issuer, previousBody, newBody);
    }

    /// @inheritdoc IIssuerRegistry
    function getIssuer(address issuer) external view returns (Issuer memory) {
        return _issuers[issuer];
    }

    /// @inheritdoc IIssuerRegistry
    function issuerByDid(string calldata did) external view returns (address) {
        return _didOwners[keccak256(bytes(did))];
    }

    /// @inheritdoc IIssuerRegistry
    function getAccreditations(address issuer) external view returns (Accreditation[] memory) {
        return _accreditations[issuer];
    }

    /// @inheritdoc IIssuerRegistry
    function isAccredited(address issuer, uint64 timestamp) external view returns (bool) {
        Accreditation[] storage windows = _accreditations[issuer];
        for (uint256 i; i < windows.length; ++i) {
            if (windows[i].validFrom <= timestamp && timestamp < windows[i].validUntil) return true;
        }
        return false;
    }

    /// @dev The record of `issuer`, after checking that the caller is its body of record.
    function _recordOf(address issuer) private view returns (Issuer storage record) {
        _checkRole(ACCREDITATION_BODY_ROLE);
        record = _issuers[issuer];
        if (record.registeredAt == 0) revert IssuerRegistryUnknownIssuer(issuer);
        if (record.body != msg.sender) revert IssuerRegistryNotBodyOfRecord(issuer, msg.sender);
    }

    function _accredit(address issuer, uint64 validFrom, uint64 validUntil, string calldata scope) private {
        uint64 currentTime = uint64(block.timestamp);
        if (validFrom == 0) validFrom = currentTime;
        if (validFrom < currentTime) revert IssuerRegistryRetroactiveWindow(validFrom, currentTime);
        if (validUntil <= validFrom) revert IssuerRegistryInvalidWindow(validFrom, validUntil);
        _accreditations[issuer].push(
            Accreditation({validFrom: validFrom, validUntil: validUntil, body: msg.sender, scope: scope})
        );
        emit IssuerAccredited(issuer, msg.sender, validFrom, validUntil, scope);
    }

    function _bindDid(address issuer, string calldata did) private {
        bytes calldata raw = bytes(did);
        if (raw.length < 5 || bytes4(raw[:4]) != "did:") revert IssuerRegistryInvalidDid(did);
        bytes32 didHash = keccak256(raw);
        address holder = _didOwners[didHash];
        if (holder != address(0) && holder != issuer) revert IssuerRegistryDidTaken(did, holder);
        _didOwners[didHash] = issuer;
    }
}
