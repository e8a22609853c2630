//! HTML building blocks: the one escaping helper every interpolated value goes
//! through, the page frame with its inline CSS, and formatting helpers.

use std::fmt::Write as _;

use axum::http::StatusCode;
use chrono::{DateTime, FixedOffset, Utc};

use super::session::{ConsoleUser, Lang};

/// Escapes text for HTML element content and double-quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Percent-encodes a query parameter value.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// China Standard Time, in which the office reads dates.
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC"))
}

/// An instant as `2026-11-22 10:00` in China Standard Time.
pub fn when(t: DateTime<Utc>) -> String {
    t.with_timezone(&china())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Picks the text for the language.
pub fn t<'a>(lang: Lang, zh: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

const CSS: &str = "body{font-family:system-ui,'PingFang SC','Microsoft YaHei',sans-serif;margin:0;color:#222;background:#f6f7f9}\
header{background:#24477a;color:#fff;padding:.5em 1em;display:flex;gap:1em;align-items:center;flex-wrap:wrap}\
header a{color:#fff}header form{display:inline;margin:0}\
main{padding:1em;max-width:1200px}\
table{border-collapse:collapse;background:#fff}td,th{border:1px solid #ccd;padding:.3em .5em;text-align:left;vertical-align:top}\
th{background:#eef}.flag{display:inline-block;text-decoration:none;background:#fde2e1;color:#8a1c17;border-radius:3px;padding:0 .3em;margin:1px;font-size:.85em}\
.ok{color:#1b6e2a}.bad{color:#a11}.muted{color:#777}.card{display:inline-block;background:#fff;border:1px solid #ccd;padding:.6em 1em;margin:.3em;min-width:8em}\
.card b{font-size:1.6em;display:block}form.filters label{margin-right:.6em;display:inline-block}\
.msg{background:#fff;border:1px solid #ccd;padding:1em;max-width:40em}.err{background:#fde2e1;border:1px solid #e99;padding:.5em;margin:.5em 0}\
img.thumb{width:160px;max-width:100%;height:auto;border:1px solid #ccd}textarea{width:100%;max-width:40em;box-sizing:border-box}\
a,button{display:inline-block;min-height:44px;line-height:44px;box-sizing:border-box}button{padding:0 1em}\
td a,li a,p a{line-height:1.4;padding:12px 0}.flag{line-height:1.4;padding:13px .3em}\
input,select{min-height:44px;max-width:100%;box-sizing:border-box}\
table{display:block;width:max-content;max-width:100%;overflow-x:auto}main{box-sizing:border-box}svg,img,.tilemap{max-width:100%}\
.msg{box-sizing:border-box;max-width:100%}.card{box-sizing:border-box}\
@media (max-width:600px){header{gap:.2em .8em;padding:.3em .6em}main{padding:.6em}.card{min-width:0;margin:.2em}\
form.filters label{display:block;margin:.2em 0}h1{font-size:1.4em}}";

/// A whole page: the header with navigation (for a signed-in user), then `body`.
pub fn frame(lang: Lang, user: Option<&ConsoleUser>, title: &str, body: &str) -> String {
    frame_with(lang, user, false, title, body)
}

/// [`frame`], with the pages every signed-in user has in the header when
/// `nav` even without the user at hand (error pages).
fn frame_with(
    lang: Lang,
    user: Option<&ConsoleUser>,
    nav: bool,
    title: &str,
    body: &str,
) -> String {
    let mut out = String::with_capacity(body.len() + 2048);
    let html_lang = t(lang, "zh-CN", "en");
    let _ = write!(
        out,
        "<!doctype html><html lang=\"{html_lang}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{} · {}</title><style>{CSS}</style></head><body><header><strong>{}</strong>",
        esc(title),
        t(lang, "入户通 管理后台", "Doorstep console"),
        t(lang, "入户通", "Doorstep"),
    );
    if user.is_some() || nav {
        let _ = write!(
            out,
            "<a href=\"/console\">{}</a><a href=\"/console/queue\">{}</a><a href=\"/console/export\">{}</a>",
            t(lang, "概览", "Dashboard"),
            t(lang, "审核队列", "Review queue"),
            t(lang, "导出台账", "Export ledger"),
        );
    }
    if let Some(u) = user {
        if u.is_admin() {
            let _ = write!(
                out,
                "<a href=\"/console/admin/users\">{}</a><a href=\"/console/admin/grids\">{}</a>\
<a href=\"/console/admin/ledger\">{}</a><a href=\"/console/admin/templates\">{}</a>\
<a href=\"/console/audit\">{}</a>",
                t(lang, "用户", "Users"),
                t(lang, "网格", "Grids"),
                t(lang, "导入台账", "Import ledger"),
                t(lang, "表单模板", "Form templates"),
                t(lang, "审计日志", "Audit log")
            );
        }
        let _ = write!(
            out,
            "<span>{}（{}）</span><form method=\"post\" action=\"/console/logout\">\
<input type=\"hidden\" name=\"csrf\" value=\"{}\"><button type=\"submit\">{}</button></form>",
            esc(&u.caller.display_name),
            esc(&u.caller.username),
            esc(&u.csrf),
            t(lang, "退出", "Sign out"),
        );
    }
    let _ = write!(
        out,
        "<a href=\"/console/lang?to={}\">{}</a></header><main><h1>{}</h1>{body}</main></body></html>",
        t(lang, "en", "zh"),
        t(lang, "English", "中文"),
        esc(title),
    );
    out
}

/// A page with one message, in both languages (errors and refusals), with a
/// way back; `signed_in` keeps the console's navigation in the header.
pub fn message_page(lang: Lang, status: StatusCode, zh: &str, en: &str, signed_in: bool) -> String {
    let way_back = if signed_in {
        format!(
            "<a href=\"/console/queue\">{}</a> · <a href=\"/console\">{}</a>",
            t(lang, "返回审核队列", "Back to the review queue"),
            t(lang, "返回概览", "Back to the dashboard"),
        )
    } else {
        format!(
            "<a href=\"/console/login\">{}</a>",
            t(lang, "返回登录", "Back to sign-in")
        )
    };
    let body = format!(
        "<div class=\"msg\"><p lang=\"zh-CN\">{}</p><p lang=\"en\">{}</p><p>{way_back}</p></div>",
        esc(zh),
        esc(en),
    );
    let what = match status.as_u16() {
        400 | 413 | 422 => t(lang, "无法处理", "Cannot do that"),
        401 | 403 => t(lang, "无权访问", "Not allowed"),
        404 => t(lang, "未找到", "Not found"),
        429 => t(lang, "请稍后再试", "Too many attempts"),
        _ => t(lang, "出错了", "Something went wrong"),
    };
    let title = format!("{what}（{}）", status.as_u16());
    frame_with(lang, None, signed_in, &title, &body)
}

/// A hidden CSRF field for a form of this user's session.
pub fn csrf_field(user: &ConsoleUser) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(&user.csrf)
    )
}

