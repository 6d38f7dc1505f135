//! The reports page (SPEC S7): overview and comparison as SVG bar charts drawn on the
//! server, a table of every metric, and a CSV download of the same report.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use corral_domain::reports::{Interval, METRICS, relative_range};
use corral_services::reports::{Report, ReportRequest, UserFilter, to_csv};

use crate::WebState;
use crate::pages::{Nav, explain, message, nav, render, status_of, with_cookie};
use crate::session::WebActor;

pub struct Bar {
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
    pub label: String,
    pub value: i64,
    pub inactive: bool,
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    title: String,
    nav: Option<Nav>,
    ranges: Vec<(&'static str, &'static str)>,
    range: String,
    kind: String,
    users: String,
    metric: String,
    metric_name: String,
    metrics: Vec<(&'static str, &'static str)>,
    total: i64,
    bars: Vec<Bar>,
    ticks: Vec<(i64, String)>,
    horizontal: bool,
    width: i64,
    height: i64,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    csv_link: String,
    error: Option<String>,
}

const RANGES: [(&str, &str); 9] = [
    ("this-week", "This week"),
    ("last-week", "Last week"),
    ("this-month", "This month"),
    ("last-month", "Last month"),
    ("this-quarter", "This quarter"),
    ("last-quarter", "Last quarter"),
    ("this-year", "This year"),
    ("last-year", "Last year"),
    ("all-time", "All time"),
];

struct Params {
    range: String,
    comparison: bool,
    users: String,
    metric: String,
}

fn params(q: &HashMap<String, String>) -> Params {
    let get = |k: &str, d: &str| {
        q.get(k)
            .cloned()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| d.to_string())
    };
    Params {
        range: get("range", "this-month"),
        comparison: get("type", "overview") == "comparison",
        users: get("users", "active"),
        metric: get("metric", "calls.all.count"),
    }
}

async fn run(
    st: &WebState,
    web: &WebActor,
    p: &Params,
) -> Result<Report, corral_services::ServiceError> {
    let (start, end) = relative_range(&p.range, Utc::now())?;
    let days = (end - start).num_days();
    let interval = if days <= 62 {
        Interval::Day
    } else if days <= 400 {
        Interval::Week
    } else {
        Interval::Month
    };
    st.services
        .activity_report(
            &web.actor,
            &ReportRequest {
                comparison: p.comparison,
                metrics: METRICS.iter().map(|m| m.key.to_string()).collect(),
                start,
                end,
                users: if p.users == "all_with_data" {
                    UserFilter::AllWithData
                } else {
                    UserFilter::Active
                },
                interval,
            },
        )
        .await
}

pub async fn page(
    State(st): State<WebState>,
    web: WebActor,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let set = web.set_csrf.clone();
    let p = params(&q);
    let report = match run(&st, &web, &p).await {
        Ok(r) => r,
        Err(e) => {
            return with_cookie(
                message(status_of(&e), "Cannot show this report", &explain(&e), None),
                set,
            );
        }
    };
    let metric = METRICS
        .iter()
        .find(|m| m.key == p.metric)
        .unwrap_or(&METRICS[0]);
    let (width, mut height) = (900_i64, 260_i64);
    let mut bars = Vec::new();
    let mut ticks = Vec::new();
    let value =
        |vals: &std::collections::BTreeMap<String, i64>| vals.get(metric.key).copied().unwrap_or(0);
    if p.comparison {
        let max = report
            .members
            .iter()
            .map(|m| value(&m.values))
            .max()
            .unwrap_or(0)
            .max(1);
        height = (report.members.len() as i64 * 24).max(24);
        for (i, m) in report.members.iter().enumerate() {
            let v = value(&m.values);
            bars.push(Bar {
                x: 220,
                y: i as i64 * 24 + 2,
                w: (v * 600 / max).max(if v > 0 { 2 } else { 0 }),
                h: 18,
                label: if m.inactive {
                    format!("{} (Inactive)", m.name)
                } else {
                    m.name.clone()
                },
                value: v,
                inactive: m.inactive,
            });
        }
    } else {
        let n = report.buckets.len().max(1) as i64;
        let max = report
            .buckets
            .iter()
            .map(|(_, v)| value(v))
            .max()
            .unwrap_or(0)
            .max(1);
        let slot = (width / n).max(1);
        let every = (n / 8).max(1) as usize;
        for (i, (d, vals)) in report.buckets.iter().enumerate() {
            let v = value(vals);
            let h = v * (height - 30) / max;
            bars.push(Bar {
                x: i as i64 * slot + 1,
                y: height - 20 - h,
                w: (slot - 2).max(1),
                h,
                label: d.to_string(),
                value: v,
                inactive: false,
            });
            if i % every == 0 {
                ticks.push((i as i64 * slot, d.format("%b %-d").to_string()));
            }
        }
    }
    let mut headers: Vec<String> = vec![if p.comparison {
        "Member".into()
    } else {
        "Date".into()
    }];
    headers.extend(METRICS.iter().map(|m| m.name.to_string()));
    let rows: Vec<Vec<String>> = if p.comparison {
        report
            .members
            .iter()
            .map(|m| {
                let mut r = vec![if m.inactive {
                    format!("{} (Inactive)", m.name)
                } else {
                    m.name.clone()
                }];
                r.extend(
                    METRICS
                        .iter()
                        .map(|k| m.values.get(k.key).copied().unwrap_or(0).to_string()),
                );
                r
            })
            .collect()
    } else {
        report
            .buckets
            .iter()
            .map(|(d, vals)| {
                let mut r = vec![d.to_string()];
                r.extend(
                    METRICS
                        .iter()
                        .map(|k| vals.get(k.key).copied().unwrap_or(0).to_string()),
                );
                r
            })
            .collect()
    };
    let view = ReportsPage {
        title: "Reports".into(),
        nav: Some(nav(&st, &web.actor, &web.csrf, "/reports").await),
        ranges: RANGES.to_vec(),
        range: p.range.clone(),
        kind: if p.comparison {
            "comparison".into()
        } else {
            "overview".into()
        },
        users: p.users.clone(),
        metric: metric.key.to_string(),
        metric_name: metric.name.to_string(),
        metrics: METRICS.iter().map(|m| (m.key, m.name)).collect(),
        total: report.totals.get(metric.key).copied().unwrap_or(0),
        bars,
        ticks,
        horizontal: p.comparison,
        width,
        height,
        headers,
        rows,
        csv_link: format!(
            "/reports.csv?range={}&type={}&users={}",
            p.range,
            if p.comparison {
                "comparison"
            } else {
                "overview"
            },
            p.users
        ),
        error: None,
    };
    with_cookie(render(&view), set)
}

pub async fn csv(
    State(st): State<WebState>,
    web: WebActor,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let p = params(&q);
    match run(&st, &web, &p).await {
        Ok(r) => {
            let mut resp = to_csv(&r).into_response();
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            resp.headers_mut().insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"activity-report.csv\""),
            );
            resp
        }
        Err(e) => message(
            status_of(&e),
            "Cannot export this report",
            &explain(&e),
            None,
        ),
    }
}
