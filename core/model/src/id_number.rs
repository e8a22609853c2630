//! Resident identity card numbers (居民身份证号码), as GB 11643-1999 defines them.
//!
//! An 18-character number is six digits of region code, eight of birth date
//! (`YYYYMMDD`), three of sequence (odd for men, even for women) and a check
//! character computed with ISO 7064 MOD 11-2 (`0`–`9` or `X`). Legacy 15-digit
//! numbers (issued before 1999) have a two-digit year and no check character;
//! they are accepted and upgraded to 18 characters by inserting `19` and
//! computing the check character.
//!
//! Parsing never echoes the number back in an error: the number is personal data.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Weights of the first 17 characters in the MOD 11-2 check.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check characters indexed by the weighted sum modulo 11.
const CHECK_CHARS: &[u8; 11] = b"10X98765432";
/// Two-digit province codes in use (GB/T 2260), plus 71 台湾, 81 香港, 82 澳门 and
/// 83, the prefix of residence permits for Taiwan residents.
const PROVINCES: [&str; 35] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82", "83",
];

/// Why a string is not a valid identity number. Each has a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("an identity number has 18 characters (or 15 digits for the old kind)")]
    WrongLength,
    #[error("an identity number has only digits, and an X as its last character")]
    NonDigit,
    #[error("the region code is not a known province")]
    UnknownRegion,
    #[error("the birth date in the number is not a real date, or is in the future")]
    ImpossibleBirthDate,
    #[error("the check character does not match the other 17")]
    BadCheckDigit,
}

impl IdNumberError {
    /// A stable, machine-readable code for this error.
    pub fn code(self) -> &'static str {
        match self {
            Self::WrongLength => "wrong_length",
            Self::NonDigit => "non_digit",
            Self::UnknownRegion => "unknown_region",
            Self::ImpossibleBirthDate => "impossible_birth_date",
            Self::BadCheckDigit => "bad_check_digit",
        }
    }

    /// The reason in Chinese, for a worker's screen.
    pub fn message_zh(self) -> &'static str {
        match self {
            Self::WrongLength => "身份证号码应为18位（旧证15位）",
            Self::NonDigit => "身份证号码只能包含数字，最后一位可以是X",
            Self::UnknownRegion => "身份证号码的地区码无效",
            Self::ImpossibleBirthDate => "身份证号码中的出生日期无效",
            Self::BadCheckDigit => "身份证号码校验位不正确",
        }
    }
}

/// Sex as encoded in the sequence digits of an identity number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    /// `"male"` or `"female"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Male => "male",
            Self::Female => "female",
        }
    }
}

/// A valid, normalized 18-character identity number.
///
/// `Debug` masks the number, so it never leaks into logs by accident;
/// [`IdNumber::as_str`] gives the full value to a caller who asks for it.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdNumber(String);