/// A flag code shown as a badge, with its meaning in the language, its rule
/// and threshold as the badge's title, and a link to the queue of the visits
/// carrying it.
pub fn flag_badge(lang: Lang, code: &str, policy: &doorstep_evidence::DoorCheckPolicy) -> String {
    let reason = super::flags::reason(lang, code, policy).unwrap_or_else(|| code.to_owned());
    format!(
        "<a class=\"flag\" href=\"/console/queue?flag={}\" title=\"{}\">{}</a>",
        url_encode(code),
        esc(&reason),
        esc(&flag_label(lang, code))
    )
}

/// What a stored flag code means to a supervisor.
pub fn flag_label(lang: Lang, code: &str) -> String {
    let known = match code {
        "form_invalid" => Some(("表单校验未通过", "Form validation failed")),
        "unknown_template" => Some(("未知表单", "Unknown form")),
        "no_door_check" => Some(("无到户核验", "No door check")),
        "door_check_differs" => Some((
            "核验结果与手机不一致",
            "Door check differs from the phone's",
        )),
        "door_accepted_by_hand" => Some((
            "网格员未等到合格定位，手动确认了到户核验",
            "The worker accepted the door check by hand, without a good fix",
        )),
        "door:outside" => Some(("不在地理围栏内", "Outside the geofence")),
        "door:mock_location" => Some(("模拟定位", "Mock location")),
        "door:clock_skew" => Some(("手机时间异常", "Clock skew")),
        "door:low_accuracy" => Some(("定位精度不足", "Low GPS accuracy")),
        "door:stale_fix" => Some(("定位已过时", "Stale fix")),
        "door:no_fix" => Some(("无定位", "No GPS fix")),
        "door:bad_position" => Some(("坐标无效", "Invalid position")),
        "too_fast" => Some(("用时过短", "Finished implausibly fast")),
        "answers_without_entry" => Some(("未入户却有访谈内容", "Interview answers without entry")),
        "grid_released" => Some((
            "网格调整前开始的走访（该网格已不归此网格员）",
            "Begun before the grid was taken from this worker",
        )),
        "photo_reused" => Some(("同一照片用于多户", "Photo reused across households")),
        "revision_not_returned" => Some((
            "修改了未被退回的走访",
            "A revision of a visit that was not returned",
        )),
        "revision_other_household" => Some((
            "修改后的走访换了住户",
            "A revision naming another household",
        )),
        "revision_without_previous" => {
            Some(("缺少上一版本的修改", "A revision without its previous one"))
        }
        "failed_attempts" => Some((
            "多次未能入户（家中无人或拒绝）",
            "Repeated failed attempts (nobody home or refused)",
        )),
        _ => None,
    };
    match known {
        Some((zh, en)) => t(lang, zh, en).to_owned(),
        None => match code.strip_prefix("form:") {
            // `form:constraint@health`: the problem in words and the field.
            Some(rest) => {
                let (kind, path) = rest.split_once('@').unwrap_or((rest, ""));
                let words = doorstep_forms::validate::problem_kind_words(kind)
                    .map(|w| t(lang, &w.zh, &w.en).to_owned())
                    .unwrap_or_else(|| kind.to_owned());
                match path {
                    "" => format!("{}：{words}", t(lang, "校验", "Validation")),
                    path => format!("{}：{path} {words}", t(lang, "校验", "Validation")),
                }
            }
            None => code.to_owned(),
        },
    }
}

