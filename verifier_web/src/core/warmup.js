// Warm-up while the person is still reaching for the certificate: the first verification
// after loading otherwise pays for processing the (type-scoped) JSON-LD contexts, for
// Ed25519's precomputed tables and for compiling the code, about 300 ms on a slow machine.
// Uses only a made-up document and a made-up signature; its result is thrown away.
import {verifyAsync} from '@noble/ed25519';
import jsonld from 'jsonld';
import {checkTermsDefined, offlineDocumentLoader} from './proof.js';

const OB = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
const VC = 'https://www.w3.org/ns/credentials/v2';

const SAMPLE = {
  '@context': [VC, OB],
  type: ['VerifiableCredential', 'OpenBadgeCredential'],
  issuer: {id: 'did:example:warm-up', type: ['Profile'], name: 'warm-up'},
  validFrom: '2026-01-01T00:00:00Z',
  credentialSubject: {
    type: ['AchievementSubject'],
    identifier: [{type: 'IdentityObject', hashed: false, identityHash: 'x', identityType: 'name'}],
    achievement: {id: 'urn:example:warm-up', type: ['Achievement'], name: 'x',
      criteria: {narrative: 'x'}, alignment: [{type: ['Alignment'], targetName: 'x',
        targetUrl: 'urn:example:x'}]}
  },
  credentialStatus: {id: 'urn:example:s#1', type: 'BitstringStatusListEntry',
    statusPurpose: 'revocation', statusListIndex: '1', statusListCredential: 'urn:example:s'}
};

/** Processes the bundled contexts once and runs one Ed25519 verification. */
export async function warmUp(contexts) {
  if(!contexts.has(OB) || !contexts.has(VC)) {
    return;
  }
  await checkTermsDefined(SAMPLE, contexts);
  await jsonld.canonize(SAMPLE, {documentLoader: offlineDocumentLoader(contexts), base: null,
    safe: true, algorithm: 'RDFC-1.0', format: 'application/n-quads',
    rdfDirection: 'i18n-datatype'});
  // Any 32-byte point and 64-byte signature: false is the expected answer.
  const key = new Uint8Array(32).fill(1);
  await verifyAsync(new Uint8Array(64), new Uint8Array(64), key, {zip215: false})
    .catch(() => false);
}