impl IdNumber {
    /// Parses and validates a number as typed by a person: surrounding spaces are
    /// ignored, a lowercase `x` is accepted, and a 15-digit legacy number is
    /// upgraded to 18 characters. The birth date must be a real date from
    /// 1890 on; whether it is already past is not judged here (no clock is
    /// read): a number entered for a resident goes through
    /// [`IdNumber::parse_on`] with the caller's today. Reading back a stored
    /// number, or recognizing one to mask it, takes this.
    pub fn parse(input: &str) -> Result<Self, IdNumberError> {
        let s = input.trim();
        let normalized = match s.chars().count() {
            18 => {
                let upper = s.to_ascii_uppercase();
                let bytes = upper.as_bytes();
                if !bytes[..17].iter().all(u8::is_ascii_digit)
                    || !(bytes[17].is_ascii_digit() || bytes[17] == b'X')
                {
                    return Err(IdNumberError::NonDigit);
                }
                upper
            }
            15 => {
                if !s.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(IdNumberError::NonDigit);
                }
                let body = format!("{}19{}", &s[..6], &s[6..]);
                let check = check_char(&body);
                format!("{body}{}", check as char)
            }
            _ => return Err(IdNumberError::WrongLength),
        };
        if !PROVINCES.contains(&&normalized[..2]) {
            return Err(IdNumberError::UnknownRegion);
        }
        let birth = birth_date_of(&normalized).ok_or(IdNumberError::ImpossibleBirthDate)?;
        if birth.year() < 1890 {
            return Err(IdNumberError::ImpossibleBirthDate);
        }
        if check_char(&normalized[..17]) != normalized.as_bytes()[17] {
            return Err(IdNumberError::BadCheckDigit);
        }
        Ok(Self(normalized))
    }

    /// As [`IdNumber::parse`], and a birth date after `today` (the caller's
    /// clock's calendar day) is refused as impossible.
    pub fn parse_on(input: &str, today: NaiveDate) -> Result<Self, IdNumberError> {
        let id = Self::parse(input)?;
        if id.birth_date() > today {
            return Err(IdNumberError::ImpossibleBirthDate);
        }
        Ok(id)
    }

    /// The full 18-character number. Personal data: show it only where the
    /// caller's role allows and the user asked for it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The six-digit administrative region code of the place of registration.
    pub fn region_code(&self) -> &str {
        &self.0[..6]
    }

    /// The holder's date of birth.
    pub fn birth_date(&self) -> NaiveDate {
        birth_date_of(&self.0).expect("validated at parse time")
    }

    /// The holder's sex, from the parity of the 17th character.
    pub fn sex(&self) -> Sex {
        let digit = self.0.as_bytes()[16] - b'0';
        if digit % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// The holder's age in whole years on `on`.
    pub fn age_on(&self, on: NaiveDate) -> u32 {
        let birth = self.birth_date();
        let mut age = on.year() - birth.year();
        if (on.month(), on.day()) < (birth.month(), birth.day()) {
            age -= 1;
        }
        age.max(0) as u32
    }

    /// The last four characters, which workers use to find a resident.
    pub fn last4(&self) -> &str {
        &self.0[14..]
    }

    /// The number masked for lists and exports: `110105********1234`.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

impl fmt::Display for IdNumber {
    /// Displays the masked form; use [`IdNumber::as_str`] for the full value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl FromStr for IdNumber {
    type Err = IdNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for IdNumber {
    type Error = IdNumberError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<IdNumber> for String {
    fn from(id: IdNumber) -> String {
        id.0
    }
}

/// The MOD 11-2 check character for the first 17 digits of `body`.
fn check_char(body: &str) -> u8 {
    let sum: u32 = body
        .bytes()
        .take(17)
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

fn birth_date_of(normalized: &str) -> Option<NaiveDate> {
    let year = normalized[6..10].parse().ok()?;
    let month = normalized[10..12].parse().ok()?;
    let day = normalized[12..14].parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn with_check(body17: &str) -> String {
        format!("{body17}{}", check_char(body17) as char)
    }

    #[test]
    fn accepts_a_valid_number_and_derives_birth_and_sex() {
        // The sample number printed in GB 11643-1999 itself.
        let id = IdNumber::parse_on("11010519491231002X", today()).unwrap();
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(id.region_code(), "110105");
        assert_eq!(id.masked(), "110105********002X");
    }

    #[test]
    fn lowercase_x_is_normalized() {
        let id = IdNumber::parse_on(" 11010519491231002x ", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn wrong_check_digit_is_refused() {
        assert_eq!(
            IdNumber::parse_on("110105194912310021", today()),
            Err(IdNumberError::BadCheckDigit)
        );
    }

    #[test]
    fn impossible_birth_dates_are_refused() {
        // 30 February 1999 does not exist, whatever the check digit says.
        let n = with_check("11010519990230001");
        assert_eq!(
            IdNumber::parse_on(&n, today()),
            Err(IdNumberError::ImpossibleBirthDate)
        );
        let future = with_check("11010520300101001");
        assert_eq!(
            IdNumber::parse_on(&future, today()),
            Err(IdNumberError::ImpossibleBirthDate)
        );
        // Born today is possible; the day after is not, on the caller's day.
        let born_today = with_check("11010520261122001");
        assert!(IdNumber::parse_on(&born_today, today()).is_ok());
        let born_tomorrow = with_check("11010520261123001");
        assert_eq!(
            IdNumber::parse_on(&born_tomorrow, today()),
            Err(IdNumberError::ImpossibleBirthDate)
        );
        let a_day_later = today().succ_opt().expect("a next day");
        assert!(IdNumber::parse_on(&born_tomorrow, a_day_later).is_ok());
        let before_1890 = with_check("11010518891231001");
        assert_eq!(
            IdNumber::parse(&before_1890),
            Err(IdNumberError::ImpossibleBirthDate)
        );
        let month13 = with_check("11010519901301001");
        assert_eq!(
            IdNumber::parse_on(&month13, today()),
            Err(IdNumberError::ImpossibleBirthDate)
        );
    }

    #[test]
    fn reading_a_number_back_does_not_judge_its_birth_date_by_any_clock() {
        // A number stored (or shown, to be masked) reads the same on every
        // day: only a number being entered is judged against a today.
        let future = with_check("11010520300101001");
        let id = IdNumber::parse(&future).expect("a well-formed number");
        assert_eq!(id.masked(), format!("110105********{}", &future[14..]));
        let stored: IdNumber =
            serde_json::from_value(serde_json::json!(future)).expect("read back");
        assert_eq!(stored, id);
        assert_eq!(future.parse::<IdNumber>(), Ok(id));
        assert_eq!(
            IdNumber::parse(&with_check("11010519990230001")),
            Err(IdNumberError::ImpossibleBirthDate)
        );
    }

    #[test]
    fn fifteen_digit_numbers_are_upgraded() {
        let id = IdNumber::parse_on("110105491231002", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.sex(), Sex::Female);
    }

    #[test]
    fn wrong_length_and_non_digits_are_refused() {
        assert_eq!(
            IdNumber::parse_on("1101051949123100", today()),
            Err(IdNumberError::WrongLength)
        );
        assert_eq!(
            IdNumber::parse_on("", today()),
            Err(IdNumberError::WrongLength)
        );
        assert_eq!(
            IdNumber::parse_on("11010519491231A02X", today()),
            Err(IdNumberError::NonDigit)
        );
        assert_eq!(
            IdNumber::parse_on("1101054912310X2", today()),
            Err(IdNumberError::NonDigit)
        );
        assert_eq!(
            IdNumber::parse_on("11010519491231002Y", today()),
            Err(IdNumberError::NonDigit)
        );
        // Full-width digits are 18 characters but not ASCII digits.
        assert_eq!(
            IdNumber::parse_on("１１０１０５１９４９１２３１００２X", today()),
            Err(IdNumberError::NonDigit)
        );
    }

    #[test]
    fn unknown_provinces_are_refused() {
        let n = with_check("99010519491231002");
        assert_eq!(
            IdNumber::parse_on(&n, today()),
            Err(IdNumberError::UnknownRegion)
        );
    }

    #[test]
    fn age_counts_whole_years() {
        let id = IdNumber::parse_on("11010519491231002X", today()).unwrap();
        assert_eq!(
            id.age_on(NaiveDate::from_ymd_opt(2026, 12, 30).unwrap()),
            76
        );
        assert_eq!(
            id.age_on(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()),
            77
        );
    }

    #[test]
    fn debug_never_shows_the_full_number() {
        let id = IdNumber::parse_on("11010519491231002X", today()).unwrap();
        assert!(!format!("{id:?}").contains("19491231"));
    }

    proptest! {
        #[test]
        fn any_valid_body_with_its_check_char_parses_and_round_trips(
            days in 0i64..40_000, seq in 0u32..1000
        ) {
            let birth = NaiveDate::from_ymd_opt(1910, 1, 1).unwrap() + chrono::Days::new(days as u64);
            prop_assume!(birth <= today());
            let body = format!("320102{}{:03}", birth.format("%Y%m%d"), seq);
            let n = with_check(&body);
            let id = IdNumber::parse_on(&n, today()).unwrap();
            prop_assert_eq!(id.birth_date(), birth);
            prop_assert_eq!(id.as_str(), n.as_str());
            // Changing any one of the first 17 digits breaks the check.
            let mut wrong = n.clone().into_bytes();
            wrong[15] = if wrong[15] == b'9' { b'0' } else { wrong[15] + 1 };
            let wrong = String::from_utf8(wrong).unwrap();
            prop_assert_eq!(IdNumber::parse_on(&wrong, today()), Err(IdNumberError::BadCheckDigit));
        }
    }
}
