// Data Integrity proofs (VC Data Integrity 1.0) with the two EdDSA cryptosuites:
// eddsa-rdfc-2022 (RDFC-1.0 of the JSON-LD) and eddsa-jcs-2022 (RFC 8785 of the JSON).
// JSON-LD contexts come only from the bundled set: an unknown one is refused, never fetched.
import canonicalize from 'canonicalize';
import jsonld from 'jsonld';
import {verifyAsync} from '@noble/ed25519';
import {ContextError, DidError, KeyWindowError, ProofError, UnknownKeyError, errorMessage,
  findCause} from './errors.js';
import {base58btcDecode} from './multibase.js';

export const PROOF_TYPE = 'DataIntegrityProof';
export const ASSERTION = 'assertionMethod';
export const SUITES = ['eddsa-rdfc-2022', 'eddsa-jcs-2022'];
const XSD_DATETIME = /^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** An XSD dateTime -> milliseconds since the epoch; `ErrorType` when it is not one. */
export function parseDateTime(text, ErrorType) {
  const match = typeof text === 'string' ? XSD_DATETIME.exec(text) : null;
  const moment = match ? Date.parse(text) : NaN;
  // Date.parse rolls 31 February over to March: check the day survived.
  if(Number.isNaN(moment) || (match[8] === 'Z' &&
    new Date(moment).getUTCDate() !== Number(match[3]))) {
    throw new ErrorType(`not an XSD dateTime: ${JSON.stringify(text)}`);
  }
  return moment;
}

/** The @context list if every entry is a bundled URL, else ContextError. */
export function checkContexts(context, contexts) {
  const list = typeof context === 'string' ? [context] : context;
  if(!Array.isArray(list) || list.length === 0) {
    throw new ContextError('@context must be a non-empty string or list of strings');
  }
  for(const entry of list) {
    if(typeof entry !== 'string') {
      throw new ContextError('inline @context objects are not accepted; use bundled URLs');
    }
    if(!contexts.has(entry)) {
      throw new ContextError(`unknown @context ${JSON.stringify(entry)} (never fetched)`);
    }
  }
  return list;
}

/** The only JSON-LD document loader the page uses: bundled contexts, nothing else. */
export function offlineDocumentLoader(contexts) {
  return async function documentLoader(url) {
    if(contexts.has(url)) {
      return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
    }
    throw new ContextError(`context not bundled (refusing to fetch): ${url}`);
  };
}

// jsonld's own default loader would use XMLHttpRequest: replace it, so a call that forgot
// its loader still cannot reach the network.
jsonld.documentLoader = async url => {
  throw new ContextError(`no document loader given (refusing to fetch): ${url}`);
};

function jsonldOptions(contexts) {
  return {
    documentLoader: offlineDocumentLoader(contexts),
    base: null,
    // Safe mode: a term no context defines, or a relative type IRI, is an error
    // instead of being dropped from what is signed.
    safe: true
  };
}

function jsonldFailure(error) {
  const refused = findCause(error, ContextError);
  if(refused) {
    return refused;
  }
  // Safe mode names what it refused in the event it raised.
  const event = error?.details?.event;
  if(event?.code === 'invalid property') {
    return new ContextError('no context defines the term ' +
      `${JSON.stringify(event.details?.property)} (safe mode)`);
  }
  if(event?.code === 'relative @type reference') {
    return new ContextError('no context defines the type ' +
      `${JSON.stringify(event.details?.type)} (safe mode)`);
  }
  if(event) {
    return new ContextError(`not well-formed JSON-LD: ${event.message} ` +
      `${JSON.stringify(event.details ?? {})} (safe mode)`);
  }
  return new ContextError(`not well-formed JSON-LD: ${errorMessage(error)}`);
}

// A reader (this page, an employer) finds a property under its term: `validUntil`,
// `credentialStatus`. eddsa-rdfc-2022 signs quads, and JSON-LD can state the same quad
// where that reader does not look: under the property's IRI, beside a second key of the
// same meaning, inside @nest, or about another node through @reverse or @included. A
// signed credential rewritten so verified with its expiry or its status hidden. The
// library refuses these forms (vcissue.jsonld, `_check_compacted`); so does the page.
// Without jsonld.js's active context, an IRI key is refused when any bundled context
// has a term for it: never less strict than the library.
const HIDING = new Set(['@nest', '@included', '@reverse']);
const indexes = new WeakMap();

