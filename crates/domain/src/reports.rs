//! Activity reports (SPEC S7): the metrics, which facts each counts, time buckets and
//! relative ranges, and the periods in which someone was a member (so an inactive member's
//! data counts only while they were on the team).

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};

use crate::error::DomainError;

/// A metric: wire key, name and what it counts.
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    pub key: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    /// Sums the value of opportunities instead of counting.
    pub sums_value: bool,
}

const fn m(key: &'static str, name: &'static str, description: &'static str) -> Metric {
    Metric {
        key,
        name,
        description,
        sums_value: false,
    }
}

pub const METRICS: [Metric; 13] = [
    m(
        "calls.all.count",
        "Calls",
        "Calls logged by the member, in and out.",
    ),
    m(
        "calls.outbound.all.count",
        "Outbound calls",
        "Calls the member made.",
    ),
    m(
        "calls.inbound.all.count",
        "Inbound calls",
        "Calls the member took.",
    ),
    m(
        "emails.sent.all.count",
        "Emails sent",
        "Emails the member sent.",
    ),
    m(
        "emails.received.all.count",
        "Emails received",
        "Emails the member received on leads.",
    ),
    m(
        "sms.sent.all.count",
        "SMS sent",
        "Text messages the member sent.",
    ),
    m(
        "notes.created.all.count",
        "Notes",
        "Notes the member wrote.",
    ),
    m(
        "meetings.all.count",
        "Meetings",
        "Meetings logged by the member.",
    ),
    m(
        "tasks.completed.all.count",
        "Tasks completed",
        "Tasks assigned to the member that were completed.",
    ),
    m(
        "leads.created.all.count",
        "Leads created",
        "Leads the member created.",
    ),
    m(
        "opportunities.created.all.count",
        "Opportunities created",
        "Opportunities created for the member.",
    ),
    m(
        "opportunities.won.all.count",
        "Opportunities won",
        "Opportunities of the member won (by win date).",
    ),
    Metric {
        key: "opportunities.won.all.sum_value",
        name: "Value won",
        description: "The value of the member's opportunities won (by win date).",
        sums_value: true,
    },
];

/// The metric for a wire key, or a field error naming the valid keys.
pub fn metric(key: &str) -> Result<&'static Metric, DomainError> {
    METRICS.iter().find(|m| m.key == key).ok_or_else(|| {
        DomainError::field(
            "metrics",
            format!("'{key}' is not a metric. GET /api/v1/report/activity/metrics/ lists them."),
        )
    })
}

/// Whether a fact of `kind` (`Call.outbound`, `Email`, `lead.created`…) counts for `metric`.
pub fn counts(metric: &str, kind: &str) -> bool {
    let (what, dir) = match kind.split_once('.') {
        Some((w, d)) => (w, d),
        None => (kind, ""),
    };
    let inbound = matches!(dir, "inbound" | "incoming");
    match metric {
        "calls.all.count" => what == "Call",
        "calls.outbound.all.count" => what == "Call" && !inbound,
        "calls.inbound.all.count" => what == "Call" && inbound,
        "emails.sent.all.count" => what == "Email" && !inbound,
        "emails.received.all.count" => what == "Email" && inbound,
        "sms.sent.all.count" => what == "SMS" && !inbound,
        "notes.created.all.count" => what == "Note",
        "meetings.all.count" => what == "Meeting",
        "tasks.completed.all.count" => kind == "task.completed",
        "leads.created.all.count" => kind == "lead.created",
        "opportunities.created.all.count" => kind == "opportunity.created",
        "opportunities.won.all.count" | "opportunities.won.all.sum_value" => {
            kind == "opportunity.won"
        }
        _ => false,
    }
}

/// Time buckets of an overview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    Day,
    Week,
    Month,
}

impl Interval {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s {
            "day" => Ok(Self::Day),
            "week" => Ok(Self::Week),
            "month" => Ok(Self::Month),
            other => Err(DomainError::field(
                "interval",
                format!("'{other}' is not an interval: use day, week or month."),
            )),
        }
    }

    /// The start of the bucket holding `t` (weeks start on Monday).
    pub fn bucket(self, t: DateTime<Utc>) -> NaiveDate {
        let d = t.date_naive();
        match self {
            Self::Day => d,
            Self::Week => d - Duration::days(i64::from(d.weekday().num_days_from_monday())),
            Self::Month => d.with_day(1).unwrap_or(d),
        }
    }

    /// The bucket after `d`.
    pub fn next(self, d: NaiveDate) -> NaiveDate {
        match self {
            Self::Day => d + Duration::days(1),
            Self::Week => d + Duration::days(7),
            Self::Month => {
                let (y, mo) = if d.month() == 12 {
                    (d.year() + 1, 1)
                } else {
                    (d.year(), d.month() + 1)
                };
                NaiveDate::from_ymd_opt(y, mo, 1).unwrap_or(d)
            }
        }
    }

    /// Every bucket from the one holding `start` to the one before `end`.
    pub fn buckets(self, start: DateTime<Utc>, end: DateTime<Utc>) -> Vec<NaiveDate> {
        let mut out = Vec::new();
        let mut b = self.bucket(start);
        let last = self.bucket(end - Duration::nanoseconds(1));
        while b <= last && out.len() <= MAX_BUCKETS {
            out.push(b);
            b = self.next(b);
        }
        out
    }
}

