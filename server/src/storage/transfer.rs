//! `cofund migrate`: copies a SQLite database into an empty PostgreSQL database —
//! cohorts (with revision and times), pledges (ids, sequence, references, statuses,
//! times, backer keys), admin tokens (hashes only: secrets are never stored),
//! idempotency records, online payments (so a provider's webhook for a payment started
//! before the move still finds it), sign-in links and dashboard sessions (hashes only),
//! programmes (page, multiplier pot, impact figures), the e-mail outbox, unsubscribed
//! donors and the news sent —
//! in one PostgreSQL transaction, and commits only after the copy's counts and
//! per-cohort totals match the source's.

use super::postgres::redact;
use super::{PostgresStorage, SqliteStorage};
use anyhow::{bail, Context};
use sqlx::{FromRow, PgPool, Postgres, QueryBuilder, SqlitePool, Transaction};
use std::collections::BTreeMap;
use std::path::Path;

/// Rows read from SQLite per batch (and written to PostgreSQL per statement).
const BATCH: i64 = 1000;

/// What both databases hold after the copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferReport {
    pub counts: TableCounts,
    /// Per cohort, by slug.
    pub cohorts: BTreeMap<String, CohortFigures>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, FromRow)]
pub struct TableCounts {
    pub cohorts: i64,
    pub pledges: i64,
    pub admin_tokens: i64,
    pub idempotency_keys: i64,
    pub payments: i64,
    pub login_links: i64,
    pub sessions: i64,
}

/// A cohort's figures as the document computes them: pledged and backers over
/// non-cancelled pledges, received over received ones; `pledges` counts every row.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct CohortFigures {
    pub slug: String,
    pub revision: i64,
    pub pledges: i64,
    pub pledged: i64,
    pub received: i64,
    pub backers: i64,
}

#[derive(FromRow)]
struct CohortRow {
    slug: String,
    programme: String,
    definition: String,
    revision: i64,
    created_at: i64,
    updated_at: i64,
}

