//! Each built-in template accepts a realistic filled visit and rejects a realistic
//! wrong one with exactly the problems a supervisor would point out.

use chrono::NaiveDate;
use serde_json::{Value, json};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).expect("date")
}

/// The common header every template shares, plus the template's own answers.
fn visit(own: Value) -> Value {
    let mut v = json!({
        "household_id": "HH-310104-0032",
        "respondent": "王秀英",
        "visit_date": "2026-11-20",
        "location": {"lat": 31.1882, "lon": 121.4365, "accuracy_m": 8.5},
        "photos": ["photo-0001.jpg"],
    });
    if let (Some(base), Some(extra)) = (v.as_object_mut(), own.as_object()) {
        for (k, x) in extra {
            if x.is_null() {
                base.remove(k);
            } else {
                base.insert(k.clone(), x.clone());
            }
        }
    }
    v
}

fn check(id: &str, good: Value, bad: Value, expected: &[(&str, &str)]) {
    let form = doorstep_forms::templates::load(id)
        .expect("listed")
        .unwrap_or_else(|e| panic!("{e}"));
    let v = form.validate(&visit(good), today());
    assert!(
        v.is_valid(),
        "{id}: the good example has problems: {:#?}",
        v.problems
    );
    let v = form.validate(&visit(bad), today());
    assert_eq!(v.codes(), expected, "{id}: {:#?}", v.problems);
    for p in &v.problems {
        assert!(
            !p.message.zh.is_empty() && !p.message.en.is_empty(),
            "{id}: {p:?}"
        );
    }
}

#[test]
fn dibao_application() {
    let members = json!([
        {"member_name": "王秀英", "relation": "self", "member_id": "11010519491231002X", "health": "chronic",
         "disabled": "no", "job_status": "retired", "member_income": 98000},
        {"member_name": "李明", "relation": "grandchild", "member_id": "11010520150612008X", "health": "healthy",
         "disabled": "yes", "disability_level": "2", "job_status": "student", "member_income": 0}
    ]);
    check(
        "dibao_application",
        json!({"members": members, "other_income": 20000, "housing": "rented", "housing_area": 38.5,
               "hardship_causes": ["illness", "education"], "claim_verified": "yes", "recusal_conflict": "no",
               "applicant_signature": "sig-0001.png", "outcome": "recommend_approve", "next_visit_date": "2027-02-20"}),
        json!({"members": [
                {"member_name": "王秀英", "relation": "self", "member_id": "110105194912310021", "health": "chronic",
                 "disabled": "no", "job_status": "retired", "member_income": 98000},
                {"member_name": "李明", "relation": "grandchild", "member_id": "11010520150612008X", "health": "healthy",
                 "disabled": "yes", "job_status": "student", "member_income": 0}],
               "housing": "rented", "housing_area": 38.5, "hardship_causes": ["other"], "claim_verified": "no",
               "recusal_conflict": "no", "photos": [], "outcome": "recommend_approve", "next_visit_date": "2026-11-01"}),
        &[
            ("members[0].member_id", "bad_check_digit"),
            ("members[1].disability_level", "required"),
            ("hardship_other", "required"),
            ("discrepancies", "required"),
            ("photos", "too_few_photos"),
            ("outcome", "constraint"),
            ("next_visit_date", "constraint"),
        ],
    );
}

