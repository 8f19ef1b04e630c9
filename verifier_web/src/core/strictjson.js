// One JSON parser for untrusted text: syntax by JSON.parse, then a scan that refuses
// duplicate keys (two parsers could pick different values: a signature confusion) and
// nesting deeper than MAX_DEPTH, as vcissue's Python parser does.

export const MAX_DEPTH = 48;

/**
 * Parses `text` or throws `new ErrorType(message)`.
 *
 * @param {string} text - JSON text.
 * @param {Function} ErrorType - The error class to throw.
 * @param {object} [options] - Options.
 * @param {number} [options.maxDepth] - Deepest nesting of objects and arrays accepted.
 * @returns {*} The parsed value.
 */
export function parseStrictJson(text, ErrorType, {maxDepth = MAX_DEPTH} = {}) {
  let value;
  try {
    value = JSON.parse(text);
  } catch(error) {
    throw new ErrorType(`not JSON: ${error.message}`);
  }
  // The text is valid JSON now, so a light scan can find keys and nesting.
  const frames = [];
  for(let i = 0; i < text.length; i++) {
    const character = text[i];
    if(character === '"') {
      let end = i + 1;
      while(text[end] !== '"') {
        end += text[end] === '\\' ? 2 : 1;
      }
      const top = frames[frames.length - 1];
      if(top?.keys && top.expectKey) {
        const key = JSON.parse(text.slice(i, end + 1));
        if(top.keys.has(key)) {
          throw new ErrorType(`duplicate key ${JSON.stringify(key)}`);
        }
        top.keys.add(key);
        top.expectKey = false;
      }
      i = end;
    } else if(character === '{' || character === '[') {
      const isObject = character === '{';
      frames.push({keys: isObject ? new Set() : null, expectKey: isObject});
      if(frames.length > maxDepth) {
        throw new ErrorType(`nested deeper than ${maxDepth} levels`);
      }
    } else if(character === '}' || character === ']') {
      frames.pop();
    } else if(character === ',') {
      const top = frames[frames.length - 1];
      if(top?.keys) {
        top.expectKey = true;
      }
    }
  }
  return value;
}
