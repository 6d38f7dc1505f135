//! Importing leads from a CSV file: choose or paste the file, check it (every faulty line is
//! named before anything is created), import it, and follow the imports' progress.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use corral_services::imports::ImportPlan;

use crate::WebState;
use crate::pages::{Nav, explain, form_expired, form_value, nav, render};
use crate::session::WebActor;
use crate::users::ago;

pub struct ImportLine {
    pub id: String,
    pub status: String,
    pub progress: String,
    pub error: String,
    pub started: String,
}

#[derive(Template)]
#[template(path = "imports.html")]
struct ImportsPage {
    title: String,
    nav: Option<Nav>,
    csrf: String,
    csv: String,
    notice: Option<String>,
    error: Option<String>,
    plan: Option<ImportPlan>,
    imports: Vec<ImportLine>,
    running: bool,
}

async fn page(
    st: &WebState,
    web: &WebActor,
    csv: String,
    plan: Option<ImportPlan>,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    let imports: Vec<ImportLine> = st
        .services
        .bulk_jobs(&web.actor, "import")
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|j| ImportLine {
            id: j.id,
            progress: format!("{} of {} lead(s)", j.n_objects_processed, j.n_objects),
            status: j.status,
            error: j.error.unwrap_or_default(),
            started: ago(Some(&j.date_created)),
        })
        .collect();
    let running = imports
        .iter()
        .any(|i| matches!(i.status.as_str(), "created" | "processing"));
    render(&ImportsPage {
        title: "Import leads".into(),
        nav: Some(nav(st, &web.actor, &web.csrf, "/leads").await),
        csrf: web.csrf.clone(),
        csv,
        notice,
        error,
        plan,
        imports,
        running,
    })
}

pub async fn show(State(st): State<WebState>, web: WebActor) -> Response {
    page(&st, &web, String::new(), None, None, None).await
}

/// "Check" shows what the file would do; "Import" starts it.
pub async fn submit(
    State(st): State<WebState>,
    headers: HeaderMap,
    web: WebActor,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> Response {
    if !crate::session::csrf_ok(&headers, &form_value(&form, "csrf")) {
        return form_expired();
    }
    let csv = form_value(&form, "csv");
    let dry_run = form_value(&form, "action") != "import";
    match st.services.import_leads(&web.actor, &csv, dry_run).await {
        Ok((plan, None)) => page(&st, &web, csv, Some(plan), None, None).await,
        Ok((plan, Some(_))) => {
            let notice = format!(
                "Importing {} lead(s) with {} contact(s). The list below shows the progress.",
                plan.leads, plan.contacts
            );
            page(&st, &web, String::new(), None, Some(notice), None).await
        }
        Err(e) => page(&st, &web, csv, None, None, Some(explain(&e))).await,
    }
}
