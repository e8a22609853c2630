//! Every door-check verdict and its boundaries, proposed locations, and revisit planning.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use doorstep_evidence::door_check::{DEFAULT_FAILED_ATTEMPTS_TO_FLAG, Reference};
use doorstep_evidence::{
    DoorCheckInput, DoorCheckPolicy, DoorOutcome, FollowUp, GeoError, GpsFix, HouseholdLocation,
    LatLon, Provider, Reason, Verdict, WorkingCalendar, check_door, haversine_m, plan_follow_up,
};

/// Metres per degree of latitude on the sphere `haversine_m` uses.
const M_PER_DEG: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;
const DOOR: LatLon = LatLon {
    lat: 30.274_1,
    lon: 120.155_1,
};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 4, 2, 30, 0)
        .single()
        .expect("valid time")
}

/// A point `metres` due north of the door.
fn north(metres: f64) -> LatLon {
    LatLon {
        lat: DOOR.lat + metres / M_PER_DEG,
        lon: DOOR.lon,
    }
}

fn fix(metres_north: f64, accuracy_m: f64) -> GpsFix {
    GpsFix {
        position: north(metres_north),
        accuracy_m,
        altitude_m: Some(12.0),
        fix_time: now() - Duration::seconds(5),
        provider: Provider::Gps,
        is_mock: false,
        satellites: Some(9),
        monotonic_age: Some(Duration::seconds(5)),
    }
}

fn input(fix: Option<GpsFix>) -> DoorCheckInput {
    DoorCheckInput {
        fix,
        checked_at: now(),
        outcome: DoorOutcome::Met,
        household: HouseholdLocation::Registered { position: DOOR },
    }
}

fn verdict_of(i: &DoorCheckInput) -> (Verdict, Vec<Reason>) {
    let c = check_door(i, &DoorCheckPolicy::default()).expect("valid input");
    (c.verdict, c.reasons)
}

#[test]
fn the_test_geometry_is_exact() {
    assert!((haversine_m(DOOR, north(60.0)) - 60.0).abs() < 1e-6);
}

#[test]
fn a_good_fix_at_the_door_is_verified_with_its_figures() {
    let c = check_door(&input(Some(fix(12.0, 8.0))), &DoorCheckPolicy::default()).expect("valid");
    assert_eq!(c.verdict, Verdict::Verified);
    assert!(c.reasons.is_empty());
    assert!((c.figures.distance_m.expect("distance") - 12.0).abs() < 1e-6);
    assert_eq!(c.figures.accuracy_m, Some(8.0));
    assert_eq!(c.figures.geofence_radius_m, 50.0);
    assert_eq!(c.figures.fix_age_s, Some(5));
    assert_eq!(c.figures.clock_skew_s, Some(0));
    assert_eq!(c.figures.reference, Reference::Registered);
    assert_eq!(c.proposed_location, None);
    assert_eq!(c.outcome, DoorOutcome::Met);
}

#[test]
fn the_geofence_allows_for_the_accuracy_up_to_its_edge() {
    // radius 50 + accuracy 10 = 60 m.
    assert_eq!(
        verdict_of(&input(Some(fix(59.999, 10.0)))).0,
        Verdict::Verified
    );
    assert_eq!(
        verdict_of(&input(Some(fix(60.001, 10.0)))),
        (Verdict::Outside, vec![Reason::Outside])
    );
    // With a perfect fix the fence is the radius itself.
    assert_eq!(
        verdict_of(&input(Some(fix(49.999, 0.0)))).0,
        Verdict::Verified
    );
    assert_eq!(
        verdict_of(&input(Some(fix(50.001, 0.0)))).0,
        Verdict::Outside
    );
    // The distance is kept for the supervisor.
    let c = check_door(&input(Some(fix(240.0, 5.0))), &DoorCheckPolicy::default()).expect("valid");
    assert!((c.figures.distance_m.expect("distance") - 240.0).abs() < 1e-6);
}

