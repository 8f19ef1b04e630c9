// Runs the page's own payload decoder (src/core/payload.js, the module the page bundles)
// over a corpus of QR texts and prints each outcome, for tests/integration/test_qr_corpus.py
// to compare with vcissue.qr's.
//
//   node test/corpus.mjs CORPUS.json    prints one line of JSON: [{name, ok, value|error}]
//
// CORPUS: {packs: [{id, dictionary (base64)}], cases: [{name, text}]}
import fs from 'node:fs';
import {decodePayload} from '../src/core/payload.js';

const corpus = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const packs = new Map(corpus.packs.map(pack => [pack.id,
  {name: pack.name, dictionary: new Uint8Array(Buffer.from(pack.dictionary, 'base64'))}]));
const outcomes = [];
for(const {name, text} of corpus.cases) {
  try {
    const result = await decodePayload(text, {packs});
    outcomes.push({name, ok: true, value: result.kind === 'offline' ? result.credential :
      {online: result.url}});
  } catch(error) {
    outcomes.push({name, ok: false, error: `${error.constructor.name}: ${error.message}`});
  }
}
process.stdout.write(JSON.stringify(outcomes));
