"""The settings screen through the bindings: kept in the encrypted database
across a restart, the server address remembered after signing out, a bad
address refused in both languages."""

import asyncio

import pytest

import doorstep_ffi as ffi
from helpers import DEMO_PASSWORD, new_key

Err = ffi.DoorstepError


def test_settings_are_kept_and_the_server_is_remembered(server, tmp_path):
    key = new_key()
    phone = ffi.Doorstep.open(str(tmp_path), key)
    assert phone.settings() == ffi.SettingsView(
        language=ffi.AppLanguage.ZH, server_url=None, wifi_only_sync=True, photos_on_cellular=False
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
        language=ffi.AppLanguage.EN, server_url=server, wifi_only_sync=False, photos_on_cellular=True
    )
