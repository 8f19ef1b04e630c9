// The verification pipeline of the page: a parsed credential -> checks -> one verdict.
// Check ids follow vcissue/verify.py (context, structure, proof, issuer.binding,
// issuer.trusted, validity.not_before, validity.expiry, status.<purpose>). No network here:
// the live status fetcher comes in through `env`.
import {ContextError, KeyWindowError, ProofError, StatusListError, UnknownKeyError,
  errorMessage} from './errors.js';
import {checkCompacted, checkContexts, checkTermsDefined, parseDateTime, verifyProof} from
  './proof.js';
import {VC_V2, parseStatusEntries, readStatusListCredential, statusBit} from './status.js';
import {certificateDetails} from './details.js';
import {decide} from './verdict.js';
import {message, render} from './i18n.js';

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

  // Each check keeps its message as a catalogue entry (`note`: template + values) so the
  // page can show it in the reader's language; `message` is the English text.
  passed(id, note) {
    this.list.push({id, outcome: 'passed', message: render(note), note, verdict: null});
  }

  failed(id, note, verdict, extra = {}) {
    this.list.push({id, outcome: 'failed', message: render(note), note, verdict, ...extra});
  }

  skipped(id, note) {
    this.list.push({id, outcome: 'skipped', message: render(note), note, verdict: null});
  }

  replace(id, check) {
    const index = this.list.findIndex(item => item.id === id);
    this.list[index] = {id, message: render(check.note), ...check};
  }
}

function issuerId(vc) {
  const issuer = vc.issuer && typeof vc.issuer === 'object' ? vc.issuer.id : vc.issuer;
  return typeof issuer === 'string' && issuer.startsWith('did:') ? issuer : null;
}

