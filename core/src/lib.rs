//! # cofund-core
//!
//! The contract between a programme's JSON endpoint and the Cofund widget
//! (`cofund/cohort@1`), the pledge API's wire types, and every piece of money and
//! progress maths. It compiles for `wasm32-unknown-unknown` (the widget) and natively
//! (the server), so both sides compute the same figures from the same code.
//!
//! Money is always an `i64` of minor units (cents) and every sum or product is checked.
//!
//! ```
//! use cofund_core::{Cohort, Timestamp};
//!
//! let json = include_str!("../../public/cohorts/utrecht-voorjaar-2027.json");
//! let cohort = Cohort::from_json(json).expect("a valid document");
//! let summary = cohort.summary();
//! assert_eq!(summary.crowd.target_cents, 3_000_000); // 50 % of € 60.000
//! assert_eq!(summary.crowd.percent_of_target, Some(58));
//! let now = Timestamp::parse_rfc3339("2027-03-20T12:00:00+01:00").unwrap();
//! assert!(cohort.accepts_pledges(now));
//! ```

pub mod admin;
pub mod amount;
pub mod anbi;
pub mod api;
pub mod contract;
pub mod embed;
pub mod error;
pub mod in_kind;
pub mod pace;
pub mod participants;
pub mod payment;
pub mod pot;
pub mod programme;
pub mod progress;
pub mod reconcile;
pub mod rules;
pub mod settlement;
pub mod text;
pub mod time;
mod validate;

pub use amount::{format_decimal, parse_amount_input, AmountInputError};
pub use contract::*;
pub use error::{DocumentError, FieldError, Problem};
pub use progress::{
    CampaignPhase, CompositionPart, CrowdProgress, MatchProgress, OwnContributionProgress, StakeholderProgress,
    StakeholderTotals, Summary,
};
pub use text::text_problem;
pub use time::{Date, Timestamp};
pub use validate::{read_forgivingly, validate_stakeholder, Cohort, MAX_TEXT_CHARS};
