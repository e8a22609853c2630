"""The visit flow's screen models through the Python bindings, against a real
server: the answers a visit already knows, sections with buttons, 完成 jumping
to the first problem, the door-check session fed with fixes and the time, the
watermark font, and the open visit found again after the app was closed."""

import asyncio

import doorstep_ffi as ffi
import pytest
from helpers import DEMO_PASSWORD, camera_png, new_key

T0 = 1_777_626_000_000  # 2026-05-01 09:00 UTC, in ms: the session keeps no clock.
FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


def fix(at_ms, accuracy_m, lat=30.6600, lon=104.0850, mock=False):
    return ffi.GpsFixInput(
        lat=lat,
        lon=lon,
        accuracy_m=accuracy_m,
        altitude_m=None,
        fix_time_ms=at_ms,
        provider=ffi.LocationProvider.GPS,
        is_mock=mock,
        satellites=8,
        monotonic_age_ms=None,
    )


def field(screen, path):
    return next((f for f in screen.fields if f.path == path), None)


def signed_in(server, path):
    phone = ffi.Doorstep.open(str(path), new_key())
    asyncio.run(phone.login(server, "worker2", DEMO_PASSWORD, "pytest visit flow"))
    asyncio.run(phone.pull(None))
    return phone


def test_sections_finish_and_reopening(server, tmp_path):
    key = new_key()
    phone = ffi.Doorstep.open(str(tmp_path / "phone"), key)
    asyncio.run(phone.login(server, "worker2", DEMO_PASSWORD, "pytest visit flow"))
    asyncio.run(phone.pull(None))
    target = next(h for h in phone.households() if h.head)
    assert phone.open_visit() is None

    screen = phone.start_visit(target.id, "hazard_inspection")
    visit = screen.visit.visit_id
    assert field(screen, "household_id").value == ffi.AnswerValue.TEXT(value=target.code)
    assert [s.key for s in screen.sections] == ["household_id", "photos"]
    assert screen.sections[0].title_zh == "基本信息"
    assert screen.current_section == 0
    assert screen.buttons.finish.label_zh == "完成" and screen.buttons.finish.enabled
    assert screen.buttons.save_draft.label_zh == "保存草稿"
    assert screen.buttons.previous is None
    assert screen.buttons.next.section_key == "photos" and screen.buttons.next.label_zh == "下一节"

    screen = phone.set_answer(visit, "hazard_found", ffi.AnswerValue.YES_NO(yes=True))
    assert [s.key for s in screen.sections] == ["household_id", "hazard", "photos"]
    assert field(screen, "hazard_found").display_zh == "是"
    hazard = screen.sections[1]
    on_page = [f.path for f in screen.fields[hazard.start : hazard.end]]
    assert on_page[:2] == ["hazard", "hazard_type"]
    assert hazard.problem_count > 0

    result = phone.finish_visit(visit)
    assert isinstance(result, ffi.FinishResult.PROBLEMS)
    jump = result.screen.first_problem
    assert (jump.section_key, jump.path) == ("hazard", "hazard_type")
    assert result.screen.current_section == 1
    assert result.screen.buttons.finish_hint_zh.startswith("还有")

    screen = phone.go_to_section(visit, "photos")
    assert screen.current_section == 2 and screen.buttons.next is None
    with pytest.raises(ffi.DoorstepError.Invalid) as e:
        phone.go_to_section(visit, "no_such")
    assert e.value.code == "unknown_section"

    # The app is closed mid-visit and opened again with the same key.
    del phone
    phone = ffi.Doorstep.open(str(tmp_path / "phone"), key)
    reopened = phone.open_visit()
    assert reopened.visit.visit.visit_id == visit
    assert reopened.section_key == "photos"
    assert not reopened.door_checked, "the door check is still to do"
    assert reopened.message_zh == "已恢复未完成的走访：入户安全隐患排查，停在「其他信息」"
    assert phone.visit_screen(visit).current_section == 2


