// DEFLATE (RFC 1951) and zlib (RFC 1950) decoding for QR payloads, written out here
// (after zlib's puff.c) because the browser's DecompressionStream takes no preset
// dictionary, and to refuse exactly what Python's zlib refuses: bad block types, stored
// lengths that disagree, over-subscribed or incomplete codes, distances before the start
// of the window, output past `maxBytes` (stopped there: a "zip bomb" never allocates its
// claimed size), a truncated stream, and any byte after the end of the stream.

const MAXBITS = 15;
const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59,
  67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4,
  5, 5, 5, 5, 0];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513,
  769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10,
  11, 11, 12, 12, 13, 13];
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

class Failure extends Error {}

// Canonical Huffman code from code lengths: {count, symbol, left} (left < 0: over-
// subscribed; left > 0: incomplete), as puff.c's construct().
function construct(lengths) {
  const count = new Uint16Array(MAXBITS + 1);
  for(const length of lengths) {
    count[length]++;
  }
  if(count[0] === lengths.length) {
    return {count, symbol: new Uint16Array(0), left: 0};
  }
  let left = 1;
  for(let length = 1; length <= MAXBITS; length++) {
    left <<= 1;
    left -= count[length];
    if(left < 0) {
      return {count, symbol: null, left};
    }
  }
  const offsets = new Uint16Array(MAXBITS + 1);
  for(let length = 1; length < MAXBITS; length++) {
    offsets[length + 1] = offsets[length] + count[length];
  }
  const symbol = new Uint16Array(lengths.length);
  for(let s = 0; s < lengths.length; s++) {
    if(lengths[s] !== 0) {
      symbol[offsets[lengths[s]]++] = s;
    }
  }
  return {count, symbol, left};
}

class Inflater {
  constructor(input, dictionary, maxBytes) {
    this.input = input;
    this.position = 0;
    this.bitBuffer = 0;
    this.bitCount = 0;
    this.prefix = dictionary.length;
    this.maxBytes = maxBytes;
    this.out = new Uint8Array(Math.min(this.prefix + maxBytes + 1,
      this.prefix + Math.max(1024, input.length * 8)));
    this.out.set(dictionary);
    this.length = this.prefix;
  }

  bits(need) {
    let value = this.bitBuffer;
    while(this.bitCount < need) {
      if(this.position >= this.input.length) {
        throw new Failure('the stream is truncated');
      }
      value |= this.input[this.position++] << this.bitCount;
      this.bitCount += 8;
    }
    this.bitBuffer = value >>> need;
    this.bitCount -= need;
    return value & ((1 << need) - 1);
  }

  emit(byte) {
    if(this.length - this.prefix >= this.maxBytes) {
      throw new Failure(`inflates to more than ${this.maxBytes} bytes`);
    }
    if(this.length === this.out.length) {
      const grown = new Uint8Array(Math.min(this.out.length * 2, this.prefix + this.maxBytes +
        1));
      grown.set(this.out);
      this.out = grown;
    }
    this.out[this.length++] = byte;
  }

  decode(code) {
    let value = 0;
    let first = 0;
    let index = 0;
    for(let length = 1; length <= MAXBITS; length++) {
      value |= this.bits(1);
      const count = code.count[length];
      if(value - count < first) {
        return code.symbol[index + (value - first)];
      }
      index += count;
      first += count;
      first <<= 1;
      value <<= 1;
    }
    throw new Failure('invalid code');
  }

  stored() {
    this.bitBuffer = 0;
    this.bitCount = 0;
    if(this.position + 4 > this.input.length) {
      throw new Failure('the stream is truncated');
    }
    const input = this.input;
    const length = input[this.position] | (input[this.position + 1] << 8);
    const complement = input[this.position + 2] | (input[this.position + 3] << 8);
    this.position += 4;
    if(length !== (~complement & 0xffff)) {
      throw new Failure('invalid stored block lengths');
    }
    if(this.position + length > input.length) {
      throw new Failure('the stream is truncated');
    }
    for(let i = 0; i < length; i++) {
      this.emit(input[this.position++]);
    }
  }

  codes(lengthCode, distanceCode) {
    for(;;) {
      let symbol = this.decode(lengthCode);
      if(symbol < 256) {
        this.emit(symbol);
      } else if(symbol === 256) {
        return;
      } else {
        symbol -= 257;
        if(symbol >= 29) {
          throw new Failure('invalid literal/length code');
        }
        const length = LENGTH_BASE[symbol] + this.bits(LENGTH_EXTRA[symbol]);
        const distanceSymbol = this.decode(distanceCode);
        if(distanceSymbol >= 30) {
          throw new Failure('invalid distance code');
        }
        const distance = DIST_BASE[distanceSymbol] + this.bits(DIST_EXTRA[distanceSymbol]);
        if(distance > this.length) {
          throw new Failure('invalid distance too far back');
        }
        for(let i = 0; i < length; i++) {
          this.emit(this.out[this.length - distance]);
        }
      }
    }
  }

  fixed() {
    if(!Inflater.fixedCodes) {
      const lengths = new Uint8Array(288);
      lengths.fill(8, 0, 144);
      lengths.fill(9, 144, 256);
      lengths.fill(7, 256, 280);
      lengths.fill(8, 280, 288);
      Inflater.fixedCodes = [construct(lengths), construct(new Uint8Array(30).fill(5))];
    }
    this.codes(...Inflater.fixedCodes);
  }