#[test]
fn dibao_application_computes_per_capita_income() {
    let form = doorstep_forms::templates::load("dibao_application")
        .expect("listed")
        .expect("loads");
    let v = form.validate(
        &visit(json!({"members": [
            {"member_name": "王秀英", "relation": "self", "member_id": "11010519491231002X", "health": "chronic",
             "disabled": "no", "job_status": "retired", "member_income": 98000},
            {"member_name": "李明", "relation": "grandchild", "member_id": "11010520150612008X", "health": "healthy",
             "disabled": "no", "job_status": "student", "member_income": 0}],
            "housing": "none", "housing_area": 20, "hardship_causes": ["illness"], "claim_verified": "yes",
            "recusal_conflict": "no", "outcome": "recommend_approve"})),
        today(),
    );
    assert!(v.is_valid(), "{:?}", v.problems);
    assert_eq!(v.answers["household_size"], 2);
    assert_eq!(v.answers["other_income"], 0);
    assert_eq!(v.answers["total_income"], 98000);
    assert_eq!(v.answers["per_capita_income"], 49000);
    assert_eq!(v.answers["members"][0]["member_age"], 76);
    // Floor area is not asked of someone with no fixed home, so the answer is dropped.
    assert_eq!(v.answers.get("housing_area"), None);
}

#[test]
fn dibao_review() {
    check(
        "dibao_review",
        json!({"household_size": 3, "reemployed": "no", "life_changes": ["none"], "monthly_income": 210000,
               "dibao_standard": 110000, "proposal": "keep", "next_visit_date": "2027-02-20"}),
        json!({"household_size": 2, "reemployed": "yes", "life_changes": ["none", "illness"], "monthly_income": 300000,
               "dibao_standard": 110000, "proposal": "keep", "photos": null}),
        &[
            ("reemployment_detail", "required"),
            ("life_changes", "constraint"),
            ("proposal", "constraint"),
            ("photos", "too_few_photos"),
        ],
    );
}

#[test]
fn temp_assistance() {
    check(
        "temp_assistance",
        json!({"event_type": "illness", "event_date": "2026-11-02",
               "event_description": "户主突发脑梗住院治疗，自付医疗费用较高，家庭无力承担。",
               "aid_form": "cash", "amount_requested": 500000, "amount_recommended": 300000,
               "documents": ["application", "id_card", "hukou", "medical_bills"], "facts_clear": "yes",
               "outcome": "recommend_approve"}),
        json!({"event_type": "illness", "event_date": "2026-11-25", "event_description": "住院",
               "aid_form": "both", "amount_requested": 200000, "amount_recommended": 300000,
               "documents": ["application", "medical_bills"], "facts_clear": "yes", "outcome": "recommend_approve"}),
        &[
            ("event_date", "constraint"),
            ("event_description", "constraint"),
            ("amount_recommended", "constraint"),
            ("goods_items", "required"),
            ("outcome", "constraint"),
        ],
    );
}

#[test]
fn military_care_visit() {
    check(
        "military_care_visit",
        json!({"care_category": "martyr_family", "occasion": "routine", "difficulties": ["medical"],
               "difficulty_detail": "老伴患糖尿病，需长期用药", "cash_given": 100000, "goods_given": "米、油各一份",
               "recipient_signature": "sig-0077.png", "outcome": "done"}),
        json!({"care_category": "martyr_family", "occasion": "routine", "difficulties": ["none", "housing"],
               "cash_given": 2000000}),
        &[
            ("difficulties", "constraint"),
            ("cash_given", "constraint"),
            ("recipient_signature", "required"),
            ("outcome", "required"),
        ],
    );
}

#[test]
fn disabled_person_visit() {
    check(
        "disabled_person_visit",
        json!({"person_id": "510107196203051818", "certificate_number": "51010719620305181842",
               "disability_type": "physical", "disability_level": "2", "living_situation": "partly",
               "care_subsidy": "yes", "hardship_subsidy": "no", "in_rehab": "yes",
               "rehab_institution": "锦江区残疾人康复中心", "rehab_sessions": 8, "job_status": "unable", "outcome": "done"}),
        json!({"person_id": "510107196203051818", "certificate_number": "5101071962030518184",
               "disability_type": "physical", "disability_level": "3", "living_situation": "partly",
               "care_subsidy": "yes", "hardship_subsidy": "no", "in_rehab": "yes", "rehab_sessions": 40,
               "job_status": "unable", "outcome": "done"}),
        &[
            ("certificate_number", "constraint"),
            ("care_subsidy", "constraint"),
            ("rehab_institution", "required"),
            ("rehab_sessions", "constraint"),
        ],
    );
}

