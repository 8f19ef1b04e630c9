// The holder's wallet for vcissue's wallet tests: a key (did:key, Ed25519), an OFFLINE
// JSON-LD document loader (vcissue's bundled contexts, did:key computed) and presentations
// signed with @digitalbazaar/vc (DataIntegrityProof eddsa-rdfc-2022, or Ed25519Signature2020
// as the Learner Credential Wallet signs DID authentication). Only the issuer under test is
// reached over the network (127.0.0.1).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import * as vc from '@digitalbazaar/vc';
import * as didKey from '@digitalbazaar/did-method-key';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import {Ed25519VerificationKey2020} from '@digitalbazaar/ed25519-verification-key-2020';

const here = path.dirname(fileURLToPath(import.meta.url));
const CONTEXTS_DIR = path.resolve(here, '..', '..', 'src', 'vcissue', 'contexts');

function bundledContexts() {
  const index = JSON.parse(fs.readFileSync(path.join(CONTEXTS_DIR, 'index.json'), 'utf8'));
  const contexts = new Map();
  for(const [url, file] of Object.entries(index)) {
    contexts.set(url, JSON.parse(fs.readFileSync(path.join(CONTEXTS_DIR, file), 'utf8')));
  }
  return contexts;
}

const CONTEXTS = bundledContexts();
const didKeyDriver = didKey.driver();
didKeyDriver.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});

export async function documentLoader(url) {
  if(CONTEXTS.has(url)) {
    return {contextUrl: null, documentUrl: url, document: CONTEXTS.get(url)};
  }
  if(url.startsWith('did:key:')) {
    const document = await didKeyDriver.get({url});
    return {contextUrl: null, documentUrl: url, document};
  }
  throw new Error(`offline document loader: refusing to load ${url}`);
}

/** The holder: one Ed25519 key as did:key, usable as Multikey and as a 2020 key. */
export async function holderKey(seedHex) {
  const seed = seedHex ? Buffer.from(seedHex, 'hex') : crypto.randomBytes(32);
  const multikey = await Ed25519Multikey.generate({seed});
  const did = `did:key:${multikey.publicKeyMultibase}`;
  const id = `${did}#${multikey.publicKeyMultibase}`;
  multikey.id = id;
  multikey.controller = did;
  const key2020 = await Ed25519VerificationKey2020.generate({seed, id, controller: did});
  const jwk = await Ed25519Multikey.toJwk({keyPair: multikey});
  return {did, id, multikey, key2020, jwk};
}

export function b64url(bytes) {
  return Buffer.from(bytes).toString('base64url');
}

/** A compact JWS signed by the holder's key (the OpenID4VCI client's signJwt callback). */
export async function signJwt(holder, header, payload) {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = await holder.multikey.signer().sign({data: new TextEncoder().encode(input)});
  return `${input}.${b64url(signature)}`;
}

/** A Verifiable Presentation of `credentials` by the holder, with challenge and domain. */
export async function present(holder, credentials, {challenge, domain, proofType}) {
  const presentation = vc.createPresentation({
    verifiableCredential: credentials.length ? credentials : undefined,
    holder: holder.did
  });
  const suite = proofType === 'Ed25519Signature2020' ?
    new Ed25519Signature2020({key: holder.key2020}) :
    new DataIntegrityProof({signer: holder.multikey.signer(), cryptosuite: eddsaRdfc2022});
  return vc.signPresentation({presentation, suite, challenge, domain, documentLoader});
}

export function args() {
  const options = {};
  const argv = process.argv.slice(2);
  for(let i = 0; i < argv.length; i += 2) {
    options[argv[i].replace(/^--/, '')] = argv[i + 1];
  }
  return options;
}

export function done(result) {
  process.stdout.write(JSON.stringify(result) + '\n');
}
