//! XLSForm question types the phone asks as one of its own kinds, keeping
//! what ODK stores: `time` and `datetime` as text the core checks (`09:30`,
//! `2026-12-05 09:30`), `range` as a whole or decimal number between its
//! bounds, and `hidden` as a value computed from its `calculation` or
//! `default`, never shown.

use super::msg;
use crate::definition::{Field, LocalizedText};

/// A time of day: `HH:MM`, or `HH:MM:SS` as ODK writes a default.
const TIME: &str = "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$";

/// A date and a time of day: `YYYY-MM-DD HH:MM` (or with `T`, as a date-time
/// cell is read, and with seconds).
const DATETIME: &str = "^[0-9][0-9][0-9][0-9]-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$";

/// `cond` and the row's own constraint, when it has one: both must hold.
fn with_constraint(cond: String, own: Option<String>) -> String {
    match own {
        Some(own) => format!("({cond}) and ({own})"),
        None => cond,
    }
}

/// Makes `field` (a text field read from a `time` or, with `datetime`, a
/// `datetime` row) accept only a time of day, or a date and time: the
/// format is added to its constraint, its message and its hint say how to
/// write one, unless the row gives its own.
pub(super) fn time_text(field: &mut Field, datetime: bool) {
    let (pattern, zh, en, example) = if datetime {
        (
            DATETIME,
            "请按“年-月-日 时:分”填写",
            "write the date and time as YYYY-MM-DD HH:MM",
            "2026-12-05 09:30",
        )
    } else {
        (TIME, "请按“时:分”填写", "write the time as HH:MM", "09:30")
    };
    let own = field.constraint.take();
    if own.is_none() && field.constraint_message.is_none() {
        field.constraint_message = Some(msg(
            format!("{zh}，例如 {example}"),
            format!("{en}, e.g. {example}"),
        ));
    }
    field.constraint = Some(with_constraint(format!("regex(., '{pattern}')"), own));
    if field.hint.is_none() {
        field.hint = Some(msg(format!("例如 {example}"), format!("e.g. {example}")));
    }
}

/// True when `text` is written as a `time` (or, with `datetime`, a
/// `datetime`) row asks for: what a default must be.
pub(super) fn time_admits(text: &str, datetime: bool) -> bool {
    let pattern = if datetime { DATETIME } else { TIME };
    regex::Regex::new(pattern).is_ok_and(|re| re.is_match(text))
}

/// A `range` row's `parameters`, as pyxform reads them: `start` (1), `end`
/// (10) and `step` (1), written `start=0 end=100 step=5` (spaces, `;` or `,`
/// between them). `decimal` when any of them is not a whole number.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Range {
    start: f64,
    end: f64,
    step: f64,
    pub decimal: bool,
}

/// Reads a `range` row's `parameters` cell; what it cannot read is told in
/// Chinese and English. Parameters that only change how ODK draws the slider
/// (`tick_interval`, `placeholder`, `tick_labelset`) are read and left out.
pub(super) fn range(parameters: &str) -> Result<Range, LocalizedText> {
    let mut r = Range {
        start: 1.0,
        end: 10.0,
        step: 1.0,
        decimal: false,
    };
    for part in parameters
        .split([' ', ';', ','])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let Some((key, value)) = part.split_once('=') else {
            return Err(msg(
                format!("参数 `{part}` 应写成 名称=值，例如 start=1 end=10 step=1"),
                format!("parameter `{part}` should be name=value, e.g. start=1 end=10 step=1"),
            ));
        };
        let (key, value) = (key.trim().to_lowercase(), value.trim());
        let slot = match key.as_str() {
            "start" => &mut r.start,
            "end" => &mut r.end,
            "step" => &mut r.step,
            "tick_interval" | "placeholder" | "tick_labelset" => continue,
            _ => {
                return Err(msg(
                    format!("`range` 没有参数 `{key}`（可用：start、end、step）"),
                    format!("`range` has no parameter `{key}` (known: start, end, step)"),
                ));
            }
        };
        *slot = value
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .ok_or_else(|| {
                msg(
                    format!("参数 `{key}` 的值 `{value}` 不是数字"),
                    format!("parameter `{key}`: `{value}` is not a number"),
                )
            })?;
        if value.contains('.') {
            r.decimal = true;
        }
    }
    if r.step <= 0.0 {
        return Err(msg(
            "`range` 的 step 应大于 0",
            "the step of a `range` must be above 0",
        ));
    }
    r.decimal |= [r.start, r.end, r.step].iter().any(|n| n.fract() != 0.0);
    Ok(r)
}

impl Range {
    /// True when `n` is between the bounds (and, for whole numbers, on a
    /// step from `start`): what a default must be.
    pub(super) fn admits(&self, n: f64) -> bool {
        let (lo, hi) = (self.start.min(self.end), self.start.max(self.end));
        let stepped = !self.decimal && self.step != 1.0;
        n >= lo && n <= hi && (!stepped || ((n - self.start) % self.step) == 0.0)
    }

    /// Makes `field` (an integer or decimal field read from the `range` row)
    /// accept only numbers between the bounds, and for whole numbers only
    /// the steps from `start`; its message says so unless the row gives its own.
    pub(super) fn bound(&self, field: &mut Field) {
        let n = crate::expr::eval::format_number;
        let (lo, hi) = (self.start.min(self.end), self.start.max(self.end));
        let mut cond = format!(". >= {} and . <= {}", n(lo), n(hi));
        let stepped = !self.decimal && self.step != 1.0;
        if stepped {
            cond.push_str(&format!(
                " and (. - {}) mod {} = 0",
                n(self.start),
                n(self.step)
            ));
        }
        let own = field.constraint.take();
        if own.is_none() && field.constraint_message.is_none() {
            let (zh_step, en_step) = if stepped {
                (
                    format!("，每档 {}", n(self.step)),
                    format!(", in steps of {}", n(self.step)),
                )
            } else {
                (String::new(), String::new())
            };
            field.constraint_message = Some(msg(
                format!("应在 {} 到 {} 之间{zh_step}", n(lo), n(hi)),
                format!("must be between {} and {}{en_step}", n(lo), n(hi)),
            ));
        }
        field.constraint = Some(with_constraint(cond, own));
    }
}

/// The calculation a `hidden` row keeps: its own `calculation`, else its
/// `default` as a fixed text, else the empty text (a hidden value nothing
/// sets stays empty, as in ODK).
pub(super) fn hidden_calculation(calculation: Option<String>, default: Option<&str>) -> String {
    calculation.unwrap_or_else(|| {
        let d = default.unwrap_or_default();
        if d.contains('\'') {
            format!("\"{d}\"")
        } else {
            format!("'{d}'")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_parameters_read_as_pyxform_reads_them() {
        assert_eq!(
            range("").expect("defaults"),
            Range {
                start: 1.0,
                end: 10.0,
                step: 1.0,
                decimal: false
            }
        );
        let r = range("start=0;end=2.5, step=0.5").expect("decimal");
        assert!(r.decimal);
        assert!(range("start=a").is_err());
        assert!(range("step=0").is_err());
        assert!(range("colour=red").is_err());
        assert!(range("tick_interval=2").is_ok());
    }
}
