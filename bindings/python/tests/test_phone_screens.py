"""The home screen and the household list through the bindings, against the
demo server, with the core's clock fixed at 14:05 Beijing time so every
"today" and "last sync" reads the same on any day."""

import asyncio
import datetime

import doorstep_ffi as ffi
from helpers import DEMO_PASSWORD, new_key

BEIJING = 8 * 3600


def fixed_ms(date: datetime.date) -> int:
    """14:05 Beijing time on `date`, in milliseconds since 1970."""
    moment = datetime.datetime(date.year, date.month, date.day, 14, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    return int(moment.timestamp() * 1000)


def test_home_and_household_list(server, tmp_path):
    phone = ffi.Doorstep.open(str(tmp_path), new_key())
    # The demo's schedules are seeded around the real date: fix the clock on
    # that day, at a time of day the words can be checked against.
    phone.fix_clock(fixed_ms(datetime.date.today()), BEIJING)
    home = phone.home()
    assert (home.last_sync_zh, home.last_sync_en) == ("从未同步", "Never synced")
    assert home.due == [] and home.drafts == []

    asyncio.run(phone.login(server, "worker1", DEMO_PASSWORD, "pytest"))
    asyncio.run(phone.pull(None))
    home = phone.home()
    assert home.last_sync_zh == "上次同步：今天 14:05"
    assert home.last_sync_en == "Last sync: today 14:05"
    assert home.due, "the demo's elders and dibao households have visits due"
    assert home.due_count + home.overdue_count >= len(home.due)
    tag_codes = {"elder_alone", "dibao", "disabled", "elder_no_kin", "senior", "retiree"}
    for item in home.due:
        assert item.household.head and item.household.address
        assert item.template_title_zh and item.template_title_zh != item.template_id
        assert item.when_zh and item.when_en and item.reason_zh and item.reason_en
        assert not any(code in item.reason_zh for code in tag_codes), "words, not codes"
    overdue_first = [d.overdue for d in home.due]
    assert overdue_first == sorted(overdue_first, reverse=True)

    everyone = phone.household_page("", ffi.ListFilter.ALL(), 0, 0)
    assert everyone.total == everyone.matching == len(phone.households())
    due = phone.household_page("", ffi.ListFilter.DUE(), 0, 200)
    assert due.total == everyone.due
    assert {d.household.id for d in home.due} <= {r.summary.id for r in due.rows}
    for row in due.rows:
        assert row.due is not None and row.due.text_zh.startswith(("逾期", "待走访"))
    overdue = phone.household_page("", ffi.ListFilter.OVERDUE(), 0, 200)
    assert overdue.total == everyone.overdue
    assert all(r.due.overdue for r in overdue.rows)

    # Paging: two pages of two cover the first four households, in order.
    first = phone.household_page("", ffi.ListFilter.ALL(), 0, 2)
    second = phone.household_page("", ffi.ListFilter.ALL(), 2, 2)
    assert [r.summary.id for r in first.rows + second.rows] == [r.summary.id for r in everyone.rows[:4]]

    # A tag filter offered on the page keeps exactly the households holding it.
    offered = everyone.tags[0]
    tagged = phone.household_page("", ffi.ListFilter.TAG(code=offered.tag.code), 0, 200)
    assert tagged.total == offered.households
    assert all(offered.tag.code in [t.code for t in r.tags] for r in tagged.rows)
    assert offered.tag.name_zh and offered.tag.name_zh != offered.tag.code

    # The search narrows the list: the head's name finds the household.
    target = next(r for r in everyone.rows if r.summary.head)
    found = phone.household_page(target.summary.head, ffi.ListFilter.ALL(), 0, 0)
    assert target.summary.id in [r.summary.id for r in found.rows]
    assert found.matching <= everyone.matching

    # A draft shows on home with its problems; the due item points at it.
    first_due = home.due[0]
    draft = phone.start_visit(first_due.household.id, first_due.template_id)
    home = phone.home()
    assert [d.visit.visit.visit_id for d in home.drafts] == [draft.visit.visit_id]
    assert home.drafts[0].problems == len(draft.problems) > 0
    again = next(d for d in home.due if (d.household.id, d.template_id) == (first_due.household.id, first_due.template_id))
    assert again.draft_visit_id == draft.visit.visit_id
