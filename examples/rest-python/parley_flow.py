#!/usr/bin/env python3
"""Parley over REST and server-sent events from Python (standard library + requests only).

The integrator's whole path: an account with two-factor on, a sign-in that answers a challenge and
finishes with a TOTP code, a room followed over SSE while messages are posted (the connection cut
and resumed with Last-Event-ID, on another instance when given: no gap, no duplicate), and a
recording uploaded and downloaded. Prints a JSON summary; exits non-zero on any failure.

    python3 parley_flow.py http://localhost:3000 [http://localhost:3001]
"""
import base64
import hashlib
import hmac
import io
import json
import math
import struct
import sys
import time
import wave

import requests

PASSWORD = "a long example passphrase 42"


class ApiError(Exception):
    """An answer other than 2xx, with the error body every Parley route uses."""

    def __init__(self, what, response):
        try:
            body = response.json()
        except ValueError:
            body = {}
        self.status = response.status_code
        self.key = body.get("key")  # branch on this: a stable name from the error catalogue
        super().__init__(f"{what}: HTTP {self.status} {self.key} {body.get('message')}")


def call(session, method, url, what, **kwargs):
    response = session.request(method, url, timeout=30, **kwargs)
    if not response.ok:
        raise ApiError(what, response)
    return response.json()


def totp_code(secret, offset_steps=0):
    """RFC 6238: the code an authenticator app shows for this base32 secret now (+ offset x 30 s)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = struct.pack(">Q", int(time.time() // 30) + offset_steps)
    mac = hmac.new(key, counter, hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000)


def tone_wav(seconds=1, rate=16000):
    """A WAV of a 440 Hz tone, made with the standard library."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(seconds * rate))
        out.writeframes(frames)
    return buffer.getvalue()


class EventStream:
    """GET .../events as text/event-stream: yields (id, event, data) until the stream ends or is closed."""

    def __init__(self, session, url, headers):
        self.response = session.get(url, headers={"Accept": "text/event-stream", **headers}, stream=True, timeout=30)
        if not self.response.ok:
            raise ApiError("events", self.response)
        self.lines = self.response.iter_lines(decode_unicode=True)

    def next_event(self):
        event_id, event, data = None, "message", []
        for line in self.lines:
            if line == "":
                if data:
                    return event_id, event, json.loads("\n".join(data))
                event_id, event, data = None, "message", []
            elif line.startswith(":"):
                continue  # keep-alive comment
            elif line.startswith("id:"):
                event_id = line[3:].strip()
            elif line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
        raise RuntimeError("the event stream ended")

    def next_message(self):
        while True:
            event_id, event, data = self.next_event()
            if event == "message":
                return event_id, data
            if event == "end":
                raise RuntimeError(f"stream ended: {data}")

    def close(self):
        self.response.close()


def run(urls):
    first_api, other_api = urls[0] + "/api", urls[-1] + "/api"
    http = requests.Session()
    email = f"python-{int(time.time() * 1000)}@example.com"

    # An account with two-factor on (an integrator does this once, by hand).
    registered = call(http, "POST", f"{first_api}/auth/register", "register", json={"email": email, "password": PASSWORD, "name": "Python"})
    auth = {"Authorization": f"Bearer {registered['token']}"}
    # Turning two-factor on asks for a fresh proof that it is you: the password.
    call(http, "POST", f"{first_api}/auth/reauthenticate", "reauthenticate", headers=auth, json={"password": PASSWORD})
    setup = call(http, "POST", f"{first_api}/auth/totp/setup", "totp setup", headers=auth)
    call(http, "POST", f"{first_api}/auth/totp/enable", "totp enable", headers=auth, json={"code": totp_code(setup["secret"])})
    call(http, "POST", f"{first_api}/auth/logout", "logout", headers=auth)

    # Sign in: the password answers a challenge; the app's code finishes it (each 30 s step counts once: the next one).
    login = call(http, "POST", f"{first_api}/auth/login", "login", json={"email": email, "password": PASSWORD})
    assert login.get("twoFactorRequired"), login
    try:
        call(http, "POST", f"{first_api}/auth/totp/verify-login", "verify-login", json={"challenge": login["challenge"], "code": "000000"})
        raise AssertionError("a wrong code was accepted")
    except ApiError as error:
        wrong_code_key = error.key
    login = call(http, "POST", f"{first_api}/auth/login", "login", json={"email": email, "password": PASSWORD})
    signed_in = call(http, "POST", f"{first_api}/auth/totp/verify-login", "verify-login", json={"challenge": login["challenge"], "code": totp_code(setup["secret"], 1)})
    auth = {"Authorization": f"Bearer {signed_in['token']}"}

    # A room, followed over SSE while we post; the connection is cut and resumed.
    room = call(http, "POST", f"{first_api}/rooms", "create room", headers=auth, json={"name": "Python room"})

    def post(api, body):
        return call(http, "POST", f"{api}/rooms/{room['id']}/messages", "send", headers=auth, json={"body": body})

    received = []
    stream = EventStream(http, f"{first_api}/rooms/{room['id']}/events", auth)
    post(first_api, "first")
    received.append(stream.next_message())
    stream.close()  # the connection drops
    post(first_api, "second")
    post(other_api, "third")
    resumed = EventStream(http, f"{other_api}/rooms/{room['id']}/events", {**auth, "Last-Event-ID": received[-1][0]})
    received.append(resumed.next_message())
    received.append(resumed.next_message())
    post(first_api, "fourth")
    received.append(resumed.next_message())
    resumed.close()
    ids = [int(event_id) for event_id, _ in received]
    assert ids == sorted(set(ids)), f"events out of order or doubled: {ids}"

    # A recording: the file as the body, metadata in the query string; then a signed download link.
    upload = requests.post(f"{first_api}/recordings/upload", params={"name": "Python recording"}, headers={**auth, "Content-Type": "audio/wav"}, data=tone_wav(), timeout=60)
    if upload.status_code != 201:
        raise ApiError("upload", upload)
    recording = upload.json()["recording"]
    link = call(http, "GET", f"{first_api}/recordings/{recording['id']}/download-url", "download url", headers=auth)
    audio = requests.get(link["url"], timeout=60)
    audio.raise_for_status()
    assert audio.content[:4] == b"OggS", "the download is not an Ogg file"

    return {
        "userId": signed_in["user"]["id"],
        "wrongCodeKey": wrong_code_key,
        "messages": [data["body"] for _, data in received],
        "eventIds": ids,
        "recordingId": recording["id"],
        "durationMs": recording["durationMs"],
        "downloadedBytes": len(audio.content),
    }


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    print(json.dumps(run([url.rstrip("/") for url in sys.argv[1:]])))
