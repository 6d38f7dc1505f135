//! Signing in and out, sessions, API keys, and turning credentials into an [`Actor`].

use corral_domain::Email;
use corral_domain::ids::{Kind, random_base62};
use corral_store::model::{ApiKeyRow, SessionRow};
use corral_store::queries::{auth, memberships, users};
use corral_store::{Tx, now};

use crate::roles::{active_membership, actor_for};
use crate::secrets::{hash_password, new_token, token_hash, verify_password};
use crate::{Actor, Result, ServiceError, Services};

/// A new browser session. `token` goes into the cookie and is never stored.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub user_id: String,
    pub workspace_id: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// A new API key. `secret` is shown once and never stored.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub id: String,
    pub name: String,
    pub secret: String,
}

const WRONG_CREDENTIALS: &str = "The email address or password is incorrect.";
/// How long a "forgot your password?" link works.
const RESET_TTL_MINUTES: i64 = 60;
/// Reset emails per user per hour, so the form cannot flood anyone's inbox.
const RESETS_PER_HOUR: i64 = 3;
const RESET_DEAD: &str = "This password reset link has expired or was already used. Ask for a new one on the sign-in page.";

impl Services {
    /// Signs in with email and password. Failed attempts are counted per address and per
    /// client; past the limit the answer is "too many attempts" until the window passes.
    pub async fn login(&self, email: &str, password: &str, client: &str) -> Result<NewSession> {
        let email = Email::parse(email)?;
        let email_key = format!("email:{}", email.normalized());
        let client_key = format!("client:{client}");
        self.check_throttle(&email_key, self.config().max_login_failures)
            .await?;
        self.check_throttle(&client_key, self.config().max_login_failures * 10)
            .await?;

        let mut tx = self.db().read().await?;
        let user = users::find_by_email(&mut tx, &email.normalized()).await?;
        drop(tx);
        let ok = verify_password(
            password.to_string(),
            user.as_ref().and_then(|u| u.password_hash.clone()),
        )
        .await?;
        let Some(user) = user.filter(|_| ok) else {
            let mut tx = self.db().write().await?;
            auth::record_login_failure(&mut tx, &email_key, now()).await?;
            auth::record_login_failure(&mut tx, &client_key, now()).await?;
            tx.commit().await?;
            return Err(ServiceError::Unauthorized(WRONG_CREDENTIALS.into()));
        };

        let mut tx = self.db().write().await?;
        let membership = memberships::list_for_user(&mut tx, &user.id)
            .await?
            .into_iter()
            .find(|m| m.status == "active")
            .ok_or_else(|| {
                ServiceError::Forbidden(
                    "Your account has no active workspace access. Ask an administrator to reactivate you.".into(),
                )
            })?;
        auth::clear_login_failures(&mut tx, &email_key).await?;
        let session = self
            .create_session(&mut tx, &user.id, &membership.workspace_id)
            .await?;
        tx.commit().await?;
        Ok(session)
    }

    async fn check_throttle(&self, key: &str, limit: i64) -> Result<()> {
        let window = self.config().throttle_window;
        let mut tx = self.db().read().await?;
        let (failures, oldest) = auth::login_failures_since(&mut tx, key, now() - window).await?;
        if failures >= limit {
            let retry = oldest
                .map(|t| (t + window - now()).num_seconds().max(1))
                .unwrap_or(60);
            return Err(ServiceError::TooManyRequests {
                message: format!(
                    "Too many failed sign-in attempts. Try again in {} minute(s).",
                    (retry + 59) / 60
                ),
                retry_after_secs: retry,
            });
        }
        Ok(())
    }

    pub(crate) async fn create_session(
        &self,
        tx: &mut Tx,
        user_id: &str,
        workspace_id: &str,
    ) -> Result<NewSession> {
        let token = new_token();
        let t = now();
        let expires_at = t + self.config().session_ttl;
        auth::insert_session(
            tx,
            &SessionRow {
                token_hash: token_hash(&token),
                user_id: user_id.to_string(),
                workspace_id: workspace_id.to_string(),
                date_created: t,
                expires_at,
            },
        )
        .await?;
        Ok(NewSession {
            token,
            user_id: user_id.into(),
            workspace_id: workspace_id.into(),
            expires_at,
        })
    }

