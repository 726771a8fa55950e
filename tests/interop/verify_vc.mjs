// Interop harness: verify a VC with Digital Bazaar's verifier stack, offline.
//
// Usage: node tests/interop/verify_vc.mjs <request.json>
//   request: {"credential": {...}, "contexts": {"<url>": <doc>, ...},
//             "controller": {...}  (optional, see below)}
// Prints one JSON object to stdout:
//   {"verified": bool, "errors": [str], "proofs": [...], "statusChecked": false,
//    "warnings": [str]}
// Exit 0 whether or not the credential verifies; exit 2 on usage/harness error.
//
// ESM (.mjs) because every @digitalbazaar package is ESM-only.
import {readFile} from 'node:fs/promises';

import * as vc from '@digitalbazaar/vc';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {driver as didKeyDriver} from '@digitalbazaar/did-method-key';
import {cryptosuite as eddsaRdfc2022} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {createVerifyCryptosuite as createEddsaJcs2022} from
  '@digitalbazaar/eddsa-jcs-2022-cryptosuite';

// One DataIntegrityProof suite per supported proof.cryptosuite value.
const SUITE_FACTORIES = {
  'eddsa-rdfc-2022': () => new DataIntegrityProof({cryptosuite: eddsaRdfc2022}),
  'eddsa-jcs-2022': () =>
    new DataIntegrityProof({cryptosuite: createEddsaJcs2022()})
};

// did:key resolution is pure computation on the key bytes (no network).
// 'z6Mk' is the multibase prefix of an Ed25519 public key.
const didKey = didKeyDriver();
didKey.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});

function makeDocumentLoader(contexts) {
  return async function documentLoader(url) {
    if(Object.hasOwn(contexts, url)) {
      return {contextUrl: null, documentUrl: url, document: contexts[url]};
    }
    if(url.startsWith('did:key:')) {
      // `url` may be the DID or a verification method URL `did:key:..#..`.
      const document = await didKey.get({url});
      return {contextUrl: null, documentUrl: url, document};
    }
    throw new Error(
      `documentLoader: refusing to load "${url}" (offline harness; only the ` +
      'request contexts and did:key URLs are served).');
  };
}

// Flatten the library's error shapes (Error, Error[], VerificationError with
// `.errors`, nested per-proof results) into unique message strings.
function errorMessages(error, out = []) {
  if(!error) {
    return out;
  }
  if(Array.isArray(error)) {
    error.forEach(e => errorMessages(e, out));
  } else if(Array.isArray(error.errors) && error.errors.length > 0) {
    error.errors.forEach(e => errorMessages(e, out));
  } else {
    let text = error.message ?? String(error);
    if(error.name && error.name !== 'Error') {
      text = `${error.name}: ${text}`;
    }
    // jsonld.js wraps documentLoader failures; keep the loader's own reason.
    const cause = error.details?.cause ?? error.cause;
    if(cause?.message) {
      text += ` (cause: ${cause.message})`;
    }
    // Safe-mode errors (e.g. undefined terms) name the culprit only here.
    const event = error.details?.event;
    if(event) {
      text += ` (${event.code}: ${event.message} ` +
        `${JSON.stringify(event.details ?? {})})`;
    }
    if(!out.includes(text)) {
      out.push(text);
    }
  }
  return out;
}

async function verify({credential, contexts, controller}) {
  const proofs = [credential.proof ?? []].flat();
  const errors = [];
  const warnings = [];

  // Pick suites from the proofs' cryptosuites. Unknown ones are an error
  // (rather than silently skipped) so a proof set is verified in full.
  const names = [...new Set(proofs.map(p => p?.cryptosuite))];
  for(const name of names) {
    if(!Object.hasOwn(SUITE_FACTORIES, name)) {
      errors.push(`Unsupported proof cryptosuite "${name}".`);
    }
  }
  const suite = names.filter(n => Object.hasOwn(SUITE_FACTORIES, n))
    .map(n => SUITE_FACTORIES[n]());
  if(suite.length === 0) {
    // verifyCredential requires at least one suite; give it one that none
    // of the proofs match so the library reports the missing proof itself.
    suite.push(SUITE_FACTORIES['eddsa-rdfc-2022']());
  }

  if(credential.credentialStatus) {
    warnings.push(
      'credentialStatus is present but was NOT checked by this harness ' +
      '(checkStatus stub always returns verified: true).');
  }

  const result = await vc.verifyCredential({
    credential,
    suite,
    documentLoader: makeDocumentLoader(contexts),
    // verifyCredential throws without a checkStatus when credentialStatus is
    // present; status lists are out of scope here (see `statusChecked`).
    checkStatus: async () => ({verified: true}),
    // Optional controller document for issuers that are not the key's DID
    // (e.g. the W3C test vectors); default: the verification method's
    // controller is dereferenced and must equal the issuer.
    ...(controller ? {controller} : {})
    // `now` is left unset: validFrom/validUntil are checked against the
    // current time (with the library's default 300 s clock skew).
  });

  // jsonld-signatures reports verified=true if ANY matching proof verifies;
  // for a proof set we require EVERY proof to have been checked and verified.
  const results = result.results ?? [];
  const proofResults = results.filter(r => r.proof).map(r => ({
    cryptosuite: r.proof.cryptosuite,
    verificationMethod: r.proof.verificationMethod,
    verified: r.verified === true,
    errors: errorMessages([r.error, r.purposeResult?.error])
  }));
  if(result.verified && proofResults.length !== proofs.length) {
    errors.push(
      `Only ${proofResults.length} of ${proofs.length} proofs were verified.`);
  }
  for(const r of proofResults) {
    errors.push(...r.errors.filter(e => !errors.includes(e)));
  }
  errors.push(...errorMessages(result.error).filter(e => !errors.includes(e)));

  const verified = result.verified === true && errors.length === 0 &&
    proofResults.every(r => r.verified);
  if(!verified && errors.length === 0) {
    errors.push('Verification failed without an error message.');
  }
  return {
    verified, errors, proofs: proofResults, statusChecked: false, warnings
  };
}

async function main() {
  const path = process.argv[2];
  if(!path) {
    throw new Error('usage: node verify_vc.mjs <request.json>');
  }
  const request = JSON.parse(await readFile(path, 'utf8'));
  if(!request || typeof request.credential !== 'object' ||
    typeof request.contexts !== 'object') {
    throw new Error(
      'request must be {"credential": {...}, "contexts": {url: doc}}');
  }
  const output = await verify(request);
  process.stdout.write(JSON.stringify(output) + '\n');
}

main().catch(error => {
  process.stderr.write(`verify_vc.mjs: ${error?.stack ?? error}\n`);
  process.exitCode = 2;
});
