// The verification pipeline of the page: a parsed credential -> checks -> one verdict.
// Check ids follow vcissue/verify.py (context, structure, proof, issuer.binding,
// issuer.trusted, validity.not_before, validity.expiry, status.<purpose>). No network here:
// the live status fetcher comes in through `env`.
import {ContextError, ProofError, StatusListError, UnknownKeyError, errorMessage} from
  './errors.js';
import {checkContexts, checkTermsDefined, parseDateTime, verifyProof} from './proof.js';
import {VC_V2, parseStatusEntries, readStatusListCredential, statusBit} from './status.js';
import {certificateDetails} from './details.js';
import {decide} from './verdict.js';

export const CLOCK_SKEW_MS = 5 * 60 * 1000;
export const DAY_MS = 24 * 60 * 60 * 1000;
/** How old a status snapshot may be before it says nothing (the bundle may set another). */
export const DEFAULT_MAX_SNAPSHOT_AGE_DAYS = 30;

/** The page's snapshot is too old (or of unknown age) to say anything about status. */
export class StaleSnapshotError extends StatusListError {}

class Checks {
  constructor() {
    this.list = [];
  }

  passed(id, message) {
    this.list.push({id, outcome: 'passed', message, verdict: null});
  }

  failed(id, message, verdict, extra = {}) {
    this.list.push({id, outcome: 'failed', message, verdict, ...extra});
  }

  skipped(id, message) {
    this.list.push({id, outcome: 'skipped', message, verdict: null});
  }

  replace(id, check) {
    const index = this.list.findIndex(item => item.id === id);
    this.list[index] = {id, ...check};
  }
}

function issuerId(vc) {
  const issuer = vc.issuer && typeof vc.issuer === 'object' ? vc.issuer.id : vc.issuer;
  return typeof issuer === 'string' && issuer.startsWith('did:') ? issuer : null;
}

function structureProblems(vc) {
  const problems = [];
  if(!(Array.isArray(vc.type) && vc.type.includes('VerifiableCredential'))) {
    problems.push('type must be a list containing VerifiableCredential');
  }
  if('id' in vc && typeof vc.id !== 'string') {
    problems.push('id must be a string');
  }
  if(issuerId(vc) === null) {
    problems.push('issuer must be a DID or an object with a DID id');
  }
  const subject = vc.credentialSubject;
  if(!subject || typeof subject !== 'object' || Object.keys(subject).length === 0) {
    problems.push('credentialSubject must be a non-empty object');
  }
  for(const name of ['validFrom', 'validUntil']) {
    if(name in vc) {
      try {
        parseDateTime(vc[name], ProofError);
      } catch {
        problems.push(`${name} must be an XSD dateTime`);
      }
    }
  }
  if('issuanceDate' in vc || 'expirationDate' in vc) {
    problems.push('VC 1.1 dates (issuanceDate/expirationDate) are not VC 2.0');
  }
  return problems;
}

function formatTime(ms) {
  return new Date(ms).toISOString().replace(/:\d{2}\.\d{3}Z$/, ' UTC').replace('T', ' ');
}

/** "3 days", "5 hours", "12 minutes": how old a snapshot is. */
export function describeAge(ms) {
  const minutes = Math.max(0, Math.floor(ms / 60000));
  if(minutes === 0) {
    return 'less than a minute';
  }
  const units = [[1440, 'day'], [60, 'hour'], [1, 'minute']];
  for(const [size, name] of units) {
    if(minutes >= size || size === 1) {
      const count = Math.floor(minutes / size);
      return `${count} ${name}${count === 1 ? '' : 's'}`;
    }
  }
  return '';
}

async function checkList(document, listUrl, issuer, env) {
  let proof;
  try {
    proof = await verifyProof(document, vm => env.trust.resolveKey(vm), env.contexts);
  } catch(error) {
    throw new StatusListError(`its proof is not acceptable: ${errorMessage(error)}`);
  }
  const list = await readStatusListCredential(document, listUrl);
  if(proof.controller !== issuer || list.issuerId !== issuer) {
    throw new StatusListError("it is not signed by the certificate's issuer");
  }
  if((list.validFrom !== null && env.now < list.validFrom) ||
    (list.validUntil !== null && env.now > list.validUntil)) {
    throw new StatusListError('it is outside its validity period');
  }
  return list;
}

