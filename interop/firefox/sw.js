// Service worker of the Firefox WebPush test. Firefox decrypts the push (aes128gcm, with the
// subscription's p256dh/auth keys) before the "push" event fires; this worker only POSTs the
// decrypted text to the driver's /pushed. It shows no notification: the test profile grants
// the notification permission, and one push stays far below Firefox's quota for silent pushes.
"use strict";

function post(path, body) {
  return fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

// Take control at once; there is no older worker to wait for in a fresh profile.
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", event => event.waitUntil(self.clients.claim()));

self.addEventListener("push", event => {
  let text = null;
  try {
    text = event.data ? event.data.text() : null;
  } catch (e) {
    text = null;
  }
  event.waitUntil(post("/pushed", { text, hasData: !!event.data }));
});

// Not expected during the test; reported so that a failure shows it.
self.addEventListener("pushsubscriptionchange", event => {
  event.waitUntil(post("/log", { from: "sw", msg: "pushsubscriptionchange" }));
});
