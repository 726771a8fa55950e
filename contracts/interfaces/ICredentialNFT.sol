// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC5192} from "./IERC5192.sol";

/**
 * @title ICredentialNFT
 * @notice A credential issued as a public, soulbound ERC-721 token (ERC-5192, always locked),
 * with its metadata stored on-chain and served as a `data:` JSON token URI. Anyone can mint;
 * the minting address is recorded as the token's issuer, and only that issuer can burn it
 * (which is how a credential is revoked in NFT mode). Trust in the issuer is checked against
 * an issuer registry, as for anchored batches.
 */
interface ICredentialNFT is IERC5192 {
    /// @notice `issuer` minted credential token `tokenId` to `holder`.
    event CredentialMinted(uint256 indexed tokenId, address indexed issuer, address indexed holder);

    /// @notice `issuer` burned (revoked) credential token `tokenId`.
    event CredentialBurned(uint256 indexed tokenId, address indexed issuer);

    /// @notice Credential tokens are soulbound: `tokenId` cannot be transferred or approved.
    error CredentialNFTSoulbound(uint256 tokenId);

    /// @notice Only the issuer of `tokenId` may burn it; `caller` is not.
    error CredentialNFTNotIssuer(uint256 tokenId, address caller);

    /// @notice A credential token needs metadata.
    error CredentialNFTEmptyMetadata();

    /**
     * @notice Mints a new locked credential token to `holder` with JSON `metadata` stored
     * on-chain; the caller is its issuer. Emits {IERC721-Transfer}, {IERC5192-Locked} and
     * {CredentialMinted}.
     * @return tokenId the new token's id (sequential from 1).
     */
    function mint(address holder, string calldata metadata) external returns (uint256 tokenId);

    /**
     * @notice Burns `tokenId`, revoking the credential; only its issuer. Emits
     * {IERC721-Transfer} and {CredentialBurned}.
     */
    function burn(uint256 tokenId) external;

    /// @notice The issuer that minted `tokenId` (reverts if the token does not exist).
    function issuerOf(uint256 tokenId) external view returns (address);
}