#[test]
fn elder_alone_visit() {
    check(
        "elder_alone_visit",
        json!({"elder_id": "330106193809090025", "health": "fair", "chronic_illness": ["hypertension", "diabetes"],
               "home_hazards": ["fall_risk"], "emergency_contact": "陈建国（侄子）", "emergency_phone": "0571-87654321",
               "care_given": ["emotional_support", "cleaning"], "volunteer": "社区志愿者小刘", "follow_up": "no",
               "outcome": "well"}),
        json!({"elder_id": "420106199801201244", "health": "bedridden", "chronic_illness": ["stroke"],
               "home_hazards": ["none"], "emergency_contact": "陈建国", "emergency_phone": "1381234567",
               "care_given": [], "follow_up": "no", "outcome": "needs_help"}),
        &[
            ("elder_id", "constraint"),
            ("emergency_phone", "phone_bad_format"),
            ("care_given", "required"),
            ("follow_up_detail", "required"),
        ],
    );
}

#[test]
fn left_behind_registration() {
    let absent = json!([{"absent_name": "李建华", "absent_relation": "father", "absent_where": "广东省深圳市宝安区",
                         "absent_phone": "13912345678"}]);
    check(
        "left_behind_registration",
        json!({"person_type": "child", "person_name": "李明", "person_id": "11010520150612008X",
               "absent_members": absent, "guardian_name": "王秀英", "guardian_phone": "13812345678",
               "school": "实验小学五年级", "needs": ["study_help", "psychological"], "outcome": "registered"}),
        json!({"person_type": "child", "person_name": "陈晨", "person_id": "440106201003150044",
               "absent_members": [], "guardian_name": "陈奶奶", "livelihood": "farming", "outcome": "registered"}),
        &[
            ("person_id", "constraint"),
            ("absent_members", "required"),
            ("guardian_phone", "required"),
        ],
    );
}

#[test]
fn migrant_registration() {
    check(
        "migrant_registration",
        json!({"person_name": "张伟", "person_id": "410326199008153616", "phone": "159 0000 1111",
               "origin": "河南省洛阳市洛宁县", "arrival_date": "2025-03-01", "reason": "work", "employer": "深圳市某电子厂",
               "residence_type": "rental", "landlord_name": "陈国强", "landlord_phone": "13712345678",
               "residence_permit": "yes", "permit_number": "440300-2025-123456",
               "companions": [{"companion_name": "刘芳", "companion_relation": "spouse", "companion_id": "37020219931111432X"}],
               "outcome": "registered"}),
        json!({"person_name": "张伟", "person_id": "410326199008153616", "phone": "15900001111",
               "origin": "河南省洛阳市洛宁县", "arrival_date": "2026-12-01", "reason": "work",
               "residence_type": "rental", "landlord_name": "陈国强", "residence_permit": "yes",
               "companions": [{"companion_name": "刘芳", "companion_relation": "spouse", "companion_id": "37020219931111432"}],
               "outcome": "moved"}),
        &[
            ("arrival_date", "constraint"),
            ("employer", "required"),
            ("landlord_phone", "required"),
            ("permit_number", "required"),
            ("companions[0].companion_id", "wrong_length"),
            ("outcome", "unknown_choice"),
        ],
    );
}

