//! The donor's own data (AVG) and gift statements (ANBI), behind the signed, expiring
//! link in every message (`Mailing::donor_url`): the donor sees every pledge under
//! their address, takes it as JSON, asks for a statement of a calendar year's gifts, or
//! has their personal data anonymised. Logs name none of it.

use super::{hex, random_bytes, Cofund, CohortDefinition, DomainError, DomainResult};
use crate::domain::store::PledgeRow;
use cofund_core::api::PledgeStatus;
use cofund_core::{FieldError, Problem, Timestamp};

/// A pledge under the donor's address, with the cohort it went to.
#[derive(Debug, Clone)]
pub struct DonorPledge {
    pub pledge: PledgeRow,
    pub cohort_name: String,
    pub anbi: Option<super::Anbi>,
}

/// One line of a gift statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gift {
    /// The day the gift was recorded as received (UTC).
    pub received_on: String,
    pub cohort_name: String,
    pub reference: String,
    pub amount_cents: i64,
}

/// What a donor gave one receiving organisation (an ANBI) in a calendar year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GiftStatement {
    pub organisation: String,
    pub rsin: String,
    pub year: i64,
    /// Oldest first.
    pub gifts: Vec<Gift>,
    pub total_cents: i64,
}

/// Years a statement may be asked for.
pub const STATEMENT_YEARS: std::ops::RangeInclusive<i64> = 2000..=2100;

/// The gift statements of `year`: per ANBI (by RSIN), every pledge that was received
/// with its receipt (the pledge's last change, which for a received pledge is its
/// receipt unless a coordinator hid its message later) in that calendar year (UTC),
/// and the exact total. Pledged and cancelled pledges are no gifts; cohorts without an
/// ANBI give no statement.
pub fn gift_statements(pledges: &[DonorPledge], year: i64) -> DomainResult<Vec<GiftStatement>> {
    if !STATEMENT_YEARS.contains(&year) {
        return Err(DomainError::Invalid(vec![FieldError::new(
            "year",
            Problem::OutOfRange { min: *STATEMENT_YEARS.start(), max: *STATEMENT_YEARS.end() },
        )]));
    }
    let mut statements: Vec<GiftStatement> = Vec::new();
    for p in pledges {
        let Some(anbi) = &p.anbi else { continue };
        let received_on = p.pledge.updated_at.date_utc();
        if p.pledge.status != PledgeStatus::Received || received_on.ymd().0 != year {
            continue;
        }
        let i = match statements.iter().position(|s| s.rsin == anbi.rsin) {
            Some(i) => i,
            None => {
                statements.push(GiftStatement {
                    organisation: anbi.organisation.trim().to_owned(),
                    rsin: anbi.rsin.clone(),
                    year,
                    gifts: Vec::new(),
                    total_cents: 0,
                });
                statements.len() - 1
            }
        };
        let s = &mut statements[i];
        s.total_cents = s
            .total_cents
            .checked_add(p.pledge.amount_cents)
            .ok_or_else(|| DomainError::Internal(anyhow::anyhow!("a gift statement's total overflows")))?;
        s.gifts.push(Gift {
            received_on: received_on.to_string(),
            cohort_name: p.cohort_name.clone(),
            reference: p.pledge.reference.clone(),
            amount_cents: p.pledge.amount_cents,
        });
    }
    for s in &mut statements {
        s.gifts.sort_by(|a, b| a.received_on.cmp(&b.received_on).then(a.reference.cmp(&b.reference)));
    }
    Ok(statements)
}

impl Cofund {
    /// The backer key a donor link names, if it is signed and not expired at `now`
    /// (`None` also when e-mail is off: the links come only in e-mail).
    pub fn donor_of_link(&self, e: &str, x: &str, t: &str, now: Timestamp) -> Option<String> {
        self.mailing.as_ref()?.verify_donor(e, x, t, now)
    }

    /// Every pledge under a backer key, oldest first, with its cohort.
    pub async fn donor_pledges(&self, backer_key: &str) -> DomainResult<Vec<DonorPledge>> {
        let rows = self.storage().backer_pledges(backer_key).await?;
        let mut cohorts: Vec<CohortDefinition> = Vec::new();
        let mut out = Vec::with_capacity(rows.len());
        for pledge in rows {
            let def = match cohorts.iter().find(|c| c.slug == pledge.cohort_slug) {
                Some(d) => d.clone(),
                None => {
                    let d = self.cohort(&pledge.cohort_slug).await?.definition;
                    cohorts.push(d.clone());
                    d
                }
            };
            out.push(DonorPledge { cohort_name: def.name.clone(), anbi: def.anbi.clone(), pledge });
        }
        Ok(out)
    }

