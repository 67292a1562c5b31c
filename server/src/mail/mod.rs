//! E-mail: composing the donor's messages (`compose`), the SMTP settings and the
//! transport (`smtp`), and the sender that delivers the outbox (`sender`). Which
//! messages a change causes is the domain's decision (`domain::mail`).

pub mod compose;
pub mod sender;
pub mod smtp;
