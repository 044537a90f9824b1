#!/usr/bin/env python3
"""Real-browser WebPush test: headless Firefox ESR <-> simplepush <-> pywebpush.

1. makes a test CA and a certificate for 127.0.0.1/localhost (interop/tls/certs.py), and
   starts simplepush (memory storage) with TLS on both listeners, on two free loopback ports,
   in a scratch directory: devices on wss://, pushEndpoint URLs on https://;
2. serves page.html and sw.js from a small HTTP server on http://localhost:<port>
   (localhost is a secure context, so service workers and push work over plain http);
3. writes a fresh Firefox profile whose push service talks to wss://127.0.0.1:<wsport>/, with
   the test CA imported into its certificate store by certutil (so Firefox verifies the server
   as it would any other; no dom.push.testing.allowInsecureServerURL), the notification
   permission granted and everything that would reach the internet off;
4. starts `firefox-esr --headless` on the page, which registers the service worker,
   subscribes with our VAPID public key as applicationServerKey and POSTs the subscription;
5. sends a random text to the subscription with pywebpush (aes128gcm, VAPID-signed), over
   https:// verified against the test CA;
6. waits for the service worker to POST the decrypted text and compares it.

Exit 0 on success, 1 on failure (the server's console log and the tail of Firefox's output
are printed then), 2 on a setup problem. Everything started here is stopped and the scratch
directory removed (unless --keep). Run it through interop/firefox/run.sh.
"""

import argparse
import base64
import json
import os
import queue
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import requests
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
T0 = time.monotonic()

sys.path.insert(0, os.path.join(ROOT, "interop", "tls"))
from certs import Authority  # noqa: E402  (the TLS tests' throwaway CA)


def say(*parts):
    print(f"[{time.monotonic() - T0:6.1f}s]", *parts, flush=True)


class Failure(Exception):
    """The test failed (as opposed to a setup problem)."""


class SetupError(Exception):
    """Something the test needs could not be started."""


# ---------------------------------------------------------------------------------- ports

