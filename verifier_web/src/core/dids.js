// Verification-method resolution without a network: did:key from the DID itself,
// any other DID (did:web) only from the DID document embedded in the trust list.
import {DidError, UnknownKeyError} from './errors.js';
import {parseDateTime} from './proof.js';
import {base58btcDecode} from './multibase.js';

const ED25519_PUB_HEADER = [0xed, 0x01]; // multicodec ed25519-pub

/** A Multikey publicKeyMultibase -> the 32-byte Ed25519 public key. */
export function ed25519PublicKey(multibase) {
  const bytes = base58btcDecode(multibase, DidError);
  if(bytes.length !== 34 || bytes[0] !== ED25519_PUB_HEADER[0] ||
    bytes[1] !== ED25519_PUB_HEADER[1]) {
    throw new DidError('not an Ed25519 Multikey (0xed01 header + 32 bytes)');
  }
  return bytes.slice(2);
}

function absolute(reference, did) {
  if(typeof reference !== 'string') {
    return null;
  }
  return reference.startsWith('#') ? did + reference : reference;
}

function didKeyMethod(vmId, did) {
  if(!did.startsWith('did:key:z6Mk')) {
    throw new DidError(`not an Ed25519 did:key: ${did}`);
  }
  const multibase = did.slice('did:key:'.length);
  const publicKey = ed25519PublicKey(multibase);
  if(vmId !== `${did}#${multibase}`) {
    throw new DidError(`${vmId} is not the key of ${did}`);
  }
  return {id: vmId, controller: did, publicKey, assertion: true, expires: null, revoked: null};
}

function methodFromDocument(vmId, did, document) {
  if(!Array.isArray(document.verificationMethod)) {
    throw new DidError(`the DID document of ${did} has no verificationMethod list`);
  }
  const method = document.verificationMethod.find(
    candidate => candidate && typeof candidate === 'object' &&
      absolute(candidate.id, did) === vmId);
  if(!method) {
    throw new DidError(`${vmId} is not listed in the DID document of ${did}`);
  }
  if(method.type !== 'Multikey') {
    throw new DidError(`${vmId} is a ${JSON.stringify(method.type)}, not a Multikey`);
  }
  if(typeof method.controller !== 'string') {
    throw new DidError(`${vmId} has no controller`);
  }
  const publicKey = ed25519PublicKey(method.publicKeyMultibase);
  const assertion = Array.isArray(document.assertionMethod) &&
    document.assertionMethod.some(reference => absolute(
      reference && typeof reference === 'object' ? reference.id : reference, did) === vmId);
  // Key windows (Controlled Identifiers): `expires` = retired then, `revoked` = compromised.
  const moment = name => name in method ? parseDateTime(method[name], DidError) : null;
  return {id: vmId, controller: method.controller, publicKey, assertion,
    expires: moment('expires'), revoked: moment('revoked')};
}

/**
 * Finds the key behind a verification-method URL.
 *
 * @param {string} vmId - The proof's verificationMethod.
 * @param {Map<string, object>} didDocuments - DID -> DID document (from the trust list).
 * @returns {object} {id, controller, publicKey, assertion, expires, revoked} (ms or null).
 */
export function resolveVerificationMethod(vmId, didDocuments) {
  if(typeof vmId !== 'string' || !vmId.includes('#')) {
    throw new DidError('verificationMethod must be a DID URL with a fragment');
  }
  const did = vmId.slice(0, vmId.indexOf('#'));
  if(did.startsWith('did:key:')) {
    return didKeyMethod(vmId, did);
  }
  const document = didDocuments.get(did);
  if(!document) {
    throw new UnknownKeyError(
      `the signing key's DID ${did} is not on this verifier's trust list, ` +
      'so its key is unknown and the signature cannot be checked');
  }
  if(document.id !== did) {
    throw new DidError(`DID document id ${JSON.stringify(document.id)} does not match ${did}`);
  }
  return methodFromDocument(vmId, did, document);
}