#[test]
fn the_radius_is_configurable_per_community() {
    let policy = DoorCheckPolicy {
        geofence_radius_m: 100.0,
        ..DoorCheckPolicy::default()
    };
    let c = check_door(&input(Some(fix(105.0, 10.0))), &policy).expect("valid");
    assert_eq!(c.verdict, Verdict::Verified);
    assert_eq!(c.figures.geofence_radius_m, 100.0);
    assert_eq!(
        verdict_of(&input(Some(fix(105.0, 10.0)))).0,
        Verdict::Outside
    );
}

#[test]
fn accuracy_worse_than_the_threshold_is_low_accuracy() {
    assert_eq!(
        verdict_of(&input(Some(fix(5.0, 30.0)))).0,
        Verdict::Verified
    );
    assert_eq!(
        verdict_of(&input(Some(fix(5.0, 30.01)))),
        (Verdict::LowAccuracy, vec![Reason::LowAccuracy])
    );
    for nonsense in [f64::NAN, f64::INFINITY, -1.0] {
        assert_eq!(
            verdict_of(&input(Some(fix(5.0, nonsense)))).0,
            Verdict::LowAccuracy
        );
    }
    let strict = DoorCheckPolicy {
        max_accuracy_m: 10.0,
        ..DoorCheckPolicy::default()
    };
    let c = check_door(&input(Some(fix(5.0, 15.0))), &strict).expect("valid");
    assert_eq!(c.verdict, Verdict::LowAccuracy);
}

#[test]
fn a_fix_older_than_the_threshold_is_stale() {
    let mut f = fix(5.0, 5.0);
    f.monotonic_age = Some(Duration::seconds(120));
    f.fix_time = now() - Duration::seconds(120);
    assert_eq!(verdict_of(&input(Some(f.clone()))).0, Verdict::Verified);
    f.monotonic_age = Some(Duration::seconds(121));
    f.fix_time = now() - Duration::seconds(121);
    let c = check_door(&input(Some(f.clone())), &DoorCheckPolicy::default()).expect("valid");
    assert_eq!(
        (c.verdict, c.reasons),
        (Verdict::StaleFix, vec![Reason::StaleFix])
    );
    assert_eq!(c.figures.fix_age_s, Some(121));

    // Without a monotonic age the device clock gives the age.
    f.monotonic_age = None;
    assert_eq!(verdict_of(&input(Some(f.clone()))).0, Verdict::StaleFix);
    f.fix_time = now() - Duration::seconds(120);
    assert_eq!(verdict_of(&input(Some(f))).0, Verdict::Verified);
}

#[test]
fn device_clock_and_fix_time_more_than_ten_minutes_apart_is_clock_skew() {
    // A fresh fix (5 s by the monotonic clock) whose GNSS time is 10 min behind the device clock.
    let mut f = fix(5.0, 5.0);
    f.fix_time = now() - Duration::seconds(5) - Duration::minutes(10);
    let c = check_door(&input(Some(f.clone())), &DoorCheckPolicy::default()).expect("valid");
    assert_eq!(
        c.verdict,
        Verdict::Verified,
        "exactly 10 minutes is tolerated"
    );
    assert_eq!(c.figures.clock_skew_s, Some(600));
    f.fix_time -= Duration::seconds(1);
    let c = check_door(&input(Some(f.clone())), &DoorCheckPolicy::default()).expect("valid");
    assert_eq!(
        (c.verdict, c.reasons),
        (Verdict::ClockSkew, vec![Reason::ClockSkew])
    );
    assert_eq!(c.figures.fix_age_s, Some(5), "the fix itself is fresh");

    // Device clock running behind the GNSS time.
    f.fix_time = now() + Duration::minutes(11);
    assert_eq!(verdict_of(&input(Some(f.clone()))).0, Verdict::ClockSkew);

    // Without a monotonic age, a difference over ten minutes is skew rather than age.
    f.monotonic_age = None;
    f.fix_time = now() - Duration::minutes(10) - Duration::seconds(1);
    assert_eq!(verdict_of(&input(Some(f.clone()))).0, Verdict::ClockSkew);
    f.fix_time = now() + Duration::minutes(11);
    assert_eq!(verdict_of(&input(Some(f))).0, Verdict::ClockSkew);
}

