// Base45 (RFC 9285): two bytes per three characters, least significant character first.
import {PayloadError} from './errors.js';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
const VALUES = new Map([...ALPHABET].map((character, value) => [character, value]));

function valueOf(text, position) {
  const value = VALUES.get(text[position]);
  if(value === undefined) {
    throw new PayloadError(
      `character ${JSON.stringify(text[position])} at ${position} is not Base45`);
  }
  return value;
}

/** Base45 text -> bytes; PayloadError for characters, lengths or values RFC 9285 forbids. */
export function base45Decode(text) {
  if(typeof text !== 'string') {
    throw new PayloadError('Base45 input must be text');
  }
  const remainder = text.length % 3;
  if(remainder === 1) {
    throw new PayloadError('Base45 text length leaves one dangling character');
  }
  const out = new Uint8Array(Math.floor(text.length / 3) * 2 + (remainder === 2 ? 1 : 0));
  let o = 0;
  for(let i = 0; i + 3 <= text.length; i += 3) {
    const n = valueOf(text, i) + valueOf(text, i + 1) * 45 + valueOf(text, i + 2) * 2025;
    if(n > 0xffff) {
      throw new PayloadError(`Base45 triplet at ${i} is larger than two bytes`);
    }
    out[o++] = n >> 8;
    out[o++] = n & 0xff;
  }
  if(remainder === 2) {
    const i = text.length - 2;
    const n = valueOf(text, i) + valueOf(text, i + 1) * 45;
    if(n > 0xff) {
      throw new PayloadError(`Base45 pair at ${i} is larger than one byte`);
    }
    out[o++] = n;
  }
  return out;
}
