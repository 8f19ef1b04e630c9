// Verify a signed credential with Digital Bazaar's reference stack (@digitalbazaar/vc
// verifyCredential with the eddsa-rdfc-2022 and eddsa-jcs-2022 Data Integrity suites), offline.
//
// usage: node verify.mjs CREDENTIAL.json|- [--did-documents FILE] [--allow-test-contexts]
//                        [--skip-status | --status-lists FILE] [--now ISO-DATETIME]
//
//   CREDENTIAL.json       the signed credential; "-" reads it from standard input
//   --did-documents FILE  JSON object DID -> DID document; the only way did:web DIDs resolve
//   --allow-test-contexts also serve https://www.w3.org/ns/credentials/examples/v2 (tests only)
//   --skip-status         for credentials with credentialStatus: pass a checkStatus that
//                         returns {verified: true}, i.e. status is NOT checked (we compare proofs
//                         here). Without it, such a credential fails: the reference stack demands
//                         a checkStatus function and this script fetches nothing.
//   --status-lists FILE   JSON object URL -> status list credential (the caller fetched them):
//                         status IS checked with @digitalbazaar/vc-bitstring-status-list (the
//                         list's proof, purpose, matching issuer, the bit); a set bit fails
//                         verification, as a relying party would treat it.
//   --now ISO-DATETIME    the verification time for validFrom/validUntil (default: now)
//
// Prints one JSON object: {"verified": bool, "error": string|null, "suite": string|null,
// "status": [{"purpose", "index", "set"}]} ("suite" is the proof's cryptosuite; several
// proofs are joined with ","; "status" only with --status-lists). Exit status 0 if
// verified, 1 if not, 2 on a usage error.
import {parseArgs} from 'node:util';
import * as vc from '@digitalbazaar/vc';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {
  UsageError, createDocumentLoader, errorChain, loadDidDocuments, loadDocuments,
  readJsonInput, runMain, verifySuites
} from './lib.mjs';

// The library reports a set bit as {verified: true, status: true}: deciding what a set bit
// means is the relying party's part. Ours: revoked or suspended is not verified.
async function checkBits({credential, documentLoader, suite}) {
  const checked = await checkStatus({credential, documentLoader, suite});
  if(!checked.verified) {
    return checked;
  }
  const set = checked.results.filter(r => r.status === true);
  if(set.length) {
    const purposes = set.map(r => r.credentialStatus.statusPurpose).join(', ');
    return {...checked, verified: false, error: new Error(`status bit set: ${purposes}`)};
  }
  return checked;
}

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
      'status-lists': {type: 'string'},
      now: {type: 'string'}
    },
    allowPositionals: true,
    strict: true
  });
  if(positionals.length !== 1) {
    throw new UsageError('node verify.mjs CREDENTIAL.json|- [--did-documents FILE] ' +
      '[--allow-test-contexts] [--skip-status | --status-lists FILE] [--now ISO]');
  }
  if(values['skip-status'] && values['status-lists'] !== undefined) {
    throw new UsageError('--skip-status and --status-lists exclude each other');
  }
  if(values.now !== undefined && Number.isNaN(Date.parse(values.now))) {
    throw new UsageError(`--now: not a date-time: ${values.now}`);
  }
  const credential = readJsonInput(positionals[0], 'credential');
  const documentLoader = createDocumentLoader({
    allowTestContexts: values['allow-test-contexts'],
    didDocuments: loadDidDocuments(values['did-documents']),
    documents: loadDocuments(values['status-lists'], 'status lists file')
  });
  const options = {credential, suite: verifySuites(), documentLoader};
  if(values['skip-status']) {
    options.checkStatus = async () => ({verified: true});
  } else if(values['status-lists'] !== undefined) {
    options.checkStatus = checkBits;
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
  const answer = {verified, error, suite: proofSuite(credential)};
  if(values['status-lists'] !== undefined) {
    answer.status = (result.statusResult?.results ?? []).map(r => ({
      purpose: r.credentialStatus.statusPurpose,
      index: r.credentialStatus.statusListIndex,
      set: r.status
    }));
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
  process.exitCode = verified ? 0 : 1;
}

runMain(main);
