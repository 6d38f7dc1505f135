//! The SCIM 2.0 adapter (RFC 7644) at `/scim/v2`: bearer-token authentication, SCIM's
//! media type, list envelopes, ETags and error bodies. Each handler calls one service.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use corral_domain::scim::{
    self as wire, AttrPath, ERROR_SCHEMA, Filter, LIST_RESPONSE, ScimError, get_ci,
};
use corral_domain::scim_schema;
use corral_services::Services;
use corral_services::scim::{ListQuery, MAX_COUNT, Page, ScimContext, etag_of};
use serde_json::{Value, json};
use std::collections::HashMap;

use crate::RequestId;

const MEDIA: &str = "application/scim+json";

/// The `/scim/v2` routes.
pub fn routes() -> Router<Services> {
    Router::new()
        .route(
            "/scim/v2/ServiceProviderConfig",
            get(service_provider_config),
        )
        .route("/scim/v2/ResourceTypes", get(resource_types))
        .route("/scim/v2/ResourceTypes/{id}", get(resource_type))
        .route("/scim/v2/Schemas", get(schemas))
        .route("/scim/v2/Schemas/{id}", get(schema))
        .route(
            "/scim/v2/Users",
            get(list_any::<false>).post(create_any::<false>),
        )
        .route("/scim/v2/Users/.search", post(search_any::<false>))
        .route(
            "/scim/v2/Users/{id}",
            get(get_any::<false>)
                .put(replace_any::<false>)
                .patch(patch_any::<false>)
                .delete(delete_any::<false>),
        )
        .route(
            "/scim/v2/Groups",
            get(list_any::<true>).post(create_any::<true>),
        )
        .route("/scim/v2/Groups/.search", post(search_any::<true>))
        .route(
            "/scim/v2/Groups/{id}",
            get(get_any::<true>)
                .put(replace_any::<true>)
                .patch(patch_any::<true>)
                .delete(delete_any::<true>),
        )
        .route("/scim/v2/.search", post(search_all))
        .route("/scim/v2", get(not_found))
        .route("/scim/v2/{*rest}", axum::routing::any(not_found))
}

/// A SCIM response body with SCIM's media type.
fn scim_json(status: StatusCode, body: Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(MEDIA));
    r
}

fn error_response(e: &ScimError) -> Response {
    let mut body = json!({
        "schemas": [ERROR_SCHEMA],
        "status": e.status.to_string(),
        "detail": e.detail,
    });
    if let Some(t) = e.scim_type {
        body["scimType"] = json!(t);
    }
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut r = scim_json(status, body);
    if e.status == 401 {
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"corral-scim\""),
        );
    }
    r
}

/// A single resource, with its ETag (and Location when created).
fn resource(status: StatusCode, doc: Value) -> Response {
    let etag = doc["meta"]["version"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| etag_of(&doc));
    let location = doc["meta"]["location"].as_str().map(str::to_string);
    let mut r = scim_json(status, doc);
    if let Ok(v) = HeaderValue::from_str(&etag) {
        r.headers_mut().insert(header::ETAG, v);
    }
    if status == StatusCode::CREATED
        && let Some(l) = location.and_then(|l| HeaderValue::from_str(&l).ok())
    {
        r.headers_mut().insert(header::LOCATION, l);
    }
    r
}

fn list(p: Page) -> Response {
    scim_json(
        StatusCode::OK,
        json!({
            "schemas": [LIST_RESPONSE],
            "totalResults": p.total,
            "startIndex": p.start_index,
            "itemsPerPage": p.resources.len(),
            "Resources": p.resources,
        }),
    )
}

/// Authenticates the bearer token.
async fn context(
    services: &Services,
    headers: &HeaderMap,
    rid: Option<&RequestId>,
) -> Result<ScimContext, ScimError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| rest.trim().to_string())
        })
        .unwrap_or_default();
    let id = rid.map(|r| r.0.as_str()).unwrap_or("");
    services
        .authenticate_scim(&token, id)
        .await
        .map_err(ScimError::from)
}

fn parse_body(body: &Bytes) -> Result<Value, ScimError> {
    if body.is_empty() {
        return Err(ScimError::invalid_syntax("The request has no body."));
    }
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| ScimError::invalid_syntax(format!("The body is not valid JSON: {e}.")))?;
    if corral_services::error::has_nul(&v) {
        return Err(ScimError::invalid_value(corral_services::error::NUL_TEXT));
    }
    Ok(v)
}

