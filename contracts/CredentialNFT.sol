// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {Base64} from "@openzeppelin/contracts/utils/Base64.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";
import {IERC5192} from "./interfaces/IERC5192.sol";
import {ICredentialNFT} from "./interfaces/ICredentialNFT.sol";

/**
 * @title CredentialNFT
 * @notice The NFT-mode contrast to {CredentialAnchor}: one public soulbound token per credential,
 * optionally minted only with the holder's EIP-712 consent.
 * @dev The EIP-712 domain separator is computed per call rather than cached in immutables (as
 * OpenZeppelin's `EIP712` does), so the runtime code on-chain is byte for byte the committed
 * artifact's, which is how a deployment is checked. It cost 596 gas per consent (measured).
 */
contract CredentialNFT is ERC721, ICredentialNFT {
    string private constant _DOMAIN_NAME = "credanchor CredentialNFT";
    string private constant _DOMAIN_VERSION = "1";
    bytes32 private constant _DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant _HASHED_DOMAIN_NAME = keccak256(bytes(_DOMAIN_NAME));
    bytes32 private constant _HASHED_DOMAIN_VERSION = keccak256(bytes(_DOMAIN_VERSION));
    bytes32 private constant _MINT_CONSENT_TYPEHASH =
        keccak256("MintConsent(address holder,address issuer,bytes32 metadataHash,uint256 nonce,uint256 deadline)");

    uint256 private _nextTokenId = 1;
    mapping(uint256 tokenId => address issuer) private _issuers;
    mapping(uint256 tokenId => string metadata) private _metadata;
    mapping(address issuer => bool required) private _consentRequired;
    mapping(address holder => uint256 nonce) private _consentNonces;

    constructor() ERC721("credanchor Credential", "CRED") {}

    /// @inheritdoc ICredentialNFT
    function mint(address holder, string calldata metadata) external returns (uint256) {
        if (_consentRequired[msg.sender]) revert CredentialNFTConsentRequired(msg.sender, holder);
        return _mintCredential(holder, metadata);
    }

    /// @inheritdoc ICredentialNFT
    function mintWithConsent(
        address holder,
        string calldata metadata,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256) {
        if (block.timestamp > deadline) revert CredentialNFTConsentExpired(deadline);
        uint256 nonce = _consentNonces[holder];
        bytes32 structHash = keccak256(
            abi.encode(_MINT_CONSENT_TYPEHASH, holder, msg.sender, keccak256(bytes(metadata)), nonce, deadline)
        );
        bytes32 digest = MessageHashUtils.toTypedDataHash(_domainSeparator(), structHash);
        if (!SignatureChecker.isValidSignatureNowCalldata(holder, digest, signature)) {
            revert CredentialNFTInvalidConsent(holder);
        }
        // Used up before the mint, whose ERC-721 receiver hook may call back into this contract.
        unchecked {
            _consentNonces[holder] = nonce + 1;
        }
        return _mintCredential(holder, metadata);
    }

    /// @inheritdoc ICredentialNFT
    function setConsentRequired(bool required) external {
        _consentRequired[msg.sender] = required;
        emit ConsentRequirementSet(msg.sender, required);
    }

    /// @inheritdoc ICredentialNFT
    function burn(uint256 tokenId) external {
        address issuer = issuerOf(tokenId);
        if (issuer != msg.sender) revert CredentialNFTNotIssuer(tokenId, msg.sender);
        delete _issuers[tokenId];
        delete _metadata[tokenId];
        _burn(tokenId);
        emit CredentialBurned(tokenId, issuer);
    }

    /// @inheritdoc ICredentialNFT
    function issuerOf(uint256 tokenId) public view returns (address) {
        _requireOwned(tokenId);
        return _issuers[tokenId];
    }

    /// @inheritdoc ICredentialNFT
    function consentRequired(address issuer) external view returns (bool) {
        return _consentRequired[issuer];
    }

    /// @inheritdoc ICredentialNFT
    function consentNonce(address holder) external view returns (uint256) {
        return _consentNonces[holder];
    }

    /// @inheritdoc IERC5267
    function eip712Domain()
        external
        view
        returns (
            bytes1 fields,
            string memory name,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        )
    {
        return (hex"0f", _DOMAIN_NAME, _DOMAIN_VERSION, block.chainid, address(this), bytes32(0), new uint256[](0));
    }

    /// @inheritdoc IERC5192
    function locked(uint256 tokenId) external view returns (bool) {
        _requireOwned(tokenId);
        return true;
    }

    /// @notice The token's on-chain metadata as a `data:application/json;base64,` URI.
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        _requireOwned(tokenId);
        return string.concat("data:application/json;base64,", Base64.encode(bytes(_metadata[tokenId])));
    }

    /// @dev Soulbound: approvals are meaningless, so they revert.
    function approve(address, uint256 tokenId) public pure override {
        revert CredentialNFTSoulbound(tokenId);
    }

    /// @dev Soulbound: operator approvals revert too (there is no token to name, hence 0).
    function setApprovalForAll(address, bool) public pure override {
        revert CredentialNFTSoulbound(0);
    }

    /// @notice ERC-165: ERC-721, ERC-721 Metadata, ERC-5192 and ERC-165 itself.
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IERC5192).interfaceId || super.supportsInterface(interfaceId);
    }

    function _domainSeparator() private view returns (bytes32) {
        return
            keccak256(
                abi.encode(_DOMAIN_TYPEHASH, _HASHED_DOMAIN_NAME, _HASHED_DOMAIN_VERSION, block.chainid, address(this))
            );
    }

    /// @dev Mints the next token to `holder` with the caller as its issuer.
    function _mintCredential(address holder, string calldata metadata) private returns (uint256 tokenId) {
        if (bytes(metadata).length == 0) revert CredentialNFTEmptyMetadata();
        tokenId = _nextTokenId++;
        _issuers[tokenId] = msg.sender;
        _metadata[tokenId] = metadata;
        _safeMint(holder, tokenId);
        emit Locked(tokenId);
        emit CredentialMinted(tokenId, msg.sender, holder);
    }

    /// @dev Only mints and burns move tokens; any transfer reverts.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = _ownerOf(tokenId);
        if (from != address(0) && to != address(0)) revert CredentialNFTSoulbound(tokenId);
        return super._update(to, tokenId, auth);
    }
}
