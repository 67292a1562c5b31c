//! Reconciling a bank statement with the pledges: the coordinator pastes the lines of a
//! statement, every payment reference in them is matched with its pledge, and whatever
//! would make the figures wrong (another amount, a pledge already received or cancelled,
//! a reference paid twice) is reported instead of marked. Only payments without a
//! problem are marked received, after one confirmation.

use crate::amount::parse_amount_input;
use crate::api::PledgeStatus;
use serde::Serialize;

/// What the statement is matched against: a cohort's pledges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PledgeToReconcile<'a> {
    pub reference: &'a str,
    pub amount_cents: i64,
    pub status: PledgeStatus,
}

/// Why a payment found in the statement is not marked received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum ReconcileProblem {
    /// The line shows another amount than the pledge.
    AmountDiffers { expected_cents: i64, found_cents: i64 },
    /// No amount, or more than one, could be read from the line.
    AmountNotFound,
    /// The pledge is already marked received.
    AlreadyReceived,
    /// The pledge was cancelled.
    Cancelled,
    /// The same reference appeared on an earlier line (1-based).
    RepeatedReference { first_line: usize },
}

/// A payment reference found on one line of the statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementPayment {
    /// 1-based line number in the pasted text.
    pub line: usize,
    /// Index of the pledge in the slice given to [`reconcile`].
    pub pledge: usize,
    pub reference: String,
    /// The amount read from the line, if exactly one was found.
    pub amount_cents: Option<i64>,
    pub problem: Option<ReconcileProblem>,
}

impl StatementPayment {
    /// Marked received on confirmation.
    pub fn ready(&self) -> bool {
        self.problem.is_none()
    }
}

/// The outcome of reading a statement.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    pub payments: Vec<StatementPayment>,
    /// Things that look like payment references but match no pledge: `(line, text)`.
    pub unknown_references: Vec<(usize, String)>,
}

impl Reconciliation {
    /// Indices of the pledges to mark received.
    pub fn ready_pledges(&self) -> Vec<usize> {
        self.payments.iter().filter(|p| p.ready()).map(|p| p.pledge).collect()
    }
}

const CROCKFORD: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn split_tokens(line: &str) -> impl Iterator<Item = &str> {
    line.split(|c: char| c.is_whitespace() || matches!(c, ';' | '|' | '"' | '\'' | '(' | ')' | '[' | ']'))
        .filter(|t| !t.is_empty())
}

/// `PREFIX-XXXXXXXX`: a prefix of `A-Z`, `0-9` and `-` and eight Crockford base32
/// characters, the shape of the server's references.
fn looks_like_reference(token: &str) -> bool {
    let Some((prefix, code)) = token.rsplit_once('-') else { return false };
    !prefix.is_empty()
        && prefix.len() <= 12
        && prefix.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
        && prefix.bytes().any(|b| b.is_ascii_uppercase())
        && code.len() == 8
        && code.chars().all(|c| CROCKFORD.contains(c))
}

/// The amount on a line: tokens written as money with cents (`25,00`, `€25.50`,
/// `1.250,00`, `+25,00`) or a Dutch whole amount (`25,-`). Dates, IBANs and account
/// numbers do not have that shape. `None` unless exactly one amount is found.
fn amount_on_line(line: &str) -> Option<i64> {
    let mut found: Option<i64> = None;
    for token in split_tokens(line) {
        let t = token.trim_start_matches(['+', '€']).trim_start_matches("EUR").trim_end_matches(',');
        let b = t.as_bytes();
        let money_shape = b.first().is_some_and(u8::is_ascii_digit)
            && (t.ends_with(",-")
                || (b.len() >= 4
                    && matches!(b[b.len() - 3], b'.' | b',')
                    && b[b.len() - 2..].iter().all(u8::is_ascii_digit)));
        if !money_shape || !t.bytes().all(|c| c.is_ascii_digit() || matches!(c, b'.' | b',' | b'-')) {
            continue;
        }
        let Ok(cents) = parse_amount_input(t) else { continue };
        match found {
            Some(f) if f != cents => return None,
            _ => found = Some(cents),
        }
    }
    found
}

