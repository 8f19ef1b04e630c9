// A wallet claiming a credential from a VC-API exchange the way the Learner Credential
// Wallet does: POST {} -> a DIDAuthentication request; POST a DID authentication
// presentation signed with @digitalbazaar/vc (DataIntegrityProof eddsa-rdfc-2022, or
// Ed25519Signature2020) with its challenge and domain -> the credential bound to the DID.
//
//   node vcapi.mjs --exchange URL [--seed HEX] [--proof-type DataIntegrityProof|Ed25519Signature2020]
//       [--challenge C --domain D]   (then also present the received credential)
//       [--replay 1]                 (post the same DID authentication a second time)
// Prints one JSON line: {holder, request, credential, presentation, replay}.
import {args, done, holderKey, present} from './lib.mjs';

const options = args();
const holder = await holderKey(options.seed);

async function post(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {'Content-Type': 'application/json', Accept: 'application/json'},
    body: JSON.stringify(body)
  });
  return {status: response.status, body: await response.json()};
}

const first = await post(options.exchange, {});
if(first.status !== 200) {
  done({step: 'request', ...first});
  process.exit(0);
}
const request = first.body.verifiablePresentationRequest;
const didAuth = await present(holder, [], {
  challenge: request.challenge, domain: request.domain, proofType: options['proof-type']
});
const second = await post(options.exchange, {verifiablePresentation: didAuth});
if(second.status !== 200) {
  done({step: 'presentation', ...second, holder: holder.did});
  process.exit(0);
}
const credential = second.body.verifiablePresentation.verifiableCredential[0];
let presentation = null;
if(options.challenge) {
  presentation = await present(holder, [credential], {
    challenge: options.challenge, domain: options.domain, proofType: options['proof-type']
  });
}
let replay = null;
if(options.replay) {
  replay = await post(options.exchange, {verifiablePresentation: didAuth});
}
done({holder: holder.did, request, didAuth, credential, presentation, replay});