def test_the_door_check_waits_for_accuracy_and_records_a_manual_acceptance(server, tmp_path):
    phone = signed_in(server, tmp_path / "phone")
    target = next(h for h in phone.households() if h.head)
    visit = phone.start_visit(target.id, "hazard_inspection").visit.visit_id
    assert [o.label_zh for o in phone.door_outcomes()][:4] == ["见到本人", "家中无人", "拒绝入户", "已搬离"]

    session = phone.start_door_check(visit, T0)
    view = session.tick(T0 + 2_000)
    assert isinstance(view.stage, ffi.DoorCheckStage.WAITING_FOR_FIX) and view.elapsed_s == 2
    assert view.headline_zh == "正在定位…" and not view.can_choose_outcome

    view = session.fix(fix(T0 + 4_000, 55.0), T0 + 4_000)
    assert view.stage == ffi.DoorCheckStage.IMPROVING(accuracy_m=55.0, need_m=30.0)
    assert view.headline_zh == "定位精度 55 米，需 ≤ 30 米，请稍候"
    assert not view.can_accept_by_hand
    with pytest.raises(ffi.DoorstepError.Invalid) as e:
        session.accept_by_hand(T0 + 5_000)
    assert e.value.code == "too_early_to_accept_by_hand"
    with pytest.raises(ffi.DoorstepError.Invalid) as e:
        session.record(ffi.DoorOutcome.MET)
    assert e.value.code == "door_check_not_accepted"

    # A mocked fix is suspect, whatever its accuracy, with words in both languages.
    view = session.fix(fix(T0 + 6_000, 4.0, mock=True), T0 + 6_000)
    assert isinstance(view.stage, ffi.DoorCheckStage.SUSPECT)
    assert view.headline_zh == "核验未通过：模拟定位"
    assert view.reasons[0].text_en == "A mock location was detected"
    assert view.verdict.verdict_en == "Mock location"
    assert view.can_accept_by_hand

    view = session.tick(T0 + 61_000)
    assert isinstance(view.stage, ffi.DoorCheckStage.TIMED_OUT) and view.elapsed_s == 61
    view = session.accept_by_hand(T0 + 62_000)
    assert isinstance(view.stage, ffi.DoorCheckStage.ACCEPTED_BY_HAND) and view.can_choose_outcome
    check = session.record(ffi.DoorOutcome.NOBODY_HOME)
    assert check.accepted_by_hand_after_s == 62
    assert check.outcome_zh == "家中无人"
    assert phone.visit_screen(visit).door_check == check


def test_a_far_fix_is_shown_with_its_verdict_and_a_good_one_accepted_by_itself(server, tmp_path):
    phone = signed_in(server, tmp_path / "phone")
    target = next(h for h in phone.households() if h.head)
    visit = phone.start_visit(target.id, "hazard_inspection").visit.visit_id
    session = phone.start_door_check(visit, T0)
    # Beijing, ~1,500 km from the demo's households.
    view = session.fix(fix(T0 + 3_000, 8.0, lat=39.9042, lon=116.4074), T0 + 3_000)
    assert isinstance(view.stage, ffi.DoorCheckStage.SUSPECT), "the demo's households have locations"
    assert view.verdict.verdict == ffi.DoorVerdict.OUTSIDE
    assert view.headline_zh == "核验未通过：不在范围内"
    assert view.headline_en == "Not verified: Outside the household's area"
    assert view.distance_m > 1_000_000
    assert view.can_accept_by_hand and not view.can_choose_outcome

    # At the household's registered position, a good fix is accepted by itself.
    at = fix(T0 + 9_000, 7.0, lat=view.household_lat, lon=view.household_lon)
    view = session.fix(at, T0 + 9_000)
    assert isinstance(view.stage, ffi.DoorCheckStage.ACCEPTED)
    assert view.verdict.verdict == ffi.DoorVerdict.VERIFIED
    assert view.headline_zh == "已核验，请选择入户结果" and view.can_choose_outcome
    check = session.record(ffi.DoorOutcome.MET)
    assert check.accepted_by_hand_after_s is None and check.verdict_zh == "已核验"


def test_photos_are_watermarked_with_the_phones_font(server, tmp_path):
    phone = signed_in(server, tmp_path / "phone")
    target = next(h for h in phone.households() if h.head)
    with pytest.raises(ffi.DoorstepError.PhotoRefused):
        phone.set_watermark_font(str(tmp_path / "no-such-font.ttc"), 0)
    plain = phone.start_visit(target.id, "hazard_inspection").visit.visit_id
    before = phone.add_photo(plain, "photos", camera_png(7))
    phone.set_watermark_font(FONT, 0)
    marked = phone.start_visit(target.id, "hazard_inspection").visit.visit_id
    after = phone.add_photo(marked, "photos", camera_png(7))
    assert after.photo.sha256 != before.photo.sha256, "the watermark is in the pixels"
    assert after.thumbnail_jpeg, "the screen shows a thumbnail"
