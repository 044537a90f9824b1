"""A small WebPush device: the browser side of the WebSocket protocol.

It says hello with use_webpush, registers channels (each with its own P-256 key pair and
16-byte auth secret, as a browser's PushSubscription has), and decrypts what the server
delivers with http_ece, so a test can compare plaintexts end to end.
"""

import base64
import json
import os
import time
import uuid
from dataclasses import dataclass, field

import http_ece
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from websockets.sync.client import connect


def b64url(raw: bytes) -> str:
    """Unpadded base64url, the encoding of keys and data on this protocol."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def header_params(value: str) -> dict:
    """`a=1;b=2, c=3` (Encryption / Crypto-Key syntax) -> {"a": "1", "b": "2", "c": "3"}."""
    params = {}
    for part in value.replace(",", ";").split(";"):
        name, sep, val = part.strip().partition("=")
        if sep:
            params[name.strip().lower()] = val.strip().strip('"')
    return params


@dataclass
class Subscription:
    """What a browser hands to its app server: endpoint plus p256dh and auth."""
    channel_id: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def p256dh(self) -> str:
        raw = self.private_key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        return b64url(raw)

    @property
    def info(self) -> dict:
        """The subscription_info dict pywebpush takes."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)}}


@dataclass
class Notification:
    raw: dict
    channel_id: str
    version: str
    ttl: object
    body: bytes | None          # the encrypted bytes as relayed (None without data)
    plaintext: bytes | None     # what the app server encrypted (None without data)
    headers: dict = field(default_factory=dict)


class Device:
    def __init__(self, ws_url: str):
        self.ws_url = ws_url
        self.ws = None
        self.uaid = None
        self.hello = None       # the last hello reply
        self.pending = []       # notifications that arrived while waiting for a reply
        self.subs: dict[str, Subscription] = {}

    # --- connection -------------------------------------------------------------------

    def connect(self, uaid=None, timeout=5.0) -> dict:
        """Open the socket the way Firefox does and say hello; returns the hello reply."""
        self.ws = connect(self.ws_url, subprotocols=["push-notification"], proxy=None,
                          ping_interval=None, open_timeout=timeout, close_timeout=3, legacy=True)
        hello = {"messageType": "hello", "use_webpush": True, "broadcasts": {}}
        if uaid:
            hello["uaid"] = uaid
        self.pending = []
        self.send(hello)
        reply = self.recv(timeout)      # nothing may come before the hello reply
        assert reply.get("messageType") == "hello", f"expected a hello reply, got {reply}"
        self.uaid, self.hello = reply.get("uaid"), reply
        return reply

    def reconnect(self) -> dict:
        """Close, then hello again with the same uaid (stored messages follow the reply)."""
        uaid = self.uaid
        self.close()
        return self.connect(uaid=uaid)

    def close(self):
        if self.ws is not None:
            self.ws.close()
            self.ws = None
            # The close handshake is done; give the server a moment to forget the live
            # connection, so that the next push is stored rather than sent to a dead socket.
            time.sleep(0.1)

    # --- raw messages -----------------------------------------------------------------

    def send(self, message: dict):
        self.ws.send(json.dumps(message))

    def recv(self, timeout=5.0) -> dict:
        """The next JSON message; AssertionError if none arrives in time."""
        try:
            text = self.ws.recv(timeout=timeout)
        except TimeoutError:
            raise AssertionError(f"no message from the server within {timeout}s") from None
        return json.loads(text)

    def reply(self, message_type, timeout=5.0) -> dict:
        """The next message of `message_type` (None: the `{}` ping reply); notifications
        that come first are kept for receive(), anything else is an error."""
        while True:
            message = self.recv(timeout)
            if message.get("messageType") == message_type:
                return message
            assert message.get("messageType") == "notification", f"expected {message_type}, got {message}"
            self.pending.append(message)

    def expect_nothing(self, timeout=0.8):
        """Assert the server sends nothing for `timeout` seconds (and keeps the socket open)."""
        assert not self.pending, f"expected silence, got {self.pending}"
        try:
            text = self.ws.recv(timeout=timeout)
        except TimeoutError:
            return
        raise AssertionError(f"expected silence, got {text}")

    # --- protocol messages ------------------------------------------------------------

    def register_raw(self, key=None, channel_id=None) -> dict:
        """Send a register and return the reply as is (for the error cases)."""
        message = {"messageType": "register", "channelID": channel_id or str(uuid.uuid4())}
        if key is not None:
            message["key"] = key
        self.send(message)
        return self.reply("register")

    def register(self, key=None) -> Subscription:
        """Register a channel, optionally restricted to a VAPID public key (b64url)."""
        channel_id = str(uuid.uuid4())
        reply = self.register_raw(key, channel_id)
        assert reply.get("messageType") == "register" and reply.get("status") == 200, reply
        assert reply.get("channelID") == channel_id, reply
        sub = Subscription(channel_id, reply["pushEndpoint"],
                           ec.generate_private_key(ec.SECP256R1()), os.urandom(16))
        self.subs[channel_id] = sub
        return sub

    def unregister(self, sub: Subscription, code=200) -> dict:
        self.send({"messageType": "unregister", "channelID": sub.channel_id, "code": code})
        return self.reply("unregister")

    def ack(self, *notes: Notification, code=100):
        updates = [{"channelID": n.channel_id, "version": n.version, "code": code} for n in notes]
        self.send({"messageType": "ack", "updates": updates})

    def ping(self) -> dict:
        self.send({})
        return self.reply(None)

    # --- notifications ----------------------------------------------------------------

    def receive(self, timeout=5.0) -> Notification:
        """The next message, which must be a notification; its data decrypted."""
        message = self.pending.pop(0) if self.pending else self.recv(timeout)
        assert message.get("messageType") == "notification", f"expected a notification, got {message}"
        return self._decode(message)

    def receive_all(self, count, timeout=5.0) -> list[Notification]:
        return [self.receive(timeout) for _ in range(count)]

    def _decode(self, message: dict) -> Notification:
        sub = self.subs.get(message.get("channelID"))
        assert sub is not None, f"notification for a channel this device never registered: {message}"
        headers = message.get("headers") or {}
        body = plaintext = None
        if "data" in message:
            assert "=" not in message["data"], "data must be unpadded base64url"
            body = unb64url(message["data"])
            plaintext = self.decrypt(sub, body, headers)
        return Notification(message, sub.channel_id, message.get("version"), message.get("ttl"),
                            body, plaintext, headers)

    @staticmethod
    def decrypt(sub: Subscription, body: bytes, headers: dict) -> bytes:
        encoding = headers.get("encoding")
        if encoding == "aes128gcm":
            # salt, record size and the sender's key are all in the body's own header.
            return http_ece.decrypt(body, private_key=sub.private_key, auth_secret=sub.auth,
                                    version="aes128gcm")
        if encoding == "aesgcm":
            # Legacy: salt (and rs) travel in Encryption, the sender's key in Crypto-Key dh=.
            enc = header_params(headers.get("encryption", ""))
            dh = header_params(headers.get("crypto_key", "")).get("dh")
            assert "salt" in enc and dh, f"aesgcm notification without salt or dh: {headers}"
            return http_ece.decrypt(body, salt=unb64url(enc["salt"]), dh=unb64url(dh),
                                    private_key=sub.private_key, auth_secret=sub.auth,
                                    rs=int(enc.get("rs", 4096)), version="aesgcm")
        raise AssertionError(f"notification with unknown encoding: {headers}")
