//! Static checks of an expression against a form's fields, run when a form loads.
//!
//! The checker finds what would otherwise surprise a worker at the door: a
//! reference to a field that does not exist, a field inside a repeat used as one
//! value outside it, `.` outside a constraint, arithmetic on text, a comparison of
//! a number with a word, a choice that is not in the field's list, a regular
//! expression that does not compile. Every problem carries the column of the node
//! where it was found.

use std::fmt;

use super::ast::{BinOp, Expr, ExprKind, Func};
use crate::definition::{Choice, FieldType, LocalizedText};

/// The static type of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// Not known before run time (calculations, numeric-looking selects).
    Any,
    Bool,
    Num,
    Str,
    Date,
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Ty::Any => "any value",
            Ty::Bool => "a boolean",
            Ty::Num => "a number",
            Ty::Str => "text",
            Ty::Date => "a date",
        })
    }
}

impl Ty {
    /// The type as a Chinese error names it.
    pub fn zh(self) -> &'static str {
        match self {
            Ty::Any => "任意值",
            Ty::Bool => "条件（真/假）",
            Ty::Num => "数字",
            Ty::Str => "文本",
            Ty::Date => "日期",
        }
    }
}

/// What the checker needs to know about a field.
#[derive(Debug, Clone, Copy)]
pub struct FieldShape<'a> {
    pub field_type: FieldType,
    /// The repeat this field sits in, if any.
    pub repeat: Option<&'a str>,
    /// Choices of a select (the fixed yes/no pair for `yes_no`).
    pub choices: Option<&'a [Choice]>,
}

impl FieldShape<'_> {
    /// The type a reference to this field has, when it is a single value.
    pub fn ty(&self) -> Ty {
        match self.field_type {
            FieldType::Integer | FieldType::Decimal | FieldType::Money => Ty::Num,
            FieldType::Date => Ty::Date,
            FieldType::Calculate => Ty::Any,
            FieldType::SelectOne
                if self.choices.is_some_and(|cs| {
                    !cs.is_empty() && cs.iter().all(|c| c.name.parse::<f64>().is_ok())
                }) =>
            {
                Ty::Any
            }
            _ => Ty::Str,
        }
    }
}

/// Looks fields up by name.
pub trait Schema {
    fn shape(&self, name: &str) -> Option<FieldShape<'_>>;

    /// True when repeat `outer` is repeat `inner` or holds it (a member's
    /// fields are single values inside that member's income entries).
    fn repeat_encloses(&self, outer: &str, inner: &str) -> bool {
        outer == inner
    }
}

/// Where an expression sits.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// The type of `.`; `None` outside constraints.
    pub current: Option<Ty>,
    /// The repeat whose instance the expression is evaluated in.
    pub repeat: Option<&'a str>,
    /// The field `.` stands for (the constrained field), so `selected(., 'x')` can be checked.
    pub this: Option<&'a str>,
    /// In a `choice_filter`: the columns its choices have (bare words must name one).
    pub columns: Option<&'a [String]>,
}

/// Why an expression is refused. `Display` is the English text,
/// [`ExprErrorKind::message_zh`] the Chinese one; the free-text kinds carry both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExprErrorKind {
    Syntax(LocalizedText),
    UnknownField(String),
    CurrentOutsideConstraint,
    /// A field inside a repeat used as a single value outside that repeat.
    OutsideRepeat {
        field: String,
        repeat: String,
    },
    /// A group or repeat used where a value is needed.
    NotAValue(String),
    UnknownChoice {
        field: String,
        choice: String,
    },
    /// A bare word in a `choice_filter` that is no column of the choices sheet
    /// (or a bare word anywhere else).
    UnknownColumn(String),
    /// The regex crate's (English) reason.
    BadRegex(String),
    Type(LocalizedText),
}