/** The status list at `listUrl`: live when possible, else the page's snapshot. */
async function obtainList(listUrl, issuer, env) {
  const notes = [];
  if(!env.status.liveEnabled && env.status.liveOffReason) {
    notes.push(env.status.liveOffReason);
  }
  if(env.status.liveEnabled) {
    if(!listUrl.startsWith('https:')) {
      notes.push('the live list was not fetched: only https lists are');
    } else {
      try {
        const document = await env.status.fetchLive(listUrl);
        return {list: await checkList(document, listUrl, issuer, env),
          source: 'checked against the live status list'};
      } catch(error) {
        notes.push(`the live list could not be used: ${errorMessage(error)}`);
      }
    }
  }
  const snapshot = env.status.snapshot.get(listUrl);
  if(!snapshot) {
    notes.push('this page holds no snapshot of that list');
    throw new StatusListError(notes.join('; '));
  }
  // An old snapshot is no evidence that the certificate is still in good standing: a
  // revocation since then would not show. Past the bundle's maximum age it is not used.
  const maxDays = env.status.maxSnapshotAgeDays ?? DEFAULT_MAX_SNAPSHOT_AGE_DAYS;
  const age = env.status.snapshotTime === null ? null : env.now - env.status.snapshotTime;
  if(age === null || age > maxDays * DAY_MS) {
    notes.push(`the page's status snapshot is ${age === null ? 'of unknown age' :
      `${describeAge(age)} old`}, more than the ${maxDays} days this verifier accepts: ` +
      'connect to the internet to refresh it');
    throw new StaleSnapshotError(notes.join('; '));
  }
  let list;
  try {
    list = await checkList(snapshot, listUrl, issuer, env);
  } catch(error) {
    notes.push(`the page's snapshot of the list is unusable: ${errorMessage(error)}`);
    throw new StatusListError(notes.join('; '));
  }
  const taken = `taken ${formatTime(env.status.snapshotTime)}, ${describeAge(age)} old`;
  const source = `checked against this page's status snapshot (${taken})`;
  return {list, source: [source, ...notes].join('; ')};
}

async function checkStatus(vc, issuer, checks, env) {
  if(!('credentialStatus' in vc)) {
    checks.skipped('status', 'the certificate carries no status entry: it cannot be ' +
      'suspended or revoked');
    return;
  }
  let entries;
  try {
    entries = parseStatusEntries(vc.credentialStatus);
  } catch(error) {
    checks.failed('status', `could not check the status: ${error.message}`, 'STATUS_UNKNOWN');
    return;
  }
  const lists = new Map();
  for(const entry of entries) {
    const id = `status.${entry.purpose}`;
    const state = entry.purpose === 'revocation' ? 'revoked' : 'suspended';
    if(!lists.has(entry.listUrl)) {
      lists.set(entry.listUrl, obtainList(entry.listUrl, issuer, env));
    }
    try {
      const {list, source} = await lists.get(entry.listUrl);
      if(statusBit(entry, list)) {
        checks.failed(id, `${state} by the certification body: ${source}`,
          state.toUpperCase());
      } else {
        checks.passed(id, `not ${state}: ${source}`);
      }
    } catch(error) {
      // "Could not check" must never read as "not revoked".
      checks.failed(id, `whether it is ${state} could not be checked: ` +
        errorMessage(error), 'STATUS_UNKNOWN', {stale: error instanceof StaleSnapshotError});
    }
  }
}

/**
 * Verifies a parsed credential.
 *
 * @param {object} vc - The credential (already through the strict JSON parser).
 * @param {object} env - {trust: TrustList, contexts: Map, now: ms, status: {liveEnabled,
 *   fetchLive: async url -> document, snapshot: Map, snapshotTime: ms|null,
 *   maxSnapshotAgeDays}}.
 * @returns {Promise<object>} {verdict, reason, reasons, checks, details}.
 */
