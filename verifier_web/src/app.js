// The page: wires camera, image upload and pasted text to the verification core and shows
// one verdict. All text from a certificate reaches the page through textContent only.
import contextDocuments from 'vcissue:contexts';
import {PayloadError, StatusListError, errorMessage} from './core/errors.js';
import {decodePayload} from './core/payload.js';
import {parseStrictJson} from './core/strictjson.js';
import {readBundle} from './core/trust.js';
import {VERDICTS} from './core/verdict.js';
import {describeAge, verifyCredential} from './core/verify.js';
import {warmUp} from './core/warmup.js';
import {decoderName, readQr} from './scan.js';

const CONTEXTS = new Map(Object.entries(contextDocuments));
const MAX_LIST_BYTES = 5 * 1024 * 1024;
const LIVE_TIMEOUT_MS = 8000;
const SCAN_INTERVAL_MS = 150;
const $ = id => document.getElementById(id);

let bundle = null;
let latestRun = 0;
let camera = null; // {stream, timer}

/** Builds an element; strings become text nodes (never HTML). */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for(const [name, value] of Object.entries(attributes)) {
    if(value !== null && value !== undefined && value !== false) {
      element.setAttribute(name, value === true ? '' : value);
    }
  }
  for(const child of children.flat()) {
    if(child !== null && child !== undefined && child !== false) {
      element.append(child instanceof Node ? child : String(child));
    }
  }
  return element;
}