fn if_match(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Reads list parameters from the query string or a `.search` body.
fn list_query(get: &dyn Fn(&str) -> Option<Value>) -> Result<ListQuery, ScimError> {
    let text = |k: &str| -> Option<String> {
        get(k).and_then(|v| match v {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Array(items) => Some(
                items
                    .iter()
                    .filter_map(|i| i.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            _ => None,
        })
    };
    let number = |k: &str| -> Result<Option<i64>, ScimError> {
        match text(k) {
            None => Ok(None),
            Some(s) => s
                .trim()
                .parse::<i64>()
                .map(Some)
                .map_err(|_| ScimError::invalid_value(format!("'{k}' is a whole number."))),
        }
    };
    let filter = match text("filter").filter(|f| !f.trim().is_empty()) {
        Some(f) => Some(Filter::parse(&f)?),
        None => None,
    };
    let start_index = number("startIndex")?.unwrap_or(1).max(1) as usize;
    let count = number("count")?.unwrap_or(100).clamp(0, MAX_COUNT as i64) as usize;
    let sort_by = match text("sortBy").filter(|s| !s.trim().is_empty()) {
        Some(s) => Some(AttrPath::parse(&s).map_err(|e| ScimError::invalid_value(e.detail))?),
        None => None,
    };
    let descending = match text("sortOrder").map(|s| s.to_ascii_lowercase()) {
        None => false,
        Some(s) if s == "ascending" => false,
        Some(s) if s == "descending" => true,
        Some(s) => {
            return Err(ScimError::invalid_value(format!(
                "'{s}' is not a sortOrder: use ascending or descending."
            )));
        }
    };
    let attributes = wire::parse_attribute_list(&text("attributes").unwrap_or_default())
        .map_err(|e| ScimError::invalid_value(e.detail))?;
    let excluded = wire::parse_attribute_list(&text("excludedAttributes").unwrap_or_default())
        .map_err(|e| ScimError::invalid_value(e.detail))?;
    Ok(ListQuery {
        filter,
        start_index,
        count,
        sort_by,
        descending,
        attributes,
        excluded,
    })
}

fn query_from(params: &HashMap<String, String>) -> Result<ListQuery, ScimError> {
    list_query(&|k: &str| {
        params
            .iter()
            .find(|(pk, _)| pk.eq_ignore_ascii_case(k))
            .map(|(_, v)| Value::String(v.clone()))
    })
}

/// Projects a single resource as `attributes`/`excludedAttributes` ask.
fn project_one(
    core: &str,
    mut doc: Value,
    params: &HashMap<String, String>,
) -> Result<Value, ScimError> {
    let q = query_from(params)?;
    wire::project(&mut doc, core, &q.attributes, &q.excluded);
    Ok(doc)
}

/// Runs a handler body, logging provider writes and failures to the activity log.
async fn run<F>(
    services: &Services,
    headers: &HeaderMap,
    rid: Option<RequestId>,
    method: Method,
    path: String,
    f: F,
) -> Response
where
    F: AsyncFnOnce(&Services, &ScimContext) -> Result<(Response, String), ScimError>,
{
    let ctx = match context(services, headers, rid.as_ref()).await {
        Ok(c) => c,
        Err(e) => return error_response(&e),
    };
    let outcome = f(services, &ctx).await;
    let (resp, detail) = match outcome {
        Ok((r, d)) => (r, d),
        Err(e) => (error_response(&e), e.detail.clone()),
    };
    let status = resp.status().as_u16();
    if method != Method::GET || status >= 400 {
        services
            .scim_log(&ctx, method.as_str(), &path, status, &detail)
            .await;
    }
    resp
}

async fn not_found(State(services): State<Services>, headers: HeaderMap, req: Request) -> Response {
    let rid = req.extensions().get::<RequestId>().cloned();
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    run(
        &services,
        &headers,
        rid,
        method,
        path.clone(),
        async move |_, _| Err(ScimError::not_found(format!("There is nothing at {path}."))),
    )
    .await
}

fn provider_config(base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": format!("{base}/ServiceProviderConfig"),
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": MAX_COUNT},
        "changePassword": {"supported": true},
        "sort": {"supported": true},
        "etag": {"supported": true},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "Bearer token",
            "description": "A SCIM token an owner of the organization created in Corral (Settings → SCIM provisioning).",
            "primary": true
        }],
        "meta": {"resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig")},
    })
}

fn base(services: &Services) -> String {
    format!("{}/scim/v2", services.config().public_url)
}

/// Discovery endpoints answer without a token (RFC 7644 §4), so providers can probe them.
async fn service_provider_config(State(services): State<Services>) -> Response {
    scim_json(StatusCode::OK, provider_config(&base(&services)))
}

fn discovery_list(items: Vec<Value>) -> Response {
    list(Page {
        total: items.len(),
        start_index: 1,
        resources: items,
    })
}