/// What the worker found at the door, in the language.
pub fn outcome_label(lang: Lang, outcome: doorstep_evidence::DoorOutcome) -> &'static str {
    t(lang, outcome.label_zh(), outcome.label_en())
}

/// The door outcome as a table cell's content: a missing door check and
/// every outcome but "met" stand out.
pub fn outcome_cell(lang: Lang, outcome: Option<doorstep_evidence::DoorOutcome>) -> String {
    match outcome {
        Some(o) if o == doorstep_evidence::DoorOutcome::Met => {
            format!("<span class=\"ok\">{}</span>", outcome_label(lang, o))
        }
        Some(o) => format!("<strong class=\"bad\">{}</strong>", outcome_label(lang, o)),
        None => format!(
            "<span class=\"bad\">{}</span>",
            t(lang, "无到户核验", "No door check")
        ),
    }
}

/// A visit status in the language.
pub fn status_label(lang: Lang, status: doorstep_model::VisitStatus) -> &'static str {
    match lang {
        Lang::Zh => status.label_zh(),
        Lang::En => status.as_str(),
    }
}

/// The links between the pages of a list: 上一页 / Next around "3 / 7", each
/// to `path` with the query `query(page)` gives for that page.
pub fn pager(
    lang: Lang,
    path: &str,
    page_no: u64,
    pages: u64,
    query: impl Fn(u64) -> String,
) -> String {
    let mut out = String::new();
    if page_no > 1 {
        out.push_str(&format!(
            "<a href=\"{path}?{}\">{}</a> ",
            esc(&query(page_no - 1)),
            t(lang, "上一页", "Previous")
        ));
    }
    out.push_str(&format!("{page_no} / {pages}"));
    if page_no < pages {
        out.push_str(&format!(
            " <a href=\"{path}?{}\">{}</a>",
            esc(&query(page_no + 1)),
            t(lang, "下一页", "Next")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_quotes_are_escaped() {
        assert_eq!(
            esc("<script>alert('1')</script>\"&"),
            "&lt;script&gt;alert(&#39;1&#39;)&lt;/script&gt;&quot;&amp;"
        );
        assert_eq!(esc("王秀英"), "王秀英");
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(url_encode("a b&c=d/王"), "a%20b%26c%3Dd%2F%E7%8E%8B");
    }
}
