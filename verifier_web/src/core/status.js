// W3C Bitstring Status List v1.0, reading side: credentialStatus entries, status list
// credentials and their bits. Index 0 is the most significant bit of the first byte; the
// list is multibase "u" + base64url (no padding) of GZIP. Mirrors vcissue/status.py.
import {StatusListError} from './errors.js';
import {inflate} from './inflate.js';
import {base64urlDecode} from './multibase.js';
import {parseDateTime} from './proof.js';

export const VC_V2 = 'https://www.w3.org/ns/credentials/v2';
export const MIN_BITS = 131072; // spec minimum: 16 KiB of entries (herd privacy)
export const MAX_BITS = 16 * 1024 * 1024 * 8; // decompression-bomb cap, as status.py
export const MAX_STATUS_ENTRIES = 16;
export const PURPOSES = ['revocation', 'suspension'];
const ENTRY_TYPE = 'BitstringStatusListEntry';
const LIST_CREDENTIAL_TYPE = 'BitstringStatusListCredential';
const LIST_TYPE = 'BitstringStatusList';
const INDEX = /^[0-9]{1,20}$/;
const ABSOLUTE_URL = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;

function hasType(value, name) {
  if(typeof value === 'string') {
    return value === name;
  }
  return Array.isArray(value) && value.every(item => typeof item === 'string') &&
    value.includes(name);
}

function url(value, what) {
  if(typeof value !== 'string' || !ABSOLUTE_URL.test(value)) {
    throw new StatusListError(`${what} must be an absolute URL`);
  }
  return value;
}

function purpose(value) {
  if(!PURPOSES.includes(value)) {
    throw new StatusListError(`unsupported statusPurpose ${JSON.stringify(value)}`);
  }
  return value;
}

/** One BitstringStatusListEntry -> {listUrl, index, purpose}. */
export function parseStatusEntry(entry) {
  if(!entry || typeof entry !== 'object' || Array.isArray(entry)) {
    throw new StatusListError('a credentialStatus entry must be an object');
  }
  if(!hasType(entry.type, ENTRY_TYPE)) {
    throw new StatusListError(`credentialStatus type ${JSON.stringify(entry.type)} is not ` +
      ENTRY_TYPE);
  }
  for(const name of ['statusPurpose', 'statusListIndex', 'statusListCredential']) {
    if(!(name in entry)) {
      throw new StatusListError(`credentialStatus entry has no ${name}`);
    }
  }
  const entryPurpose = purpose(entry.statusPurpose);
  if(typeof entry.statusListIndex !== 'string' || !INDEX.test(entry.statusListIndex)) {
    throw new StatusListError('statusListIndex must be a string of a base-10 integer');
  }
  const listUrl = url(entry.statusListCredential, 'statusListCredential');
  if('statusSize' in entry && entry.statusSize !== 1) {
    throw new StatusListError(`statusSize ${JSON.stringify(entry.statusSize)} is not ` +
      'supported (only 1)');
  }
  if(entry.id !== undefined && (typeof entry.id !== 'string' || entry.id === listUrl)) {
    throw new StatusListError('credentialStatus id must be a string other than the list URL');
  }
  return {listUrl, index: Number(entry.statusListIndex), purpose: entryPurpose};
}

/** credentialStatus (one entry or a list of them) -> parsed entries. */
export function parseStatusEntries(credentialStatus) {
  if(credentialStatus && typeof credentialStatus === 'object' &&
    !Array.isArray(credentialStatus)) {
    return [parseStatusEntry(credentialStatus)];
  }
  if(!Array.isArray(credentialStatus) || credentialStatus.length === 0) {
    throw new StatusListError('credentialStatus must be an object or a non-empty list');
  }
  if(credentialStatus.length > MAX_STATUS_ENTRIES) {
    throw new StatusListError(`more than ${MAX_STATUS_ENTRIES} credentialStatus entries`);
  }
  return credentialStatus.map(parseStatusEntry);
}