async fn resource_types(State(services): State<Services>) -> Response {
    discovery_list(scim_schema::resource_types(&base(&services)))
}

async fn resource_type(State(services): State<Services>, Path(id): Path<String>) -> Response {
    match scim_schema::resource_types(&base(&services))
        .into_iter()
        .find(|r| {
            r["id"]
                .as_str()
                .is_some_and(|x| x.eq_ignore_ascii_case(&id))
        }) {
        Some(r) => scim_json(StatusCode::OK, r),
        None => error_response(&ScimError::not_found(format!(
            "There is no resource type '{id}'."
        ))),
    }
}

async fn schemas(State(services): State<Services>) -> Response {
    discovery_list(scim_schema::schemas(&base(&services)))
}

async fn schema(State(services): State<Services>, Path(id): Path<String>) -> Response {
    match scim_schema::schemas(&base(&services))
        .into_iter()
        .find(|r| {
            r["id"]
                .as_str()
                .is_some_and(|x| x.eq_ignore_ascii_case(&id))
        }) {
        Some(r) => scim_json(StatusCode::OK, r),
        None => error_response(&ScimError::not_found(format!("There is no schema '{id}'."))),
    }
}

// ----- Users and Groups: one set of handlers, `G` picks the resource type -----

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    User,
    Group,
}

const fn kind<const G: bool>() -> Kind {
    if G { Kind::Group } else { Kind::User }
}

impl Kind {
    fn core(self) -> &'static str {
        match self {
            Kind::User => wire::USER_SCHEMA,
            Kind::Group => wire::GROUP_SCHEMA,
        }
    }
    fn noun(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Group => "group",
        }
    }
    async fn list(self, s: &Services, ctx: &ScimContext, q: &ListQuery) -> Result<Page, ScimError> {
        match self {
            Kind::User => s.scim_list_users(ctx, q).await,
            Kind::Group => s.scim_list_groups(ctx, q).await,
        }
    }
    async fn get(self, s: &Services, ctx: &ScimContext, id: &str) -> Result<Value, ScimError> {
        match self {
            Kind::User => s.scim_get_user(ctx, id).await,
            Kind::Group => s.scim_get_group(ctx, id).await,
        }
    }
    async fn create(
        self,
        s: &Services,
        ctx: &ScimContext,
        body: &Value,
    ) -> Result<Value, ScimError> {
        match self {
            Kind::User => s.scim_create_user(ctx, body).await,
            Kind::Group => s.scim_create_group(ctx, body).await,
        }
    }
    async fn replace(
        self,
        s: &Services,
        ctx: &ScimContext,
        id: &str,
        body: &Value,
        im: Option<&str>,
    ) -> Result<Value, ScimError> {
        match self {
            Kind::User => s.scim_replace_user(ctx, id, body, im).await,
            Kind::Group => s.scim_replace_group(ctx, id, body, im).await,
        }
    }
    async fn patch(
        self,
        s: &Services,
        ctx: &ScimContext,
        id: &str,
        body: &Value,
        im: Option<&str>,
    ) -> Result<Value, ScimError> {
        match self {
            Kind::User => s.scim_patch_user(ctx, id, body, im).await,
            Kind::Group => s.scim_patch_group(ctx, id, body, im).await,
        }
    }
    async fn delete(
        self,
        s: &Services,
        ctx: &ScimContext,
        id: &str,
        im: Option<&str>,
    ) -> Result<(), ScimError> {
        match self {
            Kind::User => s.scim_delete_user(ctx, id, im).await,
            Kind::Group => s.scim_delete_group(ctx, id, im).await,
        }
    }
}

