//! Builds an [`Expr`] tree from expression text by precedence climbing.

use super::ast::{BinOp, Expr, ExprKind, Func};
use super::lexer::{Tok, tokenize};

/// A syntax error at a 1-based column, with its text in English (`message`,
/// also the `Display`) and Chinese (`message_zh`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {pos}: {message}")]
pub struct ParseError {
    pub pos: usize,
    pub message: String,
    pub message_zh: String,
}

impl ParseError {
    pub(crate) fn new(pos: usize, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            pos,
            message: en.into(),
            message_zh: zh.into(),
        }
    }
}

/// Parses one whole expression; anything left over after it is an error.
pub fn parse(src: &str) -> Result<Expr, ParseError> {
    parse_with(src, false)
}

/// Parses a `choice_filter`: as [`parse`], but a bare word (`street`, `name`)
/// names a column of the choice being filtered ([`ExprKind::Column`]).
pub fn parse_choice_filter(src: &str) -> Result<Expr, ParseError> {
    parse_with(src, true)
}

fn parse_with(src: &str, columns: bool) -> Result<Expr, ParseError> {
    let toks = tokenize(src)?;
    let end = src.chars().count() + 1;
    let mut p = Parser {
        toks,
        i: 0,
        end,
        columns,
    };
    if p.toks.is_empty() {
        return Err(ParseError::new(1, "表达式为空", "the expression is empty"));
    }
    let e = p.binary(1)?;
    match p.toks.get(p.i) {
        None => Ok(e),
        Some((tok, pos)) => {
            let (zh, en) = describe(tok);
            Err(ParseError::new(
                *pos,
                format!("完整的表达式之后多出了{zh}"),
                format!("unexpected {en} after a complete expression"),
            ))
        }
    }
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    i: usize,
    end: usize,
    /// Bare words are choice columns (in a `choice_filter`).
    columns: bool,
}

/// A token as an error names it: (Chinese, English).
fn describe(tok: &Tok) -> (String, String) {
    let same = |s: String| (s.clone(), s);
    match tok {
        Tok::Number(n) => (format!("数字 `{n}`"), format!("number `{n}`")),
        Tok::Str(_) => ("字符串".to_owned(), "string".to_owned()),
        Tok::Field(name) => same(format!("`${{{name}}}`")),
        Tok::Name(w) => same(format!("`{w}`")),
        Tok::Dot => same("`.`".to_owned()),
        Tok::LParen => same("`(`".to_owned()),
        Tok::RParen => same("`)`".to_owned()),
        Tok::Comma => same("`,`".to_owned()),
        Tok::Plus => same("`+`".to_owned()),
        Tok::Minus => same("`-`".to_owned()),
        Tok::Star => same("`*`".to_owned()),
        Tok::Eq => same("`=`".to_owned()),
        Tok::Ne => same("`!=`".to_owned()),
        Tok::Lt => same("`<`".to_owned()),
        Tok::Le => same("`<=`".to_owned()),
        Tok::Gt => same("`>`".to_owned()),
        Tok::Ge => same("`>=`".to_owned()),
    }
}

impl Parser {
    fn peek(&self) -> Option<&(Tok, usize)> {
        self.toks.get(self.i)
    }

    fn pos_here(&self) -> usize {
        self.peek().map_or(self.end, |(_, p)| *p)
    }

    fn peek_binop(&self) -> Option<BinOp> {
        let (tok, _) = self.peek()?;
        Some(match tok {
            Tok::Name(w) => match w.as_str() {
                "or" => BinOp::Or,
                "and" => BinOp::And,
                "div" => BinOp::Div,
                "mod" => BinOp::Mod,
                _ => return None,
            },
            Tok::Eq => BinOp::Eq,
            Tok::Ne => BinOp::Ne,
            Tok::Lt => BinOp::Lt,
            Tok::Le => BinOp::Le,
            Tok::Gt => BinOp::Gt,
            Tok::Ge => BinOp::Ge,
            Tok::Plus => BinOp::Add,
            Tok::Minus => BinOp::Sub,
            Tok::Star => BinOp::Mul,
            _ => return None,
        })
    }

