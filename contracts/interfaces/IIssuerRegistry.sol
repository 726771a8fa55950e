// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IIssuerRegistry
 * @notice The trust registry: which credential issuers are accredited, by which accreditation
 * (quality-assurance) body, for what scope, and over which time windows.
 *
 * History is append-only in effect: an accreditation can only start now or later, and a
 * de-accreditation only ends windows from now on. So `isAccredited(issuer, t)` for any `t` before
 * the current block never changes: de-accrediting an issuer today does not rewrite what was true
 * last year, and a verifier can ask whether an issuer was accredited when a batch was anchored.
 */
interface IIssuerRegistry {
    /// @notice An issuer's identity, as registered by its accreditation body of record.
    struct Issuer {
        /// The issuer's current DID (`did:key:…`, `did:web:…`).
        string did;
        /// Human-readable name of the awarding body.
        string name;
        /// The accreditation body that registered the issuer and alone may change its record.
        address body;
        /// Block timestamp of the registration; 0 if the address is not registered.
        uint64 registeredAt;
    }

    /// @notice One accreditation window: accredited for `scope` when `validFrom <= t < validUntil`.
    struct Accreditation {
        uint64 validFrom;
        uint64 validUntil;
        /// The accreditation body that granted this window.
        address body;
        /// What the issuer is accredited for (e.g. "EQF 4-6, ICT"), free text.
        string scope;
    }

    /// @notice `body` registered `issuer` under `did`.
    event IssuerRegistered(address indexed issuer, address indexed body, string did, string name);

    /// @notice `body` changed the DID or name of `issuer`.
    event IssuerUpdated(address indexed issuer, address indexed body, string did, string name);

    /// @notice `body` accredited `issuer` for `scope` from `validFrom` until `validUntil`.
    event IssuerAccredited(
        address indexed issuer,
        address indexed body,
        uint64 validFrom,
        uint64 validUntil,
        string scope
    );

    /// @notice `body` ended every accreditation window of `issuer` at `endedAt`.
    event IssuerDeaccredited(address indexed issuer, address indexed body, uint64 endedAt);

    /// @notice The admin handed `issuer` over from `previousBody` to `newBody` as its body of record.
    event IssuerTransferred(address indexed issuer, address indexed previousBody, address indexed newBody);

    /// @notice The zero address cannot be an issuer.
    error IssuerRegistryZeroAddress();

    /// @notice `issuer` is already registered.
    error IssuerRegistryIssuerExists(address issuer);

    /// @notice `issuer` is not registered.
    error IssuerRegistryUnknownIssuer(address issuer);

    /// @notice `did` does not start with `did:`.
    error IssuerRegistryInvalidDid(string did);

    /// @notice `did` is already bound to the issuer `holder`; a DID binds to one address forever.
    error IssuerRegistryDidTaken(string did, address holder);

    /// @notice A window must end after it starts.
    error IssuerRegistryInvalidWindow(uint64 validFrom, uint64 validUntil);

    /// @notice A window cannot start before the current block (`currentTime`): history is not rewritten.
    error IssuerRegistryRetroactiveWindow(uint64 validFrom, uint64 currentTime);

    /// @notice Only the body of record of `issuer` may change it; `caller` is not that body.
    error IssuerRegistryNotBodyOfRecord(address issuer, address caller);

    /// @notice `issuer` has no current or future accreditation window to end.
    error IssuerRegistryNotAccredited(address issuer);

    /// @notice `account` does not hold the accreditation-body role.
    error IssuerRegistryNotABody(address account);

    /// @notice The role held by accreditation bodies.
    function ACCREDITATION_BODY_ROLE() external view returns (bytes32);

    /**
     * @notice Registers `issuer` with its DID and name and accredits it for `scope` over
     * `[validFrom, validUntil)`. `validFrom == 0` means "from now". The caller becomes the body
     * of record. Only accreditation bodies. Emits {IssuerRegistered} and {IssuerAccredited}.
     */
    function registerIssuer(
        address issuer,
        string calldata did,
        string calldata name,
        string calldata scope,
        uint64 validFrom,
        uint64 validUntil
    ) external;

    /**
     * @notice Changes the DID or name of `issuer`. A previous DID stays bound to `issuer`, so
     * credentials issued under it still resolve. Only the body of record. Emits {IssuerUpdated}.
     */
    function updateIssuer(address issuer, string calldata did, string calldata name) external;

    /**
     * @notice Adds an accreditation window for `issuer` (renewal, extension, new scope).
     * `validFrom == 0` means "from now"; a start in the past reverts. Only the body of record.
     * Emits {IssuerAccredited}.
     */
    function accredit(address issuer, uint64 validFrom, uint64 validUntil, string calldata scope) external;

    /**
     * @notice Ends every current and future accreditation window of `issuer` now. Past windows
     * are untouched. Only the body of record. Emits {IssuerDeaccredited}.
     */
    function deaccredit(address issuer) external;

    /**
     * @notice Makes `newBody` (an accreditation body) the body of record of `issuer`, e.g. when
     * the registering body lost its role or merged into another. Windows already granted stay
     * as they are. Only the admin. Emits {IssuerTransferred}.
     */
    function transferIssuer(address issuer, address newBody) external;

    /// @notice The record of `issuer` (`registeredAt == 0` if unregistered).
    function getIssuer(address issuer) external view returns (Issuer memory);

    /// @notice The address a DID was ever bound to (zero if none).
    function issuerByDid(string calldata did) external view returns (address);

    /// @notice Every accreditation window of `issuer`, in the order they were granted.
    function getAccreditations(address issuer) external view returns (Accreditation[] memory);

    /// @notice Whether `issuer` was (or will be) accredited at `timestamp`.
    function isAccredited(address issuer, uint64 timestamp) external view returns (bool);
}