/// Reads a pasted statement and matches every payment reference in it with `pledges`.
pub fn reconcile(statement: &str, pledges: &[PledgeToReconcile<'_>]) -> Reconciliation {
    let mut out = Reconciliation::default();
    let mut first_seen: Vec<(usize, usize)> = Vec::new(); // (pledge, line)
    for (i, raw) in statement.lines().enumerate() {
        let line_no = i + 1;
        let upper = raw.to_uppercase();
        let mut matched_here: Vec<usize> = Vec::new();
        for (p, pledge) in pledges.iter().enumerate() {
            if pledge.reference.is_empty() || !upper.contains(&pledge.reference.to_uppercase()) {
                continue;
            }
            matched_here.push(p);
            let amount = amount_on_line(raw);
            let problem = if let Some(&(_, first_line)) = first_seen.iter().find(|(q, _)| *q == p) {
                Some(ReconcileProblem::RepeatedReference { first_line })
            } else if pledge.status == PledgeStatus::Cancelled {
                Some(ReconcileProblem::Cancelled)
            } else if pledge.status == PledgeStatus::Received {
                Some(ReconcileProblem::AlreadyReceived)
            } else {
                match amount {
                    None => Some(ReconcileProblem::AmountNotFound),
                    Some(a) if a != pledge.amount_cents => {
                        Some(ReconcileProblem::AmountDiffers { expected_cents: pledge.amount_cents, found_cents: a })
                    }
                    Some(_) => None,
                }
            };
            if !first_seen.iter().any(|(q, _)| *q == p) {
                first_seen.push((p, line_no));
            }
            out.payments.push(StatementPayment {
                line: line_no,
                pledge: p,
                reference: pledge.reference.to_owned(),
                amount_cents: amount,
                problem,
            });
        }
        for token in split_tokens(&upper) {
            let token = token.rsplit(':').next().unwrap_or(token).trim_matches(|c: char| c == ',' || c == '.');
            let known = matched_here.iter().any(|&p| pledges[p].reference.eq_ignore_ascii_case(token));
            if !known && looks_like_reference(token) && !pledges.iter().any(|p| p.reference.eq_ignore_ascii_case(token))
            {
                out.unknown_references.push((line_no, token.to_owned()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pledges() -> Vec<PledgeToReconcile<'static>> {
        vec![
            PledgeToReconcile { reference: "S4C-UTR-7KQ2M9XD", amount_cents: 2500, status: PledgeStatus::Pledged },
            PledgeToReconcile { reference: "S4C-UTR-AB12CD34", amount_cents: 125_000, status: PledgeStatus::Pledged },
            PledgeToReconcile { reference: "S4C-UTR-ZZZZ0000", amount_cents: 5000, status: PledgeStatus::Received },
            PledgeToReconcile { reference: "S4C-UTR-CANC0000", amount_cents: 5000, status: PledgeStatus::Cancelled },
            PledgeToReconcile { reference: "S4C-UTR-0000WXYZ", amount_cents: 1000, status: PledgeStatus::Pledged },
        ]
    }

    #[test]
    fn a_statement_is_matched_line_by_line() {
        let statement = "\
12-03-2027  NL91ABNA0417164300  J. de Vries  25,00  S4C-UTR-7KQ2M9XD
13-03-2027;Stichting Buurt;€ 1.250,00;Omschrijving: s4c-utr-ab12cd34
13-03-2027;F. El Amrani;+50,00;S4C-UTR-ZZZZ0000
14-03-2027 S4C-UTR-CANC0000 50,00
14-03-2027 S4C-UTR-0000WXYZ 12,50
15-03-2027 S4C-UTR-7KQ2M9XD 25,-
16-03-2027 S4C-UTR-NQTHER31 10,00
salaris maart 2.500,00";
        let r = reconcile(statement, &pledges());
        let seen: Vec<_> = r.payments.iter().map(|p| (p.line, p.pledge, p.amount_cents, p.problem)).collect();
        assert_eq!(
            seen,
            [
                (1, 0, Some(2500), None),
                (2, 1, Some(125_000), None),
                (3, 2, Some(5000), Some(ReconcileProblem::AlreadyReceived)),
                (4, 3, Some(5000), Some(ReconcileProblem::Cancelled)),
                (5, 4, Some(1250), Some(ReconcileProblem::AmountDiffers { expected_cents: 1000, found_cents: 1250 })),
                (6, 0, Some(2500), Some(ReconcileProblem::RepeatedReference { first_line: 1 })),
            ]
        );
        assert_eq!(r.ready_pledges(), [0, 1]);
        assert_eq!(r.unknown_references, [(7, "S4C-UTR-NQTHER31".to_owned())]);
    }

    #[test]
    fn unclear_amounts_are_not_guessed() {
        let p = pledges();
        // Two different amounts on one line (an amount and a balance).
        let r = reconcile("S4C-UTR-7KQ2M9XD 25,00 saldo 1.234,56", &p);
        assert_eq!(r.payments[0].problem, Some(ReconcileProblem::AmountNotFound));
        // A bare number without cents may be an account number.
        let r = reconcile("S4C-UTR-7KQ2M9XD 25", &p);
        assert_eq!(r.payments[0].problem, Some(ReconcileProblem::AmountNotFound));
        // The same amount twice (amount and running total after it) is one amount.
        let r = reconcile("S4C-UTR-7KQ2M9XD 25,00 EUR 25,00", &p);
        assert!(r.payments[0].ready());
        assert!(reconcile("", &p).payments.is_empty());
    }
}