// VC Data Model 2.0 structure, the same rules and words as vcissue/verify/structure.py.
const TYPED_PROPERTIES = [
  'credentialStatus', 'credentialSchema', 'refreshService', 'termsOfUse', 'evidence'
];
const URL_PATTERN =
  /^[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20\x7f-\x9f\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+$/u;

function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isUrl(value) {
  return typeof value === 'string' && URL_PATTERN.test(value);
}

function hasType(value) {
  if(typeof value === 'string') {
    return value.length > 0;
  }
  return Array.isArray(value) && value.length > 0 &&
    value.every(item => typeof item === 'string' && item.length > 0);
}

function objectsOf(vc, name, problems) {
  const value = vc[name];
  if(isObject(value)) {
    return [[name, value]];
  }
  if(Array.isArray(value) && value.length > 0 && value.every(isObject)) {
    return value.map((item, index) => [`${name}[${index}]`, item]);
  }
  problems.push(`${name} must be an object or a non-empty list of objects`);
  return [];
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
  if(!('credentialSubject' in vc)) {
    problems.push('credentialSubject must be a non-empty object');
  } else {
    for(const [where, subject] of objectsOf(vc, 'credentialSubject', problems)) {
      if(Object.keys(subject).length === 0) {
        problems.push(`${where} must make one or more claims (it is empty)`);
      }
    }
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
  for(const name of TYPED_PROPERTIES) {
    if(!(name in vc)) {
      continue;
    }
    for(const [where, item] of objectsOf(vc, name, problems)) {
      if(!hasType(item.type)) {
        problems.push(`${where} must have a type`);
      }
      if('id' in item && !isUrl(item.id)) {
        problems.push(`${where}.id must be a URL`);
      } else if(name === 'credentialSchema' && !('id' in item)) {
        problems.push(`${where} must have an id (the schema's URL)`);
      }
    }
  }
  if('relatedResource' in vc) {
    const seen = new Set();
    for(const [where, item] of objectsOf(vc, 'relatedResource', problems)) {
      const resource = item.id;
      if(!isUrl(resource)) {
        problems.push(`${where}.id must be a URL`);
      } else if(seen.has(resource)) {
        problems.push(`${where}.id ${resource} is listed twice`);
      } else {
        seen.add(resource);
      }
      if(!['digestSRI', 'digestMultibase'].some(
        key => typeof item[key] === 'string')) {
        problems.push(`${where} must have a digestSRI or a digestMultibase`);
      }
    }
  }
  return problems;
}

function formatTime(ms) {
  return new Date(ms).toISOString().replace(/:\d{2}\.\d{3}Z$/, ' UTC').replace('T', ' ');
}

/** "3 days", "5 hours", "12 minutes": how old a snapshot is (a catalogue message). */
export function describeAge(ms) {
  const minutes = Math.max(0, Math.floor(ms / 60000));
  if(minutes === 0) {
    return message('less than a minute');
  }
  const units = [[1440, message('1 day'), message('{count} days')],
    [60, message('1 hour'), message('{count} hours')],
    [1, message('1 minute'), message('{count} minutes')]];
  for(const [size, one, many] of units) {
    if(minutes >= size || size === 1) {
      const count = Math.floor(minutes / size);
      return count === 1 ? one : message(many.template, {count});
    }
  }
  return message('less than a minute');
}

async function checkList(document, listUrl, issuer, env) {
  let proof;
  try {
    proof = await verifyProof(document, vm => env.trust.resolveKey(vm), env.contexts);
  } catch(error) {
    throw noted(message('its proof is not acceptable: {reason}',
      {reason: errorMessage(error)}));
  }
  const list = await readStatusListCredential(document, listUrl);
  if(proof.controller !== issuer || list.issuerId !== issuer) {
    throw noted(message("it is not signed by the certificate's issuer"));
  }
  if((list.validFrom !== null && env.now < list.validFrom) ||
    (list.validUntil !== null && env.now > list.validUntil)) {
    throw noted(message('it is outside its validity period'));
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
      notes.push(message('the live list was not fetched: only https lists are'));
    } else {
      try {
        const document = await env.status.fetchLive(listUrl);
        return {list: await checkList(document, listUrl, issuer, env),
          source: message('checked against the live status list')};
      } catch(error) {
        notes.push(message('the live list could not be used: {reason}',
          {reason: noteOf(error)}));
      }
    }
  }
  const snapshot = env.status.snapshot.get(listUrl);
  if(!snapshot) {
    notes.push(message('this page holds no snapshot of that list'));
    throw noted(notes);
  }
  // An old snapshot is no evidence that the certificate is still in good standing: a
  // revocation since then would not show. Past the bundle's maximum age it is not used.
  const maxDays = env.status.maxSnapshotAgeDays ?? DEFAULT_MAX_SNAPSHOT_AGE_DAYS;
  const age = env.status.snapshotTime === null ? null : env.now - env.status.snapshotTime;
  if(age === null || age > maxDays * DAY_MS) {
    notes.push(age === null ?
      message("the page's status snapshot is of unknown age, more than the {days} days " +
        'this verifier accepts: connect to the internet to refresh it', {days: maxDays}) :
      message("the page's status snapshot is {age} old, more than the {days} days this " +
        'verifier accepts: connect to the internet to refresh it',
      {age: describeAge(age), days: maxDays}));
    throw noted(notes, StaleSnapshotError);
  }
  let list;
  try {
    list = await checkList(snapshot, listUrl, issuer, env);
  } catch(error) {
    notes.push(message("the page's snapshot of the list is unusable: {reason}",
      {reason: noteOf(error)}));
    throw noted(notes);
  }
  const source = message("checked against this page's status snapshot (taken {time}, " +
    '{age} old)', {time: formatTime(env.status.snapshotTime), age: describeAge(age)});
  return {list, source: [source, ...notes]};
}

/** A StatusListError whose message is one or more catalogue messages (joined by "; "). */
function noted(notes, ErrorType = StatusListError) {
  const note = Array.isArray(notes) ? notes : [notes];
  const error = new ErrorType(render(note));
  error.note = note;
  return error;
}

/** What an error says, as a catalogue message when it carries one. */
function noteOf(error) {
  return error?.note ?? errorMessage(error);
}

async function checkStatus(vc, issuer, checks, env) {
  if(!('credentialStatus' in vc)) {
    checks.skipped('status', message('the certificate carries no status entry: it cannot ' +
      'be suspended or revoked'));
    return;
  }
  let entries;
  try {
    entries = parseStatusEntries(vc.credentialStatus);
  } catch(error) {
    checks.failed('status', message('could not check the status: {reason}',
      {reason: error.message}), 'STATUS_UNKNOWN');
    return;
  }
  const lists = new Map();
  for(const entry of entries) {
    const id = `status.${entry.purpose}`;
    const revocation = entry.purpose === 'revocation';
    const state = revocation ? 'revoked' : 'suspended';
    if(!lists.has(entry.listUrl)) {
      lists.set(entry.listUrl, obtainList(entry.listUrl, issuer, env));
    }
    try {
      const {list, source} = await lists.get(entry.listUrl);
      if(statusBit(entry, list)) {
        checks.failed(id, revocation ?
          message('revoked by the certification body: {source}', {source}) :
          message('suspended by the certification body: {source}', {source}),
        state.toUpperCase());
      } else {
        checks.passed(id, revocation ? message('not revoked: {source}', {source}) :
          message('not suspended: {source}', {source}));
      }
    } catch(error) {
      // "Could not check" must never read as "not revoked".
      const reason = noteOf(error);
      checks.failed(id, revocation ?
        message('whether it is revoked could not be checked: {reason}', {reason}) :
        message('whether it is suspended could not be checked: {reason}', {reason}),
      'STATUS_UNKNOWN', {stale: error instanceof StaleSnapshotError});
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
      throw new ContextError(render(message('the first @context must be {url}',
        {url: VC_V2})));
    }
    checkCompacted(vc, env.contexts);
    if(vc.proof?.cryptosuite !== 'eddsa-rdfc-2022') {
      // eddsa-rdfc-2022 expands while canonicalising; the others need it here.
      const {proof: _proof, ...unsecured} = vc;
      await checkTermsDefined(unsecured, env.contexts);
    }
    checks.passed('context', message('all contexts bundled and every term defined'));
  } catch(error) {
    contextOk = false;
    checks.failed('context', message('{reason}', {reason: errorMessage(error)}), 'FORGED');
  }

  const problems = structureProblems(vc);
  if(problems.length) {
    checks.failed('structure', message('not a well-formed credential: {reason}',
      {reason: problems.join('; ')}), 'FORGED');
  } else {
    checks.passed('structure', message('VC Data Model 2.0 structure'));
  }

  const issuer = issuerId(vc);
  let proof = null;
  if(!contextOk) {
    checks.skipped('proof', message('not checked: the contexts are not acceptable'));
  } else {
    try {
      proof = await verifyProof(vc, vm => env.trust.resolveKey(vm), env.contexts);
      checks.passed('proof', message('{suite} signature valid, key {key}',
        {suite: proof.cryptosuite, key: proof.verificationMethod}));
    } catch(error) {
      if(error instanceof UnknownKeyError && issuer !== null && env.trust.has(issuer)) {
        // It names a trusted issuer but was signed with some other DID's key.
        checks.failed('proof', message('it names the trusted issuer {issuer}, but {reason}',
          {issuer, reason: error.message}), 'FORGED');
      } else if(error instanceof KeyWindowError) {
        // Perhaps a genuine signature, by a key its issuer no longer stands behind.
        checks.failed('proof', message('{reason}', {reason: error.message}), 'NOT_TRUSTED');
      } else if(error instanceof UnknownKeyError) {
        checks.failed('proof', message('{reason}', {reason: error.message}), 'NOT_TRUSTED');
      } else if(error instanceof ContextError) {
        checks.replace('context', {outcome: 'failed',
          note: message('{reason}', {reason: error.message}), verdict: 'FORGED'});
        checks.skipped('proof', message('not checked: the document is not well-formed ' +
          'JSON-LD'));
      } else {
        checks.failed('proof', message('the signature is not valid: {reason}',
          {reason: errorMessage(error)}), 'FORGED');
      }
    }
  }

  if(proof === null) {
    checks.skipped('issuer.binding', message('not checked: no valid proof'));
  } else if(proof.controller !== issuer) {
    checks.failed('issuer.binding', message('signed by {signer}, which is not the issuer it ' +
      'names ({issuer})', {signer: proof.controller, issuer}), 'FORGED');
  } else {
    checks.passed('issuer.binding', message('the issuer controls the signing key'));
  }
  if(issuer === null) {
    checks.failed('issuer.trusted', message('the certificate names no issuer DID'),
      'NOT_TRUSTED');
  } else if(!env.trust.has(issuer)) {
    checks.failed('issuer.trusted', message("the issuer {issuer} is not on this verifier's " +
      'trust list', {issuer}), 'NOT_TRUSTED');
  } else {
    const name = env.trust.name(issuer);
    checks.passed('issuer.trusted', message('issued by {issuer}, which is on the trust list',
      {issuer: name ? `${name} (${issuer})` : issuer}));
  }

  const validity = [
    ['validity.not_before', 'validFrom', message('no validFrom: no limit'),
      message('validFrom is not a dateTime'),
      message('validFrom {time}: within the validity period')],
    ['validity.expiry', 'validUntil', message('no validUntil: no limit'),
      message('validUntil is not a dateTime'),
      message('validUntil {time}: within the validity period')]];
  for(const [id, name, absent, malformed, within] of validity) {
    if(!(name in vc)) {
      checks.passed(id, absent);
      continue;
    }
    let moment;
    try {
      moment = parseDateTime(vc[name], ProofError);
    } catch {
      checks.failed(id, malformed, 'FORGED');
      continue;
    }
    if(name === 'validFrom' && env.now + CLOCK_SKEW_MS < moment) {
      checks.failed(id, message('not valid before {time}', {time: vc[name]}),
        'NOT_YET_VALID');
    } else if(name === 'validUntil' && env.now - CLOCK_SKEW_MS > moment) {
      checks.failed(id, message('expired on {time}', {time: vc[name]}), 'EXPIRED');
    } else {
      checks.passed(id, message(within.template, {time: vc[name]}));
    }
  }

  const trustworthy = proof !== null && proof.controller === issuer && env.trust.has(issuer);
  if(trustworthy) {
    await checkStatus(vc, issuer, checks, env);
  } else {
    checks.skipped('status', message('not checked: only a genuine certificate from a ' +
      'trusted issuer has a status worth checking'));
  }

  return {...decide(checks.list), checks: checks.list, details: certificateDetails(vc)};
}