/// The request's id, path and (for writes) body.
async fn parts(req: Request) -> (Option<RequestId>, String, Bytes) {
    let rid = req.extensions().get::<RequestId>().cloned();
    let path = req.uri().to_string();
    let body = axum::body::to_bytes(req.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    (rid, path, body)
}

async fn list_any<const G: bool>(
    State(services): State<Services>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
    req: Request,
) -> Response {
    let (rid, path, _) = parts(req).await;
    run(
        &services,
        &headers,
        rid,
        Method::GET,
        path,
        async move |s, ctx| {
            let q = query_from(&params)?;
            Ok((list(kind::<G>().list(s, ctx, &q).await?), String::new()))
        },
    )
    .await
}

async fn search_any<const G: bool>(
    State(services): State<Services>,
    headers: HeaderMap,
    req: Request,
) -> Response {
    let (rid, path, body) = parts(req).await;
    run(
        &services,
        &headers,
        rid,
        Method::GET,
        path,
        async move |s, ctx| {
            let doc = parse_body(&body)?;
            let q = list_query(&|k: &str| get_ci(&doc, k).cloned())?;
            Ok((list(kind::<G>().list(s, ctx, &q).await?), String::new()))
        },
    )
    .await
}

async fn search_all(
    State(services): State<Services>,
    headers: HeaderMap,
    req: Request,
) -> Response {
    let (rid, path, body) = parts(req).await;
    run(
        &services,
        &headers,
        rid,
        Method::GET,
        path,
        async move |s, ctx| {
            let doc = parse_body(&body)?;
            let q = list_query(&|k: &str| get_ci(&doc, k).cloned())?;
            Ok((list(s.scim_search_all(ctx, &q).await?), String::new()))
        },
    )
    .await
}

async fn get_any<const G: bool>(
    State(services): State<Services>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    req: Request,
) -> Response {
    let (rid, path, _) = parts(req).await;
    run(
        &services,
        &headers,
        rid,
        Method::GET,
        path,
        async move |s, ctx| {
            let k = kind::<G>();
            let doc = project_one(k.core(), k.get(s, ctx, &id).await?, &params)?;
            Ok((resource(StatusCode::OK, doc), String::new()))
        },
    )
    .await
}

async fn create_any<const G: bool>(
    State(services): State<Services>,
    headers: HeaderMap,
    req: Request,
) -> Response {
    let (rid, path, body) = parts(req).await;
    run(
        &services,
        &headers,
        rid,
        Method::POST,
        path,
        async move |s, ctx| {
            let k = kind::<G>();
            let doc = k.create(s, ctx, &parse_body(&body)?).await?;
            let name = if G {
                &doc["displayName"]
            } else {
                &doc["userName"]
            };
            let detail = format!(
                "created {} {} ({})",
                k.noun(),
                doc["id"].as_str().unwrap_or(""),
                name.as_str().unwrap_or("")
            );
            Ok((resource(StatusCode::CREATED, doc), detail))
        },
    )
    .await
}

async fn replace_any<const G: bool>(
    State(services): State<Services>,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let im = if_match(&headers);
    let (rid, path, body) = parts(req).await;
    run(
        &services,
        &headers,
        rid,
        Method::PUT,
        path,
        async move |s, ctx| {
            let k = kind::<G>();
            let doc = k
                .replace(s, ctx, &id, &parse_body(&body)?, im.as_deref())
                .await?;
            Ok((
                resource(StatusCode::OK, doc),
                format!("replaced {} {id}", k.noun()),
            ))
        },
    )
    .await
}

async fn patch_any<const G: bool>(
    State(services): State<Services>,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let im = if_match(&headers);
    let (rid, path, body) = parts(req).await;
    run(
        &services,
        &headers,
        rid,
        Method::PATCH,
        path,
        async move |s, ctx| {
            let k = kind::<G>();
            let body = parse_body(&body)?;
            let doc = k.patch(s, ctx, &id, &body, im.as_deref()).await?;
            Ok((
                resource(StatusCode::OK, doc),
                format!("patched {} {id}: {}", k.noun(), summarize_ops(&body)),
            ))
        },
    )
    .await
}

async fn delete_any<const G: bool>(
    State(services): State<Services>,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let im = if_match(&headers);
    let (rid, path, _) = parts(req).await;
    run(
        &services,
        &headers,
        rid,
        Method::DELETE,
        path,
        async move |s, ctx| {
            let k = kind::<G>();
            k.delete(s, ctx, &id, im.as_deref()).await?;
            let verb = if G { "deleted" } else { "removed" };
            Ok((
                StatusCode::NO_CONTENT.into_response(),
                format!("{verb} {} {id}", k.noun()),
            ))
        },
    )
    .await
}

/// "replace active, add emails…" for the activity log.
fn summarize_ops(body: &Value) -> String {
    get_ci(body, "Operations")
        .and_then(Value::as_array)
        .map(|ops| {
            ops.iter()
                .map(|o| {
                    let op = get_ci(o, "op")
                        .and_then(Value::as_str)
                        .unwrap_or("?")
                        .to_ascii_lowercase();
                    match get_ci(o, "path").and_then(Value::as_str) {
                        Some(p) => format!("{op} {p}"),
                        None => {
                            let keys: Vec<String> = get_ci(o, "value")
                                .and_then(Value::as_object)
                                .map(|m| m.keys().cloned().collect())
                                .unwrap_or_default();
                            format!("{op} {}", keys.join(","))
                        }
                    }
                })
                .collect::<Vec<_>>()
                .join("; ")
        })
        .unwrap_or_default()
}
