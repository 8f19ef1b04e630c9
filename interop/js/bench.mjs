// Time Digital Bazaar's reference stack on one credential, offline: N x vc.issue
// (eddsa-rdfc-2022) and N x vc.verifyCredential of one signed copy, after warm-up runs.
//
// usage: node bench.mjs --credential UNSIGNED.json --key KEY.json --n N
//                       [--did-documents FILE] [--warmup W] [--allow-test-contexts]
//
//   --credential   the unsigned credential (a "proof" in it is dropped)
//   --key          key file as for sign.mjs; its controller must be the credential's issuer
//   --did-documents  JSON object DID -> DID document (needed for a did:web issuer)
//   --warmup       warm-up runs of each operation before timing (default 5)
//
// Status is not checked (checkStatus returns verified). Prints one JSON object:
// {"issue_per_s", "verify_per_s", "issue_ms", "verify_ms", "n", "warmup", "node",
//  "versions": {package: version}} (ms per operation; versions of the installed packages).
// Exit status 0, 1 if the stack fails to sign or verify the credential, 2 on a usage error.
import fs from 'node:fs';
import {parseArgs} from 'node:util';
import * as vc from '@digitalbazaar/vc';
import {
  UsageError, createDocumentLoader, installedVersions, loadDidDocuments, loadKey,
  readJsonInput, runMain, signSuite, verifySuites
} from './lib.mjs';

function positiveInt(value, name) {
  const n = Number(value);
  if(!Number.isInteger(n) || n < 0 || (name === '--n' && n < 1)) {
    throw new UsageError(`${name} must be a ${name === '--n' ? 'positive' : 'non-negative'} ` +
      `integer, not ${value}`);
  }
  return n;
}

async function main() {
  const {values, positionals} = parseArgs({
    options: {
      credential: {type: 'string'},
      key: {type: 'string'},
      n: {type: 'string'},
      warmup: {type: 'string', default: '5'},
      'did-documents': {type: 'string'},
      'allow-test-contexts': {type: 'boolean', default: false}
    },
    allowPositionals: true,
    strict: true
  });
  if(positionals.length || !values.credential || !values.key || values.n === undefined) {
    throw new UsageError('node bench.mjs --credential FILE --key KEYFILE --n N ' +
      '[--did-documents FILE] [--warmup W] [--allow-test-contexts]');
  }
  const n = positiveInt(values.n, '--n');
  const warmup = positiveInt(values.warmup, '--warmup');
  const {proof, ...unsigned} = readJsonInput(values.credential, 'credential');
  void proof;
  const key = await loadKey(values.key);
  const documentLoader = createDocumentLoader({
    allowTestContexts: values['allow-test-contexts'],
    didDocuments: loadDidDocuments(values['did-documents'])
  });
  const signer = key.signer();
  const issueOnce = () => vc.issue({
    credential: structuredClone(unsigned),
    suite: signSuite({suite: 'eddsa-rdfc-2022', signer}),
    documentLoader
  });
  const signed = await issueOnce();
  const suite = verifySuites();
  const verifyOnce = async () => {
    const result = await vc.verifyCredential({
      credential: signed, suite, documentLoader, checkStatus: async () => ({verified: true})
    });
    if(!result.verified) {
      throw new Error('the reference stack did not verify the benchmark credential',
        {cause: result.error});
    }
  };
  for(let i = 0; i < warmup; i++) {
    await issueOnce();
    await verifyOnce();
  }
  let start = performance.now();
  for(let i = 0; i < n; i++) {
    await issueOnce();
  }
  const issueMs = (performance.now() - start) / n;
  start = performance.now();
  for(let i = 0; i < n; i++) {
    await verifyOnce();
  }
  const verifyMs = (performance.now() - start) / n;
  const {dependencies} = JSON.parse(
    fs.readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
  process.stdout.write(JSON.stringify({
    issue_per_s: 1000 / issueMs,
    verify_per_s: 1000 / verifyMs,
    issue_ms: issueMs,
    verify_ms: verifyMs,
    n,
    warmup,
    node: process.version,
    versions: installedVersions([...Object.keys(dependencies), 'jsonld', 'rdf-canonize'])
  }) + '\n');
}

runMain(main);