#[test]
fn rental_inspection() {
    let tenant = json!({"tenant_name": "张伟", "tenant_id": "410326199008153616", "tenant_phone": "15900001111",
                        "move_in_date": "2025-03-01", "tenant_registered": "yes"});
    check(
        "rental_inspection",
        json!({"landlord_name": "陈国强", "landlord_id": "210203197702286519", "landlord_phone": "13712345678",
               "rooms": 3, "tenants": [tenant], "lease_filed": "yes", "extinguisher": "yes", "escape_route_clear": "yes",
               "ebike_indoor_charging": "no", "smoke_alarm": "yes", "outcome": "passed"}),
        json!({"landlord_name": "陈国强", "landlord_id": "210203197702286519", "landlord_phone": "13712345678",
               "rooms": 0, "tenants": [{"tenant_name": "张伟", "tenant_id": "410326199008153616",
                                         "tenant_phone": "15900001111", "move_in_date": "2025-03-01"}],
               "lease_filed": "yes", "extinguisher": "yes", "escape_route_clear": "yes",
               "ebike_indoor_charging": "yes", "smoke_alarm": "yes", "outcome": "passed"}),
        &[
            ("rooms", "constraint"),
            ("tenants[0].tenant_registered", "required"),
            ("notice_number", "required"),
            ("deadline", "required"),
            ("outcome", "constraint"),
        ],
    );
}

#[test]
fn hazard_inspection() {
    check(
        "hazard_inspection",
        json!({"visit_date": "2026-11-14", "hazard_found": "yes", "hazard_type": "electrical",
               "hazard_description": "楼道内私拉电线为电动车充电，线路老化", "severity": "severe",
               "hazard_photos": ["hazard-01.jpg"], "notice_number": "整改字〔2026〕第0123号", "deadline": "2026-11-19",
               "recheck_date": "2026-11-20", "recheck_result": "fixed", "outcome": "notice_issued",
               "next_visit_date": "2027-02-14"}),
        json!({"visit_date": "2026-11-14", "hazard_found": "yes", "hazard_type": "electrical",
               "hazard_description": "楼道内私拉电线为电动车充电", "severity": "severe",
               "notice_number": "无", "deadline": "2026-12-10", "recheck_date": "2026-11-20", "outcome": "no_hazard"}),
        &[
            ("hazard_photos", "too_few_photos"),
            ("notice_number", "constraint"),
            ("deadline", "constraint"),
            ("recheck_result", "required"),
            ("outcome", "constraint"),
        ],
    );
}

#[test]
fn hazard_inspection_without_a_hazard_skips_the_hazard_section() {
    let form = doorstep_forms::templates::load("hazard_inspection")
        .expect("listed")
        .expect("loads");
    let v = form.validate(
        &visit(json!({"hazard_found": "no", "severity": "severe", "notice_number": "无", "outcome": "no_hazard"})),
        today(),
    );
    assert!(v.is_valid(), "{:?}", v.problems);
    assert_eq!(v.answers.get("severity"), None);
    assert_eq!(v.answers.get("notice_number"), None);
}

#[test]
fn dispute_mediation() {
    check(
        "dispute_mediation",
        json!({"dispute_type": "neighbour",
               "parties": [{"party_name": "赵强", "party_role": "applicant", "party_phone": "13600001111"},
                           {"party_name": "钱丽", "party_role": "respondent"}],
               "facts": "楼上住户装修漏水导致楼下天花板受损，双方就赔偿金额发生争执", "risk_level": "medium",
               "mediation_steps": "网格员约双方到社区调解室，查看现场后协商赔偿", "responsible_person": "网格员周敏",
               "outcome": "resolved", "agreement_signed": "yes", "agreement_photos": ["agreement-01.jpg"]}),
        json!({"dispute_type": "neighbour", "parties": [{"party_name": "赵强", "party_role": "applicant"}],
               "facts": "漏水", "risk_level": "high", "mediation_steps": "电话沟通", "responsible_person": "网格员周敏",
               "outcome": "ongoing"}),
        &[
            ("parties", "too_few_entries"),
            ("facts", "constraint"),
            ("outcome", "constraint"),
            ("next_visit_date", "required"),
        ],
    );
}

