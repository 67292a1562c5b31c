//! The SMTP server the outbox is delivered to: settings (`smtp_url`, or host, port,
//! user, password and TLS mode; `mail_from`, `reply_to`), the `lettre` transport, and
//! an outbox message as a MIME message with typed headers.

use crate::domain::mail::OutboxMessage;
use crate::mail::compose::one_line;
use anyhow::{bail, Context};
use lettre::message::header::{self, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::fmt;
use std::time::Duration;

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain connection upgraded with STARTTLS, which is required (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No TLS: only for an SMTP server on this machine (loopback), e.g. in tests.
    None,
}

impl TlsMode {
    pub fn parse(s: &str) -> anyhow::Result<TlsMode> {
        Ok(match s.trim() {
            "starttls" => TlsMode::StartTls,
            "tls" => TlsMode::Tls,
            "none" => TlsMode::None,
            other => bail!("smtp_tls {other:?}: use starttls, tls or none (none only for a loopback server)"),
        })
    }
}

/// The SMTP password: never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn new(p: impl Into<String>) -> Password {
        Password(p.into())
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(…)")
    }
}

/// Everything needed to send.
#[derive(Debug, Clone, PartialEq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub user: Option<String>,
    pub password: Option<Password>,
    /// `From`: `Name <address>` or an address.
    pub from: Mailbox,
    /// `Reply-To` unless a cohort names its own.
    pub reply_to: Option<Mailbox>,
    /// A CA certificate (PEM) trusted besides the system's roots, for a mail relay with
    /// a private or self-signed certificate (`smtp_ca_file`).
    pub ca_pem: Option<Vec<u8>>,
}

/// The mail settings as given (file, environment, flags), before they are checked.
#[derive(Default, Clone)]
pub struct SmtpInput {
    pub url: Option<String>,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub tls: Option<String>,
    pub user: Option<String>,
    pub password: Option<String>,
    pub from: Option<String>,
    pub reply_to: Option<String>,
    /// A PEM file of a CA to trust besides the system's roots.
    pub ca_file: Option<String>,
}

impl fmt::Debug for SmtpInput {
    /// Without the URL (it may hold the password) and the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpInput")
            .field("url", &self.url.as_ref().map(|_| "…"))
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "…"))
            .field("from", &self.from)
            .field("reply_to", &self.reply_to)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|a| a.is_loopback()) || host == "[::1]"
}

