// The page: wires camera, image upload and pasted text to the verification core and shows
// one verdict. All text from a certificate reaches the page through textContent only.
import catalogues from 'vcissue:catalogues';
import contextDocuments from 'vcissue:contexts';
import {PayloadError, StatusListError, errorMessage} from './core/errors.js';
import {chooseLanguage, message, render, translator} from './core/i18n.js';
import {MAX_INFLATED_BYTES, MissingPackError, credentialFrom, decodePayload} from
  './core/payload.js';
import {parseStrictJson} from './core/strictjson.js';
import {readBundle} from './core/trust.js';
import {VERDICTS} from './core/verdict.js';
import {DEFAULT_MAX_SNAPSHOT_AGE_DAYS, describeAge, verifyCredential} from './core/verify.js';
import {warmUp} from './core/warmup.js';
import {decoderName, readQr} from './scan.js';

const CONTEXTS = new Map(Object.entries(contextDocuments));
const MAX_LIST_BYTES = 5 * 1024 * 1024;
const LIVE_TIMEOUT_MS = 8000;
const SCAN_INTERVAL_MS = 150;
const $ = id => document.getElementById(id);

const LANGUAGE = chooseLanguage(navigator.languages ?? [navigator.language], catalogues);
const t = translator(catalogues, LANGUAGE);
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
  const date = new Date(ms).toLocaleDateString(LANGUAGE === 'en' ? 'en-GB' : LANGUAGE, {
    day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC'
  });
  return `${date} (${text.slice(0, 10)})`;
}

// The page's fixed texts: every element marked data-i18n holds its English text, which is
// the message id of the catalogue (the same catalogue the certificate uses).
function translatePage() {
  document.documentElement.lang = LANGUAGE;
  for(const element of document.querySelectorAll('[data-i18n]')) {
    element.textContent = t(element.textContent.replace(/\s+/g, ' ').trim());
  }
  for(const element of document.querySelectorAll('[data-i18n-label]')) {
    element.setAttribute('aria-label', t(element.getAttribute('aria-label')));
  }
  document.title = t(document.title);
}

function applyBrand(brand) {
  if(!brand) {
    return;
  }
  $('body-name').textContent = brand.name;
  $('body-name').hidden = false;
  if(brand.logo) {
    const logo = $('body-logo');
    logo.src = brand.logo;
    logo.alt = t('Logo of {name}', {name: brand.name});
    logo.hidden = false;
  }
  if(brand.colour) {
    document.documentElement.style.setProperty('--brand', brand.colour);
  }
  document.title = `${brand.name}: ${document.title}`;
}

// --- the bundle ----------------------------------------------------------------------

function loadBundle() {
  const element = $('vcissue-verifier-data');
  try {
    bundle = readBundle(JSON.parse(element.textContent));
  } catch(error) {
    bundle = null;
    showBundleWarning(t('This copy of the verifier is damaged and cannot check ' +
      'certificates ({reason}). Ask for a new one.', {reason: errorMessage(error)}));
    for(const control of document.querySelectorAll('button, input, textarea')) {
      control.disabled = true;
    }
    return;
  }
  if(!bundle.bundled) {
    showBundleWarning(t('This copy of the verifier has no trust list, so it trusts no ' +
      'certification body: every certificate will show NOT TRUSTED. Make one with ' +
      '"vcissue verifier-bundle".'));
  }
  applyBrand(bundle.brand);
  renderBundleInfo();
}

function showBundleWarning(message) {
  const warning = $('bundle-warning');
  warning.textContent = message;
  warning.hidden = false;
}