export async function verifyCredential(vc, env) {
  const checks = new Checks();
  let contextOk = true;
  try {
    const urls = checkContexts(vc['@context'], env.contexts);
    if(urls[0] !== VC_V2) {
      throw new ContextError(`the first @context must be ${VC_V2}`);
    }
    if(vc.proof?.cryptosuite !== 'eddsa-rdfc-2022') {
      // eddsa-rdfc-2022 expands while canonicalising; the others need it here.
      const {proof: _proof, ...unsecured} = vc;
      await checkTermsDefined(unsecured, env.contexts);
    }
    checks.passed('context', 'all contexts bundled and every term defined');
  } catch(error) {
    contextOk = false;
    checks.failed('context', errorMessage(error), 'FORGED');
  }

  const problems = structureProblems(vc);
  if(problems.length) {
    checks.failed('structure', `not a well-formed credential: ${problems.join('; ')}`,
      'FORGED');
  } else {
    checks.passed('structure', 'VC Data Model 2.0 structure');
  }

  const issuer = issuerId(vc);
  let proof = null;
  if(!contextOk) {
    checks.skipped('proof', 'not checked: the contexts are not acceptable');
  } else {
    try {
      proof = await verifyProof(vc, vm => env.trust.resolveKey(vm), env.contexts);
      checks.passed('proof', `${proof.cryptosuite} signature valid, key ` +
        proof.verificationMethod);
    } catch(error) {
      if(error instanceof UnknownKeyError && issuer !== null && env.trust.has(issuer)) {
        // It names a trusted issuer but was signed with some other DID's key.
        checks.failed('proof', `it names the trusted issuer ${issuer}, but ${error.message}`,
          'FORGED');
      } else if(error instanceof UnknownKeyError) {
        checks.failed('proof', error.message, 'NOT_TRUSTED');
      } else if(error instanceof ContextError) {
        checks.replace('context', {outcome: 'failed', message: error.message,
          verdict: 'FORGED'});
        checks.skipped('proof', 'not checked: the document is not well-formed JSON-LD');
      } else {
        checks.failed('proof', `the signature is not valid: ${errorMessage(error)}`,
          'FORGED');
      }
    }
  }

  if(proof === null) {
    checks.skipped('issuer.binding', 'not checked: no valid proof');
  } else if(proof.controller !== issuer) {
    checks.failed('issuer.binding', `signed by ${proof.controller}, which is not the ` +
      `issuer it names (${issuer})`, 'FORGED');
  } else {
    checks.passed('issuer.binding', 'the issuer controls the signing key');
  }
  if(issuer === null) {
    checks.failed('issuer.trusted', 'the certificate names no issuer DID', 'NOT_TRUSTED');
  } else if(!env.trust.has(issuer)) {
    checks.failed('issuer.trusted', `the issuer ${issuer} is not on this verifier's trust ` +
      'list', 'NOT_TRUSTED');
  } else {
    const name = env.trust.name(issuer);
    checks.passed('issuer.trusted', `issued by ${name ? `${name} (${issuer})` : issuer}, ` +
      'which is on the trust list');
  }

  for(const [id, name] of [['validity.not_before', 'validFrom'],
    ['validity.expiry', 'validUntil']]) {
    if(!(name in vc)) {
      checks.passed(id, `no ${name}: no limit`);
      continue;
    }
    let moment;
    try {
      moment = parseDateTime(vc[name], ProofError);
    } catch {
      checks.failed(id, `${name} is not a dateTime`, 'FORGED');
      continue;
    }
    if(name === 'validFrom' && env.now + CLOCK_SKEW_MS < moment) {
      checks.failed(id, `not valid before ${vc[name]}`, 'NOT_YET_VALID');
    } else if(name === 'validUntil' && env.now - CLOCK_SKEW_MS > moment) {
      checks.failed(id, `expired on ${vc[name]}`, 'EXPIRED');
    } else {
      checks.passed(id, `${name} ${vc[name]}: within the validity period`);
    }
  }

  const trustworthy = proof !== null && proof.controller === issuer && env.trust.has(issuer);
  if(trustworthy) {
    await checkStatus(vc, issuer, checks, env);
  } else {
    checks.skipped('status', 'not checked: only a genuine certificate from a trusted ' +
      "issuer has a status worth checking");
  }

  return {...decide(checks.list), checks: checks.list, details: certificateDetails(vc)};
}
