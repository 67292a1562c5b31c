//! `cofund demo`: five realistic Starters4Communities cohorts, with campaign dates
//! relative to the moment of seeding, and pledge rows (names, messages, hidden names
//! and amounts, a hidden message, some received). Seeding goes through the same
//! [`Storage`] as everything else and is idempotent: a cohort that exists is left alone
//! (delete the demo database to seed again with fresh dates).

use crate::domain::json::parse_json;
use crate::domain::CohortDefinition;
use crate::storage::{NewPledge, Storage};
use anyhow::Context;
use cofund_core::api::{PledgeStatus, ValidPledge};
use cofund_core::Timestamp;
use serde_json::json;

const DAY: i64 = 86_400;

/// The programme of every demo cohort (the demo coordinator's sign-in link).
pub const PROGRAMME: &str = "Starters4Communities";
/// The cohort of the demo member's sign-in link (mid-campaign).
pub const MEMBER_COHORT: &str = "utrecht-voorjaar-2027";

pub struct Seeded {
    pub cohorts: usize,
    pub pledges_added: usize,
}

/// One demo cohort: its definition and how its pledges are generated.
struct Plan {
    definition: CohortDefinition,
    pledges: usize,
    /// Mean pledge in cents (amounts vary around it).
    scale: i64,
    /// Share of pledges (per mille) already received.
    received_per_mille: u64,
}

/// A small deterministic generator (xorshift64*), so every seeding looks the same.
struct Rng(u64);

