//! The expression tree, and its printer.
//!
//! Printing gives text that parses back to the same tree (tested with proptest),
//! with the fewest parentheses the precedence rules allow. Positions are kept for
//! error messages and are not part of a tree's equality.

use std::fmt;

/// A node with the 1-based column where it starts in its source text.
#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub pos: usize,
}

impl PartialEq for Expr {
    /// Trees are equal when their shapes and values are; positions are ignored.
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
    }
}

impl Expr {
    /// A node without a meaningful position (for trees built in code).
    pub fn new(kind: ExprKind) -> Self {
        Self { kind, pos: 0 }
    }

    /// Calls `visit` on this node and every node below it, parents first.
    pub fn walk<'a>(&'a self, visit: &mut impl FnMut(&'a Expr)) {
        visit(self);
        match &self.kind {
            ExprKind::Neg(e) => e.walk(visit),
            ExprKind::Binary(_, l, r) => {
                l.walk(visit);
                r.walk(visit);
            }
            ExprKind::Call(_, args) => args.iter().for_each(|a| a.walk(visit)),
            ExprKind::Number(_)
            | ExprKind::String(_)
            | ExprKind::Field(_)
            | ExprKind::Column(_)
            | ExprKind::Current => {}
        }
    }

    /// The names of all fields this expression refers to with `${…}`, in order of appearance.
    pub fn field_refs(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.walk(&mut |e| {
            if let ExprKind::Field(name) = &e.kind {
                out.push(name.as_str());
            }
        });
        out
    }
}

/// What a node is.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A non-negative number literal (a minus sign is a [`ExprKind::Neg`]).
    Number(f64),
    /// A string literal. It cannot hold both `'` and `"` (XPath 1.0 has no escapes).
    String(String),
    /// `${name}`.
    Field(String),
    /// `.`, the answer being constrained.
    Current,
    /// A bare word in a `choice_filter`: a column of the choice being
    /// filtered (`name`, `label` or an extra column of the choices sheet).
    Column(String),
    Neg(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Call(Func, Vec<Expr>),
}

/// Binary operators, from loosest to tightest binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

impl BinOp {
    /// All operators, for generators and tables.
    pub const ALL: [BinOp; 13] = [
        BinOp::Or,
        BinOp::And,
        BinOp::Eq,
        BinOp::Ne,
        BinOp::Lt,
        BinOp::Le,
        BinOp::Gt,
        BinOp::Ge,
        BinOp::Add,
        BinOp::Sub,
        BinOp::Mul,
        BinOp::Div,
        BinOp::Mod,
    ];

    /// Binding strength as in XPath 1.0: or < and < equality < relational < additive < multiplicative.
    pub fn precedence(self) -> u8 {
        match self {
            Self::Or => 1,
            Self::And => 2,
            Self::Eq | Self::Ne => 3,
            Self::Lt | Self::Le | Self::Gt | Self::Ge => 4,
            Self::Add | Self::Sub => 5,
            Self::Mul | Self::Div | Self::Mod => 6,
        }
    }

    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Or => "or",
            Self::And => "and",
            Self::Eq => "=",
            Self::Ne => "!=",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::Add => "+",
            Self::Sub => "-",
            Self::Mul => "*",
            Self::Div => "div",
            Self::Mod => "mod",
        }
    }
}

/// The functions an expression may call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Func {
    Selected,
    CountSelected,
    StringLength,
    Today,
    If,
    Regex,
    Coalesce,
    Count,
    Sum,
    AgeFromId,
    Not,
    True,
    False,
    Concat,
    Int,
    Round,
    Contains,
    StartsWith,
    EndsWith,
    Substr,
    Number,
    String,
    Max,
    Min,
}

impl Func {
    /// All functions, for generators and tables.
    pub const ALL: [Func; 24] = [
        Func::Selected,
        Func::CountSelected,
        Func::StringLength,
        Func::Today,
        Func::If,
        Func::Regex,
        Func::Coalesce,
        Func::Count,
        Func::Sum,
        Func::AgeFromId,
        Func::Not,
        Func::True,
        Func::False,
        Func::Concat,
        Func::Int,
        Func::Round,
        Func::Contains,
        Func::StartsWith,
        Func::EndsWith,
        Func::Substr,
        Func::Number,
        Func::String,
        Func::Max,
        Func::Min,
    ];

    /// The function's name as written in an expression.
    pub fn name(self) -> &'static str {
        match self {
            Self::Selected => "selected",
            Self::CountSelected => "count-selected",
            Self::StringLength => "string-length",
            Self::Today => "today",
            Self::If => "if",
            Self::Regex => "regex",
            Self::Coalesce => "coalesce",
            Self::Count => "count",
            Self::Sum => "sum",
            Self::AgeFromId => "age-from-id",
            Self::Not => "not",
            Self::True => "true",
            Self::False => "false",
            Self::Concat => "concat",
            Self::Int => "int",
            Self::Round => "round",
            Self::Contains => "contains",
            Self::StartsWith => "starts-with",
            Self::EndsWith => "ends-with",
            Self::Substr => "substr",
            Self::Number => "number",
            Self::String => "string",
            Self::Max => "max",
            Self::Min => "min",
        }
    }

    /// The function with this name, if there is one.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Fewest and most arguments (`None`: no upper bound).
    pub fn arity(self) -> (usize, Option<usize>) {
        match self {
            Self::Today | Self::True | Self::False => (0, Some(0)),
            Self::CountSelected
            | Self::StringLength
            | Self::Count
            | Self::Sum
            | Self::AgeFromId
            | Self::Not
            | Self::Int
            | Self::Number
            | Self::String
            | Self::Max
            | Self::Min => (1, Some(1)),
            Self::Selected
            | Self::Regex
            | Self::Coalesce
            | Self::Contains
            | Self::StartsWith
            | Self::EndsWith => (2, Some(2)),
            Self::Round => (1, Some(2)),
            Self::Substr => (2, Some(3)),
            Self::If => (3, Some(3)),
            Self::Concat => (1, None),
        }
    }
}

/// Precedence of a unary minus operand: tighter than any binary operator.
const UNARY: u8 = 7;

fn write_expr(e: &Expr, min_prec: u8, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match &e.kind {
        ExprKind::Number(n) => write!(f, "{n}"),
        ExprKind::String(s) => {
            if s.contains('\'') {
                write!(f, "\"{s}\"")
            } else {
                write!(f, "'{s}'")
            }
        }
        ExprKind::Field(name) => write!(f, "${{{name}}}"),
        ExprKind::Current => f.write_str("."),
        ExprKind::Column(name) => f.write_str(name),
        ExprKind::Neg(inner) => {
            f.write_str("-")?;
            write_expr(inner, UNARY, f)
        }
        ExprKind::Binary(op, l, r) => {
            let p = op.precedence();
            let paren = p < min_prec;
            if paren {
                f.write_str("(")?;
            }
            write_expr(l, p, f)?;
            write!(f, " {} ", op.symbol())?;
            write_expr(r, p + 1, f)?;
            if paren {
                f.write_str(")")?;
            }
            Ok(())
        }
        ExprKind::Call(func, args) => {
            write!(f, "{}(", func.name())?;
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write_expr(a, 0, f)?;
            }
            f.write_str(")")
        }
    }
}

impl fmt::Display for Expr {
    /// Prints the expression in normal form: it parses back to an equal tree.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_expr(self, 0, f)
    }
}
