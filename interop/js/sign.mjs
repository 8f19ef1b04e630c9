// Sign an unsigned credential with Digital Bazaar's reference stack (eddsa-rdfc-2022), offline.
// usage: node sign.mjs UNSIGNED.json KEY.json [--created ISO]
// KEY.json: {"publicKeyMultibase", "secretKeyMultibase", "id", "controller"}. Prints the signed VC.
import fs from 'node:fs';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as rdfc} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {documentLoader} from './loader.mjs';

const [credentialPath, keyPath, ...rest] = process.argv.slice(2);
const createdIndex = rest.indexOf('--created');
const date = createdIndex >= 0 ? rest[createdIndex + 1] : undefined;
const key = await Ed25519Multikey.from(JSON.parse(fs.readFileSync(keyPath, 'utf8')));
const suite = new DataIntegrityProof({signer: key.signer(), date, cryptosuite: rdfc});
const credential = JSON.parse(fs.readFileSync(credentialPath, 'utf8'));
const signed = await vc.issue({credential, suite, documentLoader});
process.stdout.write(JSON.stringify(signed) + '\n');
