//! Computes an expression's value against answers.
//!
//! Evaluation never fails: the form's expressions were checked when it loaded, and
//! what can still go wrong at run time (an empty answer, a division by zero, an
//! invalid ID number given to `age-from-id()`) yields [`Value::Null`], which
//! compares false with everything except another empty value.

use chrono::NaiveDate;
use regex::Regex;

use super::ast::{BinOp, Expr, ExprKind, Func};

/// The value of an expression or of an answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// No answer.
    Null,
    Bool(bool),
    Num(f64),
    /// Text; a `select_multiple` answer is its choice names separated by spaces, as in XLSForm.
    Str(String),
    Date(NaiveDate),
}

impl Value {
    /// XPath truthiness: non-zero numbers, non-empty text, any date, `true`.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Num(n) => *n != 0.0 && !n.is_nan(),
            Value::Str(s) => !s.is_empty(),
            Value::Date(_) => true,
        }
    }

    /// True for no answer and for empty text.
    pub fn is_empty(&self) -> bool {
        match self {
            Value::Null => true,
            Value::Str(s) => s.is_empty(),
            _ => false,
        }
    }

    /// The value as a number, when it is one or is text that reads as one.
    pub fn as_num(&self) -> Option<f64> {
        match self {
            Value::Num(n) if n.is_finite() => Some(*n),
            Value::Str(s) => s.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
            Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
            _ => None,
        }
    }

    /// The value as a date, when it is one or is text in `YYYY-MM-DD` form.
    pub fn as_date(&self) -> Option<NaiveDate> {
        match self {
            Value::Date(d) => Some(*d),
            Value::Str(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok(),
            _ => None,
        }
    }

    /// The value as text, the way XPath's `string()` writes it (whole numbers without `.0`).
    pub fn to_text(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Bool(b) => b.to_string(),
            Value::Num(n) => format_number(*n),
            Value::Str(s) => s.clone(),
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
        }
    }
}

/// Writes a number as XPath does: integers without a fraction.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// What an expression can see: the answers in scope, the answer being
/// constrained, today's date and the form's compiled regular expressions.
pub trait Env {
    /// The value of a field in the current scope (inside a repeat, the current instance's).
    fn value(&self, name: &str) -> Value;
    /// The values of a field across every instance of its repeat.
    fn values(&self, name: &str) -> Vec<Value>;
    /// For a repeat, its number of instances; for a field inside one, the same count.
    fn count(&self, name: &str) -> usize;
    /// The answer being constrained (`.`).
    fn current(&self) -> Value;
    /// The date `today()` returns.
    fn today(&self) -> NaiveDate;
    /// The compiled form of a regex literal that appeared in the form.
    fn regex(&self, pattern: &str) -> Option<&Regex>;
    /// A column of the choice a `choice_filter` is deciding on (empty elsewhere).
    fn column(&self, _name: &str) -> Value {
        Value::Null
    }
}

/// Computes the value of `expr` in `env`.
pub fn eval(expr: &Expr, env: &dyn Env) -> Value {
    match &expr.kind {
        ExprKind::Number(n) => Value::Num(*n),
        ExprKind::String(s) => Value::Str(s.clone()),
        ExprKind::Field(name) => env.value(name),
        ExprKind::Current => env.current(),
        ExprKind::Column(name) => env.column(name),
        ExprKind::Neg(inner) => match eval(inner, env).as_num() {
            Some(n) => Value::Num(-n),
            None => Value::Null,
        },
        ExprKind::Binary(op, l, r) => binary(*op, l, r, env),
        ExprKind::Call(func, args) => call(*func, args, env),
    }
}

fn binary(op: BinOp, l: &Expr, r: &Expr, env: &dyn Env) -> Value {
    match op {
        // Short-circuit, as XPath does.
        BinOp::Or => Value::Bool(eval(l, env).truthy() || eval(r, env).truthy()),
        BinOp::And => Value::Bool(eval(l, env).truthy() && eval(r, env).truthy()),
        BinOp::Eq => Value::Bool(equal(&eval(l, env), &eval(r, env))),
        BinOp::Ne => Value::Bool(!equal(&eval(l, env), &eval(r, env))),
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            let ord = order(&eval(l, env), &eval(r, env));
            Value::Bool(ord.is_some_and(|o| match op {
                BinOp::Lt => o.is_lt(),
                BinOp::Le => o.is_le(),
                BinOp::Gt => o.is_gt(),
                _ => o.is_ge(),
            }))
        }
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => {
            arithmetic(op, eval(l, env), eval(r, env))
        }
    }
}

fn arithmetic(op: BinOp, a: Value, b: Value) -> Value {
    // Date arithmetic: date - date is days, date ± number is a date.
    match (op, &a, &b) {
        (BinOp::Sub, Value::Date(x), Value::Date(y)) => {
            return Value::Num((*x - *y).num_days() as f64);
        }
        (BinOp::Add | BinOp::Sub, Value::Date(d), _) => {
            let Some(days) = b.as_num() else {
                return Value::Null;
            };
            let days = if op == BinOp::Sub { -days } else { days };
            return d
                .checked_add_signed(chrono::Duration::days(days.trunc() as i64))
                .map_or(Value::Null, Value::Date);
        }
        _ => {}
    }
    let (Some(x), Some(y)) = (a.as_num(), b.as_num()) else {
        return Value::Null;
    };
    let n = match op {
        BinOp::Add => x + y,
        BinOp::Sub => x - y,
        BinOp::Mul => x * y,
        BinOp::Div if y != 0.0 => x / y,
        BinOp::Mod if y != 0.0 => x % y,
        _ => return Value::Null,
    };
    if n.is_finite() {
        Value::Num(n)
    } else {
        Value::Null
    }
}

