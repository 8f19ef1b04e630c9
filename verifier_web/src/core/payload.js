// The QR payload codec (decoder side). The format is fixed by vcissue.qr (docs/qr.md):
//   printed: "<VERIFIER URL>#VC2:" + Base43(4-byte scheme pack id + raw DEFLATE of the
//            compact JSON against the pack's preset dictionary)
//   VC2 text: the fragment alone; VC1 text: "VC1:" + Base45(zlib(compact JSON))
//   online:  "<base_url>/register/<credential id>"
// Anything else is "not a vcissue certificate QR". Refusals match vcissue.qr's, case by
// case (tests/qr_corpus.py runs one corpus through both).
import {base43Decode, base45Decode} from './base45.js';
import {PayloadError} from './errors.js';
import {inflateRaw, inflateZlib} from './deflate.js';
import {parseStrictJson} from './strictjson.js';

export const OFFLINE_PREFIX = 'VC1:';
export const PACKED_PREFIX = 'VC2:';
export const MAX_INFLATED_BYTES = 256 * 1024;
const MAX_PAYLOAD_CHARS = 8 * 1024; // a version 40 QR holds 4,296 alphanumeric characters
const DIGEST_BYTES = 4;
const VERSIONED_PREFIX = /^VC([0-9A-Za-z]{1,16}):/;
const NOT_OURS = 'not a vcissue certificate QR';

/** A pack the payload names but this verifier lacks (the page says which). */
export class MissingPackError extends PayloadError {
  constructor(packId) {
    super(`the certificate was compressed with scheme pack ${packId}, which this verifier ` +
      'does not have');
    this.packId = packId;
  }
}

/** Scanned or pasted text with scanners' leading white space and trailing line ends off. */
export function cleanText(text) {
  if(typeof text !== 'string') {
    throw new PayloadError(NOT_OURS);
  }
  // Counted in code points, as vcissue.qr counts (text.length counts UTF-16 units).
  if(text.length > MAX_PAYLOAD_CHARS && codePoints(text) > MAX_PAYLOAD_CHARS) {
    throw new PayloadError(`${NOT_OURS}: longer than any QR code can hold`);
  }
  // Base45 includes the space character, so only line breaks and tabs are trimmed at the end.
  const payload = text.replace(/^[ \t\r\n]+/, '').replace(/[\r\n\t]+$/, '');
  if(payload.length === 0) {
    throw new PayloadError('empty: nothing was scanned or pasted');
  }
  return payload;
}

function codePoints(text) {
  let count = 0;
  for(const _ of text) {
    count++;
  }
  return count;
}

/** `text` percent-decoded (UTF-8, every "%" an escape), or PayloadError naming `what`. */
function percentDecoded(text, what) {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new PayloadError(`${NOT_OURS}: ${what} is not percent-encoded UTF-8`);
  }
}

/** The fragment of a printed verifier link, percent-decoded as the address bar hands it
 * on, or null when `payload` is not a link. */
export function fragmentOf(payload) {
  if(!/^https?:\/\//i.test(payload)) {
    return null;
  }
  const marker = payload.indexOf('#');
  if(marker < 0) {
    return null;
  }
  const fragment = percentDecoded(payload.slice(marker + 1), 'the link\'s fragment');
  if(!fragment.startsWith('VC') && !fragment.startsWith('vc')) {
    throw new PayloadError(`${NOT_OURS}: the link's fragment holds no certificate`);
  }
  return fragment;
}

/**
 * Decodes scanned or pasted text.
 *
 * @param {string} text - The QR text.
 * @param {object} [options] - {packs: Map pack id (hex) -> {name, dictionary}}.
 * @returns {Promise<object>} {kind: 'offline', credential} or {kind: 'online', url,
 *   credentialId}.
 */
export async function decodePayload(text, {packs = new Map()} = {}) {
  let payload = cleanText(text);
  const fragment = fragmentOf(payload);
  if(fragment !== null) {
    payload = fragment;
  }
  if(payload.startsWith(PACKED_PREFIX)) {
    return {kind: 'offline', credential: decodePacked(payload, packs)};
  }
  if(payload.startsWith(OFFLINE_PREFIX)) {
    return {kind: 'offline', credential: decodeOffline(payload)};
  }
  const versioned = VERSIONED_PREFIX.exec(payload);
  if(versioned) {
    throw new PayloadError(`unsupported QR payload version VC${versioned[1]} ` +
      '(this verifier knows VC1 and VC2)');
  }
  const online = parseOnline(payload);
  if(online) {
    return online;
  }
  throw new PayloadError(`${NOT_OURS}: it must start with "${PACKED_PREFIX}" or ` +
    `"${OFFLINE_PREFIX}" or be a link to a certificate register`);
}

