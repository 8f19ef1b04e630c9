// Shared pieces of the vcissue interop scripts: an OFFLINE JSON-LD document loader, the two
// Ed25519 Data Integrity cryptosuites, key loading and small CLI helpers.
//
// The document loader never touches the network. It serves:
//   * the JSON-LD contexts bundled with vcissue (src/vcissue/contexts/index.json: URL -> file);
//   * the W3C examples context (https://www.w3.org/ns/credentials/examples/v2) from
//     tests/vectors/credentials-examples-v2.json, ONLY with allowTestContexts (--allow-test-contexts);
//   * did:key DIDs and their verification methods, via @digitalbazaar/did-method-key with the
//     Ed25519 Multikey driver (computed from the DID itself, no I/O);
//   * DIDs (did:web in practice) whose DID documents were passed in a JSON file
//     (--did-documents FILE: a JSON object DID -> DID document). A did:web DID not in the file
//     is an error.
// Every other URL throws an error naming it.
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import * as base58btc from 'base58-universal';
import * as didKey from '@digitalbazaar/did-method-key';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {
  createSignCryptosuite as createJcsSignCryptosuite,
  createVerifyCryptosuite as createJcsVerifyCryptosuite
} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';

const here = path.dirname(fileURLToPath(import.meta.url));
export const CONTEXTS_DIR = path.resolve(here, '..', '..', 'src', 'vcissue', 'contexts');
export const EXAMPLES_CONTEXT_URL = 'https://www.w3.org/ns/credentials/examples/v2';
export const EXAMPLES_CONTEXT_FILE =
  path.resolve(here, '..', '..', 'tests', 'vectors', 'credentials-examples-v2.json');
export const MULTIKEY_CONTEXT_URL = 'https://w3id.org/security/multikey/v1';
export const SUITES = ['eddsa-rdfc-2022', 'eddsa-jcs-2022'];

// multicodec varint headers (https://github.com/multiformats/multicodec)
const ED25519_PUB_HEADER = [0xed, 0x01];
const ED25519_PRIV_HEADER = [0x80, 0x26];

/** A usage error: the scripts print it to stderr and exit 2. */
export class UsageError extends Error {
  constructor(message) {
    super(message);
    this.name = 'UsageError';
  }
}

function readJsonFile(file, what) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch(e) {
    throw new UsageError(`cannot read ${what} ${file}: ${e.message}`);
  }
  try {
    return JSON.parse(text);
  } catch(e) {
    throw new UsageError(`${what} ${file} is not JSON: ${e.message}`);
  }
}

/** Reads JSON from a file path, or from standard input when the path is "-". */
export function readJsonInput(file, what = 'input') {
  if(file === '-') {
    return readJsonFile(0, `${what} (stdin)`);
  }
  return readJsonFile(file, what);
}

function loadBundledContexts({allowTestContexts}) {
  const index = readJsonFile(path.join(CONTEXTS_DIR, 'index.json'), 'context index');
  const contexts = new Map();
  for(const [url, file] of Object.entries(index)) {
    contexts.set(url, readJsonFile(path.join(CONTEXTS_DIR, file), `context ${url}`));
  }
  if(allowTestContexts) {
    contexts.set(EXAMPLES_CONTEXT_URL, readJsonFile(EXAMPLES_CONTEXT_FILE, 'test context'));
  }
  return contexts;
}

/** Reads a --status-lists file: a JSON object mapping URL -> status list credential. */
export function loadDocuments(file, what) {
  if(!file) {
    return {};
  }
  const documents = readJsonFile(file, what);
  if(!documents || typeof documents !== 'object' || Array.isArray(documents)) {
    throw new UsageError(`${what} ${file} must hold a JSON object URL -> document`);
  }
  for(const url of Object.keys(documents)) {
    if(!/^https?:\/\//.test(url)) {
      throw new UsageError(`${what}: "${url}" is not an http(s) URL`);
    }
  }
  return documents;
}

/** Reads a --did-documents file: a JSON object mapping DID -> DID document. */
export function loadDidDocuments(file) {
  if(!file) {
    return {};
  }
  const documents = readJsonFile(file, 'DID documents file');
  if(!documents || typeof documents !== 'object' || Array.isArray(documents)) {
    throw new UsageError(`DID documents file ${file} must hold a JSON object DID -> document`);
  }
  for(const [did, doc] of Object.entries(documents)) {
    if(!did.startsWith('did:') || did.includes('#')) {
      throw new UsageError(`DID documents file: "${did}" is not a DID`);
    }
    if(!doc || typeof doc !== 'object' || doc.id !== did) {
      throw new UsageError(`DID documents file: the document for ${did} must have "id": "${did}"`);
    }
  }
  return documents;
}