  dynamic() {
    const literalCount = this.bits(5) + 257;
    const distanceCount = this.bits(5) + 1;
    const codeCount = this.bits(4) + 4;
    if(literalCount > 286 || distanceCount > 30) {
      throw new Failure('too many length or distance symbols');
    }
    const lengths = new Uint8Array(19);
    for(let i = 0; i < codeCount; i++) {
      lengths[CODE_LENGTH_ORDER[i]] = this.bits(3);
    }
    const codeLengthCode = construct(lengths);
    if(codeLengthCode.left !== 0) {
      throw new Failure('invalid code lengths set');
    }
    const all = new Uint8Array(literalCount + distanceCount);
    let index = 0;
    while(index < all.length) {
      let symbol = this.decode(codeLengthCode);
      if(symbol < 16) {
        all[index++] = symbol;
        continue;
      }
      let length = 0;
      if(symbol === 16) {
        if(index === 0) {
          throw new Failure('invalid bit length repeat');
        }
        length = all[index - 1];
        symbol = 3 + this.bits(2);
      } else if(symbol === 17) {
        symbol = 3 + this.bits(3);
      } else {
        symbol = 11 + this.bits(7);
      }
      if(index + symbol > all.length) {
        throw new Failure('invalid bit length repeat');
      }
      while(symbol--) {
        all[index++] = length;
      }
    }
    if(all[256] === 0) {
      throw new Failure('invalid code -- missing end-of-block');
    }
    const lengthCode = construct(all.subarray(0, literalCount));
    // An incomplete code is allowed only as a single one-bit code (as zlib and puff.c).
    if(lengthCode.left < 0 || (lengthCode.left > 0 &&
      literalCount !== lengthCode.count[0] + lengthCode.count[1])) {
      throw new Failure('invalid literal/lengths set');
    }
    const distanceCode = construct(all.subarray(literalCount));
    if(distanceCode.left < 0 || (distanceCode.left > 0 &&
      distanceCount !== distanceCode.count[0] + distanceCode.count[1])) {
      throw new Failure('invalid distances set');
    }
    this.codes(lengthCode, distanceCode);
  }

  run() {
    let last;
    do {
      last = this.bits(1);
      const type = this.bits(2);
      if(type === 0) {
        this.stored();
      } else if(type === 1) {
        this.fixed();
      } else if(type === 2) {
        this.dynamic();
      } else {
        throw new Failure('invalid block type');
      }
    } while(!last);
    // The rest of the last byte is padding; whole bytes after it are not ours.
    return this.position;
  }

  output() {
    return this.out.slice(this.prefix, this.length);
  }
}

function adler32(bytes) {
  let a = 1;
  let b = 0;
  for(let i = 0; i < bytes.length;) {
    const end = Math.min(bytes.length, i + 3800);
    for(; i < end; i++) {
      a += bytes[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

function run(input, dictionary, maxBytes, what, ErrorType) {
  const inflater = new Inflater(input, dictionary, maxBytes);
  let end;
  try {
    end = inflater.run();
  } catch(error) {
    if(error instanceof Failure) {
      throw new ErrorType(error.message.startsWith('inflates') ? error.message :
        `not a valid ${what} stream (${error.message})`);
    }
    throw error;
  }
  return {end, data: inflater.output()};
}

/**
 * Raw DEFLATE with an optional preset dictionary; the stream must fill `bytes` exactly.
 *
 * @param {Uint8Array} bytes - The stream.
 * @param {object} options - {dictionary: Uint8Array, maxBytes, ErrorType}.
 * @returns {Uint8Array} The inflated bytes.
 */
export function inflateRaw(bytes, {dictionary = new Uint8Array(0), maxBytes, ErrorType}) {
  const {end, data} = run(bytes, dictionary, maxBytes, 'DEFLATE', ErrorType);
  if(end !== bytes.length) {
    throw new ErrorType('bytes after the end of the DEFLATE stream');
  }
  return data;
}

/**
 * A zlib stream (RFC 1950) without a preset dictionary, Adler-32 checked.
 *
 * @param {Uint8Array} bytes - The stream.
 * @param {object} options - {maxBytes, ErrorType}.
 * @returns {Uint8Array} The inflated bytes.
 */
export function inflateZlib(bytes, {maxBytes, ErrorType}) {
  if(bytes.length < 2) {
    throw new ErrorType('not a valid zlib stream (the stream is truncated)');
  }
  const [cmf, flg] = bytes;
  if(((cmf << 8) | flg) % 31 !== 0) {
    throw new ErrorType('not a valid zlib stream (incorrect header check)');
  }
  if((cmf & 0x0f) !== 8) {
    throw new ErrorType('not a valid zlib stream (unknown compression method)');
  }
  if((cmf >> 4) > 7) {
    throw new ErrorType('not a valid zlib stream (invalid window size)');
  }
  if(flg & 0x20) {
    throw new ErrorType('not a valid zlib stream (it needs a preset dictionary)');
  }
  const {end, data} = run(bytes.subarray(2), new Uint8Array(0), maxBytes, 'zlib', ErrorType);
  const trailer = 2 + end;
  if(trailer + 4 > bytes.length) {
    throw new ErrorType('not a valid zlib stream (the stream is truncated)');
  }
  const stored = ((bytes[trailer] << 24) | (bytes[trailer + 1] << 16) |
    (bytes[trailer + 2] << 8) | bytes[trailer + 3]) >>> 0;
  if(stored !== adler32(data)) {
    throw new ErrorType('not a valid zlib stream (incorrect data check)');
  }
  if(trailer + 4 !== bytes.length) {
    throw new ErrorType('bytes after the end of the zlib stream');
  }
  return data;
}
