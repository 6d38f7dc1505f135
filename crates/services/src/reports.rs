//! Activity reports (SPEC S7): overview (totals per time bucket) and comparison (one row per
//! member) over a date range, for active members or for all users with data (inactive ones
//! labelled, their data counted only while they were members). Facts come from the store
//! already filtered to the leads the asker may see.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use corral_domain::Actor;
use corral_domain::reports::{self as rules, Interval, Metric};
use corral_store::queries::memberships::{self, MemberFilter};
use corral_store::queries::reports as q;

use crate::{Result, ServiceError, Services};

/// Which members a report covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserFilter {
    /// Members active now (the default).
    Active,
    /// Also deactivated and removed members who have data in the range.
    AllWithData,
    /// These users.
    Only(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct ReportRequest {
    pub comparison: bool,
    pub metrics: Vec<String>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub users: UserFilter,
    pub interval: Interval,
}

/// One member's row of a comparison.
#[derive(Debug, Clone)]
pub struct MemberRow {
    pub user_id: String,
    pub name: String,
    /// Deactivated or removed now.
    pub inactive: bool,
    pub values: BTreeMap<String, i64>,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub metrics: Vec<&'static Metric>,
    pub totals: BTreeMap<String, i64>,
    /// Overview: one entry per bucket.
    pub buckets: Vec<(NaiveDate, BTreeMap<String, i64>)>,
    /// Comparison: one entry per member.
    pub members: Vec<MemberRow>,
}

impl Services {
    pub async fn activity_report(&self, actor: &Actor, r: &ReportRequest) -> Result<Report> {
        if r.metrics.is_empty() {
            return Err(ServiceError::field("metrics", "Name at least one metric."));
        }
        let metrics: Vec<&'static Metric> = r
            .metrics
            .iter()
            .map(|k| rules::metric(k))
            .collect::<std::result::Result<_, _>>()?;
        if r.start >= r.end {
            return Err(ServiceError::field(
                "datetime_range",
                "The range's start comes before its end.",
            ));
        }
        let buckets = r.interval.buckets(r.start, r.end);
        if !r.comparison && buckets.len() > rules::MAX_BUCKETS {
            return Err(ServiceError::field(
                "interval",
                format!(
                    "That range has more than {} {:?} buckets; choose a longer interval.",
                    rules::MAX_BUCKETS,
                    r.interval
                )
                .to_lowercase(),
            ));
        }
        let mut tx = self.db().read().await?;
        let facts = q::facts(
            &mut tx,
            &actor.workspace_id,
            &actor.lead_scope,
            r.start,
            r.end,
        )
        .await?;
        let members =
            memberships::search_members(&mut tx, &actor.workspace_id, &MemberFilter::default())
                .await?;
        let seats = q::seat_history(&mut tx, &actor.organization_id).await?;
        drop(tx);

        // Who is in the report, and when each was a member.
        let mut periods = HashMap::new();
        let mut info: HashMap<String, (String, bool)> = HashMap::new();
        for m in &members {
            let ms = &m.membership;
            let changes: Vec<(i64, DateTime<Utc>)> = seats
                .iter()
                .filter(|(u, _, _)| *u == ms.user_id)
                .map(|(_, d, t)| (*d, *t))
                .collect();
            let ended = match ms.status.as_str() {
                "deactivated" => ms.date_deactivated.or(Some(ms.date_updated)),
                "removed" => ms.date_removed.or(Some(ms.date_updated)),
                _ => None,
            };
            let start = ms
                .date_activated
                .unwrap_or(ms.date_created)
                .min(ms.date_created);
            periods.insert(ms.user_id.clone(), rules::periods(&changes, (start, ended)));
            let name = format!("{} {}", m.user_first_name, m.user_last_name)
                .trim()
                .to_string();
            info.insert(
                ms.user_id.clone(),
                (
                    if name.is_empty() {
                        m.user_email.clone()
                    } else {
                        name
                    },
                    ms.status != "active",
                ),
            );
        }
        if let UserFilter::Only(ids) = &r.users
            && let Some(unknown) = ids.iter().find(|u| !info.contains_key(*u))
        {
            return Err(ServiceError::field(
                "users",
                format!("'{unknown}' is not a member of this workspace."),
            ));
        }
        let included = |u: &str| match &r.users {
            UserFilter::Active => info.get(u).is_some_and(|(_, inactive)| !inactive),
            UserFilter::AllWithData => info.contains_key(u),
            UserFilter::Only(ids) => ids.iter().any(|i| i == u),
        };
        let mut per_user: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
        let mut per_bucket: BTreeMap<NaiveDate, BTreeMap<String, i64>> = BTreeMap::new();
        let mut totals: BTreeMap<String, i64> =
            metrics.iter().map(|m| (m.key.to_string(), 0)).collect();
        for f in &facts {
            if !included(&f.user_id) {
                continue;
            }
            if let Some(p) = periods.get(&f.user_id)
                && !rules::within(p, f.at)
            {
                continue;
            }
            for m in &metrics {
                if !rules::counts(m.key, &f.kind) {
                    continue;
                }
                let add = if m.sums_value { f.value } else { 1 };
                *totals.entry(m.key.to_string()).or_default() += add;
                *per_user
                    .entry(f.user_id.clone())
                    .or_default()
                    .entry(m.key.to_string())
                    .or_default() += add;
                *per_bucket
                    .entry(r.interval.bucket(f.at))
                    .or_default()
                    .entry(m.key.to_string())
                    .or_default() += add;
            }
        }
        let zero = |vals: Option<&BTreeMap<String, i64>>| -> BTreeMap<String, i64> {
            metrics
                .iter()
                .map(|m| {
                    (
                        m.key.to_string(),
                        vals.and_then(|v| v.get(m.key)).copied().unwrap_or(0),
                    )
                })
                .collect()
        };
        // Active members always have a row; inactive ones only with data.
        let mut rows: Vec<MemberRow> = Vec::new();
        if r.comparison {
            let mut ids: Vec<String> = match &r.users {
                UserFilter::Only(ids) => ids.clone(),
                UserFilter::Active => info
                    .iter()
                    .filter(|(_, (_, inactive))| !inactive)
                    .map(|(u, _)| u.clone())
                    .collect(),
                UserFilter::AllWithData => info
                    .iter()
                    .filter(|(u, (_, inactive))| !inactive || per_user.contains_key(*u))
                    .map(|(u, _)| u.clone())
                    .collect(),
            };
            ids.sort_by_key(|u| {
                info.get(u)
                    .map(|(n, _)| n.to_lowercase())
                    .unwrap_or_default()
            });
            ids.dedup();
            for u in ids {
                let (name, inactive) = info.get(&u).cloned().unwrap_or_else(|| (u.clone(), true));
                rows.push(MemberRow {
                    values: zero(per_user.get(&u)),
                    user_id: u,
                    name,
                    inactive,
                });
            }
        }
        Ok(Report {
            totals,
            buckets: if r.comparison {
                vec![]
            } else {
                buckets
                    .into_iter()
                    .map(|b| (b, zero(per_bucket.get(&b))))
                    .collect()
            },
            members: rows,
            metrics,
        })
    }
}

/// A report as CSV: one row per member (comparison) or per bucket (overview).
pub fn to_csv(report: &Report) -> String {
    let esc = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let keys: Vec<&str> = report.metrics.iter().map(|m| m.key).collect();
    let mut out = String::new();
    if report.members.is_empty() && !report.buckets.is_empty() {
        out.push_str(&format!("date,{}\n", keys.join(",")));
        for (d, vals) in &report.buckets {
            let cells: Vec<String> = keys
                .iter()
                .map(|k| vals.get(*k).copied().unwrap_or(0).to_string())
                .collect();
            out.push_str(&format!("{d},{}\n", cells.join(",")));
        }
    } else {
        out.push_str(&format!("user_id,user_name,status,{}\n", keys.join(",")));
        for r in &report.members {
            let cells: Vec<String> = keys
                .iter()
                .map(|k| r.values.get(*k).copied().unwrap_or(0).to_string())
                .collect();
            out.push_str(&format!(
                "{},{},{},{}\n",
                r.user_id,
                esc(&r.name),
                if r.inactive { "inactive" } else { "active" },
                cells.join(",")
            ));
        }
    }
    out
}