/// The most buckets one overview returns.
pub const MAX_BUCKETS: usize = 1000;

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// `[start, end)` of a relative range such as `this-month`, relative to `now`.
pub fn relative_range(
    name: &str,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), DomainError> {
    let today = now.date_naive();
    let week = Interval::Week.bucket(now);
    let month = Interval::Month.bucket(now);
    let quarter =
        NaiveDate::from_ymd_opt(today.year(), (today.month0() / 3) * 3 + 1, 1).unwrap_or(today);
    let year = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    let prev_month = |d: NaiveDate| {
        let (y, mo) = if d.month() == 1 {
            (d.year() - 1, 12)
        } else {
            (d.year(), d.month() - 1)
        };
        NaiveDate::from_ymd_opt(y, mo, 1).unwrap_or(d)
    };
    let (a, b) = match name {
        "today" => (today, today + Duration::days(1)),
        "yesterday" => (today - Duration::days(1), today),
        "this-week" => (week, week + Duration::days(7)),
        "last-week" => (week - Duration::days(7), week),
        "this-month" => (month, Interval::Month.next(month)),
        "last-month" => (prev_month(month), month),
        "this-quarter" => (
            quarter,
            Interval::Month.next(Interval::Month.next(Interval::Month.next(quarter))),
        ),
        "last-quarter" => (prev_month(prev_month(prev_month(quarter))), quarter),
        "this-year" => (
            year,
            NaiveDate::from_ymd_opt(today.year() + 1, 1, 1).unwrap_or(today),
        ),
        "last-year" => (
            NaiveDate::from_ymd_opt(today.year() - 1, 1, 1).unwrap_or(today),
            year,
        ),
        "all-time" => (
            NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(today),
            today + Duration::days(1),
        ),
        other => {
            return Err(DomainError::field(
                "relative_range",
                format!(
                    "'{other}' is not a range: use today, yesterday, this-week, last-week, this-month, last-month, this-quarter, last-quarter, this-year, last-year or all-time."
                ),
            ));
        }
    };
    Ok((midnight(a), midnight(b)))
}

/// The periods `[from, to)` in which a member was active, from their seat history (+1 when
/// they took a seat, -1 when they gave it up), oldest first. With no history, `fallback`.
pub fn periods(
    changes: &[(i64, DateTime<Utc>)],
    fallback: (DateTime<Utc>, Option<DateTime<Utc>>),
) -> Vec<(DateTime<Utc>, Option<DateTime<Utc>>)> {
    if changes.is_empty() {
        return vec![fallback];
    }
    let mut out = Vec::new();
    let mut open: Option<DateTime<Utc>> = None;
    for (delta, at) in changes {
        match (*delta > 0, open) {
            (true, None) => open = Some(*at),
            (false, Some(from)) => {
                out.push((from, Some(*at)));
                open = None;
            }
            // A seat given up with no start on record: counted from the fallback start.
            (false, None) if out.is_empty() => out.push((fallback.0, Some(*at))),
            _ => {}
        }
    }
    if let Some(from) = open {
        out.push((from, None));
    }
    out
}

/// Whether `t` falls in one of `periods`.
pub fn within(periods: &[(DateTime<Utc>, Option<DateTime<Utc>>)], t: DateTime<Utc>) -> bool {
    periods
        .iter()
        .any(|(from, to)| t >= *from && to.is_none_or(|to| t < to))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn metrics_count_their_facts() {
        assert!(counts("calls.outbound.all.count", "Call.outgoing"));
        assert!(!counts("calls.outbound.all.count", "Call.inbound"));
        assert!(counts("calls.all.count", "Call"));
        assert!(counts("emails.sent.all.count", "Email"));
        assert!(counts("opportunities.won.all.sum_value", "opportunity.won"));
        assert!(!counts("notes.created.all.count", "Meeting"));
        assert!(metric("nope").is_err());
        assert!(METRICS.iter().all(|m| metric(m.key).is_ok()));
    }

    #[test]
    fn buckets_and_ranges() {
        let b = Interval::Week.buckets(at("2026-11-01T00:00:00Z"), at("2026-11-22T00:00:00Z"));
        assert_eq!(b.first().unwrap().to_string(), "2026-10-26");
        assert_eq!(b.len(), 4);
        let m = Interval::Month.buckets(at("2026-11-15T00:00:00Z"), at("2027-01-02T00:00:00Z"));
        assert_eq!(
            m.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
            ["2026-11-01", "2026-12-01", "2027-01-01"]
        );
        let (a, z) = relative_range("last-month", at("2026-01-15T10:00:00Z")).unwrap();
        assert_eq!(
            (a, z),
            (at("2025-12-01T00:00:00Z"), at("2026-01-01T00:00:00Z"))
        );
        assert!(relative_range("someday", Utc::now()).is_err());
    }

    #[test]
    fn inactive_members_count_only_while_they_were_members() {
        let p = periods(
            &[
                (1, at("2026-01-01T00:00:00Z")),
                (-1, at("2026-02-01T00:00:00Z")),
                (1, at("2026-03-01T00:00:00Z")),
                (-1, at("2026-04-01T00:00:00Z")),
            ],
            (at("2025-01-01T00:00:00Z"), None),
        );
        assert!(within(&p, at("2026-01-15T00:00:00Z")));
        assert!(!within(&p, at("2026-02-15T00:00:00Z")));
        assert!(within(&p, at("2026-03-15T00:00:00Z")));
        assert!(!within(&p, at("2026-04-15T00:00:00Z")));
        let fallback = periods(
            &[],
            (at("2026-01-01T00:00:00Z"), Some(at("2026-02-01T00:00:00Z"))),
        );
        assert!(!within(&fallback, at("2026-02-02T00:00:00Z")));
    }
}