impl fmt::Display for ExprErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Syntax(m) => write!(f, "syntax error: {}", m.en),
            Self::UnknownField(n) => write!(f, "unknown field `{n}`"),
            Self::CurrentOutsideConstraint => {
                f.write_str("`.` (the current answer) is only allowed in a constraint")
            }
            Self::OutsideRepeat { field, repeat } => write!(
                f,
                "`{field}` is inside repeat `{repeat}`: outside it, use sum(${{{field}}}) or count(${{{field}}})"
            ),
            Self::NotAValue(n) => write!(
                f,
                "`{n}` is a group or repeat, not a value (use count(${{{n}}}) for a repeat)"
            ),
            Self::UnknownChoice { field, choice } => {
                write!(f, "`{choice}` is not a choice of `{field}`")
            }
            Self::UnknownColumn(n) => write!(
                f,
                "`{n}` is not a column of this choice list (write `'{n}'` for the word itself, `${{{n}}}` for a field)"
            ),
            Self::BadRegex(m) => write!(f, "invalid regular expression: {m}"),
            Self::Type(m) => write!(f, "type error: {}", m.en),
        }
    }
}

impl ExprErrorKind {
    /// The Chinese text of this error (the English one is its `Display`).
    pub fn message_zh(&self) -> String {
        match self {
            Self::Syntax(m) => format!("语法错误：{}", m.zh),
            Self::UnknownField(n) => format!("未知字段 `{n}`"),
            Self::CurrentOutsideConstraint => "`.`（当前答案）只能用在约束中".to_owned(),
            Self::OutsideRepeat { field, repeat } => format!(
                "`{field}` 在重复组 `{repeat}` 内：在重复组外请用 sum(${{{field}}}) 或 count(${{{field}}})"
            ),
            Self::NotAValue(n) => {
                format!("`{n}` 是分组或重复组，不是一个值（重复组可用 count(${{{n}}})）")
            }
            Self::UnknownChoice { field, choice } => {
                format!("`{choice}` 不是字段 `{field}` 的选项")
            }
            Self::UnknownColumn(n) => {
                format!(
                    "`{n}` 不是该选项列表的列（表示这个词本身请写 `'{n}'`，引用字段请写 `${{{n}}}`）"
                )
            }
            // The regex crate explains only in English; the pattern is in the cell.
            Self::BadRegex(_) => "正则表达式无效，无法编译".to_owned(),
            Self::Type(m) => format!("类型错误：{}", m.zh),
        }
    }
}

/// One problem in an expression, at a 1-based column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    pub pos: usize,
    pub kind: ExprErrorKind,
}

/// What a checked expression is: its type and the regex literals it needs compiled.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub ty: Ty,
    pub patterns: Vec<String>,
}

/// Checks `expr` in `ctx` against `schema`; returns every problem found.
pub fn check(
    expr: &Expr,
    schema: &dyn Schema,
    ctx: Context<'_>,
) -> Result<Checked, Vec<ExprError>> {
    let mut c = Checker {
        schema,
        ctx,
        errors: Vec::new(),
        patterns: Vec::new(),
    };
    let ty = c.scalar(expr);
    if c.errors.is_empty() {
        Ok(Checked {
            ty: ty.unwrap_or(Ty::Any),
            patterns: c.patterns,
        })
    } else {
        Err(c.errors)
    }
}

/// What a node denotes before it is used as a value.
enum Node {
    Scalar(Ty),
    /// A repeat child seen from outside: one value per instance.
    Nodes {
        field: String,
        repeat: String,
        ty: Ty,
    },
    /// A repeat or group itself.
    Container(String, FieldType),
}

struct Checker<'s> {
    schema: &'s dyn Schema,
    ctx: Context<'s>,
    errors: Vec<ExprError>,
    patterns: Vec<String>,
}

fn is_numeric_literal(e: &Expr) -> bool {
    matches!(&e.kind, ExprKind::String(s) if s.trim().parse::<f64>().is_ok())
}

fn is_date_literal(e: &Expr) -> bool {
    matches!(&e.kind, ExprKind::String(s) if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok())
}

impl<'s> Checker<'s> {
    fn err(&mut self, pos: usize, kind: ExprErrorKind) {
        self.errors.push(ExprError { pos, kind });
    }

    fn type_err(&mut self, e: &Expr, zh: String, en: String) {
        self.err(e.pos, ExprErrorKind::Type(LocalizedText::new(zh, en)));
    }

