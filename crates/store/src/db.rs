//! Connection pools, transactions and the engine dispatch macro.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A UNIQUE constraint refused the write; the string names the constraint or column.
    #[error("unique constraint violated: {0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL '{0}': use sqlite:PATH or postgres://…")]
    BadUrl(String),
    #[error("stored data is malformed: {0}")]
    Corrupt(String),
    /// Text the database cannot hold (PostgreSQL refuses NUL characters).
    #[error("text the database cannot store: {0}")]
    InvalidText(String),
    /// The disk under the database is full: the write was refused and rolled back.
    #[error("the database's disk is full: {0}")]
    Full(String),
}

impl StoreError {
    /// Folds driver errors for unique violations into [`StoreError::Conflict`].
    pub(crate) fn from_sqlx(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e
            && db.is_unique_violation()
        {
            let what = db
                .constraint()
                .map(str::to_string)
                .unwrap_or_else(|| db.message().to_string());
            return StoreError::Conflict(what);
        }
        if let sqlx::Error::Database(db) = &e
            && matches!(db.code().as_deref(), Some("22021" | "22P05"))
        {
            return StoreError::InvalidText(db.message().to_string());
        }
        // SQLITE_FULL (13), PostgreSQL's disk_full (53100).
        if let sqlx::Error::Database(db) = &e
            && matches!(db.code().as_deref(), Some("13" | "53100"))
        {
            return StoreError::Full(db.message().to_string());
        }
        StoreError::Database(e)
    }
}

/// Every driver error (a failed COMMIT too) is read the same way.
impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        Self::from_sqlx(e)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Whether an idle SQLite connection may be handed out: only when it is out of every
/// transaction. A write that fails for want of disk space can make SQLite roll the whole
/// transaction back by itself; the driver's ROLLBACK then fails and it still counts the
/// transaction as open, so it would run the next request's transaction as a savepoint inside
/// one that never commits (acknowledged writes, silently lost). Such a connection is closed
/// instead (closing rolls back whatever is open) and another one used. The pool has already
/// flushed a dropped transaction's rollback when the connection came back, so this costs no
/// round trip.
fn still_sound(c: &sqlx::SqliteConnection) -> bool {
    use sqlx::Connection;
    if c.is_in_transaction() {
        tracing::warn!("closing a SQLite connection left inside a transaction");
        return false;
    }
    true
}

/// The SQLite writer's page cache, and the one a large write may use ([`Db::make_bulk`]), in
/// KiB (negative, as `PRAGMA cache_size` takes a size in KiB).
const WRITER_CACHE_KIB: i64 = -65_536;
const BULK_CACHE_KIB: i64 = -1_048_576;

/// Sets the page cache of the transaction's or connection's SQLite connection.
async fn set_page_cache(c: &mut sqlx::SqliteConnection, kib: i64) -> sqlx::Result<()> {
    // A pragma takes no bound parameters; `kib` is a number.
    sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA cache_size = {kib}")))
        .execute(c)
        .await
        .map(|_| ())
}

/// A handle on the database; cheap to clone.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite {
        read: SqlitePool,
        write: SqlitePool,
        /// Set while the writer's page cache is raised for a large write ([`Db::make_bulk`]);
        /// the pool puts it back when the connection is released.
        raised: Arc<AtomicBool>,
    },
    Postgres(PgPool),
}

/// Notifications sent by other nodes to a channel (see [`Db::listen`]).
pub struct Listener(sqlx::postgres::PgListener);

impl Listener {
    /// The next notification's payload. After a lost connection it reconnects and listens
    /// again; what was sent meanwhile is lost, so callers also poll the shared state.
    pub async fn recv(&mut self) -> crate::Result<String> {
        Ok(self.0.recv().await?.payload().to_string())
    }
}

