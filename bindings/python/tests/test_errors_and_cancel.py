"""Errors crossing the boundary (stable codes, both languages, no personal
data), and a sync cancelled half-way that loses nothing."""

import asyncio
import contextlib
import datetime
import http.server
import socket
import threading

import pytest

import doorstep_ffi as ffi
from helpers import DEMO_PASSWORD, camera_png, new_key

Err = ffi.DoorstepError


@contextlib.contextmanager
def web_page_server():
    """An ordinary web server that answers every request with an HTML 404."""

    class NotFound(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = b"<html><body>Not Found</body></html>"
            self.send_response(404)
            self.send_header("content-type", "text/html")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), NotFound)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def closed_port_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_opening_refuses_a_short_key_and_a_wrong_key(tmp_path):
    with pytest.raises(Err.Invalid) as e:
        ffi.Doorstep.open(str(tmp_path), b"short")
    assert e.value.code == "bad_key"

    ffi.Doorstep.open(str(tmp_path), new_key())
    with pytest.raises(Err.WrongKey) as e:
        ffi.Doorstep.open(str(tmp_path), new_key())
    assert e.value.code == "wrong_key"
    assert e.value.message_zh and e.value.message_en


def test_calls_that_need_a_login_say_so(tmp_path):
    phone = ffi.Doorstep.open(str(tmp_path), new_key())
    with pytest.raises(Err.NotSignedIn) as e:
        asyncio.run(phone.sync(True, None, None))
    assert e.value.code == "not_signed_in"
    assert "登录" in e.value.message_zh


def test_login_failures(server, tmp_path):
    phone = ffi.Doorstep.open(str(tmp_path), new_key())
    with pytest.raises(Err.Network) as e:
        asyncio.run(phone.login(closed_port_url(), "worker1", DEMO_PASSWORD, "pytest"))
    assert e.value.code == "server_unreachable"
    assert "连不上服务器" in e.value.message_zh

    secret = "not-the-password-Z9"
    with pytest.raises(Err.NotSignedIn) as e:
        asyncio.run(phone.login(server, "worker1", secret, "pytest"))
    assert e.value.code == "wrong_password"
    assert e.value.message_zh == "用户名或密码不正确"
    assert e.value.message_en == "wrong username or password"
    assert secret not in str(e.value) + e.value.message_zh + e.value.message_en
    assert phone.current_account() is None

    with web_page_server() as other:
        with pytest.raises(Err.Invalid) as e:
            asyncio.run(phone.login(other, "worker1", DEMO_PASSWORD, "pytest"))
    assert e.value.code == "not_a_doorstep_server"
    assert "不是入户通服务器" in e.value.message_zh


def test_visit_errors_carry_codes_and_no_answers(server, tmp_path):
    phone = ffi.Doorstep.open(str(tmp_path), new_key())
    asyncio.run(phone.login(server, "worker2", DEMO_PASSWORD, "pytest"))
    asyncio.run(phone.pull(None))
    household = phone.households()[0]

    with pytest.raises(Err.Invalid) as e:
        phone.start_visit("not-a-uuid", "hazard_inspection")
    assert e.value.code == "bad_id"
    with pytest.raises(Err.NotFound) as e:
        phone.start_visit("00000000-0000-4000-8000-000000000000", "hazard_inspection")
    assert e.value.code == "household_not_found"
    with pytest.raises(Err.NotFound) as e:
        phone.start_visit(household.id, "no_such_template")
    assert e.value.code == "template_not_found"

    visit = phone.start_visit(household.id, "hazard_inspection").visit.visit_id
    with pytest.raises(Err.Invalid):
        phone.set_answer(visit, "no_such_field", ffi.AnswerValue.TEXT(value="x"))
    with pytest.raises(Err.PhotoRefused) as e:
        phone.add_photo(visit, "photos", b"this is not a photo")
    assert e.value.code == "photo_unsupported_format"

    name = "欧阳秀英"
    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
    phone.set_answer(visit, "respondent", ffi.AnswerValue.TEXT(value=name))
    phone.set_answer(visit, "visit_date", ffi.AnswerValue.DATE(iso=tomorrow))
    with pytest.raises(Err.Incomplete) as e:
        phone.finalize(visit)
    problems = e.value.problems
    assert e.value.code == "incomplete"
    assert ("visit_date", "constraint") in [(p.path, p.code) for p in problems]
    assert "hazard_found" in [p.path for p in problems]
    assert "household_id" not in [p.path for p in problems], "the household's code is prefilled"
    assert [(p.path, p.code) for p in problems] == [(p.path, p.code) for p in phone.problems(visit)]
    everything = str(e.value) + "".join(p.message_zh + p.message_en for p in problems)
    assert name not in everything and tomorrow not in everything, "no answers in errors"
    assert phone.visit_screen(visit).editable, "a refused visit stays a draft"


class CancelOnFirstReport(ffi.SyncListener):
    def __init__(self, cancel):
        self.cancel = cancel
        self.reports = 0

    def on_progress(self, progress):
        self.reports += 1
        self.cancel.cancel()


def test_a_cancelled_sync_keeps_everything_queued(server, tmp_path):
    phone = ffi.Doorstep.open(str(tmp_path), new_key())
    asyncio.run(phone.login(server, "worker3", DEMO_PASSWORD, "pytest"))
    asyncio.run(phone.pull(None))
    household = phone.households()[0]
    visit = phone.start_visit(household.id, "hazard_inspection").visit.visit_id
    for path, value in [
        ("household_id", ffi.AnswerValue.TEXT(value=household.code)),
        ("respondent", ffi.AnswerValue.TEXT(value="户主")),
        ("visit_date", ffi.AnswerValue.DATE(iso=datetime.date.today().isoformat())),
        ("hazard_found", ffi.AnswerValue.YES_NO(yes=False)),
        ("outcome", ffi.AnswerValue.CHOICE(name="no_hazard")),
    ]:
        phone.set_answer(visit, path, value)
    phone.add_photo(visit, "photos", camera_png(7))
    phone.finalize(visit)
    assert phone.outbox_status().pending == 2

    cancel = ffi.SyncCancel()
    listener = CancelOnFirstReport(cancel)
    with pytest.raises(Err.Cancelled) as e:
        asyncio.run(phone.sync(True, listener, cancel))
    assert e.value.code == "cancelled"
    assert listener.reports >= 1 and cancel.is_cancelled()
    assert phone.outbox_status().pending == 2, "nothing lost, nothing sent"

    # Offline, nothing goes; back on Wi-Fi, everything does.
    phone.set_network(ffi.NetworkState.OFFLINE)
    offline = asyncio.run(phone.sync(True, None, None))
    assert offline.uploaded == 0 and offline.pending == 2
    phone.set_network(ffi.NetworkState.WIFI)
    result = asyncio.run(phone.sync(True, None, ffi.SyncCancel()))
    assert result.uploaded == 2 and result.pending == 0
