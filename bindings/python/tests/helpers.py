"""What the tests share: a camera-like PNG, the supervisor's review call, a
fresh device key, and a progress listener that records what it hears."""

import json
import os
import random
import struct
import urllib.parse
import urllib.request
import zlib

DEMO_PASSWORD = "doorstep-demo"


def camera_png(seed: int, width: int = 640, height: int = 480) -> bytes:
    """A noisy RGB PNG, standing in for a camera photo."""
    rng = random.Random(seed)
    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            n = rng.randrange(24)
            rows += bytes(((x * 180 // width + n) & 255, (y * 150 // height + n) & 255, (90 + seed + n) & 255))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows))) + chunk(b"IEND", b"")


def api(url: str, path: str, body: dict, token: str | None = None) -> dict:
    """POSTs JSON to the server's API and returns the JSON answer."""
    request = urllib.request.Request(
        url + path,
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json", "x-doorstep-protocol": "1"},
        method="POST",
    )
    if token:
        request.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as r:
        return json.loads(r.read() or b"{}")


def supervisor_returns(url: str, visit_id: str, comment: str) -> dict:
    """The supervisor logs in and returns a visit for rework with `comment`."""
    login = api(url, "/api/v1/login", {"username": "supervisor", "password": DEMO_PASSWORD, "device_name": "console"})
    return api(url, f"/api/v1/visits/{visit_id}/review", {"decision": "return", "comment": comment}, login["token"])


def admin_publishes(url: str, file_name: str, content: bytes) -> str:
    """The admin signs in to the console, uploads a form definition (JSON or
    XLSForm) on the templates page and, when the check passes, confirms it, as
    in a browser; returns the last page (the refusal, or the published one)."""
    import http.cookiejar
    import re
    import uuid

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def csrf(page: str) -> str:
        return re.search(r'name="csrf" value="([^"]+)"', page).group(1)

    page = opener.open(url + "/console/login", timeout=30).read().decode()
    form = urllib.parse.urlencode({"csrf": csrf(page), "username": "admin", "password": DEMO_PASSWORD})
    opener.open(url + "/console/login", data=form.encode(), timeout=30).read()
    page = opener.open(url + "/console/admin/templates", timeout=30).read().decode()
    boundary = uuid.uuid4().hex
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{csrf(page)}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + content + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        url + "/console/admin/templates",
        data=body,
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
        method="POST",
    )
    check = opener.open(request, timeout=30).read().decode()
    # The console lists what it checked and publishes only when the admin confirms.
    upload = re.search(r'name="upload" value="([^"]+)"', check)
    if upload is None:
        return check
    form = urllib.parse.urlencode({"csrf": csrf(check), "upload": upload.group(1), "action": "publish"})
    return opener.open(url + "/console/admin/templates/confirm", data=form.encode(), timeout=30).read().decode()


def new_key() -> bytes:
    return os.urandom(32)