/** encodedList -> the list's bytes (GZIP inflated, capped, at least MIN_BITS long). */
export async function decodeBitstring(encoded) {
  if(typeof encoded !== 'string' || !encoded.startsWith('u')) {
    throw new StatusListError("encodedList must be multibase base64url (start with 'u')");
  }
  const maxBytes = MAX_BITS / 8;
  if(encoded.length > maxBytes * 2) {
    throw new StatusListError('encodedList is longer than any list this verifier accepts');
  }
  const compressed = base64urlDecode(encoded.slice(1), StatusListError);
  if(compressed[0] !== 0x1f || compressed[1] !== 0x8b) {
    throw new StatusListError('encodedList is not GZIP data');
  }
  const bits = await inflate(compressed, {format: 'gzip', maxBytes, ErrorType: StatusListError})
    .catch(error => {
      throw new StatusListError(`encodedList ${error.message}`);
    });
  if(bits.length * 8 < MIN_BITS) {
    throw new StatusListError(`a list of ${bits.length * 8} bits is shorter than the minimum ` +
      `${MIN_BITS} (STATUS_LIST_LENGTH_ERROR)`);
  }
  return bits;
}

/**
 * Checks the structure of a BitstringStatusListCredential and decodes its list (its proof
 * is the caller's to check).
 *
 * @param {object} vc - The status list credential.
 * @param {string} fetchedFrom - The URL the credential entry names.
 * @returns {Promise<object>} {listUrl, purposes, bits, validFrom, validUntil, issuerId}.
 */
export async function readStatusListCredential(vc, fetchedFrom) {
  if(!vc || typeof vc !== 'object' || Array.isArray(vc)) {
    throw new StatusListError('a status list credential must be an object');
  }
  const context = vc['@context'];
  if((Array.isArray(context) ? context[0] : context) !== VC_V2) {
    throw new StatusListError(`status list credential @context must start with ${VC_V2}`);
  }
  if(!(hasType(vc.type, 'VerifiableCredential') && hasType(vc.type, LIST_CREDENTIAL_TYPE))) {
    throw new StatusListError(`credential type is not a ${LIST_CREDENTIAL_TYPE}`);
  }
  const listUrl = 'id' in vc ? url(vc.id, 'status list credential id') : fetchedFrom;
  if(listUrl !== fetchedFrom) {
    throw new StatusListError(`status list credential ${listUrl} is not the list ` +
      `${fetchedFrom} the certificate names`);
  }
  const issuer = vc.issuer && typeof vc.issuer === 'object' ? vc.issuer.id : vc.issuer;
  const issuerId = url(issuer, 'status list issuer');
  const validFrom = 'validFrom' in vc ? parseDateTime(vc.validFrom, StatusListError) : null;
  const validUntil = 'validUntil' in vc ? parseDateTime(vc.validUntil, StatusListError) : null;
  let subject = vc.credentialSubject;
  if(Array.isArray(subject) && subject.length === 1) {
    subject = subject[0];
  }
  if(!subject || typeof subject !== 'object' || Array.isArray(subject)) {
    throw new StatusListError('credentialSubject must be one object (the status list)');
  }
  if(!hasType(subject.type, LIST_TYPE)) {
    throw new StatusListError(`credentialSubject type is not ${LIST_TYPE}`);
  }
  const listPurposes = (Array.isArray(subject.statusPurpose) ? subject.statusPurpose :
    [subject.statusPurpose]).filter(value => PURPOSES.includes(value));
  if(listPurposes.length === 0) {
    throw new StatusListError('the status list has no supported statusPurpose');
  }
  const bits = await decodeBitstring(subject.encodedList);
  return {listUrl, purposes: listPurposes, bits, validFrom, validUntil, issuerId};
}

/** The entry's bit: true means revoked / suspended. */
export function statusBit(entry, list) {
  if(!list.purposes.includes(entry.purpose)) {
    throw new StatusListError(`the list does not serve the purpose ${entry.purpose} ` +
      '(STATUS_VERIFICATION_ERROR)');
  }
  if(entry.index >= list.bits.length * 8) {
    throw new StatusListError(`index ${entry.index} is outside the list of ` +
      `${list.bits.length * 8} bits (RANGE_ERROR)`);
  }
  return Boolean(list.bits[entry.index >> 3] & (0x80 >> (entry.index & 7)));
}
