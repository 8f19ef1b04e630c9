// The QR payload codec (decoder side). The format is fixed by vcissue.qr:
//   offline: "VC1:" + Base45(zlib(UTF-8 compact JSON of the signed credential))
//   online:  "<base_url>/register/<credential id>"
// Anything else is "not a vcissue certificate QR".
import {base45Decode} from './base45.js';
import {PayloadError} from './errors.js';
import {inflate} from './inflate.js';
import {parseStrictJson} from './strictjson.js';

export const OFFLINE_PREFIX = 'VC1:';
export const MAX_INFLATED_BYTES = 256 * 1024;
const MAX_PAYLOAD_CHARS = 8 * 1024; // a version 40 QR holds 4,296 alphanumeric characters
const VERSIONED_PREFIX = /^VC([0-9A-Za-z]{1,16}):/;
const NOT_OURS = 'not a vcissue certificate QR';

/**
 * Decodes scanned or pasted text.
 *
 * @param {string} text - The QR text.
 * @returns {Promise<object>} {kind: 'offline', credential} or {kind: 'online', url,
 *   credentialId}.
 */
export async function decodePayload(text) {
  if(typeof text !== 'string') {
    throw new PayloadError(NOT_OURS);
  }
  // Base45 includes the space character, so only line breaks and tabs are trimmed.
  const payload = text.replace(/^\s+/, '').replace(/[\r\n\t]+$/, '');
  if(payload.length === 0) {
    throw new PayloadError('empty: nothing was scanned or pasted');
  }
  if(payload.length > MAX_PAYLOAD_CHARS) {
    throw new PayloadError(`${NOT_OURS}: longer than any QR code can hold`);
  }
  if(payload.startsWith(OFFLINE_PREFIX)) {
    return {kind: 'offline', credential: await decodeOffline(payload)};
  }
  const versioned = VERSIONED_PREFIX.exec(payload);
  if(versioned) {
    throw new PayloadError(`unsupported QR payload version VC${versioned[1]} ` +
      '(this verifier knows VC1)');
  }
  const online = parseOnline(payload);
  if(online) {
    return online;
  }
  throw new PayloadError(`${NOT_OURS}: it must start with "${OFFLINE_PREFIX}" ` +
    'or be a link to a certificate register');
}

async function decodeOffline(payload) {
  let compressed;
  try {
    compressed = base45Decode(payload.slice(OFFLINE_PREFIX.length));
  } catch(error) {
    throw new PayloadError(`${NOT_OURS}: ${error.message}`);
  }
  const json = await inflate(compressed, {
    format: 'deflate', maxBytes: MAX_INFLATED_BYTES, ErrorType: PayloadError
  }).catch(error => {
    throw new PayloadError(`${NOT_OURS}: the data ${error.message}`);
  });
  let text;
  try {
    text = new TextDecoder('utf-8', {fatal: true}).decode(json);
  } catch {
    throw new PayloadError(`${NOT_OURS}: the data is not UTF-8 text`);
  }
  const credential = parseStrictJson(text, PayloadError);
  if(!credential || typeof credential !== 'object' || Array.isArray(credential)) {
    throw new PayloadError(`${NOT_OURS}: the data is not a JSON object`);
  }
  return credential;
}

// "<base_url>/register/<credential id>", read as vcissue.qr.parse_register_url reads it.
function parseOnline(payload) {
  if(!/^https?:\/\//i.test(payload)) {
    return null;
  }
  let url;
  try {
    url = new URL(payload);
  } catch {
    return null;
  }
  if(url.username || url.password || url.search || url.hash || payload.includes('#')) {
    return null;
  }
  const marker = url.pathname.lastIndexOf('/register/');
  const tail = marker < 0 ? '' : url.pathname.slice(marker + '/register/'.length);
  if(!tail || tail.includes('/')) {
    return null;
  }
  let credentialId;
  try {
    credentialId = decodeURIComponent(tail);
  } catch {
    return null;
  }
  // Printable only: no control or separator characters in what the page shows.
  if(/[\p{C}\p{Z}]/u.test(credentialId.replace(/ /g, ''))) {
    return null;
  }
  return {kind: 'online', url: url.href, credentialId};
}