    fn binary(&mut self, min_prec: u8) -> Result<Expr, ParseError> {
        let mut lhs = self.unary()?;
        while let Some(op) = self.peek_binop() {
            if op.precedence() < min_prec {
                break;
            }
            self.i += 1;
            let rhs = self.binary(op.precedence() + 1)?;
            let pos = lhs.pos;
            lhs = Expr {
                kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                pos,
            };
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        if let Some((Tok::Minus, pos)) = self.peek() {
            let pos = *pos;
            self.i += 1;
            let inner = self.unary()?;
            return Ok(Expr {
                kind: ExprKind::Neg(Box::new(inner)),
                pos,
            });
        }
        self.primary()
    }

    fn expect(&mut self, want: &Tok, what: &str) -> Result<(), ParseError> {
        match self.peek() {
            Some((tok, _)) if tok == want => {
                self.i += 1;
                Ok(())
            }
            Some((tok, pos)) => {
                let (zh, en) = describe(tok);
                Err(ParseError::new(
                    *pos,
                    format!("此处应为 {what}，却是{zh}"),
                    format!("expected {what}, found {en}"),
                ))
            }
            None => Err(ParseError::new(
                self.end,
                format!("此处应为 {what}，表达式却已结束"),
                format!("expected {what}, found the end"),
            )),
        }
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        let Some((tok, pos)) = self.peek().cloned() else {
            return Err(ParseError::new(
                self.end,
                "表达式在应有值的地方结束了",
                "the expression ends where a value is expected",
            ));
        };
        self.i += 1;
        let kind = match tok {
            Tok::Number(n) => ExprKind::Number(n),
            Tok::Str(s) => ExprKind::String(s),
            Tok::Field(name) => ExprKind::Field(name),
            Tok::Dot => ExprKind::Current,
            Tok::LParen => {
                let inner = self.binary(1)?;
                self.expect(&Tok::RParen, "`)`")?;
                // Parentheses only group; the tree keeps the inner node.
                return Ok(inner);
            }
            Tok::Name(word)
                if self.columns && self.peek().map(|(t, _)| t) != Some(&Tok::LParen) =>
            {
                ExprKind::Column(word)
            }
            Tok::Name(word) => {
                if self.peek().map(|(t, _)| t) != Some(&Tok::LParen) {
                    return Err(ParseError::new(
                        pos,
                        format!("`{word}` 不是字段引用：引用字段请写 `${{{word}}}`"),
                        format!("bare word `{word}`: write `${{{word}}}` to use a field"),
                    ));
                }
                let func = Func::from_name(&word).ok_or_else(|| {
                    ParseError::new(
                        pos,
                        format!("未知函数 `{word}()`"),
                        format!("unknown function `{word}()`"),
                    )
                })?;
                self.i += 1;
                let args = self.args()?;
                let (min, max) = func.arity();
                if args.len() < min || max.is_some_and(|m| args.len() > m) {
                    let (expected_zh, expected) = match max {
                        Some(m) if m == min => (format!("{min}"), format!("{min}")),
                        Some(m) => (format!("{min} 到 {m}"), format!("{min} to {m}")),
                        None => (format!("至少 {min}"), format!("at least {min}")),
                    };
                    return Err(ParseError::new(
                        pos,
                        format!(
                            "`{}()` 需要 {expected_zh} 个参数，实际有 {} 个",
                            func.name(),
                            args.len()
                        ),
                        format!(
                            "`{}()` takes {expected} argument(s), found {}",
                            func.name(),
                            args.len()
                        ),
                    ));
                }
                ExprKind::Call(func, args)
            }
            other => {
                let (zh, en) = describe(&other);
                return Err(ParseError::new(
                    pos,
                    format!("此处应为一个值，却是{zh}"),
                    format!("expected a value, found {en}"),
                ));
            }
        };
        Ok(Expr { kind, pos })
    }

    fn args(&mut self) -> Result<Vec<Expr>, ParseError> {
        let mut args = Vec::new();
        if let Some((Tok::RParen, _)) = self.peek() {
            self.i += 1;
            return Ok(args);
        }
        loop {
            args.push(self.binary(1)?);
            match self.peek() {
                Some((Tok::Comma, _)) => self.i += 1,
                Some((Tok::RParen, _)) => {
                    self.i += 1;
                    return Ok(args);
                }
                Some((tok, pos)) => {
                    let (zh, en) = describe(tok);
                    return Err(ParseError::new(
                        *pos,
                        format!("此处应为 `,` 或 `)`，却是{zh}"),
                        format!("expected `,` or `)`, found {en}"),
                    ));
                }
                None => {
                    return Err(ParseError::new(
                        self.pos_here(),
                        "函数调用缺少右括号 `)`",
                        "a function call is never closed with `)`",
                    ));
                }
            }
        }
    }
}