    fn node(&mut self, e: &Expr) -> Option<Node> {
        match &e.kind {
            ExprKind::Field(name) => {
                let Some(shape) = self.schema.shape(name) else {
                    self.err(e.pos, ExprErrorKind::UnknownField(name.clone()));
                    return None;
                };
                if shape.field_type.is_container() {
                    return Some(Node::Container(name.clone(), shape.field_type));
                }
                match shape.repeat {
                    Some(r)
                        if !self
                            .ctx
                            .repeat
                            .is_some_and(|c| self.schema.repeat_encloses(r, c)) =>
                    {
                        Some(Node::Nodes {
                            field: name.clone(),
                            repeat: r.to_owned(),
                            ty: shape.ty(),
                        })
                    }
                    _ => Some(Node::Scalar(shape.ty())),
                }
            }
            _ => self.scalar(e).map(Node::Scalar),
        }
    }

    /// Checks a node that must be one value; `None` when an error was recorded.
    fn scalar(&mut self, e: &Expr) -> Option<Ty> {
        match &e.kind {
            ExprKind::Number(_) => Some(Ty::Num),
            ExprKind::String(_) => Some(Ty::Str),
            ExprKind::Column(name) => match self.ctx.columns {
                Some(cols) if cols.iter().any(|c| c == name) || name.starts_with("label:") => {
                    Some(Ty::Any)
                }
                _ => {
                    self.err(e.pos, ExprErrorKind::UnknownColumn(name.clone()));
                    None
                }
            },
            ExprKind::Current => match self.ctx.current {
                Some(t) => Some(t),
                None => {
                    self.err(e.pos, ExprErrorKind::CurrentOutsideConstraint);
                    None
                }
            },
            ExprKind::Field(_) => match self.node(e)? {
                Node::Scalar(t) => Some(t),
                Node::Nodes { field, repeat, .. } => {
                    self.err(e.pos, ExprErrorKind::OutsideRepeat { field, repeat });
                    None
                }
                Node::Container(name, _) => {
                    self.err(e.pos, ExprErrorKind::NotAValue(name));
                    None
                }
            },
            ExprKind::Neg(inner) => {
                let t = self.scalar(inner)?;
                self.numeric(inner, t, ("取负", "negate"))?;
                Some(Ty::Num)
            }
            ExprKind::Binary(op, l, r) => self.binary(*op, l, r),
            ExprKind::Call(func, args) => self.call(e, *func, args),
        }
    }

    /// Requires a number-like operand; `what` is the operation (Chinese, English).
    fn numeric(&mut self, e: &Expr, t: Ty, (what_zh, what): (&str, &str)) -> Option<()> {
        match t {
            Ty::Num | Ty::Any | Ty::Bool => Some(()),
            Ty::Str if is_numeric_literal(e) => Some(()),
            other => {
                self.type_err(
                    e,
                    format!("{}不能{what_zh}", other.zh()),
                    format!("cannot {what} {other}"),
                );
                None
            }
        }
    }

    fn binary(&mut self, op: BinOp, l: &Expr, r: &Expr) -> Option<Ty> {
        let lt = self.scalar(l);
        let rt = self.scalar(r);
        let (lt, rt) = (lt?, rt?);
        match op {
            BinOp::Or | BinOp::And => Some(Ty::Bool),
            BinOp::Eq | BinOp::Ne => {
                self.comparable(l, lt, r, rt, false)?;
                Some(Ty::Bool)
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                self.comparable(l, lt, r, rt, true)?;
                Some(Ty::Bool)
            }
            BinOp::Sub if lt == Ty::Date && rt == Ty::Date => Some(Ty::Num),
            BinOp::Add | BinOp::Sub if lt == Ty::Date => {
                self.numeric(r, rt, ("加到日期上", "add to a date"))?;
                Some(Ty::Date)
            }
            _ => {
                let verb_zh = format!("使用 `{}`", op.symbol());
                let verb = format!("use `{}` on", op.symbol());
                let a = self.numeric(l, lt, (&verb_zh, &verb));
                let b = self.numeric(r, rt, (&verb_zh, &verb));
                a.and(b).map(|_| Ty::Num)
            }
        }
    }