function hex(bytes) {
  return [...bytes].map(byte => byte.toString(16).padStart(2, '0')).join('');
}

function decodePacked(payload, packs) {
  let data;
  try {
    data = base43Decode(payload.slice(PACKED_PREFIX.length));
  } catch(error) {
    throw new PayloadError(`${NOT_OURS}: ${error.message}`);
  }
  if(data.length <= DIGEST_BYTES) {
    throw new PayloadError(`${NOT_OURS}: the payload is too short`);
  }
  const packId = hex(data.subarray(0, DIGEST_BYTES));
  let dictionary = new Uint8Array(0);
  if(packId !== '00000000') {
    const pack = packs.get(packId);
    if(!pack) {
      throw new MissingPackError(packId);
    }
    dictionary = pack.dictionary;
  }
  const json = inflateRaw(data.subarray(DIGEST_BYTES), {
    dictionary, maxBytes: MAX_INFLATED_BYTES, ErrorType: PayloadError
  });
  return credentialFrom(json);
}

function decodeOffline(payload) {
  let compressed;
  try {
    compressed = base45Decode(payload.slice(OFFLINE_PREFIX.length));
  } catch(error) {
    throw new PayloadError(`${NOT_OURS}: ${error.message}`);
  }
  return credentialFrom(inflateZlib(compressed, {
    maxBytes: MAX_INFLATED_BYTES, ErrorType: PayloadError
  }));
}

/** UTF-8 JSON bytes -> a JSON object, through the one strict parser. */
export function credentialFrom(json) {
  let text;
  try {
    // ignoreBOM keeps a byte order mark, which JSON then refuses (as Python's json does).
    text = new TextDecoder('utf-8', {fatal: true, ignoreBOM: true}).decode(json);
  } catch {
    throw new PayloadError(`${NOT_OURS}: the data is not UTF-8 text`);
  }
  const credential = parseStrictJson(text, PayloadError);
  if(!credential || typeof credential !== 'object' || Array.isArray(credential)) {
    throw new PayloadError(`${NOT_OURS}: the data is not a JSON object`);
  }
  return credential;
}

// "<base_url>/register/<credential id>", by the one grammar vcissue.qr.parse_register_url
// applies (never the browser's URL parser, which Python's urlsplit does not match on ports,
// backslashes, tabs, IDNs or dot segments): http(s), a host name or IPv6 literal, an
// optional port, path segments of RFC 3986 pchars, the last "/register/<id>"; scheme and
// host lower-cased, the id percent-decoded and printable ASCII.
const PCHAR = "(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})";
const REGISTER_LINK = new RegExp('^([Hh][Tt][Tt][Pp][Ss]?)://([A-Za-z0-9.-]+|\\[[0-9A-Fa-f:.]+\\])' +
  `(?::([0-9]{1,5}))?((?:/${PCHAR}*)*)/register/(${PCHAR}+)$`);

function parseOnline(payload) {
  const link = REGISTER_LINK.exec(payload);
  if(!link) {
    return null;
  }
  const [, scheme, host, port, prefix, tail] = link;
  if(port !== undefined && Number(port) > 0xffff) {
    return null;
  }
  let credentialId;
  try {
    credentialId = decodeURIComponent(tail);
  } catch {
    return null;
  }
  if(!/^[ -~]+$/.test(credentialId)) {
    return null;
  }
  const base = `${scheme.toLowerCase()}://${host.toLowerCase()}` +
    `${port === undefined ? '' : `:${Number(port)}`}${prefix}`;
  // Percent-encoded as Python's quote(id, safe=':') writes it.
  const quoted = encodeURIComponent(credentialId).replace(/[!'()*]/g,
    character => `%${character.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%3A/g, ':');
  return {kind: 'online', url: `${base}/register/${quoted}`, credentialId};
}
