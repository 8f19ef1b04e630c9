// Canonicalise JSON-LD documents exactly as the eddsa-rdfc-2022 cryptosuite of the reference
// stack does before hashing (jsonld.js toRDF in safe mode, rdfDirection "i18n-datatype",
// base null, then rdf-canonize RDFC-1.0 with its default work factor), offline.
//
// usage: node canonize.mjs CORPUS.json|- [--allow-test-contexts]
//
//   CORPUS.json  a JSON array of documents; "-" reads it from standard input
//
// Prints one JSON array, one entry per document, in order:
//   {"nquads": "..."}                   the canonical N-Quads
//   {"error": "...", "code": "..."}     refused (safe-mode event code when there is one)
// Exit status 0, or 2 on a usage error.
import {parseArgs} from 'node:util';
import jsonld from 'jsonld';
import * as rdfCanonize from 'rdf-canonize';
import {createDocumentLoader, errorChain, readJsonInput, runMain, UsageError} from './lib.mjs';

// The same steps as @digitalbazaar/eddsa-rdfc-2022-cryptosuite lib/canonize.js (not exported).
async function canonize(input, documentLoader) {
  const dataset = await jsonld.toRDF(input, {
    documentLoader, base: null, safe: true, rdfDirection: 'i18n-datatype',
    produceGeneralizedRdf: false
  });
  return rdfCanonize.canonize(dataset, {algorithm: 'RDFC-1.0', format: 'application/n-quads'});
}

function errorCode(error) {
  for(let e = error; e; e = e.cause ?? e.details?.cause) {
    if(e.details?.event?.code) {
      return e.details.event.code;
    }
    if(e.details?.code) {
      return e.details.code;
    }
  }
  return null;
}

async function main() {
  const {values, positionals} = parseArgs({
    options: {'allow-test-contexts': {type: 'boolean', default: false}},
    allowPositionals: true
  });
  if(positionals.length !== 1) {
    throw new UsageError('give one corpus file (or - for standard input)');
  }
  const corpus = readJsonInput(positionals[0], 'corpus');
  if(!Array.isArray(corpus)) {
    throw new UsageError('the corpus must be a JSON array of documents');
  }
  const documentLoader = createDocumentLoader({allowTestContexts: values['allow-test-contexts']});
  const results = [];
  for(const document of corpus) {
    try {
      results.push({nquads: await canonize(document, documentLoader)});
    } catch(error) {
      results.push({error: errorChain(error) ?? String(error), code: errorCode(error)});
    }
  }
  process.stdout.write(JSON.stringify(results) + '\n');
}

runMain(main);
