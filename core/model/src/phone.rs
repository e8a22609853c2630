//! Mainland China phone numbers: mobile (`1[3-9]` + 9 digits) and landline
//! (area code `0` + 2–3 digits, then a 7–8 digit local number, optional extension).
//!
//! Input is taken as people type it: spaces, dashes and brackets are ignored and a
//! `+86`/`86`/`0086` country prefix is dropped. Errors never echo the number.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a string is not a mainland phone number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("a phone number holds only digits, spaces, dashes, brackets and a +86 prefix")]
    BadCharacters,
    #[error(
        "not a mainland mobile number (11 digits starting 13–19) or landline (area code + 7–8 digits)"
    )]
    BadFormat,
}

impl PhoneError {
    /// A stable, machine-readable code for this error.
    pub fn code(self) -> &'static str {
        match self {
            Self::BadCharacters => "phone_bad_characters",
            Self::BadFormat => "phone_bad_format",
        }
    }

    /// The reason in Chinese, for a worker's screen.
    pub fn message_zh(self) -> &'static str {
        match self {
            Self::BadCharacters => "电话号码只能包含数字、空格、短横线、括号和+86",
            Self::BadFormat => "不是有效的手机号（13–19开头的11位）或固定电话（区号+7至8位号码）",
        }
    }
}

/// A validated phone number in normal form: `13812345678` for a mobile,
/// `010-12345678` or `0755-1234567-89` (with extension) for a landline.
///
/// `Debug` and `Display` mask the number; [`Phone::as_str`] gives the full value.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

/// Area codes with two digits after the leading zero (Beijing, Shanghai, Tianjin,
/// Chongqing and the large cities of the 02x range); all others have three.
fn is_two_digit_area(digits_after_zero: &str) -> bool {
    digits_after_zero.starts_with('1') || digits_after_zero.starts_with('2')
}

impl Phone {
    /// Parses a phone number as typed.
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let trimmed = input.trim();
        let (main, extension) = match trimmed.split_once(['#', '转']) {
            Some((m, e)) => (m, Some(e.trim())),
            None => (trimmed, None),
        };
        let mut digits = String::with_capacity(main.len());
        for (i, c) in main.chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '(' | ')' | '（' | '）' => {}
                '+' if i == 0 => {}
                _ => return Err(PhoneError::BadCharacters),
            }
        }
        for prefix in ["0086", "86"] {
            if digits.len() > 11 && digits.starts_with(prefix) {
                digits.drain(..prefix.len());
                break;
            }
        }
        if let Some(ext) = extension
            && (ext.is_empty() || ext.len() > 6 || !ext.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(PhoneError::BadFormat);
        }
        let b = digits.as_bytes();
        if extension.is_none() && b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) {
            return Ok(Self(digits));
        }
        if b.first() == Some(&b'0') && b.get(1).is_some_and(|d| *d != b'0') {
            let area_len = if is_two_digit_area(&digits[1..]) {
                3
            } else {
                4
            };
            let local = &digits[area_len.min(digits.len())..];
            if (7..=8).contains(&local.len()) && !local.starts_with(['0', '1']) {
                let mut normal = format!("{}-{}", &digits[..area_len], local);
                if let Some(ext) = extension {
                    normal.push('-');
                    normal.push_str(ext);
                }
                return Ok(Self(normal));
            }
        }
        Err(PhoneError::BadFormat)
    }

    /// The full number in normal form. Personal data.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is a mobile number.
    pub fn is_mobile(&self) -> bool {
        self.0.starts_with('1')
    }

    /// The number masked for lists and exports: `138****5678`, `010-****5678`.
    pub fn masked(&self) -> String {
        if self.is_mobile() {
            format!("{}****{}", &self.0[..3], &self.0[7..])
        } else {
            let (area, rest) = self.0.split_once('-').expect("landlines have an area code");
            let local = rest.split('-').next().unwrap_or(rest);
            format!("{area}-****{}", &local[local.len() - 4..])
        }
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

impl fmt::Display for Phone {
    /// Displays the masked form; use [`Phone::as_str`] for the full value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl TryFrom<String> for Phone {
    type Error = PhoneError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Phone> for String {
    fn from(p: Phone) -> String {
        p.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_in_their_usual_spellings() {
        for input in [
            "13812345678",
            "138 1234 5678",
            "+86 138-1234-5678",
            "8613812345678",
        ] {
            assert_eq!(
                Phone::parse(input).unwrap().as_str(),
                "13812345678",
                "{input}"
            );
        }
        assert_eq!(Phone::parse("13812345678").unwrap().masked(), "138****5678");
    }

    #[test]
    fn landlines_with_area_codes_and_extensions() {
        assert_eq!(
            Phone::parse("010-62345678").unwrap().as_str(),
            "010-62345678"
        );
        assert_eq!(
            Phone::parse("(0755) 2345678").unwrap().as_str(),
            "0755-2345678"
        );
        assert_eq!(
            Phone::parse("0755-23456789转123").unwrap().as_str(),
            "0755-23456789-123"
        );
        assert_eq!(
            Phone::parse("010-62345678").unwrap().masked(),
            "010-****5678"
        );
    }

    #[test]
    fn bad_numbers_are_refused() {
        assert_eq!(Phone::parse("12812345678"), Err(PhoneError::BadFormat));
        assert_eq!(Phone::parse("1381234567"), Err(PhoneError::BadFormat));
        assert_eq!(Phone::parse("010-1234"), Err(PhoneError::BadFormat));
        assert_eq!(Phone::parse("abc"), Err(PhoneError::BadCharacters));
        assert_eq!(Phone::parse(""), Err(PhoneError::BadFormat));
    }
}
