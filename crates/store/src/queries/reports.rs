//! The raw facts activity reports count (SPEC S7): who did what when, over the leads the
//! asker may see (the visibility filter is part of each query).

use corral_domain::visibility::LeadScope;

use crate::model::Ts;
use crate::queries::db_err;
use crate::queries::leads::push_scope;
use crate::sql::{Arg, Sql};
use crate::{Result, Tx, fetch_all_built};

/// One countable event: a member, what happened (`call.outbound`, `lead.created`,
/// `opportunity.won`…), when, and a value (an opportunity's value, else 0).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Fact {
    pub user_id: String,
    pub kind: String,
    pub at: Ts,
    pub value: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct WonRow {
    user_id: String,
    date_won: String,
    value: i64,
}

fn scoped(select: &str, from: &str, workspace_id: &str, scope: &LeadScope) -> Sql {
    let mut sql = Sql::new(&format!(
        "SELECT {select} FROM {from} WHERE l.workspace_id = "
    ));
    sql.text_arg(workspace_id);
    push_scope(&mut sql, workspace_id, scope);
    sql
}

/// Every fact in `[start, end)`.
pub async fn facts(
    tx: &mut Tx,
    workspace_id: &str,
    scope: &LeadScope,
    start: Ts,
    end: Ts,
) -> Result<Vec<Fact>> {
    let mut out = Vec::new();
    // Activities by type (calls, emails and SMS also by direction).
    let mut sql = scoped(
        "a.user_id AS user_id, a.activity_type || CASE WHEN a.direction IS NULL OR a.direction = '' THEN '' ELSE '.' || a.direction END AS kind, a.activity_at AS at, CAST(0 AS BIGINT) AS value",
        "activities a JOIN leads l ON l.id = a.lead_id",
        workspace_id,
        scope,
    );
    sql.push(" AND a.user_id IS NOT NULL AND a.activity_at >= ")
        .arg(Arg::Time(start))
        .push(" AND a.activity_at < ")
        .arg(Arg::Time(end));
    out.extend(fetch_all_built!(tx, sql, Fact).map_err(db_err)?);
    // Leads created.
    let mut sql = scoped(
        "l.created_by AS user_id, 'lead.created' AS kind, l.date_created AS at, CAST(0 AS BIGINT) AS value",
        "leads l",
        workspace_id,
        scope,
    );
    sql.push(" AND l.created_by IS NOT NULL AND l.date_created >= ")
        .arg(Arg::Time(start))
        .push(" AND l.date_created < ")
        .arg(Arg::Time(end));
    out.extend(fetch_all_built!(tx, sql, Fact).map_err(db_err)?);
    // Opportunities created (for their owner).
    let mut sql = scoped(
        "o.user_id AS user_id, 'opportunity.created' AS kind, o.date_created AS at, o.value AS value",
        "opportunities o JOIN leads l ON l.id = o.lead_id",
        workspace_id,
        scope,
    );
    sql.push(" AND o.user_id IS NOT NULL AND o.date_created >= ")
        .arg(Arg::Time(start))
        .push(" AND o.date_created < ")
        .arg(Arg::Time(end));
    out.extend(fetch_all_built!(tx, sql, Fact).map_err(db_err)?);
    // Tasks completed (when they were last changed, which completing them is).
    let mut sql = scoped(
        "t.assigned_to AS user_id, 'task.completed' AS kind, t.date_updated AS at, CAST(0 AS BIGINT) AS value",
        "tasks t JOIN leads l ON l.id = t.lead_id",
        workspace_id,
        scope,
    );
    sql.push(" AND t.assigned_to IS NOT NULL AND t.is_complete = TRUE AND t.date_updated >= ")
        .arg(Arg::Time(start))
        .push(" AND t.date_updated < ")
        .arg(Arg::Time(end));
    out.extend(fetch_all_built!(tx, sql, Fact).map_err(db_err)?);
    // Opportunities won, on their win date.
    let mut sql = scoped(
        "o.user_id AS user_id, o.date_won AS date_won, o.value AS value",
        "opportunities o JOIN leads l ON l.id = o.lead_id JOIN opportunity_statuses s ON s.id = o.status_id",
        workspace_id,
        scope,
    );
    sql.push(" AND o.user_id IS NOT NULL AND s.status_type = 'won' AND o.date_won IS NOT NULL AND o.date_won >= ")
        .text_arg(&start.format("%Y-%m-%d").to_string())
        .push(" AND o.date_won < ")
        .text_arg(&end.format("%Y-%m-%d").to_string());
    for w in fetch_all_built!(tx, sql, WonRow).map_err(db_err)? {
        if let Ok(d) = chrono::NaiveDate::parse_from_str(&w.date_won, "%Y-%m-%d")
            && let Some(at) = d.and_hms_opt(12, 0, 0)
        {
            out.push(Fact {
                user_id: w.user_id,
                kind: "opportunity.won".into(),
                at: at.and_utc(),
                value: w.value,
            });
        }
    }
    Ok(out)
}

/// (user id, +1/-1, when) seat changes of an organization, oldest first: when each member
/// started and stopped being an active member.
pub async fn seat_history(tx: &mut Tx, organization_id: &str) -> Result<Vec<(String, i64, Ts)>> {
    crate::on!(tx, c => sqlx::query_as::<_, (String, i64, Ts)>("SELECT user_id, delta, date_created FROM seat_changes WHERE organization_id = $1 ORDER BY date_created, id")
        .bind(organization_id).fetch_all(c).await).map_err(db_err)
}
