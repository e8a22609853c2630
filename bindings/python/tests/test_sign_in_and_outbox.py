"""Signing out and in again keeps every unsent visit; the outbox says why a
visit waits; a sync is summed up in words; and the screens hear of every
change through the data listener, without polling."""

import asyncio
import datetime
import time

import pytest

import doorstep_ffi as ffi
from helpers import DEMO_PASSWORD, camera_png, new_key

Err = ffi.DoorstepError


class Heard(ffi.DataListener):
    """Keeps every change the core reports."""

    def __init__(self):
        self.changes = []

    def on_data_changed(self, change):
        self.changes.append(change)

    def take(self):
        seen, self.changes = self.changes, []
        return seen


def finished_visit(phone, household):
    visit = phone.start_visit(household.id, "hazard_inspection").visit.visit_id
    for path, value in [
        ("household_id", ffi.AnswerValue.TEXT(value=household.code)),
        ("respondent", ffi.AnswerValue.TEXT(value="户主")),
        ("visit_date", ffi.AnswerValue.DATE(iso=datetime.date.today().isoformat())),
        ("hazard_found", ffi.AnswerValue.YES_NO(yes=False)),
        ("outcome", ffi.AnswerValue.CHOICE(name="no_hazard")),
    ]:
        phone.set_answer(visit, path, value)
    phone.add_photo(visit, "photos", camera_png(11))
    phone.finalize(visit)
    return visit


def test_signing_out_and_in_again_keeps_every_unsent_visit(server, tmp_path):
    phone = ffi.Doorstep.open(str(tmp_path), new_key())
    phone.fix_clock(int(time.time() * 1000), 8 * 3600)
    heard = Heard()
    phone.set_data_listener(heard)

    asyncio.run(phone.login(server, "worker2", DEMO_PASSWORD, "pytest"))
    assert any(c.session for c in heard.take()), "a sign-in is heard"
    asyncio.run(phone.pull(None))
    assert any(c.households and c.visits for c in heard.take()), "so is a pull"
    household = phone.households()[0]
    visit = finished_visit(phone, household)
    changes = heard.take()
    assert any(c.visits and not c.outbox for c in changes), "each answer"
    assert changes[-1].visits and changes[-1].outbox, "the finalize"

    phone.set_network(ffi.NetworkState.OFFLINE)
    assert heard.take()[-1].outbox, "the outbox's states follow the network"
    [entry] = phone.outbox_entries()
    assert entry.visit.visit.visit_id == visit
    assert entry.household_head and entry.title_zh and entry.title_zh != "hazard_inspection"
    assert entry.state == ffi.OutboxEntryState.WAITING_FOR_NETWORK() and entry.state_zh == "等待网络"
    assert (entry.photos, entry.photos_sent) == (1, 0)
    assert not entry.can_retry and not entry.can_discard
    with pytest.raises(Err.Invalid):
        phone.discard_outbox_entry(entry.entry_id)

    phone.set_network(ffi.NetworkState.CELLULAR)
    [entry] = phone.outbox_entries()
    assert entry.state == ffi.OutboxEntryState.WAITING_FOR_WIFI()
    assert (entry.state_zh, entry.state_en) == ("照片等待 Wi-Fi", "photos wait for Wi-Fi")
    background = asyncio.run(phone.sync(False, None, None))
    assert background.visits_uploaded == 0, "a background sync waits for Wi-Fi"
    assert background.summary_zh == "1 次走访等待 Wi-Fi。"
    assert background.summary_en == "1 visit waiting for Wi-Fi."

    check = phone.sign_out_check()
    assert (check.waiting, check.needs_confirmation) == (1, True)
    assert check.message_zh.startswith("还有 1 次走访未上传")
    with pytest.raises(Err.UnsentVisits) as e:
        asyncio.run(phone.logout(False))
    assert e.value.code == "unsent_visits" and e.value.waiting == 1
    assert "仍保存在手机上" in e.value.message_zh
    assert phone.current_account() is not None, "refused: still signed in"

    asyncio.run(phone.logout(True))
    assert phone.current_account() is None
    assert any(c.session for c in heard.take())
    assert len(phone.outbox_entries()) == 1 and phone.home().waiting_upload == 1

    asyncio.run(phone.login(server, "worker2", DEMO_PASSWORD, "pytest"))
    assert [e.visit.visit.visit_id for e in phone.outbox_entries()] == [visit], "kept across the sign-in"
    phone.set_network(ffi.NetworkState.WIFI)
    result = asyncio.run(phone.sync(True, None, None))
    assert result.visits_uploaded == 1 and result.uploaded == 2
    assert result.summary_zh.startswith("已上传 1 次走访")
    assert result.summary_en.startswith("Sent 1 visit")
    assert phone.outbox_entries() == []
    home = phone.home()
    assert home.waiting_upload == 0
    assert home.last_sync_zh.startswith("上次同步：今天 ")
    assert phone.sign_out_check().needs_confirmation is False
    assert asyncio.run(phone.logout(False)) is True
    phone.set_data_listener(None)
