// A phone's browser for the employer test (tests/browser/test_employer.py): Debian's
// Chromium, launched as the project runs it (--headless --no-sandbox --disable-gpu
// --disable-quic --no-first-run --disable-background-networking --disable-component-update
// --disable-sync, a fresh --user-data-dir), with every host but 127.0.0.1 unresolvable.
// It opens the link a camera app would open, waits for the verdict, and can go offline.
//
//   node test/phone.mjs JOB.json      prints one line of JSON: {browser, steps: [...]}
//
// JOB: {chromium, userDataDir, locale, screenshotDir, steps: [...]}; steps:
//   {name, action: 'open', url}        navigate (a new tab) and wait for the verdict
//   {name, action: 'worker'}           wait until the service worker controls the page
//   {name, action: 'offline'}          cut the network (navigator.onLine false too)
//   {name, action: 'paste', text}      type into the text box, press Verify
import fs from 'node:fs';
import path from 'node:path';
import {chromium} from 'playwright-core';

const TIMEOUT_MS = 60000;

async function verdictOf(page, run) {
  await page.waitForFunction(wanted => {
    const box = document.getElementById('verdict');
    return box && Number(box.dataset.run || 0) >= wanted;
  }, run, {timeout: TIMEOUT_MS});
  return page.evaluate(() => {
    const box = document.getElementById('verdict');
    return {
      verdict: box.dataset.verdict,
      via: box.dataset.via,
      label: document.getElementById('verdict-label')?.textContent ??
        box.querySelector('.verdict-label')?.textContent,
      text: box.textContent,
      lang: document.documentElement.lang,
      header: document.querySelector('.masthead')?.textContent,
      logo: Boolean(document.getElementById('body-logo')?.src),
      details: document.getElementById('certificate-details')?.textContent ?? '',
      controlled: Boolean(navigator.serviceWorker?.controller),
      online: navigator.onLine
    };
  });
}

async function main() {
  const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  fs.mkdirSync(job.screenshotDir, {recursive: true});
  const context = await chromium.launchPersistentContext(job.userDataDir, {
    executablePath: job.chromium,
    headless: true,
    locale: job.locale,
    viewport: {width: 412, height: 915}, // a phone
    deviceScaleFactor: 1,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1']
  });
  const steps = [];
  let page = null;
  const errors = [];
  try {
    for(const step of job.steps) {
      const result = {name: step.name, action: step.action};
      if(step.action === 'open') {
        page = await context.newPage();
        page.on('pageerror', error => errors.push(`${step.name}: ${error.message}`));
        await page.goto(step.url, {timeout: TIMEOUT_MS});
        Object.assign(result, await verdictOf(page, 1));
      } else if(step.action === 'worker') {
        await page.waitForFunction(() => navigator.serviceWorker.ready.then(() => true),
          null, {timeout: TIMEOUT_MS});
        result.cached = await page.evaluate(async () =>
          (await caches.keys()).length > 0 && Boolean(await caches.match(location.href
            .split('#')[0])));
      } else if(step.action === 'installable') {
        // What Chromium itself says about installing the page as an app (the manifest,
        // its icons, the service worker); an empty list means it offers the install.
        const cdp = await context.newCDPSession(page);
        const {installabilityErrors} = await cdp.send('Page.getInstallabilityErrors');
        const manifest = await cdp.send('Page.getAppManifest');
        result.installabilityErrors = installabilityErrors;
        result.manifestErrors = manifest.errors;
        result.manifestUrl = manifest.url;
      } else if(step.action === 'offline') {
        await context.setOffline(true);
      } else if(step.action === 'paste') {
        const run = await page.evaluate(() =>
          Number(document.getElementById('verdict').dataset.run || 0));
        await page.fill('#paste-input', step.text);
        await page.click('#verify-button');
        Object.assign(result, await verdictOf(page, run + 1));
      } else {
        throw new Error(`unknown action ${step.action}`);
      }
      if(page && step.action !== 'offline') {
        result.screenshot = path.join(job.screenshotDir, `${step.name}.png`);
        await page.screenshot({path: result.screenshot, fullPage: false});
      }
      steps.push(result);
    }
    console.log(JSON.stringify({browser: context.browser()?.version() ?? '', steps, errors}));
  } finally {
    await context.close();
  }
}

main().catch(error => {
  console.error(error.stack || String(error));
  process.exit(1);
});
