// Bounded decompression with the browser's own DecompressionStream (no library): the
// output is read chunk by chunk and refused as soon as it passes `maxBytes`, so a small
// "zip bomb" never allocates its claimed size.

/**
 * Inflates `bytes` ('deflate' = a zlib stream, RFC 1950; 'gzip' = RFC 1952).
 *
 * @param {Uint8Array} bytes - Compressed input.
 * @param {object} options - Options.
 * @param {string} options.format - 'deflate' or 'gzip'.
 * @param {number} options.maxBytes - Largest output accepted.
 * @param {Function} options.ErrorType - The error class thrown for bad or oversized input.
 * @returns {Promise<Uint8Array>} The inflated bytes.
 */
export async function inflate(bytes, {format, maxBytes, ErrorType}) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream(format));
  const reader = stream.getReader();
  const chunks = [];
  let total = 0;
  try {
    for(;;) {
      const {done, value} = await reader.read();
      if(done) {
        break;
      }
      total += value.length;
      if(total > maxBytes) {
        reader.cancel().catch(() => {});
        throw new ErrorType(`inflates to more than ${maxBytes} bytes (refused)`);
      }
      chunks.push(value);
    }
  } catch(error) {
    if(error instanceof ErrorType) {
      throw error;
    }
    throw new ErrorType(`not a valid ${format === 'gzip' ? 'GZIP' : 'zlib'} stream ` +
      `(${error.message})`);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for(const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