function capitalise(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function formatTime(ms) {
  return new Date(ms).toISOString().replace(/:\d{2}\.\d{3}Z$/, ' UTC').replace('T', ' ');
}

function formatDate(text) {
  const ms = Date.parse(text);
  if(Number.isNaN(ms)) {
    return text;
  }
  const date = new Date(ms).toLocaleDateString('en-GB', {
    day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC'
  });
  return `${date} (${text})`;
}

// --- the bundle ----------------------------------------------------------------------

function loadBundle() {
  const element = $('vcissue-verifier-data');
  try {
    bundle = readBundle(JSON.parse(element.textContent));
  } catch(error) {
    bundle = null;
    showBundleWarning('This copy of the verifier is damaged and cannot check certificates ' +
      `(${errorMessage(error)}). Ask for a new one.`);
    for(const control of document.querySelectorAll('button, input, textarea')) {
      control.disabled = true;
    }
    return;
  }
  if(!bundle.bundled) {
    showBundleWarning('This copy of the verifier has no trust list, so it trusts no ' +
      'certification body: every certificate will show NOT TRUSTED. Make one with ' +
      '"vcissue verifier-bundle".');
  }
  renderBundleInfo();
}

function showBundleWarning(message) {
  const warning = $('bundle-warning');
  warning.textContent = message;
  warning.hidden = false;
}

function renderBundleInfo() {
  const issuers = [...bundle.trust.issuers.values()];
  const snapshot = bundle.snapshotTime === null ? 'none' :
    `${bundle.snapshot.size} status list${bundle.snapshot.size === 1 ? '' : 's'}, taken ` +
    `${formatTime(bundle.snapshotTime)} (${describeAge(Date.now() - bundle.snapshotTime)} ` +
    'old)';
  const trusted = issuers.length === 0 ? 'no certification body' :
    issuers.map(issuer => issuer.name ? `${issuer.name} (${issuer.id})` : issuer.id)
      .join('; ');
  $('bundle-info').replaceChildren(
    h('dt', {}, 'Trusted bodies'), h('dd', {id: 'info-trust'}, trusted),
    h('dt', {}, 'Status snapshot'), h('dd', {id: 'info-snapshot'}, snapshot),
    h('dt', {}, 'QR decoder'), h('dd', {id: 'info-decoder'}, '…'));
  decoderName().then(name => {
    $('info-decoder').textContent = name === 'jsQR' ? 'jsQR (bundled)' :
      'the browser\'s BarcodeDetector';
  });
}

// --- status lists online -----------------------------------------------------------

async function readCapped(response, maxBytes) {
  const reader = response.body.getReader();
  const chunks = [];
  let total = 0;
  for(;;) {
    const {done, value} = await reader.read();
    if(done) {
      break;
    }
    total += value.length;
    if(total > maxBytes) {
      reader.cancel().catch(() => {});
      throw new StatusListError(`the list is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return new Blob(chunks).arrayBuffer();
}

async function fetchLive(url) {
  const response = await fetch(url, {
    credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer', redirect: 'follow',
    signal: AbortSignal.timeout(LIVE_TIMEOUT_MS)
  });
  if(!response.ok) {
    throw new StatusListError(`HTTP ${response.status}`);
  }
  let text;
  try {
    text = new TextDecoder('utf-8', {fatal: true}).decode(
      await readCapped(response, MAX_LIST_BYTES));
  } catch(error) {
    throw error instanceof StatusListError ? error :
      new StatusListError('the list is not UTF-8 text');
  }
  return parseStrictJson(text, StatusListError);
}

function environment() {
  const wanted = $('live-status').checked;
  const online = navigator.onLine;
  return {
    trust: bundle.trust,
    contexts: CONTEXTS,
    now: Date.now(),
    status: {
      liveEnabled: wanted && online,
      liveOffReason: !wanted ? 'live check turned off' :
        (online ? null : 'this device is offline, so the live list was not fetched'),
      fetchLive,
      snapshot: bundle.snapshot,
      snapshotTime: bundle.snapshotTime
    }
  };
}

// --- results -------------------------------------------------------------------------

function setVerdict({kind, tone, label, summary, items = [], extra = null}) {
  const box = $('verdict');
  box.className = `verdict verdict--${tone}`;
  box.dataset.verdict = kind;
  const icons = {ok: '✓', warning: '!', danger: '✗', neutral: 'i'};
  const parts = [
    h('p', {class: 'verdict-label', id: 'verdict-label'},
      icons[tone] ? h('span', {class: 'verdict-icon', 'aria-hidden': 'true'}, icons[tone]) :
        null,
      label),
    summary ? h('p', {class: 'verdict-summary'}, summary) : null,
    items.length ? h('ul', {class: 'reasons'}, items.map(item => h('li', {}, item))) : null,
    extra];
  box.replaceChildren(...parts.filter(Boolean));
}

function detailRows(details, trust) {
  const issuerTrusted = details.issuerId && trust.has(details.issuerId);
  const rows = [
    ['Holder', details.holder],
    ['Qualification', details.qualification],
    ['Type', details.kind],
    ['Scheme', details.scheme],
    ['Units', details.units],
    ['Scope and conditions', details.scope && details.scope.replace(/^Scope: /, '')],
    ['Awarded', details.awarded && formatDate(details.awarded)],
    ['Expires', details.expires && formatDate(details.expires)],
    ['Certificate id', details.id],
    ['Issuer', [details.issuerName, details.issuerId && `(${details.issuerId})`]
      .filter(Boolean).join(' ') || null],
    ['Trust list entry', details.issuerId ?
      (issuerTrusted ? trust.name(details.issuerId) || 'listed' : 'not on the trust list') :
      null]
  ];
  return rows.filter(([, value]) => value)
    .flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]);
}

function renderResult(result) {
  const info = VERDICTS[result.verdict];
  const statusNotes = result.checks
    .filter(check => check.id.startsWith('status') && check.outcome === 'passed')
    .map(check => capitalise(check.message));
  const items = result.verdict === 'VALID' ?
    [...statusNotes, ...result.checks.filter(check => check.id === 'status' &&
      check.outcome === 'skipped').map(check => capitalise(check.message))] :
    result.reasons.map(capitalise);
  setVerdict({kind: result.verdict, tone: info.tone, label: info.label,
    summary: info.summary, items});
  const headings = {
    FORGED: 'What the document claims (not genuine: do not rely on any of it)',
    NOT_TRUSTED: 'What the certificate claims (its issuer is not trusted here: do not ' +
      'rely on it)'
  };
  const heading = headings[result.verdict] || 'Certificate details';
  const claims = h('section', {class: `claims${headings[result.verdict] ? ' untrusted' : ''}`,
    'aria-labelledby': 'claims-heading'},
  h('h3', {id: 'claims-heading'}, heading),
  h('dl', {class: 'facts', id: 'certificate-details'},
    detailRows(result.details, bundle.trust)),
  h('details', {class: 'checks'},
    h('summary', {}, `All checks (${result.checks.length})`),
    h('ul', {id: 'check-list'}, result.checks.map(check => h('li', {'data-check': check.id},
      h('span', {class: `outcome outcome--${check.outcome}`}, check.outcome), ' ',
      h('code', {}, check.id), ': ', check.message)))));
  $('result-body').replaceChildren(claims);
}

function renderOnline(payload) {
  setVerdict({
    kind: 'ONLINE_LINK', tone: 'neutral', label: 'CHECK ONLINE',
    summary: 'This QR code is a link to the certification body\'s register. It holds no ' +
      'certificate to check on this device.',
    items: [`Certificate id: ${payload.credentialId}`],
    extra: h('p', {}, h('a', {href: payload.url, rel: 'noopener noreferrer', target: '_blank',
      id: 'online-link'}, `Open ${payload.url}`))
  });
  $('result-body').replaceChildren();
}

function renderProblem(kind, label, message) {
  setVerdict({kind, tone: 'neutral', label, summary: message});
  $('result-body').replaceChildren();
}

async function verifyText(text, via) {
  const run = ++latestRun;
  const started = performance.now();
  const box = $('verdict');
  box.className = 'verdict verdict--busy';
  box.dataset.verdict = '';
  box.replaceChildren(h('p', {class: 'verdict-label'}, 'Checking…'));
  $('result-body').replaceChildren();
  let render;
  try {
    const payload = await decodePayload(text);
    if(payload.kind === 'online') {
      render = () => renderOnline(payload);
    } else {
      const result = await verifyCredential(payload.credential, environment());
      render = () => renderResult(result);
    }
  } catch(error) {
    if(error instanceof PayloadError) {
      render = () => renderProblem('NOT_VCISSUE_QR', 'NOT A CERTIFICATE QR CODE',
        `This is not a vcissue certificate QR code: ${error.message}.`);
    } else {
      // A defect of the page itself: say so rather than show any verdict.
      render = () => renderProblem('ERROR', 'COULD NOT CHECK',
        `The verifier failed: ${errorMessage(error)}`);
    }
  }
  if(run !== latestRun) {
    return; // a newer scan started meanwhile; its result wins
  }
  render();
  finish(run, via, performance.now() - started);
}

// Marks the shown result as complete (tests and the benchmark wait for data-run).
function finish(run, via, ms = null) {
  const box = $('verdict');
  box.scrollIntoView({block: 'nearest'});
  box.dataset.via = via;
  if(ms === null) {
    delete box.dataset.ms;
  } else {
    box.dataset.ms = ms.toFixed(2);
  }
  box.dataset.run = String(run);
}

function showProblem(kind, label, message, via) {
  const run = ++latestRun;
  renderProblem(kind, label, message);
  finish(run, via);
}

// --- inputs --------------------------------------------------------------------------

function scanStatus(message) {
  $('scan-status').textContent = message;
}

function stopCamera() {
  if(camera) {
    clearTimeout(camera.timer);
    for(const track of camera.stream.getTracks()) {
      track.stop();
    }
    camera = null;
  }
  const video = $('camera-view');
  video.srcObject = null;
  video.hidden = true;
  $('camera-stop').hidden = true;
  $('camera-start').hidden = false;
}

async function startCamera() {
  if(!navigator.mediaDevices?.getUserMedia) {
    scanStatus('This browser cannot use a camera on this page (cameras need https or a ' +
      'page opened from this device). Use a picture or the QR code text instead.');
    return;
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: {facingMode: {ideal: 'environment'}, width: {ideal: 1280},
        height: {ideal: 720}}
    });
  } catch(error) {
    const reasons = {
      NotAllowedError: 'Camera permission was refused.',
      NotFoundError: 'No camera was found.',
      NotReadableError: 'The camera is in use by another program.'
    };
    scanStatus(reasons[error.name] || `The camera could not start (${error.message}).`);
    return;
  }
  stopCamera();
  const video = $('camera-view');
  camera = {stream, timer: null};
  video.srcObject = stream;
  video.hidden = false;
  $('camera-start').hidden = true;
  $('camera-stop').hidden = false;
  $('camera-stop').focus();
  scanStatus('Point the camera at the certificate\'s QR code.');
  await video.play().catch(() => {});
  const tick = async () => {
    if(!camera || camera.stream !== stream) {
      return;
    }
    let text = null;
    if(video.readyState >= 2 && video.videoWidth > 0) {
      text = await readQr(video, video.videoWidth, video.videoHeight).catch(() => null);
    }
    if(!camera || camera.stream !== stream) {
      return;
    }
    if(text) {
      stopCamera();
      $('camera-start').focus();
      scanStatus('QR code read from the camera.');
      await verifyText(text, 'camera');
    } else {
      camera.timer = setTimeout(tick, SCAN_INTERVAL_MS);
    }
  };
  tick();
}

async function readImageFile(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    scanStatus(`"${file.name}" is not a picture this browser can read.`);
    showProblem('NO_QR', 'NO QR CODE FOUND', 'The file is not a picture this browser ' +
      'can read.', 'image');
    return;
  }
  scanStatus(`Reading the QR code in "${file.name}"…`);
  const text = await readQr(bitmap, bitmap.width, bitmap.height, {thorough: true})
    .catch(() => null);
  bitmap.close();
  if(!text) {
    scanStatus(`No QR code found in "${file.name}".`);
    showProblem('NO_QR', 'NO QR CODE FOUND', 'No QR code could be read in that ' +
      'picture. Try a sharper, straighter picture with the whole code in it.', 'image');
    return;
  }
  scanStatus(`QR code read from "${file.name}".`);
  await verifyText(text, 'image');
}

function wire() {
  $('camera-start').addEventListener('click', () => startCamera());
  $('camera-stop').addEventListener('click', () => {
    stopCamera();
    scanStatus('Camera stopped.');
    $('camera-start').focus();
  });
  $('image-input').addEventListener('change', async event => {
    const [file] = event.target.files;
    if(file) {
      await readImageFile(file);
    }
    event.target.value = '';
  });
  $('paste-form').addEventListener('submit', event => {
    event.preventDefault();
    scanStatus('');
    verifyText($('paste-input').value, 'paste');
  });
  // The Verify button is the form's default: Ctrl+Enter in the text area submits too.
  $('paste-input').addEventListener('keydown', event => {
    if(event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      $('paste-form').requestSubmit();
    }
  });
}

loadBundle();
if(bundle) {
  wire();
  // After the first paint, so the page shows at once; a scan that comes sooner just waits.
  setTimeout(() => warmUp(CONTEXTS).catch(() => {}), 0);
}
