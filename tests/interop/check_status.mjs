// Interop harness: check a credential's status with the STOCK Bitstring
// Status List checker, fetching its status list credentials from a test server.
//
// Usage: node tests/interop/check_status.mjs <request.json>
//   request: {"credential": {...},                 the credential whose status to check
//             "origin": "http://127.0.0.1:PORT"}   the only origin fetched
// Prints one JSON object to stdout:
//   {"verified": bool,                  every status list credential loaded and verified
//    "statuses": {"<statusPurpose>": bool},   the bit of each BitstringStatusListEntry
//    "errors": [str]}
// Exit 0 whether or not the check passes; exit 2 on a harness error.
//
// Nothing here helps the checker: @digitalbazaar/vc-bitstring-status-list's
// `checkStatus` as it ships, which verifies each status list credential's
// proof with vc.js; the document loader is the stock
// @digitalbazaar/security-document-loader (W3C contexts, did:key) with one
// `http` protocol handler that fetches from the test server's origin — what a
// verifier in the field does over HTTPS. No context is preloaded: the status
// list credential must carry only contexts the stock loader has.
import {readFile} from 'node:fs/promises';

const LOOPBACK = /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/;

async function main(requestPath) {
  const {credential, origin} = JSON.parse(await readFile(requestPath, 'utf8'));
  if(!LOOPBACK.test(origin ?? '')) {
    throw new Error(`origin must be http://127.0.0.1:PORT, not ${origin}`);
  }
  const realFetch = globalThis.fetch;
  globalThis.fetch = async url => {
    throw new TypeError(`fetch failed: only ${origin} is reachable (${url})`);
  };
  const {securityLoader} = await import(
    '@digitalbazaar/security-document-loader');
  const {DataIntegrityProof} = await import('@digitalbazaar/data-integrity');
  const {cryptosuite: rdfc} = await import(
    '@digitalbazaar/eddsa-rdfc-2022-cryptosuite');
  const {createVerifyCryptosuite: jcs} = await import(
    '@digitalbazaar/eddsa-jcs-2022-cryptosuite');
  const {checkStatus} = await import('@digitalbazaar/vc-bitstring-status-list');

  const loader = securityLoader();
  loader.setProtocolHandler({
    protocol: 'http',
    handler: {
      async get({url}) {
        if(new URL(url).origin !== origin) {
          throw new Error(`not fetched: ${url} is not on ${origin}`);
        }
        const response = await realFetch(url, {
          headers: {accept: 'application/ld+json, application/json'}
        });
        if(!response.ok) {
          throw new Error(`GET ${url} answered ${response.status}`);
        }
        return response.json();
      }
    }
  });
  const documentLoader = loader.build();
  const suite = [
    new DataIntegrityProof({cryptosuite: rdfc}),
    new DataIntegrityProof({cryptosuite: jcs()})
  ];
  const result = await checkStatus({credential, documentLoader, suite});
  const statuses = {};
  for(const {credentialStatus, status} of result.results ?? []) {
    statuses[credentialStatus.statusPurpose] = status;
  }
  return {
    verified: result.verified === true,
    statuses,
    errors: messages(result.error)
  };
}

function messages(error, out = []) {
  if(!error) {
    return out;
  }
  out.push(error.message ?? String(error));
  if(error.cause) {
    messages(error.cause, out);
  }
  return [...new Set(out)];
}

try {
  const output = await main(process.argv[2]);
  process.stdout.write(JSON.stringify(output) + '\n');
} catch(error) {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(2);
}