#[test]
fn a_mock_location_is_flagged_whatever_the_position() {
    let mut f = fix(0.0, 3.0);
    f.is_mock = true;
    assert_eq!(
        verdict_of(&input(Some(f))),
        (Verdict::MockLocation, vec![Reason::MockLocation])
    );
}

#[test]
fn no_fix_is_its_own_verdict() {
    let c = check_door(&input(None), &DoorCheckPolicy::default()).expect("valid");
    assert_eq!(
        (c.verdict, c.reasons),
        (Verdict::NoFix, vec![Reason::NoFix])
    );
    assert_eq!(c.figures.distance_m, None);
    assert_eq!(c.proposed_location, None);
}

#[test]
fn every_reason_is_kept_and_the_most_serious_leads() {
    let mut f = fix(500.0, 80.0);
    f.is_mock = true;
    f.monotonic_age = Some(Duration::minutes(5));
    f.fix_time = now() - Duration::minutes(30);
    let (verdict, reasons) = verdict_of(&input(Some(f)));
    assert_eq!(verdict, Verdict::MockLocation);
    assert_eq!(
        reasons,
        vec![
            Reason::MockLocation,
            Reason::ClockSkew,
            Reason::StaleFix,
            Reason::LowAccuracy,
            Reason::Outside
        ]
    );
    for r in reasons {
        assert!(!r.code().is_empty() && !r.message_zh().is_empty());
    }
    // Reasons and verdicts share their codes, so a stored verdict reads like its leading reason.
    assert_eq!(Verdict::MockLocation.code(), Reason::MockLocation.code());
    assert_eq!(Verdict::Outside.code(), Reason::Outside.code());
    assert_eq!(Verdict::Verified.label_zh(), "已核验");
}

#[test]
fn a_household_without_a_location_takes_the_first_good_fix_as_a_proposal() {
    let mut i = input(Some(fix(0.0, 6.0)));
    i.household = HouseholdLocation::Unknown;
    let c = check_door(&i, &DoorCheckPolicy::default()).expect("valid");
    assert_eq!(c.verdict, Verdict::LocationProposed);
    assert_eq!(c.proposed_location, Some(north(0.0)));
    assert_eq!(c.figures.reference, Reference::None);
    assert_eq!(c.figures.distance_m, None);

    // A poor fix is not proposed.
    let mut i = input(Some(fix(0.0, 45.0)));
    i.household = HouseholdLocation::Unknown;
    let c = check_door(&i, &DoorCheckPolicy::default()).expect("valid");
    assert_eq!(c.verdict, Verdict::LowAccuracy);
    assert_eq!(c.proposed_location, None);

    // Later visits are checked against the pending proposal, and say so.
    let mut i = input(Some(fix(20.0, 6.0)));
    i.household = HouseholdLocation::PendingProposal { position: DOOR };
    let c = check_door(&i, &DoorCheckPolicy::default()).expect("valid");
    assert_eq!(c.verdict, Verdict::Verified);
    assert_eq!(c.figures.reference, Reference::PendingProposal);
    assert_eq!(c.proposed_location, None);
}

#[test]
fn the_store_model_maps_onto_household_locations() {
    let position = doorstep_model::LatLon {
        lat: DOOR.lat,
        lon: DOOR.lon,
    };
    let mut stored = doorstep_model::RegisteredLocation {
        position,
        set_by: uuid::Uuid::new_v4(),
        set_at: now(),
        confirmed: false,
    };
    assert_eq!(
        HouseholdLocation::from_model(Some(&stored)),
        HouseholdLocation::PendingProposal { position: DOOR }
    );
    stored.confirmed = true;
    assert_eq!(
        HouseholdLocation::from_model(Some(&stored)),
        HouseholdLocation::Registered { position: DOOR }
    );
    assert_eq!(
        HouseholdLocation::from_model(None),
        HouseholdLocation::Unknown
    );
}

