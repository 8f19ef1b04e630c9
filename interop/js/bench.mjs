// Time vc.issue and vc.verifyCredential (eddsa-rdfc-2022) on one credential, offline.
import fs from 'node:fs';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as rdfc} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {documentLoader} from './loader.mjs';

const args = process.argv.slice(2);
const opt = name => args[args.indexOf(name) + 1];
const n = Number(opt('--n'));
const unsigned = JSON.parse(fs.readFileSync(opt('--credential'), 'utf8'));
const key = await Ed25519Multikey.from(JSON.parse(fs.readFileSync(opt('--key'), 'utf8')));
const issueOnce = () => vc.issue({
  credential: structuredClone(unsigned),
  suite: new DataIntegrityProof({signer: key.signer(), cryptosuite: rdfc}), documentLoader});
const signed = await issueOnce();
const verifyOnce = async () => {
  const result = await vc.verifyCredential({
    credential: signed, suite: new DataIntegrityProof({cryptosuite: rdfc}), documentLoader,
    checkStatus: async () => ({verified: true})});
  if(!result.verified) {
    throw new Error('reference stack did not verify the benchmark credential');
  }
};
for(let i = 0; i < 10; i++) {
  await issueOnce();
  await verifyOnce();
}
let start = performance.now();
for(let i = 0; i < n; i++) {
  await issueOnce();
}
const issueMs = (performance.now() - start) / n;
start = performance.now();
for(let i = 0; i < n; i++) {
  await verifyOnce();
}
const verifyMs = (performance.now() - start) / n;
const versions = {};
for(const name of ['vc', 'data-integrity', 'eddsa-rdfc-2022-cryptosuite']) {
  const pkg = new URL(`./node_modules/@digitalbazaar/${name}/package.json`, import.meta.url);
  versions[`@digitalbazaar/${name}`] = JSON.parse(fs.readFileSync(pkg, 'utf8')).version;
}
process.stdout.write(JSON.stringify({
  n, issue_ms: issueMs, verify_ms: verifyMs,
  issue_per_s: 1000 / issueMs, verify_per_s: 1000 / verifyMs, node: process.version, versions
}) + '\n');
