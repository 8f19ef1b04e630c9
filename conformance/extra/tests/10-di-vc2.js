/*
 * vcissue's own addition, not a W3C suite: the generic Data Integrity tests of
 * w3c-ccg/data-integrity-test-suite-assertion (vendored in ../vendor), which the W3C
 * vc-di-eddsa suite runs on VC 1.1 credentials, run here on a VC 2.0 credential, so that
 * they test what they name rather than "a VC 1.1 credential is refused".
 */
import {
  checkDataIntegrityProofFormat,
  checkDataIntegrityProofVerifyErrors
} from 'data-integrity-test-suite-assertion';
import {
  cryptosuite as eddsaRdfc2022
} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {endpoints} from 'vc-test-suite-implementations';

const credential = {
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  type: ['VerifiableCredential'],
  validFrom: '2024-01-01T00:00:00Z',
  credentialSubject: {id: 'did:example:subject', name: 'Alice'}
};

for(const suiteName of ['eddsa-rdfc-2022', 'eddsa-jcs-2022']) {
  const {match: issuers} = endpoints.filterByTag({
    tags: [suiteName], property: 'issuers'
  });
  checkDataIntegrityProofFormat({
    implemented: issuers,
    testDescription: `Data Integrity on VC 2.0 (${suiteName} issuers)`,
    cryptosuiteName: suiteName,
    credential
  });
}

const {match: verifiers} = endpoints.filterByTag({
  tags: ['eddsa-rdfc-2022'], property: 'verifiers'
});
checkDataIntegrityProofVerifyErrors({
  implemented: verifiers,
  testDescription: 'Data Integrity on VC 2.0 (eddsa-rdfc-2022 verifiers)',
  testDataOptions: {
    suiteName: 'eddsa-rdfc-2022',
    cryptosuite: eddsaRdfc2022,
    testVector: credential
  },
  // as the W3C suite's 15-di-rdfc-verify.js runs it
  optionalTests: {proofChain: true}
});