#[test]
fn an_impossible_position_is_an_error_not_a_verdict() {
    let mut f = fix(0.0, 5.0);
    f.position = LatLon {
        lat: 95.0,
        lon: 0.0,
    };
    assert_eq!(
        check_door(&input(Some(f)), &DoorCheckPolicy::default()),
        Err(GeoError::InvalidLatitude)
    );
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

#[test]
fn nobody_home_or_refused_books_a_revisit_on_the_next_working_day() {
    let cal = WorkingCalendar::default();
    let wednesday = date(2026, 3, 4);
    assert_eq!(wednesday.weekday(), Weekday::Wed);
    for outcome in [DoorOutcome::NobodyHome, DoorOutcome::Refused] {
        assert_eq!(
            plan_follow_up(outcome, wednesday, 0, DEFAULT_FAILED_ATTEMPTS_TO_FLAG, &cal),
            FollowUp::Revisit {
                on: date(2026, 3, 5),
                failed_attempts: 1
            }
        );
    }
    // Friday → Monday.
    assert_eq!(
        plan_follow_up(DoorOutcome::NobodyHome, date(2026, 3, 6), 0, 3, &cal),
        FollowUp::Revisit {
            on: date(2026, 3, 9),
            failed_attempts: 1
        }
    );
}

#[test]
fn holidays_and_make_up_working_days_are_respected() {
    // National Day week 2026: Oct 1–7 off (the weekdays among them are holidays),
    // Saturday Oct 10 is a make-up working day.
    let cal = WorkingCalendar {
        holidays: [1, 2, 5, 6, 7]
            .into_iter()
            .map(|d| date(2026, 10, d))
            .collect(),
        make_up_working_days: [date(2026, 10, 10)].into_iter().collect(),
    };
    assert_eq!(date(2026, 10, 10).weekday(), Weekday::Sat);
    assert_eq!(
        cal.next_working_day(date(2026, 9, 30)),
        Some(date(2026, 10, 8))
    );
    assert_eq!(
        cal.next_working_day(date(2026, 10, 9)),
        Some(date(2026, 10, 10))
    );
    assert!(!cal.is_working_day(date(2026, 10, 5)));
    assert!(cal.is_working_day(date(2026, 10, 10)));
}

#[test]
fn the_third_failed_attempt_flags_the_household_for_the_supervisor() {
    let cal = WorkingCalendar::default();
    let day = date(2026, 3, 4);
    assert!(matches!(
        plan_follow_up(DoorOutcome::Refused, day, 1, 3, &cal),
        FollowUp::Revisit {
            failed_attempts: 2,
            ..
        }
    ));
    assert_eq!(
        plan_follow_up(DoorOutcome::NobodyHome, day, 2, 3, &cal),
        FollowUp::FlagSupervisor { failed_attempts: 3 }
    );
    assert_eq!(
        plan_follow_up(DoorOutcome::NobodyHome, day, 7, 3, &cal),
        FollowUp::FlagSupervisor { failed_attempts: 8 }
    );
}

#[test]
fn other_outcomes_schedule_nothing() {
    let cal = WorkingCalendar::default();
    for outcome in [
        DoorOutcome::Met,
        DoorOutcome::MovedOut,
        DoorOutcome::Vacant,
        DoorOutcome::WrongAddress,
    ] {
        assert_eq!(
            plan_follow_up(outcome, date(2026, 3, 4), 2, 3, &cal),
            FollowUp::None
        );
        assert!(!outcome.label_zh().is_empty());
    }
    assert_eq!(DoorOutcome::NobodyHome.label_zh(), "家中无人");
    assert_eq!(DoorOutcome::Refused.label_zh(), "拒绝入户");
}
