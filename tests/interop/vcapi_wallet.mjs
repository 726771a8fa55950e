// Interop harness: claim a credential through a VC API exchange as the Learner Credential Wallet does —
// open the interaction URL, POST {} to the exchange, answer the DIDAuthentication request with a
// presentation built and signed by Digital Bazaar's vc.js (createPresentation + signPresentation, holder
// did:key, eddsa-rdfc-2022 Data Integrity proof with the request's challenge and domain), and read the
// credential out of the answer.
//
// Usage: node tests/interop/vcapi_wallet.mjs <request.json>
//   request: {"interaction": "http://127.0.0.1:…/workflows/claim/exchanges/…/protocols",
//             "replay": true|false}   also post the same presentation a second time and report the answer
// Prints {"holder", "request", "credentials", "replay": {"status", "body"} | null} as JSON; exit 2 on failure.
import {readFile} from 'node:fs/promises';

const realFetch = globalThis.fetch;
globalThis.fetch = async (url, init) => {
  if(new URL(url).hostname !== '127.0.0.1') {
    throw new TypeError(`fetch refused: only 127.0.0.1 is reachable in this harness (${url})`);
  }
  return realFetch(url, init);
};

async function post(url, body) {
  const response = await fetch(url, {
    method: 'POST', headers: {'content-type': 'application/json', accept: 'application/json'},
    body: JSON.stringify(body)
  });
  return {status: response.status, body: await response.json()};
}

async function main() {
  const request = JSON.parse(await readFile(process.argv[2], 'utf8'));
  const vc = await import('@digitalbazaar/vc');
  const Ed25519Multikey = await import('@digitalbazaar/ed25519-multikey');
  const {DataIntegrityProof} = await import('@digitalbazaar/data-integrity');
  const {cryptosuite: rdfc} = await import('@digitalbazaar/eddsa-rdfc-2022-cryptosuite');
  const {securityLoader} = await import('@digitalbazaar/security-document-loader');
  const documentLoader = securityLoader().build();

  const interaction = await fetch(request.interaction, {headers: {accept: 'application/json'}});
  const {protocols} = await interaction.json();
  const started = await post(protocols.vcapi, {});
  if(started.status !== 200) throw new Error(`starting the exchange: ${started.status} ${JSON.stringify(started.body)}`);
  const vpr = started.body.verifiablePresentationRequest;

  // A did:key holder, as a wallet makes one: the DID is the public key; its one method is #<the key>.
  const seed = globalThis.crypto.getRandomValues(new Uint8Array(32));
  const {publicKeyMultibase} = await Ed25519Multikey.generate({seed});
  const key = await Ed25519Multikey.generate({seed, controller: `did:key:${publicKeyMultibase}`});
  const presentation = vc.createPresentation({holder: key.controller});
  const suite = new DataIntegrityProof({signer: key.signer(), cryptosuite: rdfc});
  const signed = await vc.signPresentation({
    presentation, suite, challenge: vpr.challenge, domain: vpr.domain, documentLoader
  });
  const answered = await post(protocols.vcapi, {verifiablePresentation: signed});
  if(answered.status !== 200) throw new Error(`answering DIDAuth: ${answered.status} ${JSON.stringify(answered.body)}`);
  const replay = request.replay ? await post(protocols.vcapi, {verifiablePresentation: signed}) : null;
  process.stdout.write(JSON.stringify({
    holder: key.controller, request: vpr, presentation: signed,
    credentials: answered.body.verifiablePresentation.verifiableCredential, replay
  }) + '\n');
}

main().catch(error => {
  process.stderr.write(JSON.stringify({error: String(error?.message ?? error)}) + '\n');
  process.exit(2);
});