    fn comparable(&mut self, l: &Expr, lt: Ty, r: &Expr, rt: Ty, ordered: bool) -> Option<()> {
        for (field, lit) in [(l, r), (r, l)] {
            if let (ExprKind::Field(name), ExprKind::String(choice)) = (&field.kind, &lit.kind)
                && let Some(shape) = self.schema.shape(name)
                && let Some(choices) = shape.choices
                && shape.field_type != FieldType::SelectMultiple
                && !choice.is_empty()
                && !choices.iter().any(|c| &c.name == choice)
            {
                self.err(
                    lit.pos,
                    ExprErrorKind::UnknownChoice {
                        field: name.clone(),
                        choice: choice.clone(),
                    },
                );
                return None;
            }
        }
        let ok = match (lt, rt) {
            (Ty::Any, _) | (_, Ty::Any) => true,
            (Ty::Bool, _) | (_, Ty::Bool) => !ordered,
            (a, b) if a == b => {
                !(ordered && a == Ty::Str && !(is_numeric_literal(l) && is_numeric_literal(r)))
            }
            (Ty::Num, Ty::Str) => {
                is_numeric_literal(r) || matches!(&r.kind, ExprKind::String(s) if s.is_empty())
            }
            (Ty::Str, Ty::Num) => {
                is_numeric_literal(l) || matches!(&l.kind, ExprKind::String(s) if s.is_empty())
            }
            (Ty::Date, Ty::Str) => {
                is_date_literal(r) || matches!(&r.kind, ExprKind::String(s) if s.is_empty())
            }
            (Ty::Str, Ty::Date) => {
                is_date_literal(l) || matches!(&l.kind, ExprKind::String(s) if s.is_empty())
            }
            _ => false,
        };
        if ok {
            Some(())
        } else {
            let (how_zh, how) = if ordered {
                ("比较大小", "order")
            } else {
                ("比较", "compare")
            };
            self.type_err(
                l,
                format!("{}与{}不能{how_zh}", lt.zh(), rt.zh()),
                format!("cannot {how} {lt} with {rt}"),
            );
            None
        }
    }