function expandKey(key, prefixes) {
  const colon = key.indexOf(':');
  const prefix = key.slice(0, colon);
  if(prefixes.has(prefix) && !key.startsWith(`${prefix}://`)) {
    return prefixes.get(prefix) + key.slice(colon + 1);
  }
  return key;
}

function termIndex(contexts) {
  let index = indexes.get(contexts);
  if(index) {
    return index;
  }
  index = {iris: new Set(), prefixes: new Map(), json: new Set()};
  const visit = context => {
    if(Array.isArray(context)) {
      context.forEach(visit);
      return;
    }
    if(!context || typeof context !== 'object') {
      return;
    }
    const vocab = typeof context['@vocab'] === 'string' ? context['@vocab'] : null;
    for(const [term, definition] of Object.entries(context)) {
      if(term.startsWith('@')) {
        continue;
      }
      const id = typeof definition === 'string' ? definition : definition?.['@id'];
      if(typeof id === 'string' && !id.startsWith('@')) {
        index.iris.add(id);
        if(/[#/:]$/.test(id)) {
          index.prefixes.set(term, id);
        }
      } else if(id === undefined && vocab !== null) {
        index.iris.add(vocab + term);
      }
      if(definition?.['@type'] === '@json') {
        index.json.add(term);
      }
      visit(definition?.['@context']);
    }
  };
  for(const document of contexts.values()) {
    visit(document?.['@context']);
  }
  for(const iri of [...index.iris]) {
    index.iris.add(expandKey(iri, index.prefixes));
  }
  indexes.set(contexts, index);
  return index;
}

/** ContextError unless `document` states every property under its term, once. */
export function checkCompacted(document, contexts) {
  const index = termIndex(contexts);
  const stack = [document];
  while(stack.length) {
    const item = stack.pop();
    if(Array.isArray(item)) {
      stack.push(...item);
      continue;
    }
    if(!item || typeof item !== 'object') {
      continue;
    }
    for(const [alias, keyword] of [['type', '@type'], ['id', '@id']]) {
      if(alias in item && keyword in item) {
        throw new ContextError(`"${alias}" and "${keyword}" both mean ${keyword}`);
      }
    }
    for(const [key, value] of Object.entries(item)) {
      if(key === '@context' || key === '@value' || index.json.has(key)) {
        continue;  // contexts are checked apart; JSON literals are not JSON-LD
      }
      if(HIDING.has(key)) {
        throw new ContextError(`${JSON.stringify(key)} states properties where a reader ` +
          'does not look for them; credentials are accepted in compacted form only');
      }
      if(key.includes(':') && index.iris.has(expandKey(key, index.prefixes))) {
        throw new ContextError(`${JSON.stringify(key)} is stated by its IRI where the ` +
          'contexts name it by a term; credentials are accepted in compacted form only');
      }
      stack.push(value);
    }
  }
}

/** Expands with safe mode, proving every term is defined (what eddsa-jcs-2022 skips). */
export async function checkTermsDefined(document, contexts) {
  try {
    await jsonld.expand(document, jsonldOptions(contexts));
  } catch(error) {
    throw jsonldFailure(error);
  }
}

const CANONICALIZERS = {
  async 'eddsa-rdfc-2022'(document, contexts) {
    try {
      return await jsonld.canonize(document, {
        ...jsonldOptions(contexts),
        algorithm: 'RDFC-1.0',
        format: 'application/n-quads',
        rdfDirection: 'i18n-datatype'
      });
    } catch(error) {
      throw jsonldFailure(error);
    }
  },
  async 'eddsa-jcs-2022'(document, contexts) {
    // JCS signs the JSON, not its meaning, but the meaning must still be one we know.
    checkContexts(document['@context'], contexts);
    return canonicalize(document);
  }
};

async function sha256(text) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return new Uint8Array(digest);
}

