//! Why a domain operation did not happen. Storage, the domain rules, the routes and the
//! CLI share this one type; the routes map it to HTTP once (`crate::error::ApiError`).

use cofund_core::api::ErrorCode;
use cofund_core::FieldError;
use std::fmt;

#[derive(Debug)]
pub enum DomainError {
    /// What was not found, e.g. `Cohort "utrecht-2027"`.
    NotFound(String),
    /// The input or the change it makes is invalid, field by field.
    Invalid(Vec<FieldError>),
    /// Refused because of the current state, with a stable code
    /// (`campaign_not_open`, `idempotency_key_reused`, `invalid_transition`,
    /// `stale_revision`) and an English sentence.
    Refused { code: ErrorCode, message: String },
    /// The database cannot serve now: the connection was lost, no connection came free in
    /// time, the disk is full. Nothing was written; the same request may be retried
    /// (`503 unavailable` with `Retry-After`). The cause is logged, never shown.
    Unavailable(anyhow::Error),
    /// Anything else; logged, never shown.
    Internal(anyhow::Error),
}

/// Whether `e` means the database cannot serve now (worth a retry later) rather than a
/// fault of the request or of the program: a lost or refused connection, a pool with no
/// connection free in time, PostgreSQL shutting down, starting up or out of resources
/// (SQLSTATE classes 08 and 53, 57P01–57P03), SQLite's disk full, I/O error or lock
/// held too long (result codes 13, 10 and 5, with their extended codes).
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            let Some(code) = db.code() else { return false };
            if let Ok(sqlite) = code.parse::<i32>() {
                // SQLite: the primary result code is the low byte of the extended one.
                matches!(sqlite & 0xff, 5 | 10 | 13)
            } else {
                code.starts_with("08") || code.starts_with("53") || matches!(&*code, "57P01" | "57P02" | "57P03")
            }
        }
        _ => false,
    }
}

impl DomainError {
    pub fn not_found(what: impl Into<String>) -> Self {
        DomainError::NotFound(what.into())
    }

    pub fn cohort_not_found(slug: &str) -> Self {
        DomainError::NotFound(format!("Cohort {slug:?}"))
    }

    pub fn refused(code: ErrorCode, message: impl Into<String>) -> Self {
        DomainError::Refused { code, message: message.into() }
    }
}

impl From<sqlx::Error> for DomainError {
    fn from(e: sqlx::Error) -> Self {
        if is_unavailable(&e) {
            DomainError::Unavailable(e.into())
        } else {
            DomainError::Internal(e.into())
        }
    }
}

impl From<cofund_core::admin::UnknownRole> for DomainError {
    /// A role the database holds that this server does not know.
    fn from(e: cofund_core::admin::UnknownRole) -> Self {
        DomainError::Internal(anyhow::anyhow!("{e} in the database"))
    }
}

impl From<anyhow::Error> for DomainError {
    /// A database error anywhere in the chain (e.g. under `.context(…)`) is classified
    /// like the error itself.
    fn from(e: anyhow::Error) -> Self {
        if e.chain().any(|c| c.downcast_ref::<sqlx::Error>().is_some_and(is_unavailable)) {
            DomainError::Unavailable(e)
        } else {
            DomainError::Internal(e)
        }
    }
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DomainError::NotFound(what) => write!(f, "{what} not found"),
            DomainError::Invalid(errors) => {
                write!(f, "invalid: ")?;
                for (i, e) in errors.iter().enumerate() {
                    if i > 0 {
                        write!(f, "; ")?;
                    }
                    write!(f, "{e}")?;
                }
                Ok(())
            }
            DomainError::Refused { message, .. } => write!(f, "{message}"),
            DomainError::Unavailable(e) => write!(f, "the database is unavailable: {e:#}"),
            DomainError::Internal(e) => write!(f, "{e:#}"),
        }
    }
}

impl std::error::Error for DomainError {}

pub type DomainResult<T> = Result<T, DomainError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_database_is_unavailable_not_internal() {
        let refused = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert!(matches!(DomainError::from(refused), DomainError::Unavailable(_)));
        assert!(matches!(DomainError::from(sqlx::Error::PoolTimedOut), DomainError::Unavailable(_)));
        let wrapped = anyhow::Error::new(sqlx::Error::PoolTimedOut).context("writing a group of pledges");
        assert!(matches!(DomainError::from(wrapped), DomainError::Unavailable(_)));
        assert!(matches!(DomainError::from(sqlx::Error::RowNotFound), DomainError::Internal(_)));
        assert!(matches!(DomainError::from(anyhow::anyhow!("a bug")), DomainError::Internal(_)));
    }

    #[tokio::test]
    async fn a_full_sqlite_disk_is_unavailable() {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect("sqlite::memory:").await.unwrap();
        sqlx::query("CREATE TABLE t (x BLOB)").execute(&mut conn).await.unwrap();
        // The database may not grow past its current page count: the next insert is SQLITE_FULL.
        let pages: i64 = sqlx::query_scalar("PRAGMA page_count").fetch_one(&mut conn).await.unwrap();
        sqlx::query(&format!("PRAGMA max_page_count = {pages}")).execute(&mut conn).await.unwrap();
        let full = sqlx::query("INSERT INTO t VALUES (zeroblob(100000))").execute(&mut conn).await.unwrap_err();
        assert!(matches!(DomainError::from(full), DomainError::Unavailable(_)));
        let constraint = sqlx::query("INSERT INTO nowhere VALUES (1)").execute(&mut conn).await.unwrap_err();
        assert!(matches!(DomainError::from(constraint), DomainError::Internal(_)));
    }
}
