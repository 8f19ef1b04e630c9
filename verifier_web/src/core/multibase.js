// Multibase decoders the page needs: base58btc ("z", keys and signatures) and base64url
// without padding ("u", status lists). Strict: one value, one spelling.

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const BASE58_VALUES = new Map([...BASE58].map((character, value) => [character, value]));
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** "z..." -> bytes; throws `ErrorType` when the text is not base58btc multibase. */
export function base58btcDecode(text, ErrorType) {
  if(typeof text !== 'string' || !text.startsWith('z') || text.length < 2) {
    throw new ErrorType('not base58btc multibase (must start with "z")');
  }
  const digits = text.slice(1);
  if(digits.length > 256) {
    throw new ErrorType('base58btc value is too long');
  }
  let value = 0n;
  for(const character of digits) {
    const digit = BASE58_VALUES.get(character);
    if(digit === undefined) {
      throw new ErrorType(`${JSON.stringify(character)} is not a base58btc character`);
    }
    value = value * 58n + BigInt(digit);
  }
  const bytes = [];
  while(value > 0n) {
    bytes.push(Number(value & 0xffn));
    value >>= 8n;
  }
  // Each leading "1" is one leading zero byte.
  for(let i = 0; i < digits.length && digits[i] === '1'; i++) {
    bytes.push(0);
  }
  return Uint8Array.from(bytes.reverse());
}

/** Base64url without padding -> bytes; refuses padding and non-canonical trailing bits. */
export function base64urlDecode(text, ErrorType) {
  if(typeof text !== 'string' || !BASE64URL.test(text) || text.length % 4 === 1) {
    throw new ErrorType('not base64url without padding');
  }
  const standard = text.replace(/-/g, '+').replace(/_/g, '/');
  let binary;
  try {
    binary = atob(standard + '='.repeat((4 - standard.length % 4) % 4));
  } catch {
    throw new ErrorType('not base64url without padding');
  }
  const bytes = Uint8Array.from(binary, character => character.charCodeAt(0));
  if(base64urlEncode(bytes) !== text) {
    throw new ErrorType('not canonical base64url');
  }
  return bytes;
}

function base64urlEncode(bytes) {
  let binary = '';
  for(let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