#[test]
fn disaster_assessment() {
    check(
        "disaster_assessment",
        json!({"disaster_type": "flood", "disaster_date": "2026-11-10", "house_damage": "collapsed", "rooms_damaged": 2,
               "crop_area_mu": 3.5, "crop_lost_mu": 1.2, "deaths": 0, "injured": 1, "missing": 0, "relocated": 4,
               "estimated_loss": 8500000, "aid_requested": ["shelter", "rebuild_grant", "food"],
               "photos": ["damage-01.jpg", "damage-02.jpg"], "outcome": "verified"}),
        json!({"disaster_type": "flood", "disaster_date": "2026-11-10", "house_damage": "minor",
               "crop_area_mu": 3.5, "crop_lost_mu": 5, "deaths": -1, "injured": 0, "missing": 0, "relocated": 0,
               "estimated_loss": 120000, "aid_requested": ["rebuild_grant"], "outcome": "partly"}),
        &[
            ("rooms_damaged", "required"),
            ("crop_lost_mu", "constraint"),
            ("deaths", "constraint"),
            ("aid_requested", "constraint"),
            ("photos", "too_few_photos"),
        ],
    );
}

#[test]
fn employment_visit() {
    check(
        "employment_visit",
        json!({"person_id": "210203197702286519", "status": "laid_off", "is_4050": "yes", "employment_card": "yes",
               "card_number": "2102030012345", "training_wanted": ["elder_care"], "support": "small_loan",
               "loan_amount": 10000000, "medical_insured": "yes", "pension_insured": "yes", "ss_card": "yes",
               "outcome": "job_referral"}),
        json!({"person_id": "420106199801201244", "status": "unemployed", "is_4050": "yes", "employment_card": "yes",
               "support": "small_loan", "loan_amount": 5000000000i64, "medical_insured": "no", "pension_insured": "no",
               "ss_card": "unknown", "outcome": "registered"}),
        &[
            ("is_4050", "constraint"),
            ("card_number", "required"),
            ("loan_amount", "constraint"),
            ("ss_card", "unknown_choice"),
        ],
    );
}

#[test]
fn pension_certification() {
    check(
        "pension_certification",
        json!({"respondent": "林阿公", "person_id": "35020319400101071X", "benefit": "senior_allowance",
               "status": "alive_present", "face_photo": ["face-01.jpg"], "change": "none", "signature": "sig-0009.png"}),
        json!({"respondent": "赵桂兰", "person_id": "130102195601011523", "benefit": "senior_allowance",
               "status": "deceased", "face_photo": ["face-01.jpg"], "change": "none"}),
        &[
            ("benefit", "constraint"),
            ("date_of_death", "required"),
            ("change", "constraint"),
        ],
    );
}

#[test]
fn notice_fields_are_marked_only_where_they_may_be_posted() {
    use doorstep_forms::definition::FieldType;
    let public = |id: &str| -> Vec<(String, FieldType)> {
        let form = doorstep_forms::templates::load(id)
            .expect("listed")
            .unwrap_or_else(|e| panic!("{e}"));
        form.definition()
            .fields
            .iter()
            .filter(|f| f.public)
            .map(|f| (f.name.clone(), f.field_type))
            .collect()
    };
    let names = |id: &str| -> Vec<String> { public(id).into_iter().map(|(n, _)| n).collect() };
    assert_eq!(
        names("dibao_review"),
        ["proposal", "new_band", "proposed_amount"]
    );
    assert_eq!(names("dibao_application"), ["outcome"]);
    assert_eq!(names("temp_assistance"), ["aid_form", "amount_recommended"]);
    assert!(names("elder_alone_visit").is_empty(), "not a notice kind");
    for id in doorstep_forms::templates::ids() {
        for (name, kind) in public(id) {
            assert!(
                !matches!(
                    kind,
                    FieldType::IdNumber | FieldType::Phone | FieldType::Geopoint
                ),
                "{id}.{name} may not be public"
            );
        }
    }
}
