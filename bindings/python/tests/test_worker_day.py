"""A grid worker's day through the Python bindings, against a real server:
log in, pull, search, visit (door check, answers, photo), finalize, sync with
progress, get the visit back from the supervisor, revise it, sync again."""

import asyncio
import datetime
import time

import doorstep_ffi as ffi
from helpers import DEMO_PASSWORD, camera_png, new_key, supervisor_returns


class Recorder(ffi.SyncListener):
    """Keeps every progress report a sync sends."""

    def __init__(self):
        self.seen = []

    def on_progress(self, progress):
        self.seen.append(progress)


def fix_now(lat=30.6600, lon=104.0850):
    return ffi.GpsFixInput(
        lat=lat,
        lon=lon,
        accuracy_m=6.0,
        altitude_m=505.0,
        fix_time_ms=int(time.time() * 1000),
        provider=ffi.LocationProvider.GPS,
        is_mock=False,
        satellites=11,
        monotonic_age_ms=None,
    )


def field(screen, path):
    return next((f for f in screen.fields if f.path == path), None)


def test_a_workers_day(server, tmp_path):
    phone = ffi.Doorstep.open(str(tmp_path / "phone"), new_key())
    assert phone.current_account() is None

    account = asyncio.run(phone.login(server, "worker1", DEMO_PASSWORD, "pytest phone"))
    assert account.username == "worker1"
    assert account.role == ffi.UserRole.WORKER
    assert account.grids, "a worker has grids"
    assert phone.current_account().user_id == account.user_id
    assert {g.id for g in phone.grids()} == {g.id for g in account.grids}

    pulled = asyncio.run(phone.pull(None))
    assert pulled.households > 0
    households = phone.households()
    assert len(households) == pulled.households

    # Search by the head's name finds the household.
    target = next(h for h in households if h.head)
    found = phone.search_households(target.head, 0)
    assert target.id in [h.id for h in found]

    detail = phone.household(target.id)
    assert detail.summary.id == target.id
    assert detail.residents
    for r in detail.residents:
        if r.id_number_masked:
            assert "*" in r.id_number_masked, "ID numbers are masked on screens"
        if r.phone_masked:
            assert "*" in r.phone_masked
    # The relation comes in words, not as its code.
    head = next(r for r in detail.residents if r.relation == "head")
    assert (head.relation_zh, head.relation_en) == ("户主", "Head of household")

    # What is due comes from the templates' schedules and the residents' tags.
    screens = [phone.household(h.id) for h in households]
    elder = next(s for s in screens if any(t.code == "elder_alone" for r in s.residents for t in r.tags))
    due = [d for d in elder.due if d.template_id == "elder_alone_visit"]
    assert due and due[0].reason_en == "Elder living alone · monthly visit", "words, not the tag's code"
    assert due[0].reason_zh == "独居老人 · 每月走访"

    assert "hazard_inspection" in [t.id for t in phone.templates()]
    screen = phone.start_visit(target.id, "hazard_inspection")
    visit_id = screen.visit.visit_id
    assert screen.editable and screen.visit.state == ffi.VisitState.DRAFT
    assert screen.title_zh == "入户安全隐患排查"
    assert field(screen, "hazard_type") is None, "hidden until a hazard is found"
    required = {p.path for p in screen.problems if p.code == "required"}
    assert {"hazard_found", "outcome"} <= required
    # What the visit already knows is filled in by the core, not typed.
    assert not {"household_id", "respondent", "visit_date"} & required
    assert field(screen, "household_id").value == ffi.AnswerValue.TEXT(value=target.code)
    assert field(screen, "respondent").value == ffi.AnswerValue.TEXT(value=target.head)
    started = datetime.date.fromisoformat(field(screen, "visit_date").value.iso)
    assert abs((started - datetime.date.today()).days) <= 1
    assert field(screen, "visit_date").display_zh == f"{started.year}年{started.month}月{started.day}日"

    check = phone.door_check(visit_id, fix_now(), ffi.DoorOutcome.MET)
    assert check.outcome == ffi.DoorOutcome.MET
    assert isinstance(check.verdict, ffi.DoorVerdict)
    assert phone.visit_screen(visit_id).door_check == check


    # Relevance runs in the core: "yes" shows the hazard's fields, "no" hides them.
    screen = phone.set_answer(visit_id, "hazard_found", ffi.AnswerValue.YES_NO(yes=True))
    hazard_type = field(screen, "hazard_type")
    assert hazard_type is not None
    assert hazard_type.kind == ffi.FieldKind.SELECT_ONE
    assert "electrical" in [c.name for c in hazard_type.choices]
    assert [p.code for p in hazard_type.problems] == ["required"]
    screen = phone.set_answer(visit_id, "hazard_found", ffi.AnswerValue.YES_NO(yes=False))
    assert field(screen, "hazard_type") is None
    assert field(screen, "hazard_found").value == ffi.AnswerValue.YES_NO(yes=False)

    screen = phone.set_answer(visit_id, "outcome", ffi.AnswerValue.CHOICE(name="no_hazard"))
    assert [p.path for p in screen.problems] == ["photos"], "only the photo is missing"

    evidence = phone.add_photo(visit_id, "photos", camera_png(1))
    assert len(evidence.photo.sha256) == 64
    assert evidence.photo.field == "photos"
    assert evidence.thumbnail_jpeg is not None and evidence.thumbnail_jpeg[:2] == b"\xff\xd8"
    screen = phone.visit_screen(visit_id)
    assert field(screen, "photos").value == ffi.AnswerValue.PHOTOS(sha256s=[evidence.photo.sha256])
    assert screen.problems == []

    finalized = phone.finalize(visit_id)
    assert finalized.state == ffi.VisitState.FINALIZED
    assert not phone.visit_screen(visit_id).editable
    assert phone.outbox_status().pending == 2, "the photo and the visit are queued"
    history = phone.household(target.id).visits
    assert [v.summary.visit.visit_id for v in history] == [visit_id], "the household screen lists its visits"
    assert history[0].day_zh.endswith("日") and history[0].day_en, "dated in words"

    phone.set_network(ffi.NetworkState.WIFI)
    heard = Recorder()
    result = asyncio.run(phone.sync(True, heard, None))
    assert result.uploaded == 2
    assert result.pending == 0 and result.set_aside == 0
    assert heard.seen, "progress was reported"
    assert heard.seen[0].items_total == 2
    assert heard.seen[-1].items_done == 2
    assert heard.seen[-1].current is None
    assert phone.outbox_status().pending == 0

    # The supervisor returns it; the next sync brings it back with the comment.
    comment = "请补拍门牌照片"
    supervisor_returns(server, visit_id, comment)
    result = asyncio.run(phone.sync(True, None, None))
    assert result.pulled.returned == 1
    returned = phone.returned_visits()
    assert [v.visit.visit_id for v in returned] == [visit_id]
    assert returned[0].visit.state == ffi.VisitState.RETURNED
    assert returned[0].visit.review_comment == comment

    revised = phone.revise(visit_id)
    assert revised.editable
    assert revised.visit.revision == 2
    assert revised.visit.visit_group == returned[0].visit.visit_group
    assert revised.visit.review_comment == comment
    assert field(revised, "respondent").value == ffi.AnswerValue.TEXT(value=target.head)
    phone.add_photo(revised.visit.visit_id, "photos", camera_png(2))
    phone.finalize(revised.visit.visit_id)
    assert phone.returned_visits() == []

    heard = Recorder()
    result = asyncio.run(phone.sync(True, heard, None))
    assert result.uploaded == 2, "the new photo and the revision"
    assert result.pending == 0 and result.set_aside == 0
    assert heard.seen[-1].items_done == 2

    assert asyncio.run(phone.logout(False)) is True
    assert phone.current_account() is None
