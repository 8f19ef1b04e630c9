// Builds the verifier into ONE self-contained HTML file: inline script and style, the
// JSON-LD contexts bundled from src/vcissue/contexts/, a Content-Security-Policy that allows
// exactly that script and style (by hash), and the licences of the bundled packages.
// The output is deterministic (esbuild is), so tests can rebuild and compare bytes.
//
// The translations come from the same catalogues as the printed certificate's
// (src/vcissue/i18n/<language>.json). The service worker (src/sw.js, for the page the
// service serves) is copied beside the page as verifier-sw.js.
//
//   node build.mjs                 write ../src/vcissue/webapp/verifier.html (+ verifier-sw.js)
//   node build.mjs --out FILE      write FILE instead (and no service worker)
//   node build.mjs --check         exit 1 unless the committed files equal a fresh build
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const CONTEXTS_DIR = path.resolve(here, '..', 'src', 'vcissue', 'contexts');
const CATALOGUES_DIR = path.resolve(here, '..', 'src', 'vcissue', 'i18n');
const DEFAULT_OUT = path.resolve(here, '..', 'src', 'vcissue', 'webapp', 'verifier.html');
const WORKER_OUT = path.resolve(here, '..', 'src', 'vcissue', 'webapp', 'verifier-sw.js');
const DATA_ELEMENT = '<script type="application/json" id="vcissue-verifier-data">null</script>';
// The browsers the page supports: DecompressionStream, BigInt, OffscreenCanvas.
const TARGET = ['chrome109', 'edge109', 'firefox115', 'safari16.4'];

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function contextsPlugin() {
  return {
    name: 'vcissue-contexts',
    setup(build) {
      build.onResolve({filter: /^vcissue:contexts$/}, args => ({
        path: args.path, namespace: 'vcissue-contexts'
      }));
      build.onLoad({filter: /.*/, namespace: 'vcissue-contexts'}, () => {
        const index = readJson(path.join(CONTEXTS_DIR, 'index.json'));
        const documents = {};
        for(const url of Object.keys(index).sort()) {
          documents[url] = readJson(path.join(CONTEXTS_DIR, index[url]));
        }
        return {
          contents: JSON.stringify(documents),
          loader: 'json',
          watchFiles: [path.join(CONTEXTS_DIR, 'index.json')]
        };
      });
    }
  };
}

// {language: {msgid: translation}} from every catalogue but English (the msgids are English).
function cataloguesPlugin() {
  return {
    name: 'vcissue-catalogues',
    setup(build) {
      build.onResolve({filter: /^vcissue:catalogues$/}, args => ({
        path: args.path, namespace: 'vcissue-catalogues'
      }));
      build.onLoad({filter: /.*/, namespace: 'vcissue-catalogues'}, () => {
        const catalogues = {};
        for(const file of fs.readdirSync(CATALOGUES_DIR).sort()) {
          const language = /^([a-z]{2})\.json$/.exec(file)?.[1];
          if(language && language !== 'en') {
            catalogues[language] = readJson(path.join(CATALOGUES_DIR, file)).messages;
          }
        }
        return {contents: JSON.stringify(catalogues), loader: 'json',
          watchDirs: [CATALOGUES_DIR]};
      });
    }
  };
}

function packageOf(input) {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  return match ? match[1] : null;
}

// Every bundled package with its version, licence name and licence text.
function licences(metafile) {
  const names = [...new Set(Object.keys(metafile.inputs).map(packageOf).filter(Boolean))]
    .sort();
  const sections = [];
  for(const name of names) {
    const directory = path.join(here, 'node_modules', name);
    const manifest = readJson(path.join(directory, 'package.json'));
    const file = fs.readdirSync(directory).sort()
      .find(entry => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(entry));
    const text = file ? fs.readFileSync(path.join(directory, file), 'utf8').trim() :
      '(no licence file in the package)';
    sections.push(`${name} ${manifest.version} (${manifest.license})\n\n${text}`);
  }
  const body = `This page bundles the following packages.\n\n${sections.join('\n\n' +
    '-'.repeat(72) + '\n\n')}\n`;
  return body.replace(/<\//g, '<\\/');
}

function cspHash(text) {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

export async function buildPage() {
  const script = await esbuild.build({
    entryPoints: [path.join(here, 'src', 'app.js')],
    bundle: true,
    minify: true,
    format: 'iife',
    target: TARGET,
    platform: 'browser',
    legalComments: 'none', // the full licence texts are embedded below instead
    charset: 'utf8',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [contextsPlugin(), cataloguesPlugin()]
  });
  const js = script.outputFiles[0].text.trim();
  const style = await esbuild.transform(
    fs.readFileSync(path.join(here, 'src', 'style.css'), 'utf8'),
    {loader: 'css', minify: true, target: TARGET});
  const css = style.code.trim();
  if(/<\/script/i.test(js) || /<\/style/i.test(css)) {
    throw new Error('the bundled script or style contains a closing tag');
  }
  const csp = [
    "default-src 'none'",
    `script-src ${cspHash(js)}`,
    `style-src ${cspHash(css)}`,
    'img-src data: blob:',
    'media-src blob: mediastream:',
    // Only live status lists, and only over https.
    'connect-src https:',
    // The service's copy installs a service worker and names a web app manifest.
    "worker-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'"
  ].join('; ');
  const template = fs.readFileSync(path.join(here, 'src', 'page.html'), 'utf8');
  const values = {CSP: csp, STYLE: css, SCRIPT: js, LICENSES: licences(script.metafile)};
  const page = template.replace(/\{\{(CSP|STYLE|SCRIPT|LICENSES)\}\}/g,
    (_, name) => values[name]);
  if(page.split(DATA_ELEMENT).length !== 2) {
    throw new Error('the page must hold the data element exactly once');
  }
  return page;
}

async function main(argv) {
  const outIndex = argv.indexOf('--out');
  const out = outIndex >= 0 ? path.resolve(argv[outIndex + 1]) : DEFAULT_OUT;
  const page = await buildPage();
  const outputs = [[out, page]];
  if(outIndex < 0) {
    outputs.push([WORKER_OUT, fs.readFileSync(path.join(here, 'src', 'sw.js'), 'utf8')]);
  }
  if(argv.includes('--check')) {
    for(const [file, text] of outputs) {
      const committed = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
      if(committed !== text) {
        console.error(`${file} differs from a fresh build: run "node build.mjs"`);
        process.exit(1);
      }
      console.log(`${file} matches a fresh build (${Buffer.byteLength(text)} bytes)`);
    }
    return;
  }
  for(const [file, text] of outputs) {
    fs.mkdirSync(path.dirname(file), {recursive: true});
    fs.writeFileSync(file, text);
    console.log(`wrote ${file} (${Buffer.byteLength(text)} bytes)`);
  }
}

if(process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch(error => {
    console.error(error.message);
    process.exit(1);
  });
}
