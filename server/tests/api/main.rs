//! Black-box tests: each starts the real server on 127.0.0.1 port 0 with a fresh
//! database file and talks HTTP to it.

mod admin;
mod authorisation;
mod cli;
mod cors;
mod durability;
mod events;
mod hardening;
mod helpers;
mod idempotency;
mod limits;
mod metrics;
mod openapi;
mod payments;
mod privacy;
mod programmes;
mod provider;
mod read;
mod request_id;
mod rules;
mod sessions;
mod site;
mod story;
mod validation;
