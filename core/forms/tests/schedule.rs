//! Campaign days (including lunar festivals across many years) and what is due,
//! by when, and what is overdue for a household.

use chrono::NaiveDate;
use doorstep_forms::calendar::CampaignDay;
use doorstep_forms::schedule::{
    DueVisit, Frequency, Household, Reason, Status, TagSpan, VisitRecord, due_visits,
};
use doorstep_forms::templates;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

#[test]
fn spring_festival_across_years() {
    let known = [
        (2000, d(2000, 2, 5)),
        (2008, d(2008, 2, 7)),
        (2015, d(2015, 2, 19)),
        (2020, d(2020, 1, 25)),
        (2021, d(2021, 2, 12)),
        (2022, d(2022, 2, 1)),
        (2023, d(2023, 1, 22)),
        (2024, d(2024, 2, 10)),
        (2025, d(2025, 1, 29)),
        (2026, d(2026, 2, 17)),
        (2027, d(2027, 2, 6)),
        (2030, d(2030, 2, 3)),
    ];
    for (year, date) in known {
        assert_eq!(
            CampaignDay::SpringFestival.date_in(year),
            Some(date),
            "{year}"
        );
    }
}

#[test]
fn double_ninth_across_years_including_leap_month_years() {
    let known = [
        (2019, d(2019, 10, 7)),
        (2020, d(2020, 10, 25)), // 闰四月
        (2021, d(2021, 10, 14)),
        (2022, d(2022, 10, 4)),
        (2023, d(2023, 10, 23)), // 闰二月
        (2024, d(2024, 10, 11)),
        (2025, d(2025, 10, 29)), // 闰六月
        (2026, d(2026, 10, 18)),
    ];
    for (year, date) in known {
        assert_eq!(CampaignDay::DoubleNinth.date_in(year), Some(date), "{year}");
    }
}

#[test]
fn solar_campaign_days() {
    assert_eq!(
        CampaignDay::DisabilityDay.date_in(2024),
        Some(d(2024, 5, 19))
    );
    assert_eq!(
        CampaignDay::DisabilityDay.date_in(2025),
        Some(d(2025, 5, 18))
    );
    assert_eq!(
        CampaignDay::DisabilityDay.date_in(2026),
        Some(d(2026, 5, 17))
    );
    assert_eq!(CampaignDay::NewYearsDay.date_in(2027), Some(d(2027, 1, 1)));
    assert_eq!(CampaignDay::ArmyDay.date_in(2026), Some(d(2026, 8, 1)));
    assert_eq!(CampaignDay::AntiDrugDay.date_in(2026), Some(d(2026, 6, 26)));
    assert_eq!(CampaignDay::NationalDay.date_in(2026), Some(d(2026, 10, 1)));
    // Outside the lunar tables there is no answer rather than a wrong one.
    assert_eq!(CampaignDay::SpringFestival.date_in(2300), None);
}

fn household(tags: &[(&str, NaiveDate)], visits: &[(&str, NaiveDate)]) -> Household {
    Household {
        tags: tags
            .iter()
            .map(|(t, since)| TagSpan {
                tag: (*t).to_owned(),
                since: *since,
                until: None,
            })
            .collect(),
        visits: visits
            .iter()
            .map(|(id, date)| VisitRecord {
                template_id: (*id).to_owned(),
                date: *date,
            })
            .collect(),
    }
}

fn builtins() -> Vec<doorstep_forms::FormDefinition> {
    templates::definitions().expect("builtins load")
}

fn due(h: &Household, on: NaiveDate) -> Vec<DueVisit> {
    let defs = builtins();
    let refs: Vec<_> = defs.iter().collect();
    due_visits(h, &refs, on)
}

#[test]
fn a_monthly_elder_visit_is_due_then_overdue() {
    let h = household(
        &[("elder_alone", d(2025, 1, 1))],
        &[("elder_alone_visit", d(2026, 9, 14))],
    );
    // October had no visit: in November the visit is overdue since 31 October,
    // and the 重阳节 visit (18 October) was missed too.
    let items = due(&h, d(2026, 11, 5));
    assert_eq!(
        items,
        vec![
            DueVisit {
                template_id: "elder_alone_visit".into(),
                reason: Reason::Campaign {
                    day: CampaignDay::DoubleNinth,
                    date: d(2026, 10, 18)
                },
                due_by: d(2026, 10, 18),
                status: Status::Overdue,
            },
            DueVisit {
                template_id: "elder_alone_visit".into(),
                reason: Reason::Routine {
                    tag: "elder_alone".into(),
                    every: Frequency::Monthly
                },
                due_by: d(2026, 10, 31),
                status: Status::Overdue,
            }
        ]
    );
    // After the October visit, November's is simply due by the month's end.
    let h = household(
        &[("elder_alone", d(2025, 1, 1))],
        &[("elder_alone_visit", d(2026, 10, 20))],
    );
    let items = due(&h, d(2026, 11, 5));
    assert_eq!(items.len(), 1);
    assert_eq!(
        (items[0].due_by, items[0].status),
        (d(2026, 11, 30), Status::Due)
    );
    // Once visited this month, nothing routine is due.
    let h = household(
        &[("elder_alone", d(2025, 1, 1))],
        &[("elder_alone_visit", d(2026, 11, 3))],
    );
    assert_eq!(due(&h, d(2026, 11, 5)), vec![]);
}