function renderBundleInfo() {
  const issuers = [...bundle.trust.issuers.values()];
  const maxDays = bundle.maxSnapshotAgeDays ?? DEFAULT_MAX_SNAPSHOT_AGE_DAYS;
  const snapshot = bundle.snapshotTime === null ? t('none') :
    t('{count} status lists, taken {time} ({age} old); used for {days} days', {
      count: bundle.snapshot.size, time: formatTime(bundle.snapshotTime),
      age: render(describeAge(Date.now() - bundle.snapshotTime), t), days: maxDays});
  const trusted = issuers.length === 0 ? t('no certification body') :
    issuers.map(issuer => issuer.name ? `${issuer.name} (${issuer.id})` : issuer.id)
      .join('; ');
  const packs = bundle.packs.size === 0 ? t('none') : [...bundle.packs.values()]
    .map(pack => `${pack.name} (${pack.id})`).join('; ');
  $('bundle-info').replaceChildren(
    h('dt', {}, t('Trusted bodies')), h('dd', {id: 'info-trust'}, trusted),
    h('dt', {}, t('Status snapshot')), h('dd', {id: 'info-snapshot'}, snapshot),
    h('dt', {}, t('Scheme packs')), h('dd', {id: 'info-packs'}, packs),
    h('dt', {}, t('QR decoder')), h('dd', {id: 'info-decoder'}, '…'));
  decoderName().then(name => {
    $('info-decoder').textContent = name === 'jsQR' ? t('jsQR (bundled)') :
      t('the browser\'s BarcodeDetector');
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
      liveOffReason: !wanted ? message('live check turned off') :
        (online ? null : message('this device is offline, so the live list was not fetched')),
      fetchLive,
      snapshot: bundle.snapshot,
      snapshotTime: bundle.snapshotTime,
      maxSnapshotAgeDays: bundle.maxSnapshotAgeDays ?? DEFAULT_MAX_SNAPSHOT_AGE_DAYS
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

// The label of the holder's row: the page says when the holder is an organisation.
const HOLDER_TERMS = {person: 'Holder', organisation: 'Certified organisation'};

function detailRows(details, trust) {
  const issuerTrusted = details.issuerId && trust.has(details.issuerId);
  const rows = [
    [HOLDER_TERMS[details.holderKind] || 'Holder', details.holder],
    ['Qualification', details.qualification],
    ['Type', details.kind && t(details.kind)],
    ['Scheme', details.scheme],
    ['Units', details.units],
    ['Recognition of prior learning', details.rpl],
    ['Scope and conditions', details.scope && details.scope.replace(/^Scope: /, '')],
    ['Awarded', details.awarded && formatDate(details.awarded)],
    ['Expires', details.expires && formatDate(details.expires)],
    ['Certificate id', details.id],
    ['Issuer', [details.issuerName, details.issuerId && `(${details.issuerId})`]
      .filter(Boolean).join(' ') || null],
    ['Trust list entry', details.issuerId ?
      (issuerTrusted ? trust.name(details.issuerId) || t('listed') :
        t('not on the trust list')) : null]
  ];
  return rows.filter(([, value]) => value)
    .flatMap(([term, value]) => [h('dt', {}, t(term)), h('dd', {}, value)]);
}

function renderResult(result) {
  const info = VERDICTS[result.verdict];
  const say = note => capitalise(render(note, t));
  const statusNotes = result.checks
    .filter(check => check.id.startsWith('status') && check.outcome === 'passed')
    .map(check => say(check.note));
  const items = result.verdict === 'VALID' ?
    [...statusNotes, ...result.checks.filter(check => check.id === 'status' &&
      check.outcome === 'skipped').map(check => say(check.note))] :
    result.reasonNotes.map(say);
  const stale = result.verdict === 'STATUS_UNKNOWN' &&
    result.checks.some(check => check.stale);
  if(stale) {
    items.unshift(t('The status snapshot in this verifier is too old to rely on. Connect ' +
      'to the internet and open the verifier again to refresh it.'));
  }
  setVerdict({kind: result.verdict, tone: info.tone, label: t(info.label),
    summary: t(info.summary), items, extra: stale ?
      h('p', {class: 'refresh', id: 'refresh-hint'}, t('Connect to refresh')) : null});
  const headings = {
    FORGED: 'What the document claims (not genuine: do not rely on any of it)',
    NOT_TRUSTED: 'What the certificate claims (its issuer is not trusted here: do not ' +
      'rely on it)'
  };
  const heading = t(headings[result.verdict] || 'Certificate details');
  const claims = h('section', {class: `claims${headings[result.verdict] ? ' untrusted' : ''}`,
    'aria-labelledby': 'claims-heading'},
  h('h3', {id: 'claims-heading'}, heading),
  h('dl', {class: 'facts', id: 'certificate-details'},
    detailRows(result.details, bundle.trust)),
  h('details', {class: 'checks'},
    h('summary', {}, t('All checks ({count})', {count: result.checks.length})),
    h('ul', {id: 'check-list'}, result.checks.map(check => h('li', {'data-check': check.id,
      'data-outcome': check.outcome},
      h('span', {class: `outcome outcome--${check.outcome}`}, t(check.outcome)), ' ',
      h('code', {}, check.id), ': ', render(check.note, t))))));
  $('result-body').replaceChildren(claims);
}

function renderOnline(payload) {
  setVerdict({
    kind: 'ONLINE_LINK', tone: 'neutral', label: t('CHECK ONLINE'),
    summary: t('This QR code is a link to the certification body\'s register. It holds no ' +
      'certificate to check on this device.'),
    items: [t('Certificate id: {id}', {id: payload.credentialId})],
    extra: h('p', {}, h('a', {href: payload.url, rel: 'noopener noreferrer', target: '_blank',
      id: 'online-link'}, t('Open {url}', {url: payload.url})))
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
  box.replaceChildren(h('p', {class: 'verdict-label'}, t('Checking…')));
  $('result-body').replaceChildren();
  let render;
  try {
    const payload = looksLikeJson(text) ? {kind: 'offline', credential: pastedCredential(text)} :
      await decodePayload(text, {packs: bundle.packs});
    if(payload.kind === 'online') {
      render = () => renderOnline(payload);
    } else {
      const result = await verifyCredential(payload.credential, environment());
      render = () => renderResult(result);
    }
  } catch(error) {
    if(error instanceof MissingPackError) {
      render = () => renderProblem('MISSING_PACK', t('CANNOT READ THIS CERTIFICATE HERE'),
        t('This certificate needs scheme pack {pack}, which this copy of the verifier ' +
          'lacks. Open the certification body\'s current verifier (scan the QR code with ' +
          'the phone\'s camera while online) or ask the body for a new verifier file.',
        {pack: error.packId}));
    } else if(error instanceof PayloadError) {
      render = () => renderProblem('NOT_VCISSUE_QR', t('NOT A CERTIFICATE QR CODE'),
        t('This is not a vcissue certificate QR code: {reason}.', {reason: error.message}));
    } else {
      // A defect of the page itself: say so rather than show any verdict.
      render = () => renderProblem('ERROR', t('COULD NOT CHECK'),
        t('The verifier failed: {reason}', {reason: errorMessage(error)}));
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

// Pasted credential JSON (a file a holder sent, say): the same strict parser and size cap
// as the JSON inside a QR code.
function looksLikeJson(text) {
  return typeof text === 'string' && /^[ \t\r\n]*\{/.test(text);
}

function pastedCredential(text) {
  if(new TextEncoder().encode(text).length > MAX_INFLATED_BYTES) {
    throw new PayloadError(`the credential JSON is larger than ${MAX_INFLATED_BYTES} bytes`);
  }
  return credentialFrom(new TextEncoder().encode(text.trim()));
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
    scanStatus(t('This browser cannot use a camera on this page (cameras need https or a ' +
      'page opened from this device). Use a picture or the QR code text instead.'));
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
      NotAllowedError: t('Camera permission was refused.'),
      NotFoundError: t('No camera was found.'),
      NotReadableError: t('The camera is in use by another program.')
    };
    scanStatus(reasons[error.name] ||
      t('The camera could not start ({reason}).', {reason: error.message}));
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
  scanStatus(t('Point the camera at the certificate\'s QR code.'));
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
      scanStatus(t('QR code read from the camera.'));
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
    scanStatus(t('"{file}" is not a picture this browser can read.', {file: file.name}));
    showProblem('NO_QR', t('NO QR CODE FOUND'), t('The file is not a picture this browser ' +
      'can read.'), 'image');
    return;
  }
  scanStatus(t('Reading the QR code in "{file}"…', {file: file.name}));
  const text = await readQr(bitmap, bitmap.width, bitmap.height, {thorough: true})
    .catch(() => null);
  bitmap.close();
  if(!text) {
    scanStatus(t('No QR code found in "{file}".', {file: file.name}));
    showProblem('NO_QR', t('NO QR CODE FOUND'), t('No QR code could be read in that ' +
      'picture. Try a sharper, straighter picture with the whole code in it.'), 'image');
    return;
  }
  scanStatus(t('QR code read from "{file}".', {file: file.name}));
  await verifyText(text, 'image');
}

function wire() {
  $('camera-start').addEventListener('click', () => startCamera());
  $('camera-stop').addEventListener('click', () => {
    stopCamera();
    scanStatus(t('Camera stopped.'));
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

// A printed certificate's QR code is a link to this page with the payload in its fragment
// (never sent to any server): verify it as soon as the page opens.
function verifyFragment() {
  const raw = location.hash.slice(1);
  let fragment = raw;
  try {
    fragment = decodeURIComponent(raw);
  } catch {
    // Left as it is: its "%" is no Base43 character, so the decoder refuses it and says so.
  }
  // Any case, as the decoder's own test of a link's fragment: "#vc2:..." is refused with
  // its reason rather than ignored; other fragments ("#top") are not ours.
  if(/^VC/i.test(fragment)) {
    scanStatus(t('Certificate read from the link.'));
    verifyText(fragment, 'link');
  }
}

// Served by the body's service, the page installs a service worker that keeps it (with
// its trust list, packs and status snapshot) for use with no network.
function registerWorker() {
  const worker = bundle.serviceWorker;
  if(!worker || !('serviceWorker' in navigator) || !/^https?:$/.test(location.protocol)) {
    return;
  }
  navigator.serviceWorker.register(worker.script, {scope: worker.scope}).then(() => {
    document.documentElement.dataset.worker = 'registered';
  }).catch(() => {
    document.documentElement.dataset.worker = 'failed';
  });
}

translatePage();
loadBundle();
if(bundle) {
  wire();
  registerWorker();
  verifyFragment();
  window.addEventListener('hashchange', verifyFragment);
  // After the first paint, so the page shows at once; a scan that comes sooner just waits.
  setTimeout(() => warmUp(CONTEXTS).catch(() => {}), 0);
}
