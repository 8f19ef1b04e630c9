// Offline JSON-LD document loader: bundled contexts, did:key, and did:web documents
// passed with --did-documents FILE. Any other URL is refused, never fetched.
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as didKey from '@digitalbazaar/did-method-key';

const here = path.dirname(fileURLToPath(import.meta.url));
const contextsDir = path.join(here, '..', '..', 'src', 'vcissue', 'contexts');
const index = JSON.parse(fs.readFileSync(path.join(contextsDir, 'index.json'), 'utf8'));
const contexts = new Map(Object.entries(index).map(
  ([url, file]) => [url, JSON.parse(fs.readFileSync(path.join(contextsDir, file), 'utf8'))]));

const args = process.argv.slice(2);

const didIndex = args.indexOf('--did-documents');
const didDocuments = didIndex >= 0 ? JSON.parse(fs.readFileSync(args[didIndex + 1], 'utf8')) : {};

const didKeyDriver = didKey.driver();
didKeyDriver.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});

export async function documentLoader(url) {
  if(contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
  }
  if(url.startsWith('did:key:')) {
    const document = await didKeyDriver.get({url});
    return {contextUrl: null, documentUrl: url, document};
  }
  const [did, fragment] = url.split('#');
  if(didDocuments[did]) {
    const doc = didDocuments[did];
    if(!fragment) {
      return {contextUrl: null, documentUrl: url, document: doc};
    }
    const method = doc.verificationMethod.find(m => m.id === url);
    if(method) {
      return {contextUrl: null, documentUrl: url,
        document: {'@context': 'https://w3id.org/security/multikey/v1', ...method}};
    }
  }
  throw new Error(`offline loader refuses ${url}`);
}

