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
 *   null), maxSnapshotAgeDays, packs: Map id -> {name, dictionary}, brand, serviceWorker,
 *   bundled}.
 */
export function readBundle(data) {
  if(data === null) {
    return {trust: new TrustList(), snapshot: new Map(), snapshotTime: null, bundled: false,
      maxSnapshotAgeDays: null, packs: new Map(), brand: null, serviceWorker: null};
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
  const maxSnapshotAgeDays = data.maxSnapshotAgeDays ?? null;
  if(maxSnapshotAgeDays !== null && !(Number.isInteger(maxSnapshotAgeDays) &&
    maxSnapshotAgeDays >= 0)) {
    throw new BundleError('maxSnapshotAgeDays must be a whole number of days');
  }
  return {trust, snapshot, snapshotTime, maxSnapshotAgeDays, packs: readPacks(data.schemePacks),
    brand: readBrand(data.brand), serviceWorker: readServiceWorker(data.serviceWorker),
    bundled: true};
}

function base64Bytes(text, what) {
  if(typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new BundleError(`${what} must be base64`);
  }
  return Uint8Array.from(atob(text), character => character.charCodeAt(0));
}

// Scheme packs (vcissue.qrpack): QR payloads name one by id (vcissue checked each id
// against its dictionary's SHA-256 when it wrote the bundle).
function readPacks(list) {
  const packs = new Map();
  for(const [index, pack] of (list ?? []).entries()) {
    if(!pack || typeof pack !== 'object' || !/^[0-9a-f]{8}$/.test(pack.id)) {
      throw new BundleError(`schemePacks[${index}] needs an 8-digit hex id`);
    }
    packs.set(pack.id, {id: pack.id, name: typeof pack.name === 'string' ? pack.name : '',
      dictionary: base64Bytes(pack.dictionary, `schemePacks[${index}].dictionary`)});
  }
  return packs;
}

/** The body's name, colour and logo for the page's header; null for an unbranded page. */
function readBrand(brand) {
  if(brand === undefined || brand === null) {
    return null;
  }
  if(typeof brand !== 'object' || typeof brand.name !== 'string') {
    throw new BundleError('brand must be an object with a name');
  }
  const colour = typeof brand.colour === 'string' && /^#[0-9a-fA-F]{6}$/.test(brand.colour) ?
    brand.colour : null;
  const logo = typeof brand.logo === 'string' &&
    /^data:image\/(png|jpeg|svg\+xml);base64,[A-Za-z0-9+/=]+$/.test(brand.logo) ? brand.logo :
    null;
  return {name: brand.name, colour, logo};
}

function readServiceWorker(worker) {
  if(worker === undefined || worker === null) {
    return null;
  }
  if(typeof worker !== 'object' || typeof worker.script !== 'string' ||
    typeof worker.scope !== 'string' || !worker.script.startsWith('/') ||
    !worker.scope.startsWith('/')) {
    throw new BundleError('serviceWorker must name a script and a scope on this site');
  }
  return {script: worker.script, scope: worker.scope};
}