function isoSeconds(ms) {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function requireSuite(name) {
  if(!SUITES.includes(name)) {
    throw new ProofError(`unsupported cryptosuite ${JSON.stringify(name)}`);
  }
  return name;
}

/**
 * Verifies the single Data Integrity proof of `document`.
 *
 * @param {object} document - The secured document.
 * @param {Function} resolveKey - verificationMethod id -> {controller, publicKey, assertion};
 *   throws UnknownKeyError / DidError.
 * @param {Map<string, object>} contexts - Bundled contexts.
 * @returns {Promise<object>} {verificationMethod, controller, cryptosuite, created}.
 */
export async function verifyProof(document, resolveKey, contexts) {
  const proof = document.proof;
  if(proof === undefined) {
    throw new ProofError('the document has no proof');
  }
  if(Array.isArray(proof)) {
    throw new ProofError('proof sets (several proofs) are not supported');
  }
  if(!proof || typeof proof !== 'object') {
    throw new ProofError('proof must be an object');
  }
  if(proof.type !== PROOF_TYPE) {
    throw new ProofError(`proof type ${JSON.stringify(proof.type)} is not ${PROOF_TYPE}`);
  }
  const cryptosuite = requireSuite(proof.cryptosuite);
  if(proof.proofPurpose !== ASSERTION) {
    throw new ProofError(
      `proofPurpose ${JSON.stringify(proof.proofPurpose)} is not ${ASSERTION}`);
  }
  const created = parseDateTime(proof.created, ProofError);
  const vmId = proof.verificationMethod;
  if(typeof vmId !== 'string') {
    throw new ProofError('proof.verificationMethod must be a string');
  }
  let signature;
  try {
    signature = base58btcDecode(proof.proofValue, ProofError);
  } catch(error) {
    throw new ProofError(`proofValue: ${error.message}`);
  }
  if(signature.length !== 64) {
    throw new ProofError(`proofValue holds ${signature.length} bytes, not a 64-byte Ed25519 ` +
      'signature');
  }
  const {proof: _removed, ...unsecured} = document;
  if('@context' in proof &&
    JSON.stringify(proof['@context']) !== JSON.stringify(unsecured['@context'])) {
    throw new ProofError("proof @context differs from the document's @context");
  }
  let method;
  try {
    method = resolveKey(vmId);
  } catch(error) {
    if(error instanceof UnknownKeyError) {
      throw error;
    }
    if(error instanceof DidError) {
      throw new ProofError(`cannot resolve verificationMethod: ${error.message}`);
    }
    throw error;
  }
  if(method.revoked !== null && method.revoked !== undefined) {
    // A compromised key: checked before anything else, as vcissue's verifier does.
    throw new KeyWindowError(`${vmId} was revoked as compromised (since ` +
      `${isoSeconds(method.revoked)}): the issuer does not stand behind anything it signed`);
  }
  if(!method.assertion) {
    throw new ProofError(`${vmId} is not authorised for ${ASSERTION}`);
  }
  const {proofValue: _value, ...config} = proof;
  if('@context' in unsecured) {
    config['@context'] = unsecured['@context'];
  }
  const canonicalize = CANONICALIZERS[cryptosuite];
  const [configHash, documentHash] = await Promise.all([
    canonicalize(config, contexts).then(sha256),
    canonicalize(unsecured, contexts).then(sha256)
  ]);
  // Spec order: hash(proof configuration) || hash(transformed document).
  const data = new Uint8Array(64);
  data.set(configHash, 0);
  data.set(documentHash, 32);
  let valid;
  try {
    valid = await verifyAsync(signature, data, method.publicKey, {zip215: false});
  } catch {
    valid = false;
  }
  if(!valid) {
    throw new ProofError('signature does not match the document (altered or wrong key)');
  }
  // A retired key's genuine signature made after its retirement: no longer the issuer's
  // key to use (timestamps are whole seconds; the retirement's own second is still its).
  if(method.expires !== null && method.expires !== undefined && created > method.expires) {
    throw new KeyWindowError(`${vmId} was retired at ${isoSeconds(method.expires)}; this ` +
      `proof was created at ${isoSeconds(created)}, after its retirement`);
  }
  return {verificationMethod: vmId, controller: method.controller, cryptosuite, created};
}
