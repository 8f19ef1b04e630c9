// The verifier page's service worker (served by vcissue's service beside the page, whose
// scope is the page's path, e.g. /V). It keeps the last page it fetched, trust list,
// scheme packs and status snapshot included, so a phone that opened the page once can
// verify a certificate with no network: a printed QR code is a link to the page, and its
// fragment (the certificate) is never sent to any server.
//
// Navigations to the page: the network first (a fresh page brings a fresh status
// snapshot), the kept copy when the network fails or takes longer than NETWORK_WAIT_MS.
// The page itself refuses a status snapshot older than its maximum age (STATUS UNKNOWN,
// "connect to refresh"), so the kept copy can never vouch for a stale status.
const CACHE = 'vcissue-verifier-1';
const NETWORK_WAIT_MS = 4000;
const PAGE = new URL(self.registration.scope).href;

function pageKey(url) {
  const key = new URL(url);
  key.hash = '';
  key.search = '';
  return key.href;
}

async function keep(response) {
  if(response.ok && response.type === 'basic') {
    const cache = await caches.open(CACHE);
    await cache.put(PAGE, response.clone());
  }
  return response;
}

self.addEventListener('install', event => {
  event.waitUntil(fetch(PAGE, {cache: 'no-store'}).then(keep).then(() => self.skipWaiting()));
});

self.addEventListener('activate', event => {
  event.waitUntil(caches.keys()
    .then(names => Promise.all(names.filter(name => name !== CACHE)
      .map(name => caches.delete(name))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', event => {
  const request = event.request;
  if(request.method !== 'GET' || pageKey(request.url) !== PAGE) {
    return; // status lists and anything else: the network, as without a worker
  }
  event.respondWith((async () => {
    const network = fetch(request, {cache: 'no-store'}).then(keep);
    const timeout = new Promise((_, reject) =>
      setTimeout(() => reject(new Error('network too slow')), NETWORK_WAIT_MS));
    try {
      return await Promise.race([network, timeout]);
    } catch {
      const kept = await caches.match(PAGE);
      return kept || network;
    }
  })());
});