/// One open transaction on either engine. Dropping it without [`Tx::commit`] rolls back.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Runs `$body` with `$c` bound to the transaction's connection, once per engine.
#[macro_export]
macro_rules! on {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::Tx::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

/// Like [`on!`], for a statement that may fail on a constraint while the caller goes on with
/// the transaction. PostgreSQL aborts a whole transaction on any failed statement, SQLite
/// does not; a savepoint around the statement makes both engines keep the transaction usable.
#[macro_export]
macro_rules! on_guarded {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::Tx::Postgres(t) => {
                sqlx::query("SAVEPOINT corral_guard")
                    .execute(&mut **t)
                    .await?;
                let result = {
                    let $c = &mut **t;
                    $body
                };
                let end = if result.is_ok() {
                    "RELEASE SAVEPOINT corral_guard"
                } else {
                    "ROLLBACK TO SAVEPOINT corral_guard"
                };
                sqlx::query(end).execute(&mut **t).await?;
                result
            }
        }
    };
}

impl Db {
    /// Opens `url`: `sqlite:PATH` (created if missing) or `postgres://…`.
    pub async fn connect(url: &str) -> crate::Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?;
            Self::connect_postgres(opts).await
        } else if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            Self::open_sqlite(std::path::Path::new(path)).await
        } else {
            Err(StoreError::BadUrl(url.to_string()))
        }
    }

    pub async fn connect_postgres(opts: PgConnectOptions) -> crate::Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await?;
        Ok(Db::Postgres(pool))
    }

    /// Opens (creating if needed) a SQLite file in WAL mode with foreign keys on.
    pub async fn open_sqlite(path: &std::path::Path) -> crate::Result<Self> {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Rows a statement's thread may hand over before the request takes them (sqlx's
            // default is 50): a page of 100 leads or the 500 members of the Users page then
            // cross without the thread stopping to wait (P1 at 10,000 leads: 963 → 1,052 req/s).
            .row_buffer_size(1024)
            // Once checkpointed, a WAL that grew keeps up to 1 GiB of its file, to be written
            // over by the next transactions: growing the file again costs the filesystem a
            // block allocation for every page, which made a large hand-over's commit (700 MB
            // of pages at 1,000,000 leads) take 1.8–2.6 s instead of 0.8 s. A WAL beyond 1 GiB
            // is cut back to that.
            .pragma("journal_size_limit", "1073741824");
        // Page caches (SQLite's default is 2 MiB a connection): the one writer gets 64 MiB (up
        // to 1 GiB during a large write, see [`Db::make_bulk`]), as moving or assigning many
        // leads touches B-trees keyed by random ids all over the file (three times faster at
        // 100,000 leads than with the default; pages are allocated as used, so an idle server
        // stays small). The 8 readers keep the default: a larger
        // cache made no difference to listing leads.
        // The writer does not checkpoint the WAL itself after committing (which would make the
        // request that crossed the threshold copy the whole WAL into the file, a second and
        // more after a large hand-over): [`Db::checkpoint`] does it in the background.
        let raised = Arc::new(AtomicBool::new(false));
        let lower = raised.clone();
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .before_acquire(|c, _| Box::pin(std::future::ready(Ok(still_sound(c)))))
            // After a large write, the cache goes back to its usual size, which frees the
            // pages beyond it (whether the write committed or not).
            .after_release(move |c, _| {
                if !lower.swap(false, Ordering::AcqRel) {
                    return Box::pin(std::future::ready(Ok(true)));
                }
                Box::pin(async move {
                    set_page_cache(c, WRITER_CACHE_KIB).await?;
                    Ok(true)
                })
            })
            .connect_with(
                opts.clone()
                    .pragma("cache_size", WRITER_CACHE_KIB.to_string())
                    .pragma("wal_autocheckpoint", "0"),
            )
            .await?;
        let read = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(30))
            .before_acquire(|c, _| Box::pin(std::future::ready(Ok(still_sound(c)))))
            .connect_with(opts)
            .await?;
        Ok(Db::Sqlite {
            read,
            write,
            raised,
        })
    }

    /// Copies committed pages from SQLite's WAL into the database file, as far as readers
    /// allow, without blocking anyone (a passive checkpoint); the server runs it every second.
    /// Nothing to do on PostgreSQL. Returns whether the file has caught up with the WAL.
    pub async fn checkpoint(&self) -> crate::Result<bool> {
        match self {
            Db::Sqlite { read, .. } => {
                let (_busy, log, done): (i64, i64, i64) =
                    sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
                        .fetch_one(read)
                        .await?;
                Ok(done >= log)
            }
            Db::Postgres(_) => Ok(true),
        }
    }

    pub fn engine(&self) -> Engine {
        match self {
            Db::Sqlite { .. } => Engine::Sqlite,
            Db::Postgres(_) => Engine::Postgres,
        }
    }

    /// Applies every pending migration for this engine.
    pub async fn migrate(&self) -> crate::Result<()> {
        match self {
            Db::Sqlite { write, .. } => SQLITE_MIGRATOR.run(write).await?,
            Db::Postgres(pool) => POSTGRES_MIGRATOR.run(pool).await?,
        }
        Ok(())
    }

    /// A transaction for work that writes.
    pub async fn write(&self) -> crate::Result<Tx> {
        Ok(match self {
            Db::Sqlite { write, .. } => Tx::Sqlite(write.begin().await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// A transaction for one large write (an offboarding's undo, a round-robin assignment):
    /// [`Db::write`] made large at once ([`Db::make_bulk`]).
    pub async fn write_bulk(&self) -> crate::Result<Tx> {
        let mut tx = self.write().await?;
        self.make_bulk(&mut tx).await?;
        Ok(tx)
    }

    /// Makes a write transaction of this database a large one: on SQLite the writer's page
    /// cache may grow to 1 GiB for the rest of it, so the pages it changes (at 1,000,000
    /// leads, a hand-over of 100,000 leads touches 180,000 pages spread over the whole file)
    /// stay in memory until the commit writes each once, instead of being spilled to the WAL,
    /// read back and written again. Pages are allocated as used and freed when the
    /// transaction ends. Nothing on PostgreSQL. Offboarding calls it when it starts handing
    /// over, so every way in (the API, SCIM deactivation and removal) gets it, and only then.
    pub async fn make_bulk(&self, tx: &mut Tx) -> crate::Result<()> {
        if let (Db::Sqlite { raised, .. }, Tx::Sqlite(t)) = (self, tx) {
            raised.store(true, Ordering::Release);
            set_page_cache(t, BULK_CACHE_KIB).await?;
        }
        Ok(())
    }

    /// A transaction for work that only reads (one consistent snapshot).
    pub async fn read(&self) -> crate::Result<Tx> {
        Ok(match self {
            Db::Sqlite { read, .. } => Tx::Sqlite(read.begin().await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Subscribes to `channel` (PostgreSQL `LISTEN` on a connection of its own); `None` on
    /// SQLite, where one process is the whole deployment.
    pub async fn listen(&self, channel: &str) -> crate::Result<Option<Listener>> {
        match self {
            Db::Sqlite { .. } => Ok(None),
            Db::Postgres(pool) => {
                let mut l = sqlx::postgres::PgListener::connect_with(pool).await?;
                l.listen(channel).await?;
                Ok(Some(Listener(l)))
            }
        }
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> crate::Result<()> {
        match self {
            Db::Sqlite { read, .. } => sqlx::query("SELECT 1").execute(read).await.map(|_| ())?,
            Db::Postgres(pool) => sqlx::query("SELECT 1").execute(pool).await.map(|_| ())?,
        }
        Ok(())
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite { read, write, .. } => {
                read.close().await;
                write.close().await;
            }
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

impl Tx {
    pub async fn commit(self) -> crate::Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    pub fn engine(&self) -> Engine {
        match self {
            Tx::Sqlite(_) => Engine::Sqlite,
            Tx::Postgres(_) => Engine::Postgres,
        }
    }
}
