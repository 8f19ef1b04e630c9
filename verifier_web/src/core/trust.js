// The data `vcissue verifier-bundle` embeds: the trust list (TrustList.to_json in
// vcissue/verify.py) and snapshots of status list credentials, with the snapshot time.
import {BundleError} from './errors.js';
import {resolveVerificationMethod} from './dids.js';
import {parseDateTime} from './proof.js';

export const BUNDLE_FORMAT = 'vcissue-verifier-bundle/1';

/** Issuers the verifier accepts; resolves keys from did:key or embedded did:web documents. */
export class TrustList {
  constructor(issuers = []) {
    this.issuers = new Map(issuers.map(issuer => [issuer.id, issuer]));
    this.didDocuments = new Map(issuers.filter(issuer => issuer.didDocument)
      .map(issuer => [issuer.id, issuer.didDocument]));
  }

  static fromJson(data) {
    if(!data || typeof data !== 'object' || !Array.isArray(data.issuers)) {
      throw new BundleError("trust list must be an object with an 'issuers' list");
    }
    const issuers = data.issuers.map((entry, index) => {
      if(!entry || typeof entry !== 'object' || typeof entry.id !== 'string') {
        throw new BundleError(`trust list issuers[${index}] needs a string 'id'`);
      }
      const document = entry.didDocument;
      if(document !== undefined && (!document || typeof document !== 'object' ||
        Array.isArray(document))) {
        throw new BundleError(`trust list issuers[${index}].didDocument must be an object`);
      }
      if(entry.id.startsWith('did:web:') && !document) {
        throw new BundleError(`trust list issuers[${index}]: did:web needs its didDocument`);
      }
      return {id: entry.id, name: typeof entry.name === 'string' ? entry.name : '',
        didDocument: document};
    });
    return new TrustList(issuers);
  }

  has(did) {
    return this.issuers.has(did);
  }

  name(did) {
    return this.issuers.get(did)?.name || '';
  }

  resolveKey(vmId) {
    return resolveVerificationMethod(vmId, this.didDocuments);
  }
}

/**
 * Reads the embedded bundle data.
 *
 * @param {object|null} data - The parsed JSON of the data element (null: an unbundled page).
 * @returns {object} {trust, snapshot: Map url -> status list credential, snapshotTime (ms or
 *   null), bundled}.
 */
export function readBundle(data) {
  if(data === null) {
    return {trust: new TrustList(), snapshot: new Map(), snapshotTime: null, bundled: false};
  }
  if(!data || typeof data !== 'object' || data.format !== BUNDLE_FORMAT) {
    throw new BundleError(`the embedded data is not a ${BUNDLE_FORMAT} bundle`);
  }
  const trust = TrustList.fromJson(data.trustList);
  if(!Array.isArray(data.statusLists)) {
    throw new BundleError('statusLists must be a list');
  }
  const snapshot = new Map();
  for(const [index, list] of data.statusLists.entries()) {
    if(!list || typeof list !== 'object' || typeof list.id !== 'string') {
      throw new BundleError(`statusLists[${index}] has no id`);
    }
    snapshot.set(list.id, list);
  }
  const snapshotTime = data.snapshotTime === null ? null :
    parseDateTime(data.snapshotTime, BundleError);
  return {trust, snapshot, snapshotTime, bundled: true};
}