    /// Ends a session; unknown tokens are ignored.
    pub async fn logout(&self, token: &str) -> Result<()> {
        let mut tx = self.db().write().await?;
        auth::delete_session(&mut tx, &token_hash(token)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The actor behind a session cookie. Sessions of a membership that is no longer active
    /// stop working at once.
    pub async fn authenticate_session(&self, token: &str) -> Result<Actor> {
        let mut tx = self.db().read().await?;
        let session = auth::get_session(&mut tx, &token_hash(token), now())
            .await?
            .ok_or_else(|| {
                ServiceError::Unauthorized("Your session has ended. Please sign in again.".into())
            })?;
        let m = memberships::find(&mut tx, &session.workspace_id, &session.user_id)
            .await?
            .ok_or_else(|| {
                ServiceError::Unauthorized("Your access to this workspace has ended.".into())
            })?;
        let m = active_membership(&mut tx, &m.id).await?;
        let actor = actor_for(&mut tx, &m).await?;
        drop(tx);
        self.touch(&actor, None).await;
        Ok(actor)
    }

    /// The actor behind an API key (sent as the HTTP Basic username, as Close does).
    pub async fn authenticate_api_key(&self, key: &str) -> Result<Actor> {
        let mut tx = self.db().read().await?;
        let row = auth::get_api_key(&mut tx, &token_hash(key))
            .await?
            .ok_or_else(|| ServiceError::Unauthorized("The API key is not valid.".into()))?;
        let m = active_membership(&mut tx, &row.membership_id).await?;
        let actor = actor_for(&mut tx, &m).await?;
        drop(tx);
        self.touch(&actor, Some(&row.id)).await;
        Ok(actor)
    }

    /// Records activity (at most one write a minute per member); failures only get logged,
    /// since a busy database must not turn a read into an error.
    async fn touch(&self, actor: &Actor, api_key_id: Option<&str>) {
        if !self.due_for_touch(api_key_id.unwrap_or(&actor.membership_id)) {
            return;
        }
        let result: Result<()> = async {
            let mut tx = self.db().write().await?;
            let t = now();
            memberships::touch_last_active(&mut tx, &actor.membership_id, t).await?;
            if let Some(id) = api_key_id {
                auth::touch_api_key(&mut tx, id, t).await?;
            }
            tx.commit().await?;
            Ok(())
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not record last activity");
        }
    }

    /// Creates an API key for the actor's own membership.
    pub async fn create_api_key(&self, actor: &Actor, name: &str) -> Result<NewApiKey> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(ServiceError::field(
                "name",
                "Give the key a name of 1 to 100 characters.",
            ));
        }
        let mut tx = self.db().write().await?;
        let key = self
            .insert_api_key(&mut tx, &actor.membership_id, name)
            .await?;
        tx.commit().await?;
        Ok(key)
    }

    pub(crate) async fn insert_api_key(
        &self,
        tx: &mut Tx,
        membership_id: &str,
        name: &str,
    ) -> Result<NewApiKey> {
        let secret = format!("api_{}.{}", random_base62(22), random_base62(22));
        let id = Kind::ApiKey.new_id();
        auth::insert_api_key(
            tx,
            &ApiKeyRow {
                id: id.clone(),
                key_hash: token_hash(&secret),
                membership_id: membership_id.to_string(),
                name: name.to_string(),
                date_created: now(),
                last_used_at: None,
                revoked_at: None,
            },
        )
        .await?;
        Ok(NewApiKey {
            id,
            name: name.to_string(),
            secret,
        })
    }

    /// The actor's own API keys (without secrets).
    pub async fn list_api_keys(&self, actor: &Actor) -> Result<Vec<ApiKeyRow>> {
        let mut tx = self.db().read().await?;
        Ok(auth::list_api_keys(&mut tx, &actor.membership_id).await?)
    }

