//! A phone number in E.164 form (`+` country code and subscriber number, 8–15 digits).

use crate::error::DomainError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    /// Accepts common punctuation (spaces, dashes, dots, parentheses) and a `00` international
    /// prefix, and stores the canonical `+digits` form. A number without a country code is
    /// refused rather than guessed.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim();
        let mut digits = String::with_capacity(s.len());
        let mut plus = false;
        for (i, c) in s.chars().enumerate() {
            match c {
                '+' if i == 0 => plus = true,
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => {
                    return Err(DomainError::field(
                        "phone",
                        format!("'{s}' is not a phone number: unexpected character '{c}'."),
                    ));
                }
            }
        }
        if !plus {
            if let Some(rest) = digits.strip_prefix("00") {
                digits = rest.to_string();
            } else {
                return Err(DomainError::field(
                    "phone",
                    format!(
                        "'{s}' needs a country code in international form, such as +14155550123."
                    ),
                ));
            }
        }
        if !(8..=15).contains(&digits.len()) || digits.starts_with('0') {
            return Err(DomainError::field(
                "phone",
                format!(
                    "'{s}' is not a valid E.164 number (a country code then 8 to 15 digits in all)."
                ),
            ));
        }
        Ok(Self(format!("+{digits}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonicalises() {
        assert_eq!(
            Phone::parse("+1 (415) 555-0123").unwrap().as_str(),
            "+14155550123"
        );
        assert_eq!(
            Phone::parse("0044 20 7946 0958").unwrap().as_str(),
            "+442079460958"
        );
    }

    #[test]
    fn rejects_bad_numbers() {
        for bad in [
            "",
            "4155550123",
            "+0123456789",
            "+12",
            "+1234567890123456",
            "+1 415 abc",
            "1+415",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }
}