#[derive(FromRow)]
struct PledgeRow {
    seq: i64,
    id: String,
    cohort_slug: String,
    amount_cents: i64,
    name: Option<String>,
    show_name: bool,
    show_amount: bool,
    email: String,
    backer_key: String,
    message: Option<String>,
    message_hidden: bool,
    status: String,
    reference: String,
    locale: Option<String>,
    news: bool,
    anonymised_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

#[derive(FromRow)]
struct OutboxRow {
    rowid: i64,
    id: String,
    message_id: String,
    kind: String,
    pledge_id: Option<String>,
    cohort_slug: String,
    locale: String,
    recipient: String,
    recipient_name: Option<String>,
    reply_to: Option<String>,
    subject: String,
    text_body: String,
    html_body: String,
    unsubscribe_url: Option<String>,
    status: String,
    attempts: i64,
    next_attempt_at: i64,
    last_error: Option<String>,
    created_at: i64,
    sent_at: Option<i64>,
}

#[derive(FromRow)]
struct TokenRow {
    id: String,
    token_hash: String,
    programme: Option<String>,
    label: Option<String>,
    created_at: i64,
    revoked_at: Option<i64>,
}

#[derive(FromRow)]
struct PaymentRow {
    id: String,
    pledge_id: String,
    cohort_slug: String,
    provider: String,
    status: String,
    amount_cents: i64,
    created_at: i64,
    updated_at: i64,
}

#[derive(FromRow)]
struct LinkRow {
    link_hash: String,
    role: String,
    programme: Option<String>,
    cohort: Option<String>,
    created_at: i64,
    expires_at: i64,
    used_at: Option<i64>,
}

#[derive(FromRow)]
struct SessionRow {
    id: String,
    secret_hash: String,
    csrf_token: String,
    role: String,
    programme: Option<String>,
    cohort: Option<String>,
    created_at: i64,
    expires_at: i64,
    revoked_at: Option<i64>,
    token_id: Option<String>,
}

#[derive(FromRow)]
struct KeyRow {
    rowid: i64,
    cohort_slug: String,
    key: String,
    request_hash: String,
    pledge_id: String,
    response_status: i64,
    response_body: String,
    created_at: i64,
}

/// Fills `cohort_totals`, `cohort_backers` and `cohort_days` from the pledges (the same
/// statements as migrations-postgres/0002_maintained_figures.sql).
const REBUILD_FIGURES: [&str; 3] = [
    "INSERT INTO cohort_totals (cohort_slug, pledged_cents, received_cents, backers) \
     SELECT c.slug, COALESCE(SUM(p.amount_cents), 0)::BIGINT, \
            COALESCE(SUM(CASE WHEN p.status = 'received' THEN p.amount_cents ELSE 0 END), 0)::BIGINT, COUNT(DISTINCT p.backer_key) \
     FROM cohorts c LEFT JOIN pledges p ON p.cohort_slug = c.slug AND p.status <> 'cancelled' GROUP BY c.slug",
    "INSERT INTO cohort_backers (cohort_slug, backer_key, pledges) SELECT cohort_slug, backer_key, COUNT(*) FROM pledges \
     WHERE status <> 'cancelled' AND backer_key IS NOT NULL GROUP BY cohort_slug, backer_key",
    "INSERT INTO cohort_days (cohort_slug, day, pledged_cents, pledges) \
     SELECT cohort_slug, created_at / 86400, SUM(amount_cents)::BIGINT, COUNT(*) FROM pledges \
     WHERE status <> 'cancelled' GROUP BY cohort_slug, created_at / 86400",
];

const COUNTS: &str = "SELECT (SELECT COUNT(*) FROM cohorts) AS cohorts, (SELECT COUNT(*) FROM pledges) AS pledges, \
                      (SELECT COUNT(*) FROM admin_tokens) AS admin_tokens, \
                      (SELECT COUNT(*) FROM idempotency_keys) AS idempotency_keys, \
                      (SELECT COUNT(*) FROM payments) AS payments, (SELECT COUNT(*) FROM login_links) AS login_links, \
                      (SELECT COUNT(*) FROM sessions) AS sessions";

/// Per-cohort figures; `{sum}` wraps sums (PostgreSQL's SUM of BIGINT is NUMERIC).
fn figures_sql(sum_cast: &str) -> String {
    format!(
        "SELECT c.slug AS slug, c.revision AS revision, \
           (SELECT COUNT(*) FROM pledges p WHERE p.cohort_slug = c.slug) AS pledges, \
           (SELECT COALESCE(SUM(p.amount_cents), 0){sum_cast} FROM pledges p WHERE p.cohort_slug = c.slug AND p.status <> 'cancelled') AS pledged, \
           (SELECT COALESCE(SUM(p.amount_cents), 0){sum_cast} FROM pledges p WHERE p.cohort_slug = c.slug AND p.status = 'received') AS received, \
           (SELECT COUNT(DISTINCT COALESCE(p.backer_key, lower(trim(p.email)))) FROM pledges p \
             WHERE p.cohort_slug = c.slug AND p.status <> 'cancelled') AS backers \
         FROM cohorts c"
    )
}

async fn target_report(tx: &mut Transaction<'static, Postgres>) -> anyhow::Result<TransferReport> {
    let counts: TableCounts = sqlx::query_as(COUNTS).fetch_one(&mut **tx).await?;
    let rows: Vec<CohortFigures> = sqlx::query_as(&figures_sql("::BIGINT")).fetch_all(&mut **tx).await?;
    Ok(TransferReport { counts, cohorts: rows.into_iter().map(|f| (f.slug.clone(), f)).collect() })
}

/// Copies the SQLite database at `from` into the PostgreSQL database at `to` (migrated
/// first; it must hold no cohort, pledge, token or idempotency record). The source is
/// opened like the server opens it (so it is migrated to this version's schema first)
/// and only read.
pub async fn sqlite_to_postgres(from: &Path, to: &str) -> anyhow::Result<TransferReport> {
    if !from.is_file() {
        bail!("there is no SQLite database at {}", from.display());
    }
    let source = SqliteStorage::open(from).await?;
    let target = PostgresStorage::open(to, 2).await?;
    copy(source.read_pool(), target.pool(), to).await
}

async fn copy(source: &SqlitePool, target: &PgPool, to: &str) -> anyhow::Result<TransferReport> {
    // A read transaction: the copy and the figures it is checked against are of one moment,
    // even if a server keeps writing to the source.
    let mut src = source.begin().await?;
    let mut tx: Transaction<'static, Postgres> = target.begin().await?;
    // Nobody writes to the target until the copy is committed or abandoned.
    sqlx::query("LOCK TABLE cohorts, pledges, admin_tokens, idempotency_keys, payments, login_links, sessions IN EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    let present: TableCounts = sqlx::query_as(COUNTS).fetch_one(&mut *tx).await?;
    let empty = TableCounts {
        cohorts: 0,
        pledges: 0,
        admin_tokens: 0,
        idempotency_keys: 0,
        payments: 0,
        login_links: 0,
        sessions: 0,
    };
    if present != empty {
        bail!(
            "the target database {} is not empty ({} cohorts, {} pledges, {} admin tokens, {} idempotency records, {} payments, \
             {} sign-in links, {} sessions); cofund migrate copies only into an empty database",
            redact(to),
            present.cohorts,
            present.pledges,
            present.admin_tokens,
            present.idempotency_keys,
            present.payments,
            present.login_links,
            present.sessions
        );
    }

    let cohorts: Vec<CohortRow> = sqlx::query_as(
        "SELECT slug, programme, definition, revision, created_at, updated_at FROM cohorts ORDER BY slug",
    )
    .fetch_all(&mut *src)
    .await?;
    for chunk in cohorts.chunks(BATCH as usize) {
        let mut q = QueryBuilder::<Postgres>::new(
            "INSERT INTO cohorts (slug, programme, definition, revision, created_at, updated_at) ",
        );
        q.push_values(chunk, |mut b, c| {
            b.push_bind(&c.slug)
                .push_bind(&c.programme)
                .push_bind(&c.definition)
                .push_bind(c.revision)
                .push_bind(c.created_at)
                .push_bind(c.updated_at);
        });
        q.build().execute(&mut *tx).await.context("copying cohorts")?;
    }

    let mut after = 0_i64;
    loop {
        let rows: Vec<PledgeRow> = sqlx::query_as(
            "SELECT seq, id, cohort_slug, amount_cents, name, show_name, show_amount, email, \
                    COALESCE(backer_key, lower(trim(email))) AS backer_key, message, message_hidden, status, reference, \
                    locale, news, anonymised_at, created_at, updated_at \
             FROM pledges WHERE seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(after)
        .bind(BATCH)
        .fetch_all(&mut *src)
        .await?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        // The sequence numbers are kept: they order pledges and are part of cursors.
        let mut q = QueryBuilder::<Postgres>::new(
            "INSERT INTO pledges (seq, id, cohort_slug, amount_cents, name, show_name, show_amount, email, backer_key, \
                                  message, message_hidden, status, reference, locale, news, anonymised_at, created_at, updated_at) OVERRIDING SYSTEM VALUE ",
        );
        q.push_values(&rows, |mut b, p| {
            b.push_bind(p.seq)
                .push_bind(&p.id)
                .push_bind(&p.cohort_slug)
                .push_bind(p.amount_cents)
                .push_bind(&p.name)
                .push_bind(p.show_name)
                .push_bind(p.show_amount)
                .push_bind(&p.email)
                .push_bind(&p.backer_key)
                .push_bind(&p.message)
                .push_bind(p.message_hidden)
                .push_bind(&p.status)
                .push_bind(&p.reference)
                .push_bind(&p.locale)
                .push_bind(p.news)
                .push_bind(p.anonymised_at)
                .push_bind(p.created_at)
                .push_bind(p.updated_at);
        });
        q.build().execute(&mut *tx).await.context("copying pledges")?;
    }
    // New pledges continue after the copied ones.
    sqlx::query("SELECT setval(pg_get_serial_sequence('pledges', 'seq'), (SELECT COALESCE(MAX(seq), 0) + 1 FROM pledges), false)")
        .execute(&mut *tx)
        .await?;

    let tokens: Vec<TokenRow> =
        sqlx::query_as("SELECT id, token_hash, programme, label, created_at, revoked_at FROM admin_tokens ORDER BY id")
            .fetch_all(&mut *src)
            .await?;
    for chunk in tokens.chunks(BATCH as usize) {
        let mut q = QueryBuilder::<Postgres>::new(
            "INSERT INTO admin_tokens (id, token_hash, programme, label, created_at, revoked_at) ",
        );
        q.push_values(chunk, |mut b, t| {
            b.push_bind(&t.id)
                .push_bind(&t.token_hash)
                .push_bind(&t.programme)
                .push_bind(&t.label)
                .push_bind(t.created_at)
                .push_bind(t.revoked_at);
        });
        q.build().execute(&mut *tx).await.context("copying admin tokens")?;
    }

    let mut after = 0_i64;
    loop {
        let rows: Vec<KeyRow> = sqlx::query_as(
            "SELECT rowid, cohort_slug, key, request_hash, pledge_id, response_status, response_body, created_at \
             FROM idempotency_keys WHERE rowid > ? ORDER BY rowid LIMIT ?",
        )
        .bind(after)
        .bind(BATCH)
        .fetch_all(&mut *src)
        .await?;
        let Some(last) = rows.last() else { break };
        after = last.rowid;
        let mut q = QueryBuilder::<Postgres>::new(
            "INSERT INTO idempotency_keys (cohort_slug, key, request_hash, pledge_id, response_status, response_body, created_at) ",
        );
        let mut bad_status = None;
        q.push_values(&rows, |mut b, k| {
            let status = i32::try_from(k.response_status).unwrap_or_else(|_| {
                bad_status = Some(k.response_status);
                0
            });
            b.push_bind(&k.cohort_slug)
                .push_bind(&k.key)
                .push_bind(&k.request_hash)
                .push_bind(&k.pledge_id)
                .push_bind(status)
                .push_bind(&k.response_body)
                .push_bind(k.created_at);
        });
        if let Some(s) = bad_status {
            bail!("an idempotency record has the response status {s}, which is not an HTTP status");
        }
        q.build().execute(&mut *tx).await.context("copying idempotency records")?;
    }

    // Payments (after the pledges they belong to), then sign-in links and sessions.
    let payments: Vec<PaymentRow> = sqlx::query_as(
        "SELECT id, pledge_id, cohort_slug, provider, status, amount_cents, created_at, updated_at FROM payments ORDER BY created_at, id",
    )
    .fetch_all(&mut *src)
    .await?;
    for chunk in payments.chunks(BATCH as usize) {
        let mut q = QueryBuilder::<Postgres>::new(
            "INSERT INTO payments (id, pledge_id, cohort_slug, provider, status, amount_cents, created_at, updated_at) ",
        );
        q.push_values(chunk, |mut b, p| {
            b.push_bind(&p.id)
                .push_bind(&p.pledge_id)
                .push_bind(&p.cohort_slug)
                .push_bind(&p.provider)
                .push_bind(&p.status)
                .push_bind(p.amount_cents)
                .push_bind(p.created_at)
                .push_bind(p.updated_at);
        });
        q.build().execute(&mut *tx).await.context("copying payments")?;
    }
    let links: Vec<LinkRow> =
        sqlx::query_as("SELECT link_hash, role, programme, cohort, created_at, expires_at, used_at FROM login_links ORDER BY created_at, link_hash")
            .fetch_all(&mut *src)
            .await?;
    for chunk in links.chunks(BATCH as usize) {
        let mut q = QueryBuilder::<Postgres>::new(
            "INSERT INTO login_links (link_hash, role, programme, cohort, created_at, expires_at, used_at) ",
        );
        q.push_values(chunk, |mut b, l| {
            b.push_bind(&l.link_hash)
                .push_bind(&l.role)
                .push_bind(&l.programme)
                .push_bind(&l.cohort)
                .push_bind(l.created_at)
                .push_bind(l.expires_at)
                .push_bind(l.used_at);
        });
        q.build().execute(&mut *tx).await.context("copying sign-in links")?;
    }
    let sessions: Vec<SessionRow> = sqlx::query_as(
        "SELECT id, secret_hash, csrf_token, role, programme, cohort, created_at, expires_at, revoked_at, token_id FROM sessions ORDER BY created_at, id",
    )
    .fetch_all(&mut *src)
    .await?;
    for chunk in sessions.chunks(BATCH as usize) {
        let mut q = QueryBuilder::<Postgres>::new(
            "INSERT INTO sessions (id, secret_hash, csrf_token, role, programme, cohort, created_at, expires_at, revoked_at, token_id) ",
        );
        q.push_values(chunk, |mut b, x| {
            b.push_bind(&x.id)
                .push_bind(&x.secret_hash)
                .push_bind(&x.csrf_token)
                .push_bind(&x.role)
                .push_bind(&x.programme)
                .push_bind(&x.cohort)
                .push_bind(x.created_at)
                .push_bind(x.expires_at)
                .push_bind(x.revoked_at)
                .push_bind(&x.token_id);
        });
        q.build().execute(&mut *tx).await.context("copying sessions")?;
    }
    copy_mail(&mut src, &mut tx).await?;
    copy_programmes(&mut src, &mut tx).await?;

    // The maintained figures (totals, backers, daily history) from the copied pledges,
    // as the migration that introduced them computes them.
    for statement in REBUILD_FIGURES {
        sqlx::query(statement).execute(&mut *tx).await.context("computing the maintained figures")?;
    }

    let expected = source_report_in(&mut src).await?;
    src.commit().await?;
    let copied = target_report(&mut tx).await?;
    if copied != expected {
        // Dropping the transaction rolls the copy back.
        bail!(
            "the copy does not match the source, nothing was committed:\n  source: {expected:?}\n  copy:   {copied:?}"
        );
    }
    tx.commit().await.context("committing the copy")?;
    Ok(copied)
}

/// The e-mail tables: the outbox (sent, waiting and failed messages; claims are not
/// copied, so a waiting message is claimed afresh), unsubscribed backers, the news sent
/// (so automatic news is not sent twice) and the unsubscribe-link key (so links in
/// messages already sent keep working).
async fn copy_mail(
    src: &mut Transaction<'static, sqlx::Sqlite>,
    tx: &mut Transaction<'static, Postgres>,
) -> anyhow::Result<()> {
    let mut after = 0_i64;
    let mut copied = 0_i64;
    loop {
        let rows: Vec<OutboxRow> = sqlx::query_as(
            "SELECT rowid, id, message_id, kind, pledge_id, cohort_slug, locale, recipient, recipient_name, reply_to, subject, \
                    text_body, html_body, unsubscribe_url, status, attempts, next_attempt_at, last_error, created_at, sent_at \
             FROM outbox WHERE rowid > ? ORDER BY rowid LIMIT 200",
        )
        .bind(after)
        .fetch_all(&mut **src)
        .await?;
        let Some(last) = rows.last() else { break };
        after = last.rowid;
        copied += rows.len() as i64;
        let mut q = QueryBuilder::<Postgres>::new(
            "INSERT INTO outbox (id, message_id, kind, pledge_id, cohort_slug, locale, recipient, recipient_name, reply_to, subject, \
                                 text_body, html_body, unsubscribe_url, status, attempts, next_attempt_at, last_error, created_at, sent_at) ",
        );
        q.push_values(&rows, |mut b, o| {
            b.push_bind(&o.id)
                .push_bind(&o.message_id)
                .push_bind(&o.kind)
                .push_bind(&o.pledge_id)
                .push_bind(&o.cohort_slug)
                .push_bind(&o.locale)
                .push_bind(&o.recipient)
                .push_bind(&o.recipient_name)
                .push_bind(&o.reply_to)
                .push_bind(&o.subject)
                .push_bind(&o.text_body)
                .push_bind(&o.html_body)
                .push_bind(&o.unsubscribe_url)
                .push_bind(&o.status)
                .push_bind(o.attempts)
                .push_bind(o.next_attempt_at)
                .push_bind(&o.last_error)
                .push_bind(o.created_at)
                .push_bind(o.sent_at);
        });
        q.build().execute(&mut **tx).await.context("copying the outbox")?;
    }
    let in_target: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox").fetch_one(&mut **tx).await?;
    if in_target != copied {
        bail!("the outbox copy has {in_target} messages, the source {copied}; nothing was committed");
    }
    let unsubscribed: Vec<(String, i64)> =
        sqlx::query_as("SELECT backer_key, created_at FROM mail_unsubscribed").fetch_all(&mut **src).await?;
    for chunk in unsubscribed.chunks(BATCH as usize) {
        let mut q = QueryBuilder::<Postgres>::new("INSERT INTO mail_unsubscribed (backer_key, created_at) ");
        q.push_values(chunk, |mut b, (k, at)| {
            b.push_bind(k).push_bind(at);
        });
        q.build().execute(&mut **tx).await.context("copying unsubscribed donors")?;
    }
    // The news sent per cohort (one row per automatic or written news): copied so that
    // "target reached" and "campaign closed" are not sent again after the move.
    let news: Vec<(String, String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT id, cohort_slug, key, subject, recipients, created_at FROM mail_news ORDER BY created_at, id",
    )
    .fetch_all(&mut **src)
    .await?;
    for chunk in news.chunks(BATCH as usize) {
        let mut q = QueryBuilder::<Postgres>::new(
            "INSERT INTO mail_news (id, cohort_slug, key, subject, recipients, created_at) ",
        );
        q.push_values(chunk, |mut b, n| {
            b.push_bind(&n.0).push_bind(&n.1).push_bind(&n.2).push_bind(&n.3).push_bind(n.4).push_bind(n.5);
        });
        q.build().execute(&mut **tx).await.context("copying the news sent")?;
    }
    let in_target: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mail_news").fetch_one(&mut **tx).await?;
    if in_target != news.len() as i64 {
        bail!("the news copy has {in_target} rows, the source {}; nothing was committed", news.len());
    }
    let secrets: Vec<(String, String)> =
        sqlx::query_as("SELECT name, value FROM server_secrets").fetch_all(&mut **src).await?;
    for (name, value) in secrets {
        sqlx::query("INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value")
            .bind(name)
            .bind(value)
            .execute(&mut **tx)
            .await
            .context("copying the server's secrets")?;
    }
    Ok(())
}

/// A programme's row: slug, name, url, the pot's columns, impact, revision, times.
type ProgrammeRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    String,
    i64,
    i64,
    i64,
);

/// The programmes (issue 14): their pages, multiplier pots and impact figures, as stored.
async fn copy_programmes(
    src: &mut Transaction<'static, sqlx::Sqlite>,
    tx: &mut Transaction<'static, Postgres>,
) -> anyhow::Result<()> {
    const COLUMNS: &str = "slug, name, url, pot_name, pot_cents, pot_ratio_bps, pot_cap_per_gift_cents, \
                           pot_cap_per_cohort_cents, pot_funders, impact, revision, created_at, updated_at";
    let rows: Vec<ProgrammeRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM programmes ORDER BY slug")).fetch_all(&mut **src).await?;
    for chunk in rows.chunks(BATCH as usize) {
        let mut q = QueryBuilder::<Postgres>::new(format!("INSERT INTO programmes ({COLUMNS}) "));
        q.push_values(chunk, |mut b, r| {
            b.push_bind(&r.0)
                .push_bind(&r.1)
                .push_bind(&r.2)
                .push_bind(&r.3)
                .push_bind(r.4)
                .push_bind(r.5)
                .push_bind(r.6)
                .push_bind(r.7)
                .push_bind(&r.8)
                .push_bind(&r.9)
                .push_bind(r.10)
                .push_bind(r.11)
                .push_bind(r.12);
        });
        q.build().execute(&mut **tx).await.context("copying programmes")?;
    }
    let in_target: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM programmes").fetch_one(&mut **tx).await?;
    if in_target != rows.len() as i64 {
        bail!("the programmes' copy has {in_target} rows, the source {}; nothing was committed", rows.len());
    }
    Ok(())
}

async fn source_report_in(src: &mut Transaction<'static, sqlx::Sqlite>) -> anyhow::Result<TransferReport> {
    let counts: TableCounts = sqlx::query_as(COUNTS).fetch_one(&mut **src).await?;
    let rows: Vec<CohortFigures> = sqlx::query_as(&figures_sql("")).fetch_all(&mut **src).await?;
    Ok(TransferReport { counts, cohorts: rows.into_iter().map(|f| (f.slug.clone(), f)).collect() })
}