    /// Sets the actor's own password after checking the current one.
    pub async fn change_own_password(&self, actor: &Actor, current: &str, new: &str) -> Result<()> {
        crate::secrets::validate_password(new)?;
        let mut tx = self.db().read().await?;
        let user = users::get(&mut tx, &actor.user_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("User"))?;
        drop(tx);
        if !verify_password(current.to_string(), user.password_hash).await? {
            return Err(ServiceError::field(
                "current_password",
                "The current password is incorrect.",
            ));
        }
        let hash = hash_password(new.to_string()).await?;
        let mut tx = self.db().write().await?;
        users::set_password_hash(&mut tx, &actor.user_id, &hash, now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// "Forgot your password?": emails a single-use link that works for an hour to the
    /// address, when it belongs to someone with an active membership. The answer is the same
    /// whether or not it does, so the form tells nobody who has an account.
    pub async fn request_password_reset(&self, email: &str) -> Result<()> {
        let email = Email::parse(email)?;
        let mut tx = self.db().write().await?;
        let Some(user) = users::find_by_email(&mut tx, &email.normalized()).await? else {
            return Ok(());
        };
        let Some(m) = memberships::list_for_user(&mut tx, &user.id)
            .await?
            .into_iter()
            .find(|m| m.status == "active")
        else {
            return Ok(());
        };
        let t = now();
        if auth::password_resets_since(&mut tx, &user.id, t - chrono::Duration::hours(1)).await?
            >= RESETS_PER_HOUR
        {
            tracing::warn!(user = %user.id, "password reset requested too often; no email sent");
            return Ok(());
        }
        let token = new_token();
        auth::insert_password_reset(
            &mut tx,
            &token_hash(&token),
            &user.id,
            t,
            t + chrono::Duration::minutes(RESET_TTL_MINUTES),
        )
        .await?;
        let link = format!("{}/reset/{token}", self.config().public_url);
        let body = format!(
            "Hello {},\n\nSomeone (hopefully you) asked to reset the password of your Corral account {}.\nChoose a new password here within {RESET_TTL_MINUTES} minutes:\n\n{link}\n\nThe link works once. If you did not ask for it, ignore this email: your password stays as it is.\n",
            if user.first_name.is_empty() {
                &user.email
            } else {
                &user.first_name
            },
            user.email
        );
        crate::outbox::enqueue(
            &mut tx,
            Some(&m.workspace_id),
            &user.email,
            "Reset your Corral password",
            &body,
        )
        .await?;
        tx.commit().await?;
        if !self.config().mail_configured {
            tracing::info!(to = %user.email, %link, "no mail server configured: password reset link (also in the outbox)");
        }
        Ok(())
    }

    /// Whether a reset link still works.
    pub async fn password_reset_is_live(&self, token: &str) -> Result<()> {
        let mut tx = self.db().read().await?;
        auth::live_password_reset(&mut tx, &token_hash(token), now())
            .await?
            .map(|_| ())
            .ok_or_else(|| ServiceError::NotFound(RESET_DEAD.into()))
    }

    /// Sets a new password through a reset link, which then stops working (as do the user's
    /// other links). Every existing session of the user ends; a new one starts here.
    pub async fn reset_password(&self, token: &str, new: &str) -> Result<NewSession> {
        self.password_reset_is_live(token).await?;
        crate::secrets::validate_password(new)?;
        let hash = hash_password(new.to_string()).await?;
        let mut tx = self.db().write().await?;
        let t = now();
        let user_id = auth::consume_password_reset(&mut tx, &token_hash(token), t)
            .await?
            .ok_or_else(|| ServiceError::NotFound(RESET_DEAD.into()))?;
        let user = users::get(&mut tx, &user_id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(RESET_DEAD.into()))?;
        users::set_password_hash(&mut tx, &user_id, &hash, t).await?;
        auth::expire_password_resets(&mut tx, &user_id, t).await?;
        auth::delete_all_sessions_of(&mut tx, &user_id).await?;
        auth::clear_login_failures(&mut tx, &format!("email:{}", user.email_lower)).await?;
        let membership = memberships::list_for_user(&mut tx, &user_id)
            .await?
            .into_iter()
            .find(|m| m.status == "active")
            .ok_or_else(|| {
                ServiceError::Forbidden(
                    "Your account has no active workspace access. Ask an administrator to reactivate you.".into(),
                )
            })?;
        let session = self
            .create_session(&mut tx, &user_id, &membership.workspace_id)
            .await?;
        tx.commit().await?;
        Ok(session)
    }
}
