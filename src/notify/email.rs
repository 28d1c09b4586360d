//! The e-mail channel: SMTP through lettre (`SMTP_URL`), or `.eml` files in
//! `<IPPO_DATA_DIR>/outbox/` when no server is configured, so nothing is lost in a demo.

use anyhow::Context;
use lettre::{
    address::Envelope,
    message::{header::ContentType, Attachment, Mailbox, MultiPart, SinglePart},
    Address, AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};

use super::{outbox::PendingMessage, Delivered, SendFailure};
use crate::server::config::Config;

/// The iCalendar method of the calendar files mails carry: the `METHOD` line inside the
/// file and the `method=` of its `Content-Type` must agree (RFC 6047).
pub const CALENDAR_METHOD: &str = "PUBLISH";

/// Where mail goes: an SMTP server, or files in the data folder when none is configured.
#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
}

/// Sends rendered outbox messages as e-mail.
#[derive(Clone)]
pub struct EmailTransport {
    transport: Transport,
    from: Mailbox,
}

impl EmailTransport {
    /// From `SMTP_URL` (or the outbox folder) and `IPPO_MAIL_FROM`; errors name the setting that is wrong.
    pub fn from_config(config: &Config) -> anyhow::Result<EmailTransport> {
        let transport = match &config.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .context("SMTP_URL is not a valid smtp:// or smtps:// URL")?
                    .timeout(Some(std::time::Duration::from_secs(10)))
                    .build(),
            ),
            None => {
                let dir = config.outbox_dir();
                std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
                Transport::Files(AsyncFileTransport::new(dir))
            }
        };
        Ok(EmailTransport {
            transport,
            from: config.mail_from.parse().context("IPPO_MAIL_FROM is not a mail address")?,
        })
    }

    /// Sends one message, with its calendar file attached if it has one. A refusal that will
    /// not change by trying again (a 5xx reply, an address that cannot be written) is
    /// `permanent`; anything else (the server down, a 4xx reply) is tried again later.
    pub async fn send(&self, mail: &PendingMessage) -> Result<Delivered, SendFailure> {
        let to = recipient(&mail.recipient).map_err(SendFailure::permanent)?;
        let message = self.message(mail, to).map_err(SendFailure::permanent)?;
        match &self.transport {
            Transport::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(|_| Delivered::Handed)
                .map_err(|err| SendFailure { permanent: err.is_permanent(), reason: format!("{err}") }),
            Transport::Files(files) => {
                files.send(message).await.map(|id| Delivered::File(format!("{id}.eml"))).map_err(SendFailure::transient)
            }
        }
    }

    fn message(&self, mail: &PendingMessage, to: Address) -> anyhow::Result<Message> {
        // The envelope is given, not derived from the headers: lettre cannot read back a
        // `To:` header with a quoted local part, and would drop such a recipient.
        let envelope = Envelope::new(Some(self.from.email.clone()), vec![to.clone()])?;
        let text = SinglePart::builder().header(ContentType::TEXT_PLAIN).body(mail.body.clone());
        let from = match &mail.sender_name {
            Some(name) => Mailbox::new(Some(name.clone()), self.from.email.clone()),
            None => self.from.clone(),
        };
        let builder = Message::builder()
            .from(from)
            .to(Mailbox::new(None, to))
            .envelope(envelope)
            .message_id(Some(mail.message_id(self.from.email.domain())))
            .subject(mail.subject.clone());
        Ok(match &mail.calendar {
            Some(ics) => builder.multipart(MultiPart::mixed().singlepart(text).singlepart(
                Attachment::new("ippo.ics".to_string()).body(
                    ics.clone(),
                    ContentType::parse(&format!("text/calendar; charset=utf-8; method={CALENDAR_METHOD}"))?,
                ),
            ))?,
            None => builder.singlepart(text)?,
        })
    }
}

/// The address to send to. A local part that is not a dot-atom — Japanese carriers
/// issued `taro..yamada@docomo.ne.jp` and `hanako.@ezweb.ne.jp` before the RFC was
/// enforced — is written as a quoted string, which SMTP allows (RFC 5321, 4.1.2).
fn recipient(address: &str) -> anyhow::Result<Address> {
    let (local, domain) = address.rsplit_once('@').context("an address without @")?;
    Address::new(local, domain).or_else(|_| {
        let quoted = format!("\"{}\"", local.replace('\\', "\\\\").replace('"', "\\\""));
        Address::new(quoted, domain).with_context(|| format!("{address} cannot be written as an address"))
    })
}

#[cfg(test)]
mod tests {
    use super::recipient;

    #[test]
    fn carrier_addresses_are_quoted_as_smtp_allows() {
        assert_eq!(recipient("hanako@example.jp").unwrap().to_string(), "hanako@example.jp");
        assert_eq!(recipient("taro..yamada@docomo.ne.jp").unwrap().to_string(), "\"taro..yamada\"@docomo.ne.jp");
        assert_eq!(recipient("hanako.@ezweb.ne.jp").unwrap().to_string(), "\"hanako.\"@ezweb.ne.jp");
        assert!(recipient("no-at-sign").is_err());
    }
}