impl SmtpSettings {
    /// `None` when no SMTP server is configured (e-mail is off). `smtp_url`:
    /// `smtp://[USER[:PASSWORD]@]HOST[:PORT]` (STARTTLS, port 587), `smtps://…` (TLS,
    /// 465), `smtp://…?tls=none` (plain, loopback only); separate settings override it.
    pub fn from_input(input: SmtpInput) -> anyhow::Result<Option<SmtpSettings>> {
        let (mut host, mut port, mut tls, mut user, mut password) = (None, None, None, None, None);
        if let Some(url) = input.url.as_deref().filter(|u| !u.trim().is_empty()) {
            let parsed = reqwest::Url::parse(url.trim())
                .map_err(|_| anyhow::anyhow!("smtp_url is not a URL (smtp://HOST:PORT or smtps://HOST:PORT)"))?;
            let mode =
                match (parsed.scheme(), parsed.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned())) {
                    ("smtps", _) => TlsMode::Tls,
                    ("smtp", None) => TlsMode::StartTls,
                    ("smtp", Some(v)) => TlsMode::parse(&v)?,
                    (other, _) => bail!("smtp_url scheme {other:?}: use smtp:// or smtps://"),
                };
            host = parsed.host_str().map(str::to_owned);
            port = parsed.port();
            tls = Some(mode);
            if !parsed.username().is_empty() {
                user = Some(percent_decode(parsed.username()));
            }
            password = parsed.password().map(percent_decode);
        }
        let host = input.host.or(host).filter(|h| !h.trim().is_empty());
        let Some(host) = host else {
            if input.from.is_some() || input.user.is_some() {
                bail!("mail_from is set but no SMTP server: set smtp_url or smtp_host");
            }
            return Ok(None);
        };
        let tls = match input.tls {
            Some(t) => TlsMode::parse(&t)?,
            None => tls.unwrap_or(TlsMode::StartTls),
        };
        if tls == TlsMode::None && !is_loopback(&host) {
            bail!("smtp_tls none is only allowed for an SMTP server on this machine (loopback); use starttls or tls for {host}");
        }
        let port = input.port.or(port).unwrap_or(match tls {
            TlsMode::Tls => 465,
            TlsMode::StartTls => 587,
            TlsMode::None => 25,
        });
        let Some(from) = input.from.filter(|f| !f.trim().is_empty()) else {
            bail!("an SMTP server is set but no sender: set mail_from (e.g. \"Starters4Communities <noreply@example.org>\")");
        };
        let from: Mailbox = from.trim().parse().with_context(|| format!("mail_from {from:?} is not an address"))?;
        let reply_to = input
            .reply_to
            .filter(|r| !r.trim().is_empty())
            .map(|r| r.trim().parse::<Mailbox>().with_context(|| format!("reply_to {r:?} is not an address")))
            .transpose()?;
        let user = input.user.or(user).filter(|u| !u.is_empty());
        let password = input.password.or(password).map(Password::new);
        if user.is_some() && password.is_none() {
            bail!("smtp_user is set without a password: set COFUND_SMTP_PASSWORD or smtp_password in the config file");
        }
        let ca_pem = match input.ca_file.filter(|f| !f.trim().is_empty()) {
            None => None,
            Some(path) => {
                let pem = std::fs::read(path.trim()).with_context(|| format!("reading smtp_ca_file {path:?}"))?;
                lettre::transport::smtp::client::Certificate::from_pem(&pem)
                    .map_err(|e| anyhow::anyhow!("smtp_ca_file {path:?} is not a PEM certificate: {e}"))?;
                if tls == TlsMode::None {
                    bail!("smtp_ca_file is set but smtp_tls is none");
                }
                Some(pem)
            }
        };
        Ok(Some(SmtpSettings { host, port, tls, user, password, from, reply_to, ca_pem }))
    }

    /// The transport (connections are opened when sending).
    pub fn transport(&self) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
        use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
        let mut builder = match self.tls {
            TlsMode::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&self.host)?,
            TlsMode::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&self.host)?,
            TlsMode::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.host),
        };
        if let Some(pem) = &self.ca_pem {
            // The system's roots and this one; the server's name is still checked.
            let parameters = TlsParameters::builder(self.host.clone())
                .add_root_certificate(Certificate::from_pem(pem)?)
                .build_rustls()?;
            builder = builder.tls(match self.tls {
                TlsMode::Tls => Tls::Wrapper(parameters),
                _ => Tls::Required(parameters),
            });
        }
        let mut builder = builder.port(self.port).timeout(Some(Duration::from_secs(30)));
        if let (Some(user), Some(Password(password))) = (&self.user, &self.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(builder.build())
    }

    /// Where mail goes, for the start-up log (never the password).
    pub fn describe(&self) -> String {
        format!(
            "{}:{} ({}{}), from {}",
            self.host,
            self.port,
            match self.tls {
                TlsMode::StartTls => "STARTTLS",
                TlsMode::Tls => "TLS",
                TlsMode::None => "no TLS",
            },
            if self.user.is_some() { ", authenticated" } else { "" },
            self.from.email
        )
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(s.get(i + 1..i + 3).unwrap_or(""), 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `List-Unsubscribe: <URL>` (RFC 2369) for one-click unsubscribing (RFC 8058).
#[derive(Debug, Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.trim_matches(|c| c == '<' || c == '>').to_owned()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

#[derive(Debug, Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}

/// Why a message could not be built: the recipient or reply-to address is not one
/// (permanent: retrying will not help).
#[derive(Debug)]
pub struct Unsendable(pub String);

/// The outbox message as a MIME message: typed headers only, every name and the
/// subject on one line (CR/LF cannot start a header), text and HTML alternatives.
pub fn build_message(
    from: &Mailbox,
    default_reply_to: Option<&Mailbox>,
    m: &OutboxMessage,
) -> Result<Message, Unsendable> {
    let address: Address =
        m.recipient.trim().parse().map_err(|e| Unsendable(format!("the recipient is not an address: {e}")))?;
    let name = m.recipient_name.as_deref().map(|n| one_line(n, 100)).filter(|n| !n.is_empty());
    let to = Mailbox::new(name, address);
    let reply_to = match &m.reply_to {
        Some(r) => {
            Some(r.trim().parse::<Mailbox>().map_err(|e| Unsendable(format!("the reply-to address is not one: {e}")))?)
        }
        None => default_reply_to.cloned(),
    };
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(one_line(&m.subject, crate::mail::compose::MAX_SUBJECT_CHARS))
        .message_id(Some(m.message_id.clone()))
        .date(std::time::UNIX_EPOCH + Duration::from_secs(u64::try_from(m.created_at.0).unwrap_or(0)))
        .header(header::MIME_VERSION_1_0);
    if let Some(r) = reply_to {
        builder = builder.reply_to(r);
    }
    if let Some(url) = &m.unsubscribe_url {
        builder = builder.header(ListUnsubscribe(url.clone())).header(ListUnsubscribePost);
    }
    let body = MultiPart::alternative()
        .singlepart(SinglePart::builder().header(header::ContentType::TEXT_PLAIN).body(m.text_body.clone()))
        .singlepart(SinglePart::builder().header(header::ContentType::TEXT_HTML).body(m.html_body.clone()));
    builder.multipart(body).map_err(|e| Unsendable(format!("building the message: {e}")))
}

/// Sends built messages.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    pub from: Mailbox,
    pub reply_to: Option<Mailbox>,
}

/// What a failed delivery was.
#[derive(Debug)]
pub struct DeliveryError {
    /// The server refused for good (5xx) or the message cannot be built.
    pub permanent: bool,
    pub message: String,
}

impl SmtpMailer {
    pub fn new(settings: &SmtpSettings) -> anyhow::Result<SmtpMailer> {
        Ok(SmtpMailer {
            transport: settings.transport()?,
            from: settings.from.clone(),
            reply_to: settings.reply_to.clone(),
        })
    }

    /// Hands the message to the SMTP server; `Ok` once the server accepted it.
    pub async fn deliver(&self, m: &OutboxMessage) -> Result<(), DeliveryError> {
        let message = build_message(&self.from, self.reply_to.as_ref(), m)
            .map_err(|Unsendable(e)| DeliveryError { permanent: true, message: e })?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) => Err(DeliveryError { permanent: e.is_permanent(), message: e.to_string() }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::mail::MessageKind;

    fn message(name: &str, subject: &str, recipient: &str) -> OutboxMessage {
        OutboxMessage {
            id: "ob_1".into(),
            message_id: "<ob_1.confirmation@example.org>".into(),
            kind: MessageKind::Confirmation,
            pledge_id: Some("pl_1".into()),
            cohort_slug: "c".into(),
            locale: "nl-NL".into(),
            recipient: recipient.into(),
            recipient_name: Some(name.into()),
            reply_to: None,
            subject: subject.into(),
            text_body: "tekst".into(),
            html_body: "<p>tekst</p>".into(),
            unsubscribe_url: Some("https://x.nl/mail/unsubscribe?e=61&t=00".into()),
            created_at: cofund_core::Timestamp(0),
        }
    }

    #[test]
    fn line_breaks_in_names_and_subjects_start_no_header() {
        let from: Mailbox = "Cofund <noreply@example.org>".parse().unwrap();
        let m = build_message(
            &from,
            None,
            &message("Eve\r\nBcc: victim@example.org", "Hoi\r\nBcc: victim@example.org", "eve@example.nl"),
        )
        .unwrap();
        let raw = String::from_utf8(m.formatted()).unwrap();
        let head = raw.split("\r\n\r\n").next().unwrap();
        assert!(!head.lines().any(|l| l.to_ascii_lowercase().starts_with("bcc:")), "{head}");
        assert_eq!(m.envelope().to().len(), 1);
        assert!(head.lines().all(|l| l.len() <= 998));
        let long = build_message(&from, None, &message("A", &"lang ".repeat(200), "eve@example.nl")).unwrap();
        let raw = String::from_utf8(long.formatted()).unwrap();
        assert!(raw.split("\r\n\r\n").next().unwrap().lines().all(|l| l.len() <= 998));
        // Not an address: refused (permanently), never sent somewhere else.
        assert!(build_message(&from, None, &message("A", "s", "eve@example.nl>, victim@example.org")).is_err());
        assert!(build_message(&from, None, &message("A", "s", "eve@example.nl\r\nBcc: v@example.org")).is_err());
    }

    #[test]
    fn settings_from_url_and_parts() {
        let s = SmtpSettings::from_input(SmtpInput {
            url: Some("smtps://mailer:s%40cret@smtp.example.org".into()),
            from: Some("Starters4Communities <noreply@example.org>".into()),
            ..Default::default()
        })
        .unwrap()
        .unwrap();
        assert_eq!((s.host.as_str(), s.port, s.tls), ("smtp.example.org", 465, TlsMode::Tls));
        assert_eq!(s.user.as_deref(), Some("mailer"));
        assert_eq!(s.password, Some(Password::new("s@cret")));
        assert!(!format!("{s:?}").contains("cret"));
        let input =
            SmtpInput { url: Some("smtps://u:s3cret@h".into()), password: Some("s3cret".into()), ..Default::default() };
        assert!(!format!("{input:?}").contains("s3cret"));
        assert!(!s.describe().contains("cret"));
        assert!(SmtpSettings::from_input(SmtpInput::default()).unwrap().is_none());
        let plain_remote = SmtpInput {
            host: Some("smtp.example.org".into()),
            tls: Some("none".into()),
            from: Some("a@b.nl".into()),
            ..Default::default()
        };
        assert!(SmtpSettings::from_input(plain_remote).is_err());
        let plain_local = SmtpInput {
            url: Some("smtp://127.0.0.1:2525?tls=none".into()),
            from: Some("a@b.nl".into()),
            ..Default::default()
        };
        let s = SmtpSettings::from_input(plain_local).unwrap().unwrap();
        assert_eq!((s.port, s.tls), (2525, TlsMode::None));
        let no_from = SmtpInput { host: Some("localhost".into()), ..Default::default() };
        assert!(SmtpSettings::from_input(no_from).is_err());
    }
}
