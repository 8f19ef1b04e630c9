// Drives the verifier page in real headless Chromium (Debian's /usr/bin/chromium, never a
// downloaded browser) for the Python browser tests and the benchmark.
//
//   node test/driver.mjs JOB.json        prints one line of JSON: the results
//
// JOB: {chromium, page, steps: [...], fakeVideo?, offline?, routes?, screenshotDir?}
// * Every request that is not file:, data: or blob: is recorded in `requests` and aborted,
//   unless `routes` (URL -> {status, body, contentType}) answers it, as a stand-in server.
// * `offline: true` also tells the page it is offline (navigator.onLine false).
// * `viewport`: {width, height} (default 900 x 900); `locale`: the browser's language.
// * `fakeVideo`: a .y4m file Chromium's fake camera plays (--use-file-for-fake-video-capture).
// * `samePage: true` runs every step on one page, one after the other (faster); otherwise
//   each step gets a freshly loaded page.
// Steps:
// Any step may say `live: false` to untick "check the live status list" first.
//   {name, action: 'paste', text}          type into the text box, press Verify
//   {name, action: 'keyboard', text}       the same with the keyboard only (Tab, Enter);
//                                          starts from a freshly loaded page
//   {name, action: 'upload', file}         choose a picture in the file input
//   {name, action: 'camera'}               press "Scan with camera"
//   {name, action: 'accessibility'}        report names, roles and live regions
//   {name, action: 'look'}                 nothing: just report the page as it is
//   {name, action: 'bench', text, repeat, warmup}  verify the same text repeatedly; report
//                                          the page's own decode-to-verdict ms
import fs from 'node:fs';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {chromium} from 'playwright-core';

const LOCAL_SCHEMES = ['file:', 'data:', 'blob:'];
const TIMEOUT_MS = 30000;

function usage(message) {
  console.error(`usage error: ${message}`);
  process.exit(2);
}

async function launch(job) {
  const args = [];
  if(job.fakeVideo) {
    args.push('--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${job.fakeVideo}`);
  }
  return chromium.launch({executablePath: job.chromium, headless: true, args});
}

// WCAG 2.1 contrast of the verdict text against its background, measured in the page.
async function verdictContrast(page) {
  return page.evaluate(() => {
    const channel = value => {
      const c = value / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    const luminance = css => {
      const [r, g, b] = css.match(/[\d.]+/g).map(Number);
      return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    };
    const box = document.getElementById('verdict');
    const ratio = (a, b) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const background = luminance(getComputedStyle(box).backgroundColor);
    const texts = [...box.querySelectorAll('p, li, a')]
      .map(element => ratio(luminance(getComputedStyle(element).color), background));
    return Math.min(...texts);
  });
}

async function readResult(page) {
  return page.evaluate(() => {
    const box = document.getElementById('verdict');
    const text = selector => box.querySelector(selector)?.textContent.trim() ?? null;
    const details = {};
    const terms = document.querySelectorAll('#certificate-details dt');
    for(const term of terms) {
      details[term.textContent] = term.nextElementSibling.textContent;
    }
    return {
      verdict: box.dataset.verdict,
      label: text('.verdict-label'),
      summary: text('.verdict-summary'),
      items: [...box.querySelectorAll('li')].map(item => item.textContent),
      link: box.querySelector('a')?.getAttribute('href') ?? null,
      ms: box.dataset.ms ? Number(box.dataset.ms) : null,
      via: box.dataset.via ?? null,
      details,
      detailsHeading: document.getElementById('claims-heading')?.textContent ?? null,
      checks: [...document.querySelectorAll('#check-list li')].map(item => ({
        id: item.dataset.check,
        outcome: item.dataset.outcome,
        text: item.textContent
      })),
      scanStatus: document.getElementById('scan-status').textContent,
      snapshotInfo: document.getElementById('info-snapshot')?.textContent ?? null,
      trustInfo: document.getElementById('info-trust')?.textContent ?? null,
      decoder: document.getElementById('info-decoder')?.textContent ?? null,
      warning: document.getElementById('bundle-warning').hidden ? null :
        document.getElementById('bundle-warning').textContent,
      disabledControls: document.querySelectorAll(
        'button:disabled, input:disabled, textarea:disabled').length,
      horizontalOverflow: document.documentElement.scrollWidth > window.innerWidth
    };
  });
}

async function currentRun(page) {
  return Number(await page.getAttribute('#verdict', 'data-run') ?? 0);
}

async function waitForRun(page, run) {
  await page.waitForSelector(`#verdict[data-run="${run}"]`, {timeout: TIMEOUT_MS});
}

async function accessibility(page) {
  const controls = [
    ['button', 'Scan with camera'],
    ['button', 'Verify'],
    ['textbox', 'QR code text'],
    ['button', 'Picture of the QR code'],
    ['checkbox', /live status list/]
  ];
  const found = [];
  for(const [role, name] of controls) {
    found.push({role, name: String(name), count: await page.getByRole(role, {name}).count()});
  }
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll(
    'button, input, textarea, select')].filter(control => !control.hidden &&
    !(control.labels?.length || control.getAttribute('aria-label') ||
      control.textContent.trim())).map(control => control.outerHTML));
  const verdict = await page.evaluate(() => {
    const box = document.getElementById('verdict');
    return {live: box.getAttribute('aria-live'), role: box.getAttribute('role'),
      atomic: box.getAttribute('aria-atomic')};
  });
  return {controls: found, unlabelled, verdict, lang: await page.getAttribute('html', 'lang')};
}

