// Verify a signed credential with Digital Bazaar's reference stack (@digitalbazaar/vc
// verifyCredential with the eddsa-rdfc-2022 and eddsa-jcs-2022 Data Integrity suites), offline.
//
// usage: node verify.mjs CREDENTIAL.json|- [--did-documents FILE] [--allow-test-contexts]
//                        [--skip-status] [--now ISO-DATETIME]
//
//   CREDENTIAL.json       the signed credential; "-" reads it from standard input
//   --did-documents FILE  JSON object DID -> DID document; the only way did:web DIDs resolve
//   --allow-test-contexts also serve https://www.w3.org/ns/credentials/examples/v2 (tests only)
//   --skip-status         for credentials with credentialStatus: pass a checkStatus that
//                         returns {verified: true}, i.e. status is NOT checked (we compare proofs
//                         here). Without it, such a credential fails: the reference stack demands
//                         a checkStatus function and this script cannot fetch status lists.
//   --now ISO-DATETIME    the verification time for validFrom/validUntil (default: now)
//
// Prints one JSON object: {"verified": bool, "error": string|null, "suite": string|null}
// ("suite" is the proof's cryptosuite; several proofs are joined with ","). Exit status 0 if
// verified, 1 if not, 2 on a usage error.
import {parseArgs} from 'node:util';
import * as vc from '@digitalbazaar/vc';
import {
  UsageError, createDocumentLoader, errorChain, loadDidDocuments, readJsonInput, runMain,
  verifySuites
} from './lib.mjs';

function proofSuite(credential) {
  const proofs = [credential?.proof ?? []].flat().filter(p => p && typeof p === 'object');
  const names = proofs.map(p => p.cryptosuite ?? p.type).filter(Boolean);
  return names.length ? names.join(',') : null;
}

async function main() {
  const {values, positionals} = parseArgs({
    options: {
      'did-documents': {type: 'string'},
      'allow-test-contexts': {type: 'boolean', default: false},
      'skip-status': {type: 'boolean', default: false},
      now: {type: 'string'}
    },
    allowPositionals: true,
    strict: true
  });
  if(positionals.length !== 1) {
    throw new UsageError('node verify.mjs CREDENTIAL.json|- [--did-documents FILE] ' +
      '[--allow-test-contexts] [--skip-status] [--now ISO]');
  }
  if(values.now !== undefined && Number.isNaN(Date.parse(values.now))) {
    throw new UsageError(`--now: not a date-time: ${values.now}`);
  }
  const credential = readJsonInput(positionals[0], 'credential');
  const documentLoader = createDocumentLoader({
    allowTestContexts: values['allow-test-contexts'],
    didDocuments: loadDidDocuments(values['did-documents'])
  });
  const options = {credential, suite: verifySuites(), documentLoader};
  if(values['skip-status']) {
    options.checkStatus = async () => ({verified: true});
  }
  if(values.now !== undefined) {
    options.now = new Date(values.now);
  }
  let result;
  try {
    result = await vc.verifyCredential(options);
  } catch(e) {
    result = {verified: false, error: e};
  }
  const verified = result.verified === true;
  let error = null;
  if(!verified) {
    error = errorChain(result.error) ??
      errorChain(result.results?.find(r => r.error)?.error) ??
      (result.statusResult && !result.statusResult.verified ?
        `status check failed: ${errorChain(result.statusResult.error) ?? 'not verified'}` :
        'not verified');
  }
  process.stdout.write(JSON.stringify({verified, error, suite: proofSuite(credential)}) + '\n');
  process.exitCode = verified ? 0 : 1;
}

runMain(main);