function didKeyResolver() {
  const driver = didKey.driver();
  driver.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});
  return driver;
}

// Finds the verification method `url` (absolute or "#frag" relative) in a DID document,
// in verificationMethod or embedded in a verification relationship.
function findVerificationMethod(doc, did, url) {
  const fragment = url.slice(did.length);
  const candidates = [...(doc.verificationMethod ?? [])];
  for(const relationship of ['assertionMethod', 'authentication', 'capabilityInvocation',
    'capabilityDelegation', 'keyAgreement']) {
    for(const entry of doc[relationship] ?? []) {
      if(entry && typeof entry === 'object') {
        candidates.push(entry);
      }
    }
  }
  const method = candidates.find(m => m.id === url || m.id === fragment);
  if(!method) {
    return null;
  }
  return {
    '@context': method.type === 'Multikey' ? MULTIKEY_CONTEXT_URL : doc['@context'],
    ...method,
    id: url,
    controller: method.controller ?? did
  };
}

/**
 * Creates the offline document loader.
 *
 * @param {object} options - Options.
 * @param {boolean} [options.allowTestContexts=false] - Serve the W3C examples context.
 * @param {object} [options.didDocuments={}] - DID -> DID document (from --did-documents).
 * @param {object} [options.documents={}] - URL -> document served as is (the status list
 *   credentials of --status-lists, which the caller fetched).
 * @returns {Function} A jsonld.js document loader.
 */
export function createDocumentLoader(
  {allowTestContexts = false, didDocuments = {}, documents = {}} = {}) {
  const contexts = loadBundledContexts({allowTestContexts});
  const driver = didKeyResolver();

  return async function documentLoader(url) {
    if(contexts.has(url)) {
      return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
    }
    if(typeof url === 'string' && Object.hasOwn(documents, url)) {
      return {contextUrl: null, documentUrl: url, document: documents[url]};
    }
    if(typeof url !== 'string' || !url.startsWith('did:')) {
      if(url === EXAMPLES_CONTEXT_URL) {
        throw new Error(`offline document loader: test context ${url} needs ` +
          '--allow-test-contexts');
      }
      throw new Error(`offline document loader refuses ${url} (never fetched)`);
    }
    const did = url.split('#')[0];
    const hasFragment = url.includes('#');
    if(did.startsWith('did:key:')) {
      let document;
      try {
        document = await driver.get({url});
      } catch(e) {
        throw new Error(`cannot resolve ${url}: ${e.message}`);
      }
      // did-method-key returns the key-agreement key for any unknown fragment: check the id.
      if(hasFragment && document.id !== url) {
        throw new Error(`no verification method ${url} in the did:key document`);
      }
      return {contextUrl: null, documentUrl: url, document};
    }
    if(Object.hasOwn(didDocuments, did)) {
      const doc = didDocuments[did];
      if(!hasFragment) {
        return {contextUrl: null, documentUrl: url, document: doc};
      }
      const method = findVerificationMethod(doc, did, url);
      if(!method) {
        throw new Error(`no verification method ${url} in the DID document of ${did}`);
      }
      return {contextUrl: null, documentUrl: url, document: method};
    }
    if(did.startsWith('did:web:')) {
      throw new Error(`did:web DID ${did} is not in --did-documents (never fetched): ${url}`);
    }
    throw new Error(`offline document loader refuses ${url} (never fetched)`);
  };
}

/** Data Integrity suites for verification: both cryptosuites. */
export function verifySuites() {
  return [
    new DataIntegrityProof({cryptosuite: eddsaRdfc2022}),
    new DataIntegrityProof({cryptosuite: createJcsVerifyCryptosuite()})
  ];
}

/** A Data Integrity suite for signing with `suite` ("eddsa-rdfc-2022" | "eddsa-jcs-2022"). */
export function signSuite({suite, signer, date}) {
  if(suite === 'eddsa-rdfc-2022') {
    return new DataIntegrityProof({signer, date, cryptosuite: eddsaRdfc2022});
  }
  if(suite === 'eddsa-jcs-2022') {
    return new DataIntegrityProof({signer, date, cryptosuite: createJcsSignCryptosuite()});
  }
  throw new UsageError(`--suite must be one of ${SUITES.join(', ')}, not "${suite}"`);
}

function decodeMultibase(value, name) {
  if(typeof value !== 'string' || !value.startsWith('z')) {
    throw new UsageError(`key file: "${name}" must be a base58btc multibase string ("z...")`);
  }
  try {
    return base58btc.decode(value.slice(1));
  } catch(e) {
    throw new UsageError(`key file: "${name}" is not valid base58btc: ${e.message}`);
  }
}

