//! Expiration timestamps: parsing `AWS_CREDENTIAL_EXPIRATION` and a
//! credential_process's `Expiration`, and printing them in messages.
//!
//! botocore parses both with dateutil, which takes almost anything; the
//! values AWS tools actually write are ISO 8601 / RFC 3339, so that is what
//! this accepts: `2024-05-01T12:00:00Z`, with fractional seconds, with a
//! `+hh:mm` (or `+hhmm`) offset, with a space instead of `T`, and without an
//! offset (taken as UTC).

use std::time::SystemTime;
use time::format_description::well_known::{Iso8601, Rfc3339};
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// Parses an expiration timestamp; `None` when it is not a date-time.
pub(crate) fn parse(text: &str) -> Option<SystemTime> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if let Ok(dt) = OffsetDateTime::parse(t, &Rfc3339) {
        return Some(dt.into());
    }
    if let Ok(dt) = OffsetDateTime::parse(t, &Iso8601::PARSING) {
        return Some(dt.into());
    }
    // A space between date and time, as `str(datetime)` prints it.
    let with_t = match t.as_bytes().get(10) {
        Some(b' ') if t.is_char_boundary(10) && t.is_char_boundary(11) => {
            format!("{}T{}", &t[..10], &t[11..])
        }
        _ => t.to_owned(),
    };
    if with_t != t {
        if let Ok(dt) = OffsetDateTime::parse(&with_t, &Rfc3339) {
            return Some(dt.into());
        }
        if let Ok(dt) = OffsetDateTime::parse(&with_t, &Iso8601::PARSING) {
            return Some(dt.into());
        }
    }
    // No offset at all: UTC.
    PrimitiveDateTime::parse(&with_t, &Iso8601::PARSING)
        .ok()
        .map(|dt| dt.assume_offset(UtcOffset::UTC).into())
}

/// `2024-05-01T12:00:00Z`: how expirations appear in messages.
/// Times past what `time` represents (after 9999) read "a far future time"
/// rather than panicking.
pub fn format(t: SystemTime) -> String {
    let dt = match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(after) => after
            .try_into()
            .ok()
            .and_then(|d| OffsetDateTime::UNIX_EPOCH.checked_add(d)),
        Err(before) => before
            .duration()
            .try_into()
            .ok()
            .and_then(|d| OffsetDateTime::UNIX_EPOCH.checked_sub(d)),
    };
    let Some(dt) = dt else {
        return if t > std::time::UNIX_EPOCH {
            "a far future time".into()
        } else {
            "a time long past".into()
        };
    };
    let dt = dt.replace_nanosecond(0).unwrap_or(dt);
    dt.format(&Rfc3339).unwrap_or_else(|_| format!("{dt}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn parses_the_forms_aws_tools_write() {
        // 2024-05-01T12:00:00Z = 1714564800
        let want = at(1_714_564_800);
        for s in [
            "2024-05-01T12:00:00Z",
            "2024-05-01T12:00:00z",
            "2024-05-01T12:00:00+00:00",
            "2024-05-01T14:00:00+02:00",
            "2024-05-01T14:00:00+0200",
            "2024-05-01T12:00:00.000Z",
            "2024-05-01 12:00:00+00:00",
            "2024-05-01T12:00:00",
            "2024-05-01 12:00:00",
            " 2024-05-01T12:00:00Z\n",
        ] {
            assert_eq!(parse(s), Some(want), "{s}");
        }
        assert_eq!(
            parse("2024-05-01T12:00:00.5Z"),
            Some(want + Duration::from_millis(500))
        );
    }

    #[test]
    fn rejects_non_timestamps() {
        for s in [
            "",
            "tomorrow",
            "1714564800",
            "2024-13-01T00:00:00Z",
            "2024-05-01T25:00:00Z",
        ] {
            assert_eq!(parse(s), None, "{s}");
        }
    }

    #[test]
    fn formats_as_rfc3339_utc() {
        assert_eq!(format(at(1_714_564_800)), "2024-05-01T12:00:00Z");
        assert_eq!(
            format(at(1_714_564_800) + Duration::from_millis(999)),
            "2024-05-01T12:00:00Z"
        );
    }
}