impl Rng {
    fn new(seed: &str) -> Rng {
        Rng(seed.bytes().fold(0x9E37_79B9_7F4A_7C15, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3)) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
}

const FIRST_NAMES: &[&str] = &[
    "Fatima", "Joris", "Sanne", "Mohamed", "Anouk", "Daan", "Noor", "Bram", "Yasmina", "Thijs", "Lotte", "Emre",
    "Sophie", "Ruben", "Aisha", "Jeroen", "Mila", "Kofi", "Eva", "Sem", "Ilse", "Hamza", "Femke", "Luuk", "Zeynep",
    "Pieter", "Maud", "Tobias", "Naima", "Wim", "Ingrid", "Stijn", "Rachida", "Gert", "Linda", "Ayoub",
];
const LAST_NAMES: &[&str] = &[
    "de Vries",
    "Jansen",
    "El Amrani",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "Yilmaz",
    "de Boer",
    "Mulder",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Dijk",
    "Kaya",
    "Dekker",
    "Brouwer",
    "de Groot",
    "Mensah",
    "van Leeuwen",
    "Koster",
];
const BUSINESSES: &[&str] = &[
    "Bakkerij Van Dijk",
    "Fietsenmaker De Spaak",
    "Buurtsuper Mertens",
    "Café De Hoek",
    "Drukkerij Noord",
    "Bloemenzaak Flora",
];
const MESSAGES: &[&str] = &[
    "Zet hem op, jongens! Trots op jullie.",
    "Mooi initiatief voor de wijk.",
    "Succes met het programma!",
    "Voor de moestuin: wij leveren de koffie.",
    "Goed bezig, starters!",
    "Omdat de buurt jullie nodig heeft.",
    "Van een trotse oud-deelnemer.",
    "Hopelijk halen jullie het doel!",
    "Good luck from the neighbours!",
    "Dank voor jullie inzet in de wijk.",
];

fn definition(v: serde_json::Value) -> anyhow::Result<CohortDefinition> {
    let def: CohortDefinition =
        parse_json(v.to_string().as_bytes()).map_err(|e| anyhow::anyhow!("demo definition: {e:?}"))?;
    def.validate().map_err(|e| anyhow::anyhow!("demo definition {} is invalid: {e:?}", def.slug))?;
    Ok(def)
}

#[allow(clippy::too_many_arguments)]
fn cohort(
    slug: &str,
    city: &str,
    season: &str,
    prefix: &str,
    opens: i64,
    closes: i64,
    received_own: i64,
    stakeholders: serde_json::Value,
    initiatives: &[&str],
    pledging: bool,
    origins: &[String],
) -> serde_json::Value {
    json!({
        "slug": slug,
        "name": format!("Starters4Communities {city}, {season}"),
        "programme": {"name": "Starters4Communities", "url": "https://starters4communities.nl"},
        // A made-up RSIN (it passes the eleven test): the demo's gift statements name it.
        "anbi": {"organisation": "Stichting Starters4Communities (demo)", "rsin": "123456782"},
        "locale": "nl-NL",
        "currency": "EUR",
        "budget_cents": 6_000_000,
        "campaign": {"opens_at": Timestamp(opens).to_rfc3339(), "closes_at": Timestamp(closes).to_rfc3339()},
        "own_contributions": {"participants": 20, "per_participant_cents": 15_000, "received": received_own},
        "crowd": {"target_share_bps": 5000, "suggested_cents": [1000, 2500, 5000, 10000], "min_cents": 500, "max_cents": 500_000},
        "stakeholders": stakeholders,
        "initiatives": initiatives.iter().map(|n| json!({"name": n})).collect::<Vec<_>>(),
        "links": {"page": format!("https://starters4communities.nl/{slug}")},
        "payment": {
            "iban": "NL91ABNA0417164300",
            "account_holder": "Stichting Starters4Communities",
            "reference_prefix": prefix,
            "note": "Vermeld de betalingskenmerk, dan kunnen we uw gift aan uw toezegging koppelen."
        },
        "allowed_origins": origins,
        "pledging_enabled": pledging,
        // Donors may pay with iDEAL where the server has a payment provider
        // (`scripts/demo.sh` runs the built-in test provider).
        "online_payment": pledging,
    })
}

fn plans(public_url: &str, now: Timestamp) -> anyhow::Result<Vec<Plan>> {
    let t = now.0;
    let origins = vec![public_url.to_owned(), "http://localhost:*".to_owned(), "http://127.0.0.1:*".to_owned()];
    let municipality = |name: &str, amount: i64, url: &str| {
        json!({"name": name, "kind": "municipality", "status": "committed", "amount_cents": amount, "url": url,
               "match": {"ratio_bps": 5000, "cap_cents": 600_000}})
    };
    let welfare =
        |name: &str, status: &str| json!({"name": name, "kind": "welfare", "status": status, "amount_cents": 500_000});
    let oranje = |status: &str| {
        json!({"name": "Oranje Fonds", "kind": "fund", "status": status, "amount_cents": 400_000,
               "condition": "als de crowdfunding minstens de helft van het doel haalt", "url": "https://www.oranjefonds.nl"})
    };
    Ok(vec![
        // Mid-campaign, open: about 58 % of the crowd target.
        Plan {
            definition: definition(cohort(
                "utrecht-voorjaar-2027",
                "Utrecht",
                "voorjaar 2027",
                "S4C-UTR",
                t - 33 * DAY,
                t + 26 * DAY,
                17,
                // Contract 1.1: the municipality's € 12.000 is due once the crowd has half
                // of its target; a fund doubles every crowd euro (up to € 25 a gift, € 5.000 in all).
                json!([
                    {"name": "Gemeente Utrecht", "kind": "municipality", "status": "committed", "amount_cents": 0,
                     "url": "https://www.utrecht.nl", "condition": "€ 12.000 zodra de crowd de helft van het doel heeft",
                     "rules": [{"kind": "trigger", "amount_cents": 1_200_000, "share_of_target_bps": 5000}]},
                    welfare("Welzijn Utrecht Oost", "paid"),
                    {"name": "Oranje Fonds", "kind": "fund", "status": "committed", "amount_cents": 0, "url": "https://www.oranjefonds.nl",
                     "rules": [{"kind": "match", "ratio_bps": 10_000, "cap_per_gift_cents": 2_500, "cap_cents": 500_000}]}
                ]),
                &[
                    "Buurtmoestuin De Pioen",
                    "Repair Café Overvecht",
                    "Wijkrestaurant Het Gouden Hart",
                    "Taalcafé Kanaleneiland",
                    "Speeltuin De Bikkel",
                    "Kledingbank Noord",
                ],
                true,
                &origins,
            ))?,
            pledges: 150,
            scale: 11_600,
            received_per_mille: 700,
        },
        // Just opened: a handful of pledges.
        Plan {
            definition: definition(cohort(
                "rotterdam-zuid-najaar-2027",
                "Rotterdam-Zuid",
                "najaar 2027",
                "S4C-RTZ",
                t - 5 * 3600,
                t + 59 * DAY,
                4,
                json!([
                    municipality("Gemeente Rotterdam", 1_000_000, "https://www.rotterdam.nl"),
                    welfare("Wijkteam Feijenoord", "committed"),
                    oranje("conditional")
                ]),
                &["Buurthuis De Put", "Voedseltuin Zuid", "Huiswerkklas Afrikaanderwijk"],
                true,
                &origins,
            ))?,
            pledges: 3,
            scale: 4_000,
            received_per_mille: 0,
        },
        // Open and over-funded: past the crowd target.
        Plan {
            definition: definition(cohort(
                "amsterdam-noord-2026",
                "Amsterdam-Noord",
                "najaar 2026",
                "S4C-ADN",
                t - 80 * DAY,
                t + 10 * DAY,
                20,
                json!([
                    municipality("Gemeente Amsterdam", 1_200_000, "https://www.amsterdam.nl"),
                    welfare("Doras welzijn", "paid"),
                    oranje("committed")
                ]),
                &["Noorderpark Moestuin", "Repair Café Buiksloterham", "Jongerenwerk De Banne", "Kookclub Tuindorp"],
                true,
                &origins,
            ))?,
            pledges: 300,
            scale: 20_000,
            received_per_mille: 850,
        },
        // Closed.
        Plan {
            definition: definition(cohort(
                "den-haag-najaar-2026",
                "Den Haag",
                "najaar 2026",
                "S4C-DHG",
                t - 90 * DAY,
                t - 30 * DAY,
                20,
                json!([
                    municipality("Gemeente Den Haag", 1_200_000, "https://www.denhaag.nl"),
                    welfare("Xtra welzijn", "paid"),
                    oranje("paid")
                ]),
                &["Buurtkamer Transvaal", "Fietsatelier Moerwijk", "Taalmaatjes Laak"],
                true,
                &origins,
            ))?,
            pledges: 200,
            scale: 13_600,
            received_per_mille: 960,
        },
        // Read-only: shown, but pledging happens elsewhere (no links.pledge).
        Plan {
            definition: definition(cohort(
                "zwolle-voorjaar-2027",
                "Zwolle",
                "voorjaar 2027",
                "S4C-ZWL",
                t - 40 * DAY,
                t + 18 * DAY,
                12,
                json!([
                    municipality("Gemeente Zwolle", 1_000_000, "https://www.zwolle.nl"),
                    welfare("Travers Welzijn", "committed"),
                    oranje("conditional")
                ]),
                &["Stadstuin Dieze", "Klusbus Holtenbroek"],
                false,
                &origins,
            ))?,
            pledges: 80,
            scale: 12_250,
            received_per_mille: 600,
        },
    ])
}

fn pledges_for(plan: &Plan, now: Timestamp) -> Vec<NewPledge> {
    let def = &plan.definition;
    let mut rng = Rng::new(&def.slug);
    let opens = Timestamp::parse_rfc3339(&def.campaign.opens_at).map_or(now.0, |t| t.0);
    let closes = Timestamp::parse_rfc3339(&def.campaign.closes_at).map_or(now.0, |t| t.0);
    let end = closes.min(now.0 - 60).max(opens + 60);
    let span = (end - opens) as u64;
    let mut out = Vec::with_capacity(plan.pledges);
    for i in 0..plan.pledges {
        // More pledges early in the campaign: u² leans towards the start.
        let u = rng.below(1_000_000);
        let offset = (u * u / 1_000_000) * span / 1_000_000;
        let created_at = Timestamp(opens + offset as i64);
        let business = rng.chance(60);
        let (name, email) = if business {
            let b = *rng.pick(BUSINESSES);
            (b.to_owned(), format!("info@{}.example.nl", b.to_lowercase().replace(' ', "-")))
        } else {
            let (f, l) = (*rng.pick(FIRST_NAMES), *rng.pick(LAST_NAMES));
            (format!("{f} {l}"), format!("{}.{}@example.nl", f.to_lowercase(), l.to_lowercase().replace(' ', "")))
        };
        let base = plan.scale;
        let amount = match rng.below(10) {
            0..=2 => 2_500,
            3..=4 => 5_000,
            5 => 1_000,
            6 => 10_000,
            7 => base,
            8 => base * 2,
            _ => (base * 3 / 2 / 100) * 100,
        };
        let amount = if business { amount.max(25_000) } else { amount }.clamp(def.crowd.min_cents, def.crowd.max_cents);
        let show_name = business || rng.chance(650);
        let message = rng.chance(300).then(|| (*rng.pick(MESSAGES)).to_owned());
        let status = if rng.chance(plan.received_per_mille) && i + 5 < plan.pledges {
            PledgeStatus::Received
        } else if rng.chance(15) {
            PledgeStatus::Cancelled
        } else {
            PledgeStatus::Pledged
        };
        out.push(NewPledge {
            pledge: ValidPledge {
                amount_cents: amount,
                name: (show_name || rng.chance(500)).then_some(name),
                show_name,
                show_amount: rng.chance(800),
                email,
                message,
                news: false,
                fundraiser: None,
            },
            status,
            message_hidden: false,
            locale: None,
            created_at,
        });
    }
    out.sort_by_key(|p| p.created_at);
    // One message a coordinator hid.
    if let Some(p) = out.iter_mut().rev().find(|p| p.pledge.message.is_some()) {
        p.pledge.message = Some("Koop hier goedkope zonnebrillen!!! www.spam.example".into());
        p.message_hidden = true;
    }
    out
}

/// Seeds the demo cohorts that do not exist yet.
pub async fn seed(storage: &dyn Storage, public_url: &str, now: Timestamp) -> anyhow::Result<Seeded> {
    let plans = plans(public_url, now)?;
    let mut added = 0;
    for plan in &plans {
        let slug = &plan.definition.slug;
        if storage.get_cohort(slug).await.map_err(|e| anyhow::anyhow!("{e}"))?.is_some() {
            continue;
        }
        storage
            .put_cohort(&plan.definition, now)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("seeding a cohort")?;
        let pledges = pledges_for(plan, now);
        added += storage
            .import_pledges(slug, pledges)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("seeding pledges")?;
    }
    let programme = cofund_core::programme::programme_slug(PROGRAMME);
    if storage.get_programme(&programme).await.map_err(|e| anyhow::anyhow!("{e}"))?.is_none() {
        let settings = programme_settings(now);
        settings.validate().map_err(|e| anyhow::anyhow!("the demo programme's settings: {e:?}"))?;
        storage
            .put_programme(&programme, &settings, None, now)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("seeding the programme")?;
    }
    Ok(Seeded { cohorts: plans.len(), pledges_added: added })
}

/// Starters4Communities' settings: a multiplier pot over its cohorts (issue 14) and its
/// impact figures. The figures are those of the article in ../shared/seeds ("ruim 250
/// starters doen mee aan 16 programma's en 88 wijkinitiatieven zijn een stap verder
/// gebracht; ruim de helft van de deelnemers vond werk"), which gives no date: they are
/// dated the day the demo is seeded, and the source says so.
fn programme_settings(now: Timestamp) -> cofund_core::programme::ProgrammeSettings {
    use cofund_core::pot::{Funder, PotDefinition};
    use cofund_core::programme::{ImpactFigure, ImpactKind, ProgrammeSettings};
    let as_of = now.to_rfc3339()[..10].to_owned();
    let source = "Initiatievenknooppunten: \"Starters4communities: een financieringsmodel dat klopt!\" (zonder datum)";
    let figure = |kind, label: Option<&str>, value| ImpactFigure {
        kind,
        label: label.map(str::to_owned),
        value,
        as_of: as_of.clone(),
        source: source.to_owned(),
    };
    ProgrammeSettings {
        name: PROGRAMME.to_owned(),
        url: Some("https://starters4communities.nl".to_owned()),
        // € 15.000 from two funders: each crowd euro doubled, up to € 25 a gift and € 6.000 a cohort.
        pot: Some(PotDefinition {
            name: "Vermenigvuldigingspot Starters4Communities".to_owned(),
            funders: vec![
                Funder { name: "Oranje Fonds".to_owned(), amount_cents: 1_000_000 },
                Funder { name: "Provincie Utrecht".to_owned(), amount_cents: 500_000 },
            ],
            pot_cents: 1_500_000,
            ratio_bps: 10_000,
            cap_per_gift_cents: Some(2_500),
            cap_per_cohort_cents: Some(600_000),
        }),
        impact: vec![
            figure(ImpactKind::Participants, None, 250),
            figure(ImpactKind::Custom, Some("Programma's"), 16),
            figure(ImpactKind::Initiatives, None, 88),
            // "Ruim de helft": at least half.
            figure(ImpactKind::FoundWorkShareBps, Some("Ruim de helft vond werk"), 5_000),
        ],
    }
}