/// XPath `=`: empty equals empty; numbers, dates and booleans compare by value,
/// converting text on the other side.
pub fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (x, y) if x.is_empty() || y.is_empty() => x.is_empty() && y.is_empty(),
        (Value::Bool(x), y) | (y, Value::Bool(x)) => *x == y.truthy(),
        (Value::Num(_), _) | (_, Value::Num(_)) => match (a.as_num(), b.as_num()) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
        (Value::Date(_), _) | (_, Value::Date(_)) => match (a.as_date(), b.as_date()) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
        (Value::Str(x), Value::Str(y)) => x == y,
        _ => false,
    }
}

/// Ordering for `<`, `<=`, `>`, `>=`: dates with dates, otherwise numbers; `None` when incomparable.
pub fn order(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    if matches!(a, Value::Date(_)) || matches!(b, Value::Date(_)) {
        return Some(a.as_date()?.cmp(&b.as_date()?));
    }
    a.as_num()?.partial_cmp(&b.as_num()?)
}

fn field_name(e: &Expr) -> Option<&str> {
    match &e.kind {
        ExprKind::Field(name) => Some(name),
        _ => None,
    }
}

fn call(func: Func, args: &[Expr], env: &dyn Env) -> Value {
    let arg = |i: usize| args.get(i).map_or(Value::Null, |a| eval(a, env));
    match func {
        Func::Selected => {
            let list = arg(0).to_text();
            let want = arg(1).to_text();
            Value::Bool(list.split_whitespace().any(|c| c == want))
        }
        Func::CountSelected => Value::Num(arg(0).to_text().split_whitespace().count() as f64),
        Func::StringLength => Value::Num(arg(0).to_text().chars().count() as f64),
        Func::Today => Value::Date(env.today()),
        Func::If => {
            if arg(0).truthy() {
                arg(1)
            } else {
                arg(2)
            }
        }
        Func::Regex => {
            let text = arg(0).to_text();
            let pattern = arg(1).to_text();
            Value::Bool(env.regex(&pattern).is_some_and(|re| re.is_match(&text)))
        }
        Func::Coalesce => {
            let first = arg(0);
            if first.is_empty() { arg(1) } else { first }
        }
        Func::Count => Value::Num(
            args.first()
                .and_then(field_name)
                .map_or(0, |n| env.count(n)) as f64,
        ),
        Func::Sum => {
            let values = args.first().and_then(field_name).map(|n| env.values(n));
            Value::Num(
                values
                    .unwrap_or_default()
                    .iter()
                    .filter_map(Value::as_num)
                    .sum(),
            )
        }
        Func::Max | Func::Min => {
            let values = args.first().and_then(field_name).map(|n| env.values(n));
            let numbers = values
                .unwrap_or_default()
                .into_iter()
                .filter_map(|v| v.as_num());
            let best = if func == Func::Max {
                numbers.reduce(f64::max)
            } else {
                numbers.reduce(f64::min)
            };
            best.map_or(Value::Null, Value::Num)
        }
        Func::Contains => Value::Bool(arg(0).to_text().contains(&arg(1).to_text())),
        Func::StartsWith => Value::Bool(arg(0).to_text().starts_with(&arg(1).to_text())),
        Func::EndsWith => Value::Bool(arg(0).to_text().ends_with(&arg(1).to_text())),
        Func::Substr => {
            // As ODK: characters from `start` (counted from 0) up to `end` (not included).
            let chars: Vec<char> = arg(0).to_text().chars().collect();
            let index = |v: Value, default: usize| {
                v.as_num().map_or(default, |n| {
                    n.trunc().clamp(0.0, chars.len() as f64) as usize
                })
            };
            let start = index(arg(1), 0);
            let end = if args.len() > 2 {
                index(arg(2), chars.len())
            } else {
                chars.len()
            };
            Value::Str(
                chars
                    .get(start..end.max(start))
                    .unwrap_or_default()
                    .iter()
                    .collect(),
            )
        }
        Func::Number => arg(0).as_num().map_or(Value::Null, Value::Num),
        Func::String => Value::Str(arg(0).to_text()),
        Func::AgeFromId => {
            let today = env.today();
            match doorstep_model::IdNumber::parse_on(&arg(0).to_text(), today) {
                Ok(id) => Value::Num(f64::from(id.age_on(today))),
                Err(_) => Value::Null,
            }
        }
        Func::Not => Value::Bool(!arg(0).truthy()),
        Func::True => Value::Bool(true),
        Func::False => Value::Bool(false),
        Func::Concat => Value::Str(
            args.iter()
                .map(|a| eval(a, env).to_text())
                .collect::<String>(),
        ),
        Func::Int => arg(0)
            .as_num()
            .map_or(Value::Null, |n| Value::Num(n.trunc())),
        Func::Round => {
            let Some(n) = arg(0).as_num() else {
                return Value::Null;
            };
            let digits = if args.len() > 1 {
                arg(1).as_num().unwrap_or(0.0)
            } else {
                0.0
            };
            let scale = 10f64.powi(digits.trunc() as i32);
            Value::Num((n * scale).round() / scale)
        }
    }
}