#[test]
fn double_ninth_brings_a_campaign_visit_for_elders() {
    // 2026's 重阳节 is 18 October; the window opens 7 days before.
    let h = household(
        &[("elder_alone", d(2025, 1, 1))],
        &[("elder_alone_visit", d(2026, 10, 2))],
    );
    let items = due(&h, d(2026, 10, 12));
    assert_eq!(
        items,
        vec![DueVisit {
            template_id: "elder_alone_visit".into(),
            reason: Reason::Campaign {
                day: CampaignDay::DoubleNinth,
                date: d(2026, 10, 18)
            },
            due_by: d(2026, 10, 18),
            status: Status::Due,
        }]
    );
    // Missed: a week after the festival it is overdue; the routine visit of October was made on the 2nd.
    let items = due(&h, d(2026, 10, 25));
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].status, Status::Overdue);
    assert!(matches!(
        items[0].reason,
        Reason::Campaign {
            day: CampaignDay::DoubleNinth,
            ..
        }
    ));
    // In 2025 the festival fell on 29 October.
    let h = household(
        &[("elder_alone", d(2024, 1, 1))],
        &[("elder_alone_visit", d(2025, 10, 1))],
    );
    let items = due(&h, d(2025, 10, 24));
    assert!(items.iter().any(|i| i.reason
        == Reason::Campaign {
            day: CampaignDay::DoubleNinth,
            date: d(2025, 10, 29)
        }));
}

#[test]
fn military_families_are_due_before_spring_festival_and_army_day() {
    let h = household(
        &[("military_care", d(2020, 1, 1))],
        &[("military_care_visit", d(2027, 1, 4))],
    );
    // 2027's Spring Festival is 6 February; the window opens on 23 January.
    let items = due(&h, d(2027, 1, 25));
    assert_eq!(
        items,
        vec![DueVisit {
            template_id: "military_care_visit".into(),
            reason: Reason::Campaign {
                day: CampaignDay::SpringFestival,
                date: d(2027, 2, 6)
            },
            due_by: d(2027, 2, 6),
            status: Status::Due,
        }]
    );
    // A visit on 28 July covers 八一 (and the quarter).
    let h = household(
        &[("military_care", d(2020, 1, 1))],
        &[("military_care_visit", d(2026, 7, 28))],
    );
    assert_eq!(due(&h, d(2026, 7, 30)), vec![]);
}

#[test]
fn disability_day_and_tags_that_ended() {
    let h = household(
        &[("disabled", d(2020, 1, 1))],
        &[("disabled_person_visit", d(2026, 4, 2))],
    );
    let items = due(&h, d(2026, 5, 10));
    assert!(items.contains(&DueVisit {
        template_id: "disabled_person_visit".into(),
        reason: Reason::Campaign {
            day: CampaignDay::DisabilityDay,
            date: d(2026, 5, 17)
        },
        due_by: d(2026, 5, 17),
        status: Status::Due,
    }));
    // A household whose tag ended gets nothing.
    let mut ended = h.clone();
    ended.tags[0].until = Some(d(2026, 3, 31));
    assert_eq!(due(&ended, d(2026, 5, 10)), vec![]);
}

#[test]
fn a_newly_tagged_household_is_due_not_overdue() {
    let h = household(&[("dibao", d(2026, 11, 10))], &[]);
    let items = due(&h, d(2026, 11, 20));
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].template_id, "dibao_review");
    assert_eq!(
        (items[0].due_by, items[0].status),
        (d(2026, 12, 31), Status::Due)
    );
    let h = household(
        &[("dibao", d(2026, 1, 1))],
        &[("dibao_review", d(2026, 8, 1))],
    );
    let items = due(&h, d(2026, 11, 20));
    assert_eq!(
        (items[0].due_by, items[0].status),
        (d(2026, 12, 31), Status::Due)
    );
    let h = household(
        &[("dibao", d(2026, 1, 1))],
        &[("dibao_review", d(2026, 6, 30))],
    );
    let items = due(&h, d(2026, 11, 20));
    assert_eq!(
        (items[0].due_by, items[0].status),
        (d(2026, 9, 30), Status::Overdue)
    );
}

#[test]
fn anti_drug_day_campaigns_work_for_custom_templates() {
    let def: doorstep_forms::FormDefinition = serde_json::from_value(serde_json::json!({
        "id": "drug_rehab_support", "version": 1, "title": {"zh": "禁毒帮教走访", "en": "Drug rehab support visit"},
        "schedule": {"rules": [{"tag": "drug_rehab", "every": {"every_months": 2}}],
                     "campaigns": [{"day": "anti_drug_day", "days_before": 5, "days_after": 2}]},
        "fields": [{"name": "note", "type": "text", "label": {"zh": "记录", "en": "Notes"}}]
    }))
    .expect("definition");
    let h = household(
        &[("drug_rehab", d(2025, 1, 1))],
        &[("drug_rehab_support", d(2026, 5, 10))],
    );
    let items = due_visits(&h, &[&def], d(2026, 6, 24));
    assert_eq!(
        items,
        vec![DueVisit {
            template_id: "drug_rehab_support".into(),
            reason: Reason::Campaign {
                day: CampaignDay::AntiDrugDay,
                date: d(2026, 6, 26)
            },
            due_by: d(2026, 6, 28),
            status: Status::Due,
        }]
    );
}
