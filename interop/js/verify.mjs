// Verify a credential with Digital Bazaar's reference stack, offline.
// usage: node verify.mjs CREDENTIAL.json [--did-documents FILE]
// Prints {"verified": bool, "error": string|null}; exit 0 if verified, 1 if not.
import fs from 'node:fs';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as rdfc} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {documentLoader} from './loader.mjs';

const credentialPath = process.argv[2];
const credential = JSON.parse(fs.readFileSync(credentialPath, 'utf8'));
const suite = new DataIntegrityProof({cryptosuite: rdfc});
const result = await vc.verifyCredential({
  credential, suite, documentLoader,
  checkStatus: async () => ({verified: true})
});
const error = result.verified ? null :
  String(result.error?.errors?.map(e => e.message).join('; ') || result.error?.message ||
    JSON.stringify(result.results?.map(r => r.error?.message)));
process.stdout.write(JSON.stringify({verified: result.verified, error}) + '\n');
process.exit(result.verified ? 0 : 1);
