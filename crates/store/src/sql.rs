//! A small builder for queries whose shape depends on input (filters, visibility), with the
//! same text for both engines and every value bound, never spliced.

use sqlx::{AssertSqlSafe, Postgres, Sqlite};

use crate::model::Ts;

/// A value to bind.
#[derive(Debug, Clone)]
pub enum Arg {
    Text(String),
    /// A text that may be NULL.
    OptText(Option<String>),
    Int(i64),
    Bool(bool),
    Time(Ts),
}

/// SQL text plus its arguments in `$N` order.
#[derive(Debug, Clone, Default)]
pub struct Sql {
    pub text: String,
    pub args: Vec<Arg>,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_string(),
            args: vec![],
        }
    }

    /// Appends literal SQL (never user input).
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.text.push_str(sql);
        self
    }

    /// Binds a value and appends its placeholder.
    pub fn arg(&mut self, a: Arg) -> &mut Self {
        self.args.push(a);
        let n = self.args.len();
        self.text.push_str(&format!("${n}"));
        self
    }

    pub fn text_arg(&mut self, s: &str) -> &mut Self {
        self.arg(Arg::Text(s.to_string()))
    }

    /// Appends `(…, …)` with one bound placeholder per item.
    pub fn list(&mut self, items: &[String]) -> &mut Self {
        self.push("(");
        for (i, it) in items.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.text_arg(it);
        }
        self.push(")")
    }

    pub fn sqlite_query<'q, O>(
        &'q self,
    ) -> sqlx::query::QueryAs<'q, Sqlite, O, sqlx::sqlite::SqliteArguments>
    where
        O: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>,
    {
        let mut q = sqlx::query_as::<Sqlite, O>(AssertSqlSafe(self.text.clone()));
        for a in &self.args {
            q = match a {
                Arg::Text(s) => q.bind(s.clone()),
                Arg::OptText(s) => q.bind(s.clone()),
                Arg::Int(i) => q.bind(*i),
                Arg::Bool(b) => q.bind(*b),
                Arg::Time(t) => q.bind(*t),
            };
        }
        q
    }

    pub fn postgres_query<'q, O>(
        &'q self,
    ) -> sqlx::query::QueryAs<'q, Postgres, O, sqlx::postgres::PgArguments>
    where
        O: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        let mut q = sqlx::query_as::<Postgres, O>(AssertSqlSafe(self.text.clone()));
        for a in &self.args {
            q = match a {
                Arg::Text(s) => q.bind(s.clone()),
                Arg::OptText(s) => q.bind(s.clone()),
                Arg::Int(i) => q.bind(*i),
                Arg::Bool(b) => q.bind(*b),
                Arg::Time(t) => q.bind(*t),
            };
        }
        q
    }
}

impl Sql {
    pub fn sqlite_exec(&self) -> sqlx::query::Query<'_, Sqlite, sqlx::sqlite::SqliteArguments> {
        let mut q = sqlx::query::<Sqlite>(AssertSqlSafe(self.text.clone()));
        for a in &self.args {
            q = match a {
                Arg::Text(s) => q.bind(s.clone()),
                Arg::OptText(s) => q.bind(s.clone()),
                Arg::Int(i) => q.bind(*i),
                Arg::Bool(b) => q.bind(*b),
                Arg::Time(t) => q.bind(*t),
            };
        }
        q
    }

    pub fn postgres_exec(&self) -> sqlx::query::Query<'_, Postgres, sqlx::postgres::PgArguments> {
        let mut q = sqlx::query::<Postgres>(AssertSqlSafe(self.text.clone()));
        for a in &self.args {
            q = match a {
                Arg::Text(s) => q.bind(s.clone()),
                Arg::OptText(s) => q.bind(s.clone()),
                Arg::Int(i) => q.bind(*i),
                Arg::Bool(b) => q.bind(*b),
                Arg::Time(t) => q.bind(*t),
            };
        }
        q
    }
}

/// Runs a built statement on either engine; the number of rows it touched.
#[macro_export]
macro_rules! execute_built {
    ($tx:expr, $sql:expr) => {
        match $tx {
            $crate::Tx::Sqlite(t) => $sql
                .sqlite_exec()
                .execute(&mut **t)
                .await
                .map(|r| r.rows_affected()),
            $crate::Tx::Postgres(t) => $sql
                .postgres_exec()
                .execute(&mut **t)
                .await
                .map(|r| r.rows_affected()),
        }
    };
}

/// Runs a built query returning rows of `$row` on either engine.
#[macro_export]
macro_rules! fetch_all_built {
    ($tx:expr, $sql:expr, $row:ty) => {
        match $tx {
            $crate::Tx::Sqlite(t) => $sql.sqlite_query::<$row>().fetch_all(&mut **t).await,
            $crate::Tx::Postgres(t) => $sql.postgres_query::<$row>().fetch_all(&mut **t).await,
        }
    };
}
