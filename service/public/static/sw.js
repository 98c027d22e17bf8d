// The portal's service worker: network first; when the network fails, the last answer kept
// in the cache (the page shows its time stamp, "data_changed_at", so an old copy is visible).
const CACHE = "quantrac-public-v1";
const KEEP = ["/public", "/public/static/public.css", "/public/static/public.js", "/public/static/leaflet.js", "/public/static/leaflet.css", "/public/data.json", "/public/outlines.geojson"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(KEEP)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (!url.pathname.startsWith("/public")) return;
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((c) => c.put(event.request, copy));
        }
        return response;
      })
      .catch(() =>
        caches.match(event.request).then((hit) => {
          if (!hit) return Response.error();
          const headers = new Headers(hit.headers);
          headers.set("X-Offline-Copy", "1");
          return hit.blob().then((b) => new Response(b, { status: hit.status, headers }));
        })
      )
  );
});
