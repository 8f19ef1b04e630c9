// A wallet receiving a credential over OpenID4VCI 1.0 (pre-authorized code, tx_code) with
// the OpenWallet Foundation client @openid4vc/openid4vci, then presenting it.
//
//   node oid4vci.mjs --offer 'openid-credential-offer://?...' --tx-code 123456
//       [--seed HEX] [--challenge C --domain D] [--proof-key self|other] [--aud URL]
//       [--nonce fresh|replay] [--steps all|token]
// Prints one JSON line: {holder, credential, presentation, secondNonceAnswer} or, when the
// issuer refuses a step, {step, status, error} (exit 0 either way; the Python test judges).
import crypto from 'node:crypto';
import {Openid4vciClient} from '@openid4vc/openid4vci';
import {clientAuthenticationAnonymous} from '@openid4vc/oauth2';
import {args, done, holderKey, present, signJwt} from './lib.mjs';

const options = args();
const holder = await holderKey(options.seed);
const other = await holderKey(crypto.randomBytes(32).toString('hex'));

const client = new Openid4vciClient({
  callbacks: {
    fetch,
    generateRandom: bytes => crypto.randomBytes(bytes),
    hash: (data, alg) => crypto.createHash(alg.replace('-', '').toLowerCase()).update(data).digest(),
    clientAuthentication: clientAuthenticationAnonymous(),
    signJwt: async(signer, {header, payload}) => {
      const key = options['proof-key'] === 'other' ? other : holder;  // kid stays the holder's
      if(options.aud) {
        payload = {...payload, aud: options.aud};
      }
      return {jwt: await signJwt(key, header, payload), signerJwk: holder.jwk};
    }
  }
});

async function step(name, action) {
  try {
    return await action();
  } catch(error) {
    // Oauth2ClientErrorResponseError: errorResponse; Openid4vciRetrieveCredentialsError:
    // response.{response, credentialErrorResponseResult}
    const response = error.response?.response ?? error.response;
    let body = error.errorResponse ?? error.response?.credentialErrorResponseResult?.data ?? null;
    if(typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch{}
    }
    done({step: name, status: response?.status ?? null, error: body, message: error.message});
    process.exit(0);
  }
}

const offer = await step('offer', () => client.resolveCredentialOffer(options.offer));
const metadata = await step('metadata', () => client.resolveIssuerMetadata(offer.credential_issuer));
const configurationId = offer.credential_configuration_ids[0];
const token = await step('token', () => client.retrievePreAuthorizedCodeAccessTokenFromOffer({
  credentialOffer: offer, issuerMetadata: metadata, txCode: options['tx-code']
}));
const accessToken = token.accessTokenResponse.access_token;
if(options.steps === 'token') {
  done({version: metadata.originalDraftVersion, accessToken});
  process.exit(0);
}
const {c_nonce: nonce} = await step('nonce', () => client.requestNonce({issuerMetadata: metadata}));
const proofFor = async n => (await client.createCredentialRequestJwtProof({
  issuerMetadata: metadata,
  credentialConfigurationId: configurationId,
  nonce: n,
  signer: {method: 'did', didUrl: holder.id, alg: 'EdDSA'}
})).jwt;
const jwt = await proofFor(nonce);
const answer = await step('credential', () => client.retrieveCredentials({
  issuerMetadata: metadata,
  credentialConfigurationId: configurationId,
  proofs: {jwt: [jwt]},
  accessToken
}));
const credential = answer.credentialResponse.credentials[0].credential;
let presentation = null;
if(options.challenge) {
  presentation = await present(holder, [credential], {
    challenge: options.challenge, domain: options.domain, proofType: options['proof-type']
  });
}
done({
  version: metadata.originalDraftVersion, holder: holder.did, credential, presentation
});