    fn field_arg<'e>(&mut self, call: &Expr, func: Func, arg: &'e Expr) -> Option<&'e str>
    where
        's: 'e,
    {
        match &arg.kind {
            ExprKind::Field(name) => Some(name),
            ExprKind::Current if self.ctx.this.is_some() => self.ctx.this,
            _ => {
                self.type_err(
                    call,
                    format!("`{}()` 的参数必须是 `${{字段}}`", func.name()),
                    format!("`{}()` takes a `${{field}}`", func.name()),
                );
                None
            }
        }
    }

    fn call(&mut self, e: &Expr, func: Func, args: &[Expr]) -> Option<Ty> {
        // The parser enforces arity; trees built in code are checked here too.
        let (min, max) = func.arity();
        if args.len() < min || max.is_some_and(|m| args.len() > m) {
            self.type_err(
                e,
                format!("`{}()` 的参数个数不对", func.name()),
                format!("`{}()` has the wrong number of arguments", func.name()),
            );
            return None;
        }
        match func {
            Func::Today => Some(Ty::Date),
            Func::True | Func::False => Some(Ty::Bool),
            Func::Selected | Func::CountSelected => {
                let name = self.field_arg(e, func, &args[0])?;
                self.scalar(&args[0])?;
                let shape = self.schema.shape(name)?;
                let multi_only = func == Func::CountSelected;
                let ok = if multi_only {
                    shape.field_type == FieldType::SelectMultiple
                } else {
                    shape.choices.is_some()
                };
                if !ok {
                    let (want_zh, want) = if multi_only {
                        ("多选（select_multiple）", "a select_multiple")
                    } else {
                        ("单选或多选", "a select")
                    };
                    self.type_err(
                        e,
                        format!("`{}()` 需要{want_zh}字段；`{name}` 不是", func.name()),
                        format!(
                            "`{}()` needs {want} field; `{name}` is not one",
                            func.name()
                        ),
                    );
                    return None;
                }
                if func == Func::Selected {
                    self.scalar(&args[1])?;
                    if let (ExprKind::String(choice), Some(choices)) =
                        (&args[1].kind, shape.choices)
                        && !choices.iter().any(|c| &c.name == choice)
                    {
                        self.err(
                            args[1].pos,
                            ExprErrorKind::UnknownChoice {
                                field: name.to_owned(),
                                choice: choice.clone(),
                            },
                        );
                        return None;
                    }
                    Some(Ty::Bool)
                } else {
                    Some(Ty::Num)
                }
            }
            Func::StringLength | Func::Number => {
                self.scalar(&args[0])?;
                Some(Ty::Num)
            }
            Func::String => {
                self.scalar(&args[0])?;
                Some(Ty::Str)
            }
            Func::Contains | Func::StartsWith | Func::EndsWith => {
                let a = self.scalar(&args[0]);
                let b = self.scalar(&args[1]);
                a.and(b).map(|_| Ty::Bool)
            }
            Func::Substr => {
                let mut ok = self.scalar(&args[0]).is_some();
                for a in &args[1..] {
                    ok &= match self.scalar(a) {
                        Some(t) => self
                            .numeric(
                                a,
                                t,
                                ("作为 `substr()` 的位置", "use as a position of `substr()`"),
                            )
                            .is_some(),
                        None => false,
                    };
                }
                ok.then_some(Ty::Str)
            }
            Func::Not => {
                self.scalar(&args[0])?;
                Some(Ty::Bool)
            }
            Func::Concat => {
                let mut ok = true;
                for a in args {
                    ok &= self.scalar(a).is_some();
                }
                ok.then_some(Ty::Str)
            }
            Func::If => {
                let c = self.scalar(&args[0]);
                let a = self.scalar(&args[1]);
                let b = self.scalar(&args[2]);
                c?;
                Some(unify(a?, b?))
            }
            Func::Coalesce => {
                let a = self.scalar(&args[0]);
                let b = self.scalar(&args[1]);
                Some(unify(a?, b?))
            }
            Func::Regex => {
                self.scalar(&args[0])?;
                match &args[1].kind {
                    ExprKind::String(p) => match regex::Regex::new(p) {
                        Ok(_) => {
                            self.patterns.push(p.clone());
                            Some(Ty::Bool)
                        }
                        Err(err) => {
                            self.err(args[1].pos, ExprErrorKind::BadRegex(err.to_string()));
                            None
                        }
                    },
                    _ => {
                        self.type_err(
                            &args[1],
                            "`regex()` 的模式必须是加引号的文字".to_owned(),
                            "the pattern of `regex()` must be a quoted literal".to_owned(),
                        );
                        None
                    }
                }
            }
            Func::Count => {
                self.field_arg(e, func, &args[0])?;
                match self.node(&args[0])? {
                    Node::Nodes { .. } | Node::Container(_, FieldType::Repeat) => Some(Ty::Num),
                    _ => {
                        self.type_err(
                            e,
                            "`count()` 的参数必须是重复组或重复组内的字段".to_owned(),
                            "`count()` takes a repeat or a field inside one".to_owned(),
                        );
                        None
                    }
                }
            }
            Func::Sum | Func::Max | Func::Min => {
                self.field_arg(e, func, &args[0])?;
                match self.node(&args[0])? {
                    Node::Nodes {
                        ty: Ty::Num | Ty::Any,
                        ..
                    } => Some(Ty::Num),
                    Node::Nodes { field, ty, .. } => {
                        let f = func.name();
                        self.type_err(
                            e,
                            format!("`{f}()` 需要数字；`{field}` 是{}", ty.zh()),
                            format!("`{f}()` needs numbers; `{field}` holds {ty}"),
                        );
                        None
                    }
                    _ => {
                        let f = func.name();
                        self.type_err(
                            e,
                            format!("`{f}()` 的参数必须是重复组内的字段"),
                            format!("`{f}()` takes a field inside a repeat"),
                        );
                        None
                    }
                }
            }
            Func::AgeFromId => {
                let t = self.scalar(&args[0])?;
                if matches!(t, Ty::Str | Ty::Any) {
                    Some(Ty::Num)
                } else {
                    self.type_err(
                        e,
                        format!("`age-from-id()` 的参数应为身份证号，不能是{}", t.zh()),
                        format!("`age-from-id()` takes an ID number, not {t}"),
                    );
                    None
                }
            }
            Func::Int | Func::Round => {
                let mut ok = true;
                for a in args {
                    ok &= match self.scalar(a) {
                        Some(t) => self
                            .numeric(
                                a,
                                t,
                                (
                                    &format!("取 `{}()`", func.name()),
                                    &format!("take `{}()` of", func.name()),
                                ),
                            )
                            .is_some(),
                        None => false,
                    };
                }
                ok.then_some(Ty::Num)
            }
        }
    }
}

fn unify(a: Ty, b: Ty) -> Ty {
    if a == b { a } else { Ty::Any }
}