function hasHeader(bytes, header) {
  return bytes[0] === header[0] && bytes[1] === header[1];
}

/**
 * Loads a signing key from a JSON key file:
 * {"publicKeyMultibase", "secretKeyMultibase" (or the W3C vectors' "privateKeyMultibase"),
 *  "controller"?, "id"?}. Both encodings use multicodec headers: 0xed01 + 32-byte public key,
 * 0x8026 + 32-byte seed (the form W3C vectors and vcissue use) or + 64-byte seed||public (the
 * form Ed25519Multikey.generate() exports). The secret key must belong to the public key:
 * Ed25519Multikey itself does not check that and would sign with a mismatched pair.
 *
 * @returns {Promise<object>} An Ed25519Multikey key pair with id and controller.
 */
export async function loadKey(file) {
  const data = readJsonFile(file, 'key file');
  const {publicKeyMultibase} = data;
  const secretKeyMultibase = data.secretKeyMultibase ?? data.privateKeyMultibase;
  if(!secretKeyMultibase) {
    throw new UsageError('key file needs "secretKeyMultibase" (or "privateKeyMultibase")');
  }
  const pub = decodeMultibase(publicKeyMultibase, 'publicKeyMultibase');
  if(pub.length !== 34 || !hasHeader(pub, ED25519_PUB_HEADER)) {
    throw new UsageError('key file: publicKeyMultibase is not an Ed25519 Multikey ' +
      '(header 0xed01, 32 bytes)');
  }
  const sec = decodeMultibase(secretKeyMultibase, 'secretKeyMultibase');
  if(!(sec.length === 34 || sec.length === 66) || !hasHeader(sec, ED25519_PRIV_HEADER)) {
    throw new UsageError('key file: secretKeyMultibase is not an Ed25519 private Multikey ' +
      '(header 0x8026, 32-byte seed or 64-byte seed||public)');
  }
  const derived = await Ed25519Multikey.generate({seed: sec.slice(2, 34)});
  if(derived.publicKeyMultibase !== publicKeyMultibase) {
    throw new UsageError('key file: the secret key does not belong to publicKeyMultibase');
  }
  const controller = data.controller ?? `did:key:${publicKeyMultibase}`;
  const id = data.id ?? `${controller}#${publicKeyMultibase}`;
  return Ed25519Multikey.from({
    type: 'Multikey',
    '@context': MULTIKEY_CONTEXT_URL,
    id,
    controller,
    publicKeyMultibase,
    secretKeyMultibase
  });
}

/** A concise, de-duplicated message chain of an error (with nested errors and causes). */
export function errorChain(error) {
  const messages = [];
  const seen = new Set();
  const visit = (e, depth) => {
    if(!e || depth > 6 || seen.has(e)) {
      return;
    }
    seen.add(e);
    if(typeof e === 'string') {
      messages.push(e);
      return;
    }
    let message = e.message;
    if(message?.startsWith('Dereferencing a URL did not result in a valid JSON-LD object') &&
      e.details?.url) {
      message = `could not load ${e.details.url}`;
    }
    const event = e.details?.event;
    if(event?.code) {
      // a jsonld.js safe-mode event, e.g. "invalid property" with the undefined term
      const what = event.details?.property ?? event.details?.type ?? event.details?.value;
      message += ` (${event.code}${what === undefined ? '' : ` ${JSON.stringify(what)}`})`;
    }
    if(message && !messages.includes(message)) {
      messages.push(message);
    }
    for(const inner of Array.isArray(e.errors) ? e.errors : []) {
      visit(inner, depth + 1);
    }
    visit(e.cause, depth + 1);
    visit(e.details?.cause, depth + 1);
  };
  visit(error, 0);
  return messages.length ? messages.join(': ') : null;
}

/** Versions of the installed packages, read from node_modules/<name>/package.json. */
export function installedVersions(names) {
  const versions = {};
  for(const name of names) {
    const file = path.join(here, 'node_modules', ...name.split('/'), 'package.json');
    versions[name] = JSON.parse(fs.readFileSync(file, 'utf8')).version;
  }
  return versions;
}

/** Runs an async CLI main: UsageError -> stderr + exit 2; other errors -> stderr + exit 1. */
export function runMain(main) {
  main().catch(error => {
    if(error instanceof UsageError || error?.code?.startsWith?.('ERR_PARSE_ARGS')) {
      process.stderr.write(`usage error: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`error: ${errorChain(error)}\n`);
    if(process.env.VCISSUE_JS_DEBUG) {
      process.stderr.write(`${error?.stack ?? ''}\n`);
    }
    process.exit(1);
  });
}
