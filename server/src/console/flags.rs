//! What each anomaly flag means to a supervisor, in words: the rule behind it
//! and its threshold (from the server's door-check policy and the minimum
//! visit durations of [`crate::anomalies`]), so a badge never reads as a bare
//! code. The visit page adds the visit's own figures to these.

use doorstep_evidence::DoorCheckPolicy;
use doorstep_evidence::door_check::DEFAULT_FAILED_ATTEMPTS_TO_FLAG;

use super::html::t;
use super::session::Lang;
use crate::anomalies::min_duration;
use crate::storage::{StoredVisit, VisitEvidence};

/// The flag shown for a visit carrying a photo that also appears in a visit
/// of another household; derived when read, not stored with the visit.
pub const PHOTO_REUSED: &str = "photo_reused";

/// The rule behind a flag code and its threshold, in the language; `None`
/// for a code without one.
pub fn reason(lang: Lang, code: &str, policy: &DoorCheckPolicy) -> Option<String> {
    let minutes = |kind: &str| min_duration(kind).num_seconds() as f64 / 60.0;
    let text = match code {
        "too_fast" => match lang {
            Lang::Zh => format!(
                "从开始走访（或到户核验）到完成的用时短于该类走访的最短合理用时：低保申请 {} 分钟，低保复核和临时救助 {} 分钟，其他走访 {} 分钟",
                minutes("dibao_application"),
                minutes("dibao_review"),
                minutes("other"),
            ),
            Lang::En => format!(
                "From the start of the visit (or its door check) to finishing took less than the shortest plausible time for its kind: {} min for a 低保 application, {} min for a 低保 review or temporary assistance, {} min otherwise",
                minutes("dibao_application"),
                minutes("dibao_review"),
                minutes("other"),
            ),
        },
        "answers_without_entry" => t(
            lang,
            "到户结果不是“见到本人”（家中无人、拒绝入户、已搬离等），表单却填有只有入户才能得到的回答（选项、是否、金额、证件号、电话、家庭成员）",
            "The door outcome was not \"met\" (nobody home, refused, moved out, …) yet the form records answers only an interview inside could give (choices, yes/no, amounts, ID numbers, phones, household members)",
        )
        .to_owned(),
        "failed_attempts" => match lang {
            Lang::Zh => format!(
                "自上次见到本人以来，此户已连续 {DEFAULT_FAILED_ATTEMPTS_TO_FLAG} 次或以上家中无人或拒绝入户"
            ),
            Lang::En => format!(
                "{DEFAULT_FAILED_ATTEMPTS_TO_FLAG} or more failed attempts (nobody home or refused) since the household was last met"
            ),
        },
        "door:outside" => match lang {
            Lang::Zh => format!(
                "定位点距住户位置超过围栏半径 {:.0} 米加定位精度",
                policy.geofence_radius_m
            ),
            Lang::En => format!(
                "The fix is farther from the household than the {:.0} m geofence radius plus its accuracy",
                policy.geofence_radius_m
            ),
        },
        "door:low_accuracy" => match lang {
            Lang::Zh => format!("定位精度差于 {:.0} 米", policy.max_accuracy_m),
            Lang::En => format!(
                "The fix's accuracy is worse than {:.0} m",
                policy.max_accuracy_m
            ),
        },
        "door:stale_fix" => match lang {
            Lang::Zh => format!(
                "核验时定位已超过 {} 秒",
                policy.max_fix_age.num_seconds()
            ),
            Lang::En => format!(
                "The fix was more than {} s old at the check",
                policy.max_fix_age.num_seconds()
            ),
        },
        "door:clock_skew" => match lang {
            Lang::Zh => format!(
                "手机时间与卫星定位时间相差超过 {} 分钟",
                policy.max_clock_skew.num_minutes()
            ),
            Lang::En => format!(
                "The phone's clock and the satellite time differ by more than {} min",
                policy.max_clock_skew.num_minutes()
            ),
        },
        "door:mock_location" => t(
            lang,
            "手机系统报告定位来自模拟定位软件",
            "The phone's system reported the fix as coming from a mock-location app",
        )
        .to_owned(),
        "door:no_fix" => t(lang, "到户核验时手机没有定位", "The phone had no fix at the door").to_owned(),
        "door:bad_position" => t(lang, "手机上报的坐标无效", "The phone sent an invalid position").to_owned(),
        "no_door_check" => t(
            lang,
            "走访没有到户核验（定位与到户结果）",
            "The visit has no door check (fix and door outcome)",
        )
        .to_owned(),
        "door_check_differs" => t(
            lang,
            "服务器按登记的住户位置重新核验，结论与手机上的不同",
            "The server's door check against the registered location differs from the phone's",
        )
        .to_owned(),
        "form_invalid" => t(
            lang,
            "服务器按表单规则校验未通过（必填、取值范围、格式等），各项问题见“校验问题”",
            "The answers fail the form's rules on the server (required, ranges, formats); see the validation problems",
        )
        .to_owned(),
        "grid_released" => t(
            lang,
            "该网格已调整给他人，此走访在网格员手机得知调整之前开始",
            "The grid was taken from the worker; the visit was begun before their phone was told",
        )
        .to_owned(),
        PHOTO_REUSED => t(
            lang,
            "同一张照片（按内容指纹）也出现在另一户的走访中",
            "The same photo (by its content hash) also appears in a visit of another household",
        )
        .to_owned(),
        _ if code.starts_with("form:") => t(
            lang,
            "表单中的这一项未通过校验",
            "This item of the form fails validation",
        )
        .to_owned(),
        _ => return None,
    };
    Some(text)
}

