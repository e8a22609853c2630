"""The settings screen through the bindings: kept in the encrypted database
across a restart, the server address remembered after signing out, a bad
address refused in both languages."""

import asyncio

import pytest

import doorstep_ffi as ffi
import json

from helpers import DEMO_PASSWORD, admin_publishes, new_key

Err = ffi.DoorstepError


def test_settings_are_kept_and_the_server_is_remembered(server, tmp_path):
    key = new_key()
    phone = ffi.Doorstep.open(str(tmp_path), key)
    assert phone.settings() == ffi.SettingsView(
        language=ffi.AppLanguage.ZH,
        form_language=None,
        server_url=None,
        wifi_only_sync=True,
        photos_on_cellular=False,
    )

    with pytest.raises(Err.Invalid) as e:
        phone.set_server_url("ftp://doorstep.example.cn")
    assert e.value.code == "bad_server_address"
    assert "服务器地址" in e.value.message_zh
    assert phone.settings().server_url is None, "nothing changed"

    asyncio.run(phone.login(server + "/", "worker1", DEMO_PASSWORD, "pytest"))
    assert phone.settings().server_url == server
    asyncio.run(phone.logout(False))
    assert phone.current_account() is None
    assert phone.settings().server_url == server, "remembered after signing out"

    phone.set_language(ffi.AppLanguage.EN)
    phone.set_wifi_only_sync(False)
    after = phone.set_photos_on_cellular(True)
    assert after.photos_on_cellular and not after.wifi_only_sync
    del phone

    reopened = ffi.Doorstep.open(str(tmp_path), key)
    assert reopened.settings() == ffi.SettingsView(
        language=ffi.AppLanguage.EN,
        form_language=None,
        server_url=server,
        wifi_only_sync=False,
        photos_on_cellular=True,
    )


UYGHUR_FORM = {
    "id": "py_ug_check",
    "version": 1,
    "title": {"zh": "入户走访", "en": "Home visit", "ug": "ئائىلە زىيارىتى"},
    "fields": [
        {
            "name": "alone",
            "type": "select_one",
            "label": {"zh": "是否独居", "en": "Lives alone", "ug": "يالغۇز تۇرامدۇ"},
            "hint": {"zh": "问老人本人", "en": "Ask the elder"},
            "guidance_hint": {"zh": "邻居说的不算", "en": "Neighbours do not count", "ug": "قوشنىلارنىڭ سۆزى ھېسابلانمايدۇ"},
            "choices": [
                {"name": "yes", "label": {"zh": "是", "en": "Yes", "ug": "ھەئە"}},
                {"name": "no", "label": {"zh": "否", "en": "No"}},
            ],
        }
    ],
}


def test_a_worker_reads_the_forms_in_uyghur(server, tmp_path):
    page = admin_publishes(server, "ug.json", json.dumps(UYGHUR_FORM, ensure_ascii=False).encode())
    assert "已发布模板 py_ug_check 版本 1" in page

    key = new_key()
    phone = ffi.Doorstep.open(str(tmp_path), key)
    asyncio.run(phone.login(server, "worker3", DEMO_PASSWORD, "pytest languages"))
    asyncio.run(phone.pull(None))
    offered = [(l.code, l.name_zh, l.name_en) for l in phone.form_languages()]
    assert offered[:2] == [("zh", "中文", "Chinese"), ("en", "英语", "English")]
    assert ("ug", "维吾尔语", "Uyghur") in offered

    household = phone.households()[0]
    screen = phone.start_visit(household.id, "py_ug_check")
    assert screen.language == "zh" and screen.title == "入户走访"

    assert phone.set_form_language("维吾尔语").form_language == "ug"
    screen = phone.visit_screen(screen.visit.visit_id)
    assert screen.language == "ug"
    assert screen.title == "ئائىلە زىيارىتى"
    alone = next(f for f in screen.fields if f.path == "alone")
    assert alone.label == "يالغۇز تۇرامدۇ" and alone.label_zh == "是否独居"
    assert alone.hint == "问老人本人", "a hint not written in Uyghur is shown in Chinese"
    assert alone.guidance_hint == "قوشنىلارنىڭ سۆزى ھېسابلانمايدۇ"
    assert alone.guidance_hint_en == "Neighbours do not count"
    assert [c.label for c in alone.choices] == ["ھەئە", "否"]
    del phone

    reopened = ffi.Doorstep.open(str(tmp_path), key)
    assert reopened.settings().form_language == "ug", "kept across a restart"
    assert reopened.set_form_language(None).form_language is None
    screen = reopened.visit_screen(screen.visit.visit_id)
    assert screen.language == "zh" and screen.fields[0].label == "是否独居"
