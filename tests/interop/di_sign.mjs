// Interop harness: sign (and check proof chains) with Digital Bazaar's libraries, offline.
//
// Usage: node tests/interop/di_sign.mjs <request.json>
//   request: {"action": "issue" | "chain-proof" | "chain-verify",
//             "secretKeyMultibase": "z3u2…",   Ed25519 seed, multicodec 0x1300 (issue, chain-proof)
//             "cryptosuite": "eddsa-rdfc-2022" | "eddsa-jcs-2022",
//             "document": {...},
//             "created": "…Z",                 proof creation time (issue, chain-proof)
//             "proofId": "urn:…", "previousProof": "urn:…" | ["urn:…"]}   (chain-proof)
// Prints one JSON object to stdout; exit 2 on a harness error.
//
// - issue: @digitalbazaar/vc `issue` with a DataIntegrityProof (VC 1.1 or 2.0, as vc.js decides from
//   the document's first context) -> {"verifiableCredential"}.
// - chain-proof / chain-verify: @digitalbazaar/data-integrity computes and checks the proofs; vc.js
//   has no proof chains, so the harness builds the input VC Data Integrity 1.0 §4.2 / §4.5 define —
//   the document whose `proof` is the proofs `previousProof` names — and hands it to the suite's
//   createProof / verifyProof, nothing else.
// The loader is @digitalbazaar/security-document-loader with the owners' context packages (no
// credanchor context, no network), as in stock_verify.mjs.
import {readFile} from 'node:fs/promises';

globalThis.fetch = async function offlineFetch(url) {
  throw new TypeError(`fetch failed: network is disabled in the interop harness (${url})`);
};

async function loader() {
  const {securityLoader} = await import('@digitalbazaar/security-document-loader');
  const diCtx = await import('@digitalbazaar/data-integrity-context');
  const built = securityLoader();
  for(const [url, context] of diCtx.contexts) {
    built.addStatic(url, context);
  }
  return built.build();
}

async function suiteFor({cryptosuite, secretKeyMultibase, proof}) {
  const {DataIntegrityProof} = await import('@digitalbazaar/data-integrity');
  const {cryptosuite: rdfc} = await import('@digitalbazaar/eddsa-rdfc-2022-cryptosuite');
  const jcs = await import('@digitalbazaar/eddsa-jcs-2022-cryptosuite');
  if(!secretKeyMultibase) {
    const suite = cryptosuite === 'eddsa-jcs-2022' ? jcs.createVerifyCryptosuite() : rdfc;
    return new DataIntegrityProof({cryptosuite: suite});
  }
  const Ed25519Multikey = await import('@digitalbazaar/ed25519-multikey');
  const seed = decodeSeed(secretKeyMultibase);
  const {publicKeyMultibase} = await Ed25519Multikey.generate({seed});
  // did:key: the verification method is did:key:<key>#<key>, as credanchor's own did:key issuers.
  const key = await Ed25519Multikey.generate({seed, controller: `did:key:${publicKeyMultibase}`});
  const suite = cryptosuite === 'eddsa-jcs-2022' ? jcs.createSignCryptosuite() : rdfc;
  const made = new DataIntegrityProof({signer: key.signer(), cryptosuite: suite});
  if(proof) {
    made.proof = proof; // proof options createProof starts from (id, previousProof)
  }
  return made;
}

function decodeSeed(text) {
  // base58-btc multibase of 0x80 0x26 || seed
  const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  let n = 0n;
  for(const c of text.slice(1)) {
    n = n * 58n + BigInt(alphabet.indexOf(c));
  }
  const bytes = [];
  while(n > 0n) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  if(bytes.length !== 34 || bytes[0] !== 0x80 || bytes[1] !== 0x26) {
    throw new Error('secretKeyMultibase is not an Ed25519 seed (0x1300 + 32 bytes)');
  }
  return Uint8Array.from(bytes.slice(2));
}

function chainInput(document, references) {
  const proofs = [].concat(document.proof ?? []);
  const wanted = [].concat(references);
  const input = {...document};
  delete input.proof;
  for(const id of wanted) {
    if(!proofs.some(p => p.id === id)) {
      throw new Error(`previousProof ${id} names no proof of this document`);
    }
  }
  input.proof = proofs.filter(p => wanted.includes(p.id));
  return input;
}

async function issue({document, cryptosuite, secretKeyMultibase, created}) {
  const vc = await import('@digitalbazaar/vc');
  const suite = await suiteFor({cryptosuite, secretKeyMultibase});
  suite.date = created;
  const verifiableCredential = await vc.issue({
    credential: document, suite, documentLoader: await loader()
  });
  return {verifiableCredential};
}

async function chainProof({document, cryptosuite, secretKeyMultibase, created, proofId, previousProof}) {
  const vc = await import('@digitalbazaar/vc');
  const proofOptions = {...(proofId ? {id: proofId} : {}), previousProof};
  const suite = await suiteFor({cryptosuite, secretKeyMultibase, proof: proofOptions});
  suite.date = created;
  const input = chainInput(document, previousProof);
  const proof = await suite.createProof({
    document: input, purpose: new vc.CredentialIssuancePurpose(), proofSet: [],
    documentLoader: await loader()
  });
  return {proof};
}

async function chainVerify({document}) {
  const documentLoader = await loader();
  const results = [];
  for(const proof of [].concat(document.proof)) {
    const suite = await suiteFor({cryptosuite: proof.cryptosuite});
    const input = proof.previousProof ? chainInput(document, proof.previousProof) : {...document};
    if(!proof.previousProof) {
      delete input.proof;
    }
    // jsonld-signatures gives rdfc proofs the document's @context before verifying; so does this.
    const given = proof.cryptosuite === 'eddsa-rdfc-2022' ?
      {'@context': document['@context'], ...proof} : proof;
    const result = await suite.verifyProof({proof: given, document: input, documentLoader});
    results.push({id: proof.id ?? null, verified: result.verified, error: result.error?.message ?? null});
  }
  return {results};
}

async function main() {
  const request = JSON.parse(await readFile(process.argv[2], 'utf8'));
  const actions = {issue, 'chain-proof': chainProof, 'chain-verify': chainVerify};
  const action = actions[request.action];
  if(!action) {
    throw new Error(`unknown action ${request.action}`);
  }
  process.stdout.write(JSON.stringify(await action(request)) + '\n');
}

main().catch(error => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(2);
});
