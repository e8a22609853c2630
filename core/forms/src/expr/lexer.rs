//! Splits expression text into tokens, each with its 1-based column.

use super::parser::ParseError;

/// One token of an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Number(f64),
    Str(String),
    /// `${name}`
    Field(String),
    /// A bare word: a function name or one of `and`, `or`, `div`, `mod`.
    Name(String),
    Dot,
    LParen,
    RParen,
    Comma,
    Plus,
    Minus,
    Star,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// Turns `src` into tokens, or says where the first character that cannot start a token is.
pub fn tokenize(src: &str) -> Result<Vec<(Tok, usize)>, ParseError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let pos = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let next = chars.get(i + 1).copied();
        let single = match c {
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            ',' => Some(Tok::Comma),
            '+' => Some(Tok::Plus),
            '-' => Some(Tok::Minus),
            '*' => Some(Tok::Star),
            '=' => Some(Tok::Eq),
            _ => None,
        };
        if let Some(tok) = single {
            out.push((tok, pos));
            i += 1;
            continue;
        }
        match c {
            '!' if next == Some('=') => {
                out.push((Tok::Ne, pos));
                i += 2;
            }
            '<' | '>' => {
                let with_eq = next == Some('=');
                let tok = match (c, with_eq) {
                    ('<', true) => Tok::Le,
                    ('<', false) => Tok::Lt,
                    (_, true) => Tok::Ge,
                    (_, false) => Tok::Gt,
                };
                out.push((tok, pos));
                i += if with_eq { 2 } else { 1 };
            }
            '\'' | '"' => {
                let end = chars[i + 1..].iter().position(|&d| d == c).ok_or_else(|| {
                    ParseError::new(pos, "字符串缺少结尾的引号", "string is never closed")
                })?;
                let s: String = chars[i + 1..i + 1 + end].iter().collect();
                out.push((Tok::Str(s), pos));
                i += end + 2;
            }
            '$' => {
                if next != Some('{') {
                    return Err(ParseError::new(
                        pos,
                        "`$` 只能用于 `${字段}` 引用",
                        "`$` must start a `${field}` reference",
                    ));
                }
                let end = chars[i + 2..]
                    .iter()
                    .position(|&d| d == '}')
                    .ok_or_else(|| {
                        ParseError::new(pos, "`${` 缺少结尾的 `}`", "`${` is never closed with `}`")
                    })?;
                let name: String = chars[i + 2..i + 2 + end].iter().collect();
                if name.is_empty() || name.chars().any(char::is_whitespace) {
                    return Err(ParseError::new(
                        pos,
                        "`${…}` 中必须是字段名",
                        "`${…}` must hold a field name",
                    ));
                }
                out.push((Tok::Field(name), pos));
                i += end + 3;
            }
            '.' if next.is_some_and(|d| d.is_ascii_digit()) => {
                let (n, len) = number(&chars[i..], pos)?;
                out.push((Tok::Number(n), pos));
                i += len;
            }
            '.' if next == Some('.') => {
                return Err(ParseError::new(
                    pos,
                    "不支持 `..`（上级路径）：请用 `${字段}`",
                    "`..` (parent paths) is not supported: use `${field}`",
                ));
            }
            '.' => {
                out.push((Tok::Dot, pos));
                i += 1;
            }
            d if d.is_ascii_digit() => {
                let (n, len) = number(&chars[i..], pos)?;
                out.push((Tok::Number(n), pos));
                i += len;
            }
            a if a.is_alphabetic() || a == '_' => {
                let len = chars[i..]
                    .iter()
                    .position(|&d| !(d.is_alphanumeric() || matches!(d, '_' | '-' | ':')))
                    .unwrap_or(chars.len() - i);
                let word: String = chars[i..i + len].iter().collect();
                out.push((Tok::Name(word), pos));
                i += len;
            }
            other => {
                return Err(ParseError::new(
                    pos,
                    format!("无法识别的字符 `{other}`"),
                    format!("unexpected character `{other}`"),
                ));
            }
        }
    }
    Ok(out)
}

/// Reads `digits[.digits]` at the start of `chars`; returns the value and its length.
fn number(chars: &[char], pos: usize) -> Result<(f64, usize), ParseError> {
    let mut len = chars.iter().take_while(|c| c.is_ascii_digit()).count();
    if chars.get(len) == Some(&'.') {
        len += 1;
        len += chars[len..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
    }
    let text: String = chars[..len].iter().collect();
    text.parse::<f64>().map(|n| (n, len)).map_err(|_| {
        ParseError::new(
            pos,
            format!("`{text}` 不是数字"),
            format!("`{text}` is not a number"),
        )
    })
}
