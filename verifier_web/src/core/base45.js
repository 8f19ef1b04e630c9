// Base45 (RFC 9285): two bytes per three characters, least significant character first;
// and Base43, the same scheme over Base45's alphabet less the space and "%" (the two QR
// alphanumeric characters a URL cannot carry), for payloads in a URL fragment.
import {PayloadError} from './errors.js';

const BASE45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
const BASE43 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ$*+-./:';

function decoder(alphabet, name) {
  const values = new Map([...alphabet].map((character, value) => [character, value]));
  const base = alphabet.length;
  const valueOf = (text, position) => {
    const value = values.get(text[position]);
    if(value === undefined) {
      throw new PayloadError(
        `character ${JSON.stringify(text[position])} at ${position} is not ${name}`);
    }
    return value;
  };
  return text => {
    if(typeof text !== 'string') {
      throw new PayloadError(`${name} input must be text`);
    }
    const remainder = text.length % 3;
    if(remainder === 1) {
      // The characters are checked first, as vcissue.qr does.
      for(let i = 0; i < text.length; i++) {
        valueOf(text, i);
      }
      throw new PayloadError(`${name} text length leaves one dangling character`);
    }
    const out = new Uint8Array(Math.floor(text.length / 3) * 2 + (remainder === 2 ? 1 : 0));
    let o = 0;
    for(let i = 0; i + 3 <= text.length; i += 3) {
      const n = valueOf(text, i) + valueOf(text, i + 1) * base +
        valueOf(text, i + 2) * base * base;
      if(n > 0xffff) {
        throw new PayloadError(`${name} triplet at ${i} is larger than two bytes`);
      }
      out[o++] = n >> 8;
      out[o++] = n & 0xff;
    }
    if(remainder === 2) {
      const i = text.length - 2;
      const n = valueOf(text, i) + valueOf(text, i + 1) * base;
      if(n > 0xff) {
        throw new PayloadError(`${name} pair at ${i} is larger than one byte`);
      }
      out[o++] = n;
    }
    return out;
  };
}

/** Base45 text -> bytes; PayloadError for characters, lengths or values RFC 9285 forbids. */
export const base45Decode = decoder(BASE45, 'Base45');
/** Base43 text -> bytes; the same refusals. */
export const base43Decode = decoder(BASE43, 'Base43');