async function keyboardPaste(page, text) {
  const focused = [];
  for(let i = 0; i < 12; i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => document.activeElement?.id ||
      document.activeElement?.tagName);
    focused.push(id);
    if(id === 'paste-input') {
      break;
    }
  }
  await page.keyboard.insertText(text);
  await page.keyboard.press('Tab');
  focused.push(await page.evaluate(() => document.activeElement?.textContent));
  await page.keyboard.press('Enter');
  return focused;
}

function watch(page, sink) {
  page.on('console', message => {
    if(message.type() === 'error') {
      sink.consoleErrors.push(message.text());
    }
  });
  page.on('pageerror', error => sink.consoleErrors.push(`page error: ${error.message}`));
  page.on('dialog', dialog => {
    sink.dialogs.push(dialog.message());
    dialog.dismiss().catch(() => {});
  });
}

async function freshPage(context, job) {
  const sink = {consoleErrors: [], dialogs: []};
  const page = await context.newPage();
  watch(page, sink);
  await page.goto(pathToFileURL(job.page).href);
  return {page, sink};
}

async function runStep(page, sink, job, step) {
  const started = Date.now();
  sink.consoleErrors.length = 0;
  sink.dialogs.length = 0;
  const result = {name: step.name, action: step.action};
  const live = page.locator('#live-status');
  if(await live.isEnabled()) {
    await live.setChecked(step.live !== false);
  }
  const run = await currentRun(page) + 1;
  if(step.action === 'paste') {
    await page.locator('#paste-input').fill(step.text);
    await page.locator('#verify-button').click();
    await waitForRun(page, run);
  } else if(step.action === 'keyboard') {
    result.focused = await keyboardPaste(page, step.text);
    await waitForRun(page, run);
  } else if(step.action === 'upload') {
    await page.setInputFiles('#image-input', step.file);
    await waitForRun(page, run);
  } else if(step.action === 'camera') {
    await page.getByRole('button', {name: 'Scan with camera'}).click();
    await waitForRun(page, run);
  } else if(step.action === 'look') {
    // The page as loaded (e.g. a damaged bundle's warning).
  } else if(step.action === 'accessibility') {
    result.accessibility = await accessibility(page);
  } else if(step.action === 'bench') {
    const timings = [];
    for(let i = 0; i < step.warmup + step.repeat; i++) {
      await page.getByLabel('QR code text').fill(step.text);
      await page.getByRole('button', {name: 'Verify'}).click();
      await waitForRun(page, run + i);
      const {ms, verdict} = await readResult(page);
      timings.push({ms, verdict});
    }
    result.first = timings[0];
    result.timings = timings.slice(step.warmup);
  } else {
    usage(`unknown action ${step.action}`);
  }
  if(step.action !== 'bench') {
    Object.assign(result, await readResult(page));
    if(result.verdict) {
      result.contrast = await verdictContrast(page);
    }
  }
  if(job.screenshotDir) {
    result.screenshot = path.join(job.screenshotDir, `${step.name}.png`);
    await page.screenshot({path: result.screenshot, fullPage: true});
  }
  result.consoleErrors = [...sink.consoleErrors];
  result.dialogs = [...sink.dialogs];
  result.stepMs = Date.now() - started;
  return result;
}

async function main() {
  const [file] = process.argv.slice(2);
  if(!file) {
    usage('node test/driver.mjs JOB.json');
  }
  const job = JSON.parse(fs.readFileSync(file, 'utf8'));
  if(job.screenshotDir) {
    fs.mkdirSync(job.screenshotDir, {recursive: true});
  }
  const browser = await launch(job);
  const requests = [];
  try {
    const context = await browser.newContext({
      viewport: job.viewport ?? {width: 900, height: 900},
      locale: job.locale ?? 'en-GB' // the page's language follows the browser's
    });
    if(job.offline) {
      await context.setOffline(true);
    }
    context.on('request', request => {
      const url = request.url();
      if(!LOCAL_SCHEMES.some(scheme => url.startsWith(scheme))) {
        requests.push(url);
      }
    });
    await context.route('**/*', route => {
      const url = route.request().url();
      const answer = job.routes?.[url];
      if(answer) {
        return route.fulfill({
          status: answer.status ?? 200,
          contentType: answer.contentType ?? 'application/json',
          headers: {'access-control-allow-origin': '*'},
          body: answer.body
        });
      }
      if(LOCAL_SCHEMES.some(scheme => url.startsWith(scheme))) {
        return route.continue();
      }
      return route.abort('internetdisconnected');
    });
    const steps = [];
    let shared = job.samePage ? await freshPage(context, job) : null;
    for(const step of job.steps) {
      const {page, sink} = shared ?? await freshPage(context, job);
      steps.push(await runStep(page, sink, job, step));
      if(!shared) {
        await page.close();
      }
    }
    shared = null;
    console.log(JSON.stringify({browser: browser.version(), requests, steps}));
  } finally {
    await browser.close();
  }
}

main().catch(error => {
  console.error(error.stack || String(error));
  process.exit(1);
});
