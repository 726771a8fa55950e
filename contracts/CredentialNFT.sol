// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {Base64} from "@openzeppelin/contracts/utils/Base64.sol";
import {IERC5192} from "./interfaces/IERC5192.sol";
import {ICredentialNFT} from "./interfaces/ICredentialNFT.sol";

/**
 * @title CredentialNFT
 * @notice The NFT-mode contrast to {CredentialAnchor}: one public soulbound token per credential.
 */
contract CredentialNFT is ERC721, ICredentialNFT {
    uint256 private _nextTokenId = 1;
    mapping(uint256 tokenId => address issuer) private _issuers;
    mapping(uint256 tokenId => string metadata) private _metadata;

    constructor() ERC721("credanchor Credential", "CRED") {}

    /// @inheritdoc ICredentialNFT
    function mint(address holder, string calldata metadata) external returns (uint256 tokenId) {
        if (bytes(metadata).length == 0) revert CredentialNFTEmptyMetadata();
        tokenId = _nextTokenId++;
        _issuers[tokenId] = msg.sender;
        _metadata[tokenId] = metadata;
        _safeMint(holder, tokenId);
        emit Locked(tokenId);
        emit CredentialMinted(tokenId, msg.sender, holder);
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

    /// @dev Only mints and burns move tokens; any transfer reverts.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = _ownerOf(tokenId);
        if (from != address(0) && to != address(0)) revert CredentialNFTSoulbound(tokenId);
        return super._update(to, tokenId, auth);
    }
}
