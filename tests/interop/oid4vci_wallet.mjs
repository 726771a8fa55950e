// Interop harness: an OpenID4VCI 1.0 wallet built on @openid4vc/openid4vci (the OpenWallet Foundation's
// oid4vc-ts, as the Credo wallets use it) redeems a credential offer against a running credanchor server.
//
// Usage: node tests/interop/oid4vci_wallet.mjs <request.json>
//   request: {"offer": "openid-credential-offer://?…",   by value or by reference
//             "txCode": "123456" | null,
//             "alg": "EdDSA" | "ES256",                 the holder's key (WebCrypto, made here)
//             "binding": "did" | "jwk",                 kid did:key (EdDSA only) or jwk header
//             "refresh": true | false}                  then: refresh token → new access token → credential again
// Prints {"holder", "credentialConfigurationId", "credentials": [...], "offer", "tokenType", "notified"} as JSON:
// having stored the credentials, the wallet tells the issuer so (`credential_accepted`) at its notification
// endpoint when the response carries a notification_id ("notified": that id, else null). With "refresh", it
// then redeems the refresh token (the library's refresh_token grant) and asks for the credential again with a
// fresh nonce and the same key ("refreshed": the credentials of that second response).
// Exit 0 on success; exit 2 with {"error", "status", "body"} on stderr on any failure.
//
// Everything the wallet does is the library's: resolving the offer and the metadata, the token request,
// the nonce request, the proof JWT's header and payload, the credential request and the response's
// validation. This script only supplies the callbacks a wallet supplies: hashing, randomness, and signing
// with the holder's key. Only http://127.0.0.1 is reached (allowInsecureUrls, for the loopback server).
import {readFile} from 'node:fs/promises';
import {webcrypto as crypto} from 'node:crypto';
import {Openid4vciClient, setGlobalConfig} from '@openid4vc/openid4vci';
import {Oauth2Client, clientAuthenticationAnonymous} from '@openid4vc/oauth2';

setGlobalConfig({allowInsecureUrls: true});
const realFetch = globalThis.fetch;
globalThis.fetch = async (url, init) => {
  const target = new URL(url instanceof Request ? url.url : url);
  if(target.hostname !== '127.0.0.1') {
    throw new TypeError(`fetch refused: only 127.0.0.1 is reachable in this harness (${target})`);
  }
  return realFetch(url, init);
};

const b64url = bytes => Buffer.from(bytes).toString('base64url');
const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
function base58(bytes) {
  let n = BigInt('0x' + (Buffer.from(bytes).toString('hex') || '0'));
  let out = '';
  while(n > 0n) {
    out = ALPHABET[Number(n % 58n)] + out;
    n /= 58n;
  }
  for(const byte of bytes) {
    if(byte !== 0) break;
    out = '1' + out;
  }
  return out;
}

async function holderKey(alg) {
  const params = alg === 'EdDSA' ? {name: 'Ed25519'} : {name: 'ECDSA', namedCurve: 'P-256'};
  const pair = await crypto.subtle.generateKey(params, true, ['sign', 'verify']);
  const publicJwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
  delete publicJwk.key_ops;
  delete publicJwk.ext;
  let did = null;
  if(alg === 'EdDSA') {
    const raw = Buffer.from(publicJwk.x, 'base64url');
    did = 'did:key:z' + base58(Buffer.concat([Buffer.from([0xed, 0x01]), raw]));
  }
  const sign = async data => new Uint8Array(await crypto.subtle.sign(
    alg === 'EdDSA' ? {name: 'Ed25519'} : {name: 'ECDSA', hash: 'SHA-256'}, pair.privateKey, data));
  return {publicJwk, did, sign};
}

function fail(error, extra = {}) {
  process.stderr.write(JSON.stringify({error: String(error?.message ?? error), ...extra}) + '\n');
  process.exit(2);
}

async function main() {
  const request = JSON.parse(await readFile(process.argv[2], 'utf8'));
  const key = await holderKey(request.alg);
  const callbacks = {
    hash: async (data, alg) => new Uint8Array(await crypto.subtle.digest(
      {'sha-256': 'SHA-256', 'sha-384': 'SHA-384', 'sha-512': 'SHA-512'}[alg] ?? alg, data)),
    generateRandom: n => crypto.getRandomValues(new Uint8Array(n)),
    clientAuthentication: clientAuthenticationAnonymous(),
    signJwt: async (signer, {header, payload}) => {
      const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
      const signature = await key.sign(new TextEncoder().encode(input));
      return {jwt: `${input}.${b64url(signature)}`, signerJwk: key.publicJwk};
    }
  };
  const client = new Openid4vciClient({callbacks});
  const offer = await client.resolveCredentialOffer(request.offer);
  const issuerMetadata = await client.resolveIssuerMetadata(offer.credential_issuer);
  const {accessTokenResponse} = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
    credentialOffer: offer, issuerMetadata, txCode: request.txCode ?? undefined
  });
  const [credentialConfigurationId] = offer.credential_configuration_ids;
  const {c_nonce: nonce} = await client.requestNonce({issuerMetadata});
  const signer = request.binding === 'did' ?
    {method: 'did', didUrl: `${key.did}#${key.did.slice('did:key:'.length)}`, alg: request.alg} :
    {method: 'jwk', publicJwk: key.publicJwk, alg: request.alg};
  const {jwt} = await client.createCredentialRequestJwtProof({
    issuerMetadata, credentialConfigurationId, nonce, signer
  });
  const response = await client.retrieveCredentials({
    issuerMetadata, credentialConfigurationId, accessToken: accessTokenResponse.access_token,
    proofs: {jwt: [jwt]}
  });
  const credentials = response.credentialResponse.credentials.map(c => c.credential);
  const notificationId = response.credentialResponse.notification_id ?? null;
  if(notificationId !== null) {
    await client.sendNotification({
      issuerMetadata, accessToken: accessTokenResponse.access_token,
      notification: {notificationId, event: 'credential_accepted'}
    });
  }
  let refreshed = null;
  if(request.refresh) {
    const {accessTokenResponse: renewed} = await new Oauth2Client({callbacks}).retrieveRefreshTokenAccessToken({
      authorizationServerMetadata: issuerMetadata.authorizationServers[0],
      refreshToken: accessTokenResponse.refresh_token,
      resource: issuerMetadata.credentialIssuer.credential_issuer
    });
    const {c_nonce: again} = await client.requestNonce({issuerMetadata});
    const {jwt: proof} = await client.createCredentialRequestJwtProof({
      issuerMetadata, credentialConfigurationId, nonce: again, signer
    });
    const second = await client.retrieveCredentials({
      issuerMetadata, credentialConfigurationId, accessToken: renewed.access_token, proofs: {jwt: [proof]}
    });
    refreshed = second.credentialResponse.credentials.map(c => c.credential);
  }
  process.stdout.write(JSON.stringify({
    holder: key.did, publicJwk: key.publicJwk, credentialConfigurationId, credentials, offer,
    tokenType: accessTokenResponse.token_type, notified: notificationId, refreshed
  }) + '\n');
}

main().catch(error => fail(error, {
  status: error?.response?.status, body: error?.response ? undefined : undefined,
  details: error?.errorResponse ?? error?.zodError?.issues ?? error?.cause?.message
}));
