//! Activity reports (`/report/activity/`, Close's shape) and the metric list.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, NaiveDate, Utc};
use corral_domain::reports::{Interval, METRICS, relative_range};
use corral_services::ServiceError;
use corral_services::reports::{ReportRequest, UserFilter, to_csv};
use serde_json::{Value, json};

use crate::body::Body;
use crate::v1::json_object;
use crate::{ApiActor, ApiError, ApiState};

pub fn routes() -> Router<ApiState> {
    Router::new()
        .route("/api/v1/report/activity", post(activity))
        .route("/api/v1/report/activity/metrics", get(metrics))
}

async fn metrics(ApiActor(_actor): ApiActor) -> Result<Response, ApiError> {
    let data: Vec<Value> = METRICS
        .iter()
        .map(|m| json!({"key": m.key, "name": m.name, "description": m.description}))
        .collect();
    Ok(Json(json!({"metrics": data})).into_response())
}

/// A date (`2026-01-01`, midnight UTC) or an RFC 3339 datetime.
fn when(field: &str, s: &str) -> Result<DateTime<Utc>, ApiError> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        && let Some(t) = d.and_hms_opt(0, 0, 0)
    {
        return Ok(t.and_utc());
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            ApiError::field(
                field,
                format!("'{s}' is not a date (2026-01-31) or a datetime (2026-01-31T09:00:00Z)."),
            )
        })
}

async fn activity(
    State(st): State<ApiState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b = Body(json_object(&bytes)?);
    b.only(&[
        "type",
        "metrics",
        "datetime_range",
        "relative_range",
        "users",
        "interval",
        "query",
        "format",
    ])?;
    if b.0.contains_key("query") {
        return Err(ApiError::field(
            "query",
            "Reports over a saved search are not supported; leave out `query` to report on every lead you can see.",
        ));
    }
    let comparison = match b.str("type")?.as_deref().unwrap_or("overview") {
        "overview" => false,
        "comparison" => true,
        other => {
            return Err(ApiError::field(
                "type",
                format!("'{other}' is not a report type: use overview or comparison."),
            ));
        }
    };
    let metrics = b
        .str_list("metrics")?
        .ok_or_else(|| ApiError::field("metrics", "`metrics` lists the metric keys to report."))?;
    let (start, end) = match (b.0.get("datetime_range"), b.str("relative_range")?) {
        (Some(Value::Object(r)), None) => {
            let get = |k: &str| {
                r.get(k).and_then(Value::as_str).ok_or_else(|| {
                    ApiError::field(
                        "datetime_range",
                        format!("`datetime_range.{k}` is required."),
                    )
                })
            };
            (
                when("datetime_range", get("start")?)?,
                when("datetime_range", get("end")?)?,
            )
        }
        (None, Some(name)) => relative_range(&name, Utc::now()).map_err(ServiceError::from)?,
        _ => {
            return Err(ApiError::field(
                "datetime_range",
                "Give `datetime_range` {start, end} or `relative_range`.",
            ));
        }
    };
    let users = match b.0.get("users") {
        None | Some(Value::Null) => UserFilter::Active,
        Some(Value::String(s)) if s == "active" => UserFilter::Active,
        Some(Value::String(s)) if s == "all_with_data" => UserFilter::AllWithData,
        Some(Value::Array(_)) => UserFilter::Only(b.str_list("users")?.unwrap_or_default()),
        Some(_) => {
            return Err(ApiError::field(
                "users",
                "`users` is a list of user ids, \"active\" or \"all_with_data\".",
            ));
        }
    };
    let interval = Interval::parse(b.str("interval")?.as_deref().unwrap_or("day"))
        .map_err(ServiceError::from)?;
    let report = st
        .services
        .activity_report(
            &actor,
            &ReportRequest {
                comparison,
                metrics,
                start,
                end,
                users,
                interval,
            },
        )
        .await?;
    let wants_csv = b.str("format")?.as_deref() == Some("csv")
        || headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/csv"));
    if wants_csv {
        let mut r = to_csv(&report).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        return Ok(r);
    }
    let totals: serde_json::Map<String, Value> = report
        .totals
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let body = if comparison {
        json!({
            "aggregations": {"totals": totals},
            "data": report.members.iter().map(|m| {
                let mut row = json!({"user_id": m.user_id, "user_name": m.name, "inactive": m.inactive});
                for (k, v) in &m.values { row[k] = json!(v); }
                row
            }).collect::<Vec<_>>(),
        })
    } else {
        json!({
            "aggregations": {"totals": totals},
            "data": report.buckets.iter().map(|(d, vals)| {
                let mut row = json!({"datetime": format!("{d}T00:00:00+00:00")});
                for (k, v) in vals { row[k] = json!(v); }
                row
            }).collect::<Vec<_>>(),
        })
    };
    Ok(Json(body).into_response())
}