/// A flag of one visit (of the form's `visit_kind`) with that visit's own
/// figures against the threshold, in the language: how long it took, how far the fix was, …;
/// `None` when the flag has no figure (its [`reason`] says it all).
pub fn visit_detail(
    lang: Lang,
    code: &str,
    v: &StoredVisit,
    evidence: Option<&VisitEvidence>,
    policy: &DoorCheckPolicy,
    visit_kind: &str,
) -> Option<String> {
    let figures = v.server_door_check.as_ref().map(|c| &c.figures);
    let device = evidence.and_then(|e| e.device_door_check.as_ref());
    match code {
        "too_fast" => {
            let done = v.visit.finalized?;
            let from = device.map_or(v.visit.started.utc, |d| {
                d.input.checked_at.min(v.visit.started.utc)
            });
            let took = (done.utc - from).num_seconds();
            let min = min_duration(visit_kind).num_seconds();
            Some(match lang {
                Lang::Zh => format!(
                    "从开始到完成用时 {}，该类走访最短合理用时 {}",
                    duration_zh(took),
                    duration_zh(min)
                ),
                Lang::En => format!(
                    "Took {} from start to finish; the shortest plausible for this kind is {}",
                    duration_en(took),
                    duration_en(min)
                ),
            })
        }
        "door:outside" => {
            let f = figures?;
            let d = f.distance_m?;
            let a = f.accuracy_m.unwrap_or(0.0);
            Some(match lang {
                Lang::Zh => format!(
                    "定位点距住户 {d:.0} 米，超过围栏半径 {:.0} 米加精度 {a:.0} 米",
                    f.geofence_radius_m
                ),
                Lang::En => format!(
                    "The fix was {d:.0} m from the household, beyond the {:.0} m geofence plus its {a:.0} m accuracy",
                    f.geofence_radius_m
                ),
            })
        }
        "door:low_accuracy" => {
            let f = figures?;
            let a = f.accuracy_m?;
            Some(match lang {
                Lang::Zh => format!("定位精度 {a:.0} 米，要求不差于 {:.0} 米", f.max_accuracy_m),
                Lang::En => format!(
                    "Accuracy {a:.0} m; at most {:.0} m is accepted",
                    f.max_accuracy_m
                ),
            })
        }
        "door:stale_fix" => {
            let age = figures?.fix_age_s?;
            let max = policy.max_fix_age.num_seconds();
            Some(match lang {
                Lang::Zh => format!("核验时定位已过 {age} 秒，上限 {max} 秒"),
                Lang::En => format!("The fix was {age} s old; at most {max} s is accepted"),
            })
        }
        "door:clock_skew" => {
            let skew = figures?.clock_skew_s?;
            let max = policy.max_clock_skew.num_minutes();
            Some(match lang {
                Lang::Zh => format!(
                    "手机时间与卫星时间相差 {}，上限 {max} 分钟",
                    duration_zh(skew.abs())
                ),
                Lang::En => format!(
                    "The phone's clock was {} off the satellite time; at most {max} min is accepted",
                    duration_en(skew.abs())
                ),
            })
        }
        _ => None,
    }
}

fn duration_zh(s: i64) -> String {
    if s >= 60 {
        format!("{} 分 {} 秒", s / 60, s % 60)
    } else {
        format!("{s} 秒")
    }
}

fn duration_en(s: i64) -> String {
    if s >= 60 {
        format!("{} min {} s", s / 60, s % 60)
    } else {
        format!("{s} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_spelled_out_from_the_policy() {
        let policy = DoorCheckPolicy::default();
        let fast = reason(Lang::Zh, "too_fast", &policy).expect("known");
        assert!(fast.contains("5 分钟") && fast.contains("1 分钟"), "{fast}");
        let outside = reason(Lang::En, "door:outside", &policy).expect("known");
        assert!(outside.contains("50 m"), "{outside}");
        assert!(reason(Lang::Zh, "no_such_code", &policy).is_none());
    }
}