def free_port(taken):
    """A TCP port free on 127.0.0.1 (and, where the machine has IPv6, on ::1)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port in taken:
            continue
        try:
            with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s6:
                s6.bind(("::1", port))
        except OSError as e:
            if e.errno == 98:  # EADDRINUSE on ::1: try another
                continue
        taken.add(port)
        return port
    raise SetupError("no free port")


def port_open(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


# ---------------------------------------------------------------------------- HTTP server

class PageServer:
    """Serves the page and the worker; collects what they POST back into a queue."""

    def __init__(self, port, config):
        self.events = queue.Queue()
        files = {
            "/": ("page.html", "text/html; charset=utf-8"),
            "/page.html": ("page.html", "text/html; charset=utf-8"),
            "/sw.js": ("sw.js", "text/javascript; charset=utf-8"),
        }
        events = self.events

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):  # quiet; the events tell the story
                pass

            def reply(self, code, body=b"", ctype="text/plain"):
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                path = urlparse(self.path).path
                if path == "/config.json":
                    return self.reply(200, json.dumps(config).encode(), "application/json")
                if path in files:
                    name, ctype = files[path]
                    with open(os.path.join(HERE, name), "rb") as f:
                        return self.reply(200, f.read(), ctype)
                return self.reply(404, b"not found")

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"null")
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                path = urlparse(self.path).path
                if path == "/log":
                    say(f"  {body.get('from', '?')}: {body.get('msg')}")
                else:
                    events.put((path, body, time.monotonic()))
                self.reply(204)

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # e.g. Firefox killed with a keep-alive connection open

        class Server6(Server):
            address_family = socket.AF_INET6

        self.servers = [Server(("127.0.0.1", port), Handler)]
        # Firefox may try ::1 for "localhost" first; answer there too when we can.
        try:
            self.servers.append(Server6(("::1", port), Handler))
        except OSError:
            pass
        for srv in self.servers:
            srv.daemon_threads = True
            threading.Thread(target=srv.serve_forever, daemon=True).start()

    def close(self):
        for srv in self.servers:
            srv.shutdown()
            srv.server_close()


# ------------------------------------------------------------------------ Firefox profile

def profile_prefs(ws_port, page_origin):
    """user.js: push to our server, permission granted, nothing else on the network."""
    dead = "http://127.0.0.1:1/"  # refused at once: for URLs that must be set to something
    return {
        # --- WebPush against our server
        "dom.push.enabled": True,
        "dom.push.connection.enabled": True,
        "dom.push.serverURL": f"wss://127.0.0.1:{ws_port}/",  # verified: see import_ca
        "dom.push.loglevel": "debug",  # PushService's log -> stdout (see devtools below)
        "dom.push.requestTimeout": 10000,
        "dom.serviceWorkers.enabled": True,
        "dom.webnotifications.enabled": True,
        # Notification permission allowed by default: subscribe() does not prompt, and the
        # check the push service repeats when a message arrives passes. (write_profile also
        # grants it to the page's origin explicitly, through a default-permissions file.)
        "permissions.default.desktop-notification": 1,
        # --- console (page, worker and chrome, incl. the push service's log) to stdout
        "devtools.console.stdout.chrome": True,
        "devtools.console.stdout.content": True,
        "browser.dom.window.dump.enabled": True,
        # --- first run, start page, session
        "browser.shell.checkDefaultBrowser": False,
        "browser.startup.homepage_override.mstone": "ignore",
        "browser.startup.homepage": "about:blank",
        "browser.startup.page": 0,
        "browser.startup.firstrunSkipsHomepage": True,
        "startup.homepage_welcome_url": "",
        "startup.homepage_welcome_url.additional": "",
        "startup.homepage_override_url": "",
        "browser.aboutwelcome.enabled": False,
        "trailhead.firstrun.didSeeAboutWelcome": True,
        "browser.sessionstore.resume_from_crash": False,
        "toolkit.startup.max_resumed_crashes": -1,
        "browser.uitour.enabled": False,
        "browser.newtabpage.enabled": False,
        "browser.newtab.preload": False,
        "browser.newtabpage.activity-stream.feeds.telemetry": False,
        "browser.newtabpage.activity-stream.telemetry": False,
        "browser.newtabpage.activity-stream.feeds.section.topstories": False,
        "browser.newtabpage.activity-stream.feeds.topsites": False,
        "browser.newtabpage.activity-stream.feeds.system.topstories": False,
        "browser.newtabpage.activity-stream.discoverystream.enabled": False,
        "browser.newtabpage.activity-stream.default.sites": "",
        "browser.topsites.contile.enabled": False,
        "extensions.pocket.enabled": False,
        # --- telemetry, studies, crash reports
        "datareporting.policy.dataSubmissionEnabled": False,
        "datareporting.policy.firstRunURL": "",
        "datareporting.healthreport.uploadEnabled": False,
        "toolkit.telemetry.enabled": False,
        "toolkit.telemetry.unified": False,
        "toolkit.telemetry.server": dead,
        "toolkit.telemetry.archive.enabled": False,
        "toolkit.telemetry.newProfilePing.enabled": False,
        "toolkit.telemetry.shutdownPingSender.enabled": False,
        "toolkit.telemetry.firstShutdownPing.enabled": False,
        "toolkit.telemetry.updatePing.enabled": False,
        "toolkit.telemetry.bhrPing.enabled": False,
        "toolkit.telemetry.reportingpolicy.firstRun": False,
        "browser.ping-centre.telemetry": False,
        "telemetry.fog.test.localhost_port": -1,  # Glean: drop pings (no deletion-request upload)
        "app.normandy.enabled": False,
        "app.normandy.api_url": "",
        "app.shield.optoutstudies.enabled": False,
        "messaging-system.rsexperimentloader.enabled": False,
        "browser.discovery.enabled": False,
        "breakpad.reportURL": "",
        "browser.crashReports.unsubmittedCheck.enabled": False,
        "browser.tabs.crashReporting.sendReport": False,
        # --- updates, add-ons, remote settings, search, region, ML
        "app.update.disabledForTesting": True,
        "app.update.auto": False,
        "app.update.checkInstallTime": False,
        "extensions.update.enabled": False,
        "extensions.update.autoUpdateDefault": False,
        "extensions.getAddons.cache.enabled": False,
        "extensions.getAddons.discovery.api_url": "",
        "extensions.webservice.discoverURL": "",
        "extensions.blocklist.enabled": False,
        "extensions.systemAddon.update.enabled": False,
        "extensions.systemAddon.update.url": "",
        "services.settings.server": dead + "v1",
        "security.remote_settings.crlite_filters.enabled": False,
        "security.remote_settings.intermediates.enabled": False,
        "security.OCSP.enabled": 0,
        "security.certerrors.mitm.priming.enabled": False,
        "browser.search.update": False,
        "browser.search.suggest.enabled": False,
        "browser.region.network.url": "",
        "browser.region.update.enabled": False,
        "geo.provider.network.url": "",
        "geo.enabled": False,
        "browser.translations.enable": False,
        "browser.ml.enable": False,
        "browser.urlbar.quicksuggest.enabled": False,
        "identity.fxaccounts.enabled": False,
        "signon.management.page.breach-alerts.enabled": False,
        "media.gmp-manager.url": "",
        "media.gmp-manager.updateEnabled": False,
        "media.gmp-gmpopenh264.enabled": False,
        "media.gmp-gmpopenh264.autoupdate": False,
        "media.gmp-widevinecdm.enabled": False,
        "media.eme.enabled": False,
        # --- safe browsing and tracking-protection lists
        "browser.safebrowsing.malware.enabled": False,
        "browser.safebrowsing.phishing.enabled": False,
        "browser.safebrowsing.downloads.enabled": False,
        "browser.safebrowsing.downloads.remote.enabled": False,
        "browser.safebrowsing.blockedURIs.enabled": False,
        "browser.safebrowsing.passwords.enabled": False,
        "browser.safebrowsing.update.enabled": False,
        "browser.safebrowsing.provider.mozilla.updateURL": "",
        "browser.safebrowsing.provider.mozilla.gethashURL": "",
        "browser.safebrowsing.provider.google.updateURL": "",
        "browser.safebrowsing.provider.google.gethashURL": "",
        "browser.safebrowsing.provider.google4.updateURL": "",
        "browser.safebrowsing.provider.google4.gethashURL": "",
        "privacy.trackingprotection.enabled": False,
        # --- network: no proxy, DoH, captive portal or connectivity probes, prefetching;
        #     and never go "offline" because the machine has no default route
        "network.proxy.type": 0,
        "network.trr.mode": 5,
        "doh-rollout.disable-heuristics": True,
        "network.captive-portal-service.enabled": False,
        "network.connectivity-service.enabled": False,
        "network.manage-offline-status": False,
        "network.dns.disablePrefetch": True,
        "network.prefetch-next": False,
        "network.predictor.enabled": False,
        "network.http.speculative-parallel-limit": 0,
        "browser.urlbar.speculativeConnect.enabled": False,
        "browser.places.speculativeConnect.enabled": False,
    }


def import_ca(certutil, profile, ca_path):
    """Trusts the test CA for servers in the profile's NSS database (created here, empty)."""
    db = f"sql:{profile}"
    for cmd in ([certutil, "-N", "--empty-password", "-d", db],
                [certutil, "-A", "-n", "simplepush test CA", "-t", "C,,", "-i", ca_path, "-d", db]):
        try:
            done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=20)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise SetupError(f"{' '.join(cmd)}: {e}")
        if done.returncode != 0:
            raise SetupError(f"{' '.join(cmd)} exited {done.returncode}: {done.stderr.strip()}")


