// One JSON parser for untrusted text, refusing what vcissue's Python parser (strictjson.py)
// refuses: syntax by JSON.parse, then a scan that refuses duplicate keys (two parsers could
// pick different values: a signature confusion), values nested deeper than MAX_DEPTH (the
// root is depth 1, as in check_tree), integers longer than Python's 4,300-digit limit,
// numbers that overflow to Infinity, and strings or keys holding a lone surrogate.

export const MAX_DEPTH = 48;
export const MAX_INT_DIGITS = 4300; // CPython's int <-> str conversion limit
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

/**
 * Parses `text` or throws `new ErrorType(message)`.
 *
 * @param {string} text - JSON text.
 * @param {Function} ErrorType - The error class to throw.
 * @param {object} [options] - Options.
 * @param {number} [options.maxDepth] - Deepest nesting of values accepted.
 * @returns {*} The parsed value.
 */
export function parseStrictJson(text, ErrorType, {maxDepth = MAX_DEPTH} = {}) {
  let value;
  try {
    value = JSON.parse(text);
  } catch(error) {
    throw new ErrorType(`not JSON: ${error.message}`);
  }
  // The text is valid JSON now, so a light scan can find keys, values and nesting.
  const frames = [];
  const deep = () => {
    throw new ErrorType(`nested deeper than ${maxDepth} levels`);
  };
  for(let i = 0; i < text.length; i++) {
    const character = text[i];
    if(character === '"') {
      let end = i + 1;
      while(text[end] !== '"') {
        end += text[end] === '\\' ? 2 : 1;
      }
      const top = frames[frames.length - 1];
      const literal = text.slice(i, end + 1);
      const string = JSON.parse(literal);
      if(LONE_SURROGATE.test(string)) {
        throw new ErrorType('a string holds a lone surrogate (not Unicode text)');
      }
      if(top?.keys && top.expectKey) {
        if(top.keys.has(string)) {
          throw new ErrorType(`duplicate key ${JSON.stringify(string)}`);
        }
        top.keys.add(string);
        top.expectKey = false;
      } else if(frames.length >= maxDepth) {
        deep();
      }
      i = end;
    } else if(character === '{' || character === '[') {
      const isObject = character === '{';
      frames.push({keys: isObject ? new Set() : null, expectKey: isObject});
      if(frames.length > maxDepth) {
        deep();
      }
    } else if(character === '}' || character === ']') {
      frames.pop();
    } else if(character === ',') {
      const top = frames[frames.length - 1];
      if(top?.keys) {
        top.expectKey = true;
      }
    } else if(character === '-' || (character >= '0' && character <= '9')) {
      NUMBER.lastIndex = i;
      const token = NUMBER.exec(text)[0];
      if(frames.length >= maxDepth) {
        deep();
      }
      const integer = token.indexOf('.') < 0 && !/[eE]/.test(token);
      if(integer && token.replace('-', '').length > MAX_INT_DIGITS) {
        throw new ErrorType(`an integer with more than ${MAX_INT_DIGITS} digits`);
      }
      if(!integer && !Number.isFinite(Number(token))) {
        throw new ErrorType('NaN and Infinity are not JSON');
      }
      i += token.length - 1;
    } else if(character === 't' || character === 'f' || character === 'n') {
      if(frames.length >= maxDepth) {
        deep();
      }
      i += character === 'f' ? 4 : 3;
    }
  }
  return value;
}