    /// Anonymises the donor a backer key names: name, e-mail and message go from every
    /// pledge and from the outbox; amounts, dates, references and statuses stay for the
    /// books. Returns how many pledges. Logged by count only.
    pub async fn anonymise_donor(&self, backer_key: &str, now: Timestamp) -> DomainResult<usize> {
        let pledges = self.storage().backer_pledges(backer_key).await?.len();
        if pledges == 0 {
            return Ok(0);
        }
        // One new key for all their pledges: the cohort's backer count stays as it was,
        // and nothing links it to the address.
        let new_key = format!("anonymised:{}", hex(&random_bytes::<16>()));
        let cohorts = self.storage().anonymise_backer(backer_key, &new_key, now).await?;
        for slug in &cohorts {
            self.changed(slug).await;
        }
        tracing::info!(pledges, cohorts = cohorts.len(), "a donor's personal data was anonymised at their request");
        Ok(pledges)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pledge(status: PledgeStatus, amount_cents: i64, at: &str, reference: &str) -> PledgeRow {
        let t = Timestamp::parse_rfc3339(at).unwrap();
        PledgeRow {
            seq: 1,
            id: format!("pl_{reference}"),
            cohort_slug: "c".into(),
            amount_cents,
            name: None,
            show_name: false,
            show_amount: true,
            email: "a@b.nl".into(),
            message: None,
            message_hidden: false,
            status,
            reference: reference.into(),
            locale: None,
            news: false,
            anonymised_at: None,
            created_at: t,
            updated_at: t,
        }
    }

    #[test]
    fn a_statement_holds_the_years_received_gifts_per_anbi_with_the_exact_total() {
        let anbi = Some(super::super::Anbi { organisation: "Stichting S4C".into(), rsin: "123456782".into() });
        let other = Some(super::super::Anbi { organisation: "Stichting Ander".into(), rsin: "002535178".into() });
        let gift = |p: PledgeRow, a: &Option<super::super::Anbi>| DonorPledge {
            pledge: p,
            cohort_name: "Utrecht".into(),
            anbi: a.clone(),
        };
        let pledges = vec![
            gift(pledge(PledgeStatus::Received, 2550, "2026-03-01T10:00:00Z", "S4C-B"), &anbi),
            gift(pledge(PledgeStatus::Received, 1, "2026-01-01T00:00:00Z", "S4C-A"), &anbi),
            gift(pledge(PledgeStatus::Received, 999_999, "2026-12-31T23:59:59Z", "S4C-C"), &anbi),
            gift(pledge(PledgeStatus::Received, 700, "2025-12-31T23:59:59Z", "S4C-old"), &anbi),
            gift(pledge(PledgeStatus::Pledged, 5000, "2026-05-01T10:00:00Z", "S4C-open"), &anbi),
            gift(pledge(PledgeStatus::Cancelled, 5000, "2026-05-01T10:00:00Z", "S4C-gone"), &anbi),
            gift(pledge(PledgeStatus::Received, 1234, "2026-05-01T10:00:00Z", "ANDER-1"), &other),
            gift(pledge(PledgeStatus::Received, 4321, "2026-05-01T10:00:00Z", "NOANBI-1"), &None),
        ];
        let s = gift_statements(&pledges, 2026).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].rsin.as_str(), s[0].total_cents), ("123456782", 2550 + 1 + 999_999));
        let refs: Vec<&str> = s[0].gifts.iter().map(|g| g.reference.as_str()).collect();
        assert_eq!(refs, ["S4C-A", "S4C-B", "S4C-C"]);
        assert_eq!(s[0].gifts[0].received_on, "2026-01-01");
        assert_eq!((s[1].organisation.as_str(), s[1].total_cents), ("Stichting Ander", 1234));
        assert_eq!(gift_statements(&pledges, 2025).unwrap()[0].total_cents, 700);
        assert!(gift_statements(&pledges, 2024).unwrap().is_empty());
        assert!(gift_statements(&pledges, 1999).is_err());
    }
}