def write_profile(profile, ws_port, page_origin, certutil, ca_path):
    os.makedirs(profile)
    import_ca(certutil, profile, ca_path)
    # Default-permissions file (read at startup): desktop-notification ALLOW for the page's
    # origin. Firefox 153 passes with the permissions.default pref alone; this keeps the test
    # independent of how a later version treats that pref.
    perms = os.path.join(profile, "test-permissions.txt")
    with open(perms, "w") as f:
        f.write(f"origin\tdesktop-notification\t1\t{page_origin}\n")
    prefs = profile_prefs(ws_port, page_origin)
    prefs["permissions.manager.defaultsUrl"] = "file://" + perms
    with open(os.path.join(profile, "user.js"), "w") as f:
        for k, v in prefs.items():
            f.write(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n")


# ------------------------------------------------------------------------------ processes

def stop(proc, name):
    """SIGTERM the process group we started, SIGKILL it if it lingers."""
    if proc is None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        say(f"{name} did not stop on SIGTERM; SIGKILL")
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # also any child left in the group
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def tail(path, lines):
    try:
        with open(path, errors="replace") as f:
            content = f.read().splitlines()
    except OSError as e:
        return f"(cannot read {path}: {e})"
    cut = content[-lines:]
    head = f"(last {len(cut)} of {len(content)} lines)\n" if len(content) > len(cut) else ""
    return head + "\n".join(cut)


def push_log(path, lines):
    """The push service's lines of Firefox's console output: what it sent and received."""
    try:
        with open(path, errors="replace") as f:
            content = [l for l in f.read().splitlines() if "Push" in l and "PushDB" not in l]
    except OSError as e:
        return f"(cannot read {path}: {e})"
    cut = content[-lines:]
    return (f"(last {len(cut)} of {len(content)} lines)\n" if len(content) > len(cut) else "") + "\n".join(cut)


def clean_env():
    return {k: v for k, v in os.environ.items() if not k.startswith("SIMPLEPUSH_")}


def tls_env(cert_path, key_path):
    """The server's environment for the same certificate on both listeners."""
    return {f"SIMPLEPUSH_{listener}_LISTENER_{kind}_FILE": path
            for listener in ("WEBSOCKET", "ENDPOINT")
            for kind, path in (("CERT", cert_path), ("KEY", key_path))}


def wait_event(events, want, deadline, procs, what):
    """Next event whose path is in `want`; fails on /error, a dead process, or timeout."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise Failure(f"timed out waiting for {what}")
        for name, proc in procs:
            if proc.poll() is not None:
                raise Failure(f"{name} exited (status {proc.returncode}) while waiting for {what}")
        try:
            path, body, at = events.get(timeout=min(left, 0.2))
        except queue.Empty:
            continue
        if path == "/error":
            raise Failure(f"{body.get('from', '?')} reported an error: {body.get('msg')}")
        if path in want:
            return path, body, at
        say(f"  (ignored {path}: {body})")


# ----------------------------------------------------------------------------------- push

def send_push(endpoint, keys, text, vapid, ca_path):
    """Sends `text` as any application server would; returns (status, Location, TTL).

    Only plain values leave here, so the session's connection is closed on return: a TLS
    keep-alive connection still open would hold up the server's shutdown by 5 s (it waits
    for the client's close_notify)."""
    with requests.Session() as session:
        session.trust_env = False  # never a proxy for 127.0.0.1
        session.verify = ca_path  # the endpoint is https://, signed by the test CA
        try:
            resp = webpush({"endpoint": endpoint, "keys": {"p256dh": keys["p256dh"], "auth": keys["auth"]}},
                           data=text, vapid_private_key=vapid,
                           vapid_claims={"sub": "mailto:firefox-test@example.com"},
                           content_encoding="aes128gcm", ttl=60, timeout=10, requests_session=session)
        except WebPushException as e:
            r = e.response
            detail = f"{r.status_code} {dict(r.headers)} {r.text}" if r is not None else str(e)
            raise Failure(f"push rejected by the server: {detail}")
        return resp.status_code, resp.headers.get("Location"), resp.headers.get("TTL")


# ------------------------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--server-bin", default=os.path.join(ROOT, ".build/debug/simplepush"))
    ap.add_argument("--firefox", default=shutil.which("firefox-esr") or "firefox-esr")
    ap.add_argument("--certutil", default=shutil.which("certutil") or "certutil")
    ap.add_argument("--log-level", default="info", help="server --log-level (info, debug…)")
    ap.add_argument("--subscribe-timeout", type=float, default=60)
    ap.add_argument("--push-timeout", type=float, default=30)
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = ap.parse_args()

    # SIGTERM/SIGINT/SIGHUP (e.g. from run.sh's timeout) still run the teardown below.
    def on_signal(signum, _frame):
        raise SystemExit(f"stopped by signal {signum}")
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)

    if not os.access(args.server_bin, os.X_OK):
        print(f"server binary not found: {args.server_bin}", file=sys.stderr)
        return 2

    scratch = tempfile.mkdtemp(prefix="firefox-push-")
    server_log = os.path.join(scratch, "server.log")
    ff_out = os.path.join(scratch, "firefox.stdout")
    ff_err = os.path.join(scratch, "firefox.stderr")
    server = firefox = pages = None
    status = 1
    try:
        taken = set()
        ws_port, ep_port, page_port = free_port(taken), free_port(taken), free_port(taken)
        endpoint_base = f"https://127.0.0.1:{ep_port}"
        page_origin = f"http://localhost:{page_port}"

        # --- the push server, TLS on both listeners
        server_dir = os.path.join(scratch, "server")
        os.makedirs(server_dir)
        ca = Authority()
        ca_path = ca.write_ca(Path(server_dir) / "ca.pem")
        server_env = clean_env()
        cert_path, key_path, _ = ca.issue(Path(server_dir), "server")
        server_env.update(tls_env(cert_path, key_path))
        cmd = [args.server_bin, "serve",
               "--ws-addr", f"127.0.0.1:{ws_port}",
               "--endpoint-addr", f"127.0.0.1:{ep_port}",
               "--storage", "memory", "--log-level", args.log_level]
        say("server:", " ".join(cmd))
        with open(server_log, "wb") as log:
            server = subprocess.Popen(cmd, cwd=server_dir, env=server_env, stdin=subprocess.DEVNULL,
                                      stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        ready_by = time.monotonic() + 20
        while not (port_open(ws_port) and port_open(ep_port)):
            if server.poll() is not None:
                raise SetupError(f"server exited with status {server.returncode}")
            if time.monotonic() > ready_by:
                raise SetupError("server ports not open after 20 s")
            time.sleep(0.1)
        say(f"server ready: wss://127.0.0.1:{ws_port}/, endpoint {endpoint_base}")

        # --- VAPID key of the "application server"; its public half is applicationServerKey
        vapid = Vapid()
        vapid.generate_keys()
        app_key = base64.urlsafe_b64encode(vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)).rstrip(b"=").decode()

        # --- page + worker
        pages = PageServer(page_port, {"applicationServerKey": app_key})
        say(f"page: {page_origin}/")

        # --- Firefox
        profile = os.path.join(scratch, "profile")
        write_profile(profile, ws_port, page_origin, args.certutil, ca_path)
        home = os.path.join(scratch, "home")
        os.makedirs(home)
        env = clean_env()
        env.update({
            "HOME": home,  # nothing of ~/.mozilla or ~/.cache is read or written
            "XDG_CACHE_HOME": os.path.join(home, ".cache"),
            "XDG_CONFIG_HOME": os.path.join(home, ".config"),
            "MOZ_HEADLESS": "1",
            "MOZ_CRASHREPORTER_DISABLE": "1",
            "MOZ_DISABLE_AUTO_SAFE_MODE": "1",
            "MOZ_DBUS_REMOTE": "0",
            # without it Firefox ignores services.settings.server and polls Mozilla's
            "MOZ_REMOTE_SETTINGS_DEVTOOLS": "1",
        })
        for proxy in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
            env.pop(proxy, None)
        cmd = [args.firefox, "--headless", "--no-remote", "--profile", profile, f"{page_origin}/"]
        say("firefox:", " ".join(cmd))
        with open(ff_out, "wb") as out, open(ff_err, "wb") as err:
            firefox = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                       start_new_session=True)
        procs = [("server", server), ("firefox", firefox)]
        launched = time.monotonic()

        # --- the subscription
        _, sub, at = wait_event(pages.events, {"/subscription"}, launched + args.subscribe_timeout,
                                procs, "the page's subscription")
        say(f"subscription after {at - launched:.1f} s: {json.dumps(sub)}")
        endpoint = sub.get("endpoint") or ""
        keys = sub.get("keys") or {}
        if not endpoint.startswith(endpoint_base + "/wpush/v2/"):
            raise Failure(f"endpoint {endpoint!r} is not under {endpoint_base}/wpush/v2/ "
                          "(a subscription with applicationServerKey gets a v2 endpoint)")
        if not keys.get("p256dh") or not keys.get("auth"):
            raise Failure(f"subscription has no p256dh/auth keys: {sub}")

        # --- the push, as any application server would send it
        text = f"hello from pywebpush {secrets.token_hex(8)} ✓"
        sent = time.monotonic()
        code, location, ttl = send_push(endpoint, keys, text, vapid, ca_path)
        say(f"push sent: {code}, Location: {location}, TTL: {ttl}")
        if code != 201:
            raise Failure(f"push answered {code}, expected 201")

        # --- what the service worker decrypted
        _, got, at = wait_event(pages.events, {"/pushed"}, sent + args.push_timeout, procs,
                                "the service worker's report of the push")
        say(f"service worker got the push {1000 * (at - sent):.0f} ms after sending: {json.dumps(got)}")
        if got.get("text") != text:
            raise Failure(f"decrypted text {got.get('text')!r} != sent {text!r}")
        say("PASS: Firefox received and decrypted the WebPush message")
        status = 0
    except (Failure, SetupError) as e:
        status = 1 if isinstance(e, Failure) else 2
        say(f"FAIL: {e}")
    except SystemExit as e:
        say(f"FAIL: {e}")
        status = 1
    except Exception as e:  # a bug here, or an unexpected library error: still tear down
        say(f"FAIL: unexpected {type(e).__name__}: {e}")
        status = 1
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)  # finish the teardown
        try:
            stop(firefox, "firefox")
            stop(server, "server")
            if pages:
                pages.close()
            if status != 0:
                print("\n===== server console log =====", flush=True)
                print(tail(server_log, 400))
                print("\n===== Firefox push service log (dom.push.loglevel=debug, from stdout) =====")
                print(push_log(ff_out, 150))
                print("\n===== Firefox stdout (console) tail =====")
                print(tail(ff_out, 40))
                print("\n===== Firefox stderr tail =====")
                print(tail(ff_err, 60), flush=True)
        finally:
            if args.keep:
                say(f"scratch kept: {scratch}")
            else:
                shutil.rmtree(scratch, ignore_errors=True)
            say(f"{'passed' if status == 0 else 'failed'} in {time.monotonic() - T0:.1f} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
