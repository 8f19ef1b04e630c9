// Sign an unsigned credential with Digital Bazaar's reference stack (@digitalbazaar/vc issue
// with an eddsa-rdfc-2022 or eddsa-jcs-2022 Data Integrity proof), offline.
//
// usage: node sign.mjs UNSIGNED.json|- (--key KEY.json | KEY.json)
//                      [--suite eddsa-rdfc-2022|eddsa-jcs-2022]
//                      [--created ISO-DATETIME | --no-created] [--allow-test-contexts]
//
//   UNSIGNED.json         the credential to sign; "-" reads it from standard input
//   KEY.json              {"publicKeyMultibase": "z6Mk...", "secretKeyMultibase": "z3u2..."
//                         (the W3C vectors' name "privateKeyMultibase" is accepted too),
//                         "controller"?: default did:key:<publicKeyMultibase>,
//                         "id"?: default <controller>#<publicKeyMultibase>}
//   --suite               the cryptosuite (default eddsa-rdfc-2022)
//   --created             the proof's "created" (deterministic output); default: now, to the
//                         second
//   --no-created          a proof without "created" (it is optional in VC Data Integrity)
//
// A credential that already has a proof gets one more: the stack adds it to the proof set
// (each proof signs the credential without the others).
//   --allow-test-contexts also serve https://www.w3.org/ns/credentials/examples/v2 (tests only)
//
// Prints the signed credential as JSON. Exit status 0 on success, 1 if signing fails (for
// example the JSON-LD safe mode refusing an undefined term), 2 on a usage error.
import {parseArgs} from 'node:util';
import * as vc from '@digitalbazaar/vc';
import {
  UsageError, createDocumentLoader, loadKey, readJsonInput, runMain, signSuite
} from './lib.mjs';

const USAGE = 'node sign.mjs UNSIGNED.json|- (--key KEY.json | KEY.json) ' +
  '[--suite eddsa-rdfc-2022|eddsa-jcs-2022] [--created ISO | --no-created] ' +
  '[--allow-test-contexts]';

async function main() {
  const {values, positionals} = parseArgs({
    options: {
      key: {type: 'string'},
      suite: {type: 'string', default: 'eddsa-rdfc-2022'},
      created: {type: 'string'},
      'no-created': {type: 'boolean', default: false},
      'allow-test-contexts': {type: 'boolean', default: false}
    },
    allowPositionals: true,
    strict: true
  });
  const [credentialPath, keyPositional, ...extra] = positionals;
  const keyPath = values.key ?? keyPositional;
  if(!credentialPath || !keyPath || extra.length || (values.key && keyPositional)) {
    throw new UsageError(USAGE);
  }
  let date;
  if(values['no-created']) {
    if(values.created !== undefined) {
      throw new UsageError('--created and --no-created exclude each other');
    }
    date = null;
  } else if(values.created !== undefined) {
    if(!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(values.created) ||
      Number.isNaN(Date.parse(values.created))) {
      throw new UsageError(`--created: not an XML Schema date-time: ${values.created}`);
    }
    date = values.created;
  }
  const credential = readJsonInput(credentialPath, 'credential');
  const key = await loadKey(keyPath);
  const suite = signSuite({suite: values.suite, signer: key.signer(), date});
  const documentLoader = createDocumentLoader({
    allowTestContexts: values['allow-test-contexts']
  });
  const signed = await vc.issue({credential, suite, documentLoader});
  process.stdout.write(JSON.stringify(signed) + '\n');
}

runMain(main);
