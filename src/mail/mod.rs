//! E-mail: templates rendered into the outbox inside the transaction that causes
//! them, and a delivery worker that sends the outbox through SMTP (or into .eml files).

pub mod outbox;
pub mod templates;
pub mod worker;

use std::sync::Arc;

use anyhow::Context;
use lettre::{
    message::{header::ContentType, Attachment, Mailbox, MultiPart, SinglePart},
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use tokio::sync::Notify;

use crate::server::config::Config;

/// Where mail goes: an SMTP server, or files in the data folder when none is configured.
#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
}

#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    /// Wakes this instance's worker as soon as it has written to the outbox.
    wake: Arc<Notify>,
    pub max_backoff_secs: u64,
}

impl Mailer {
    pub fn from_config(config: &Config) -> anyhow::Result<Mailer> {
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
        Ok(Mailer {
            transport,
            from: config.mail_from.parse().context("IPPO_MAIL_FROM is not a mail address")?,
            wake: Arc::new(Notify::new()),
            max_backoff_secs: config.mail_max_backoff_secs,
        })
    }

    pub fn wake(&self) {
        self.wake.notify_one();
    }

    async fn woken(&self) {
        self.wake.notified().await
    }

    /// Sends one rendered mail, with its calendar file attached if it has one.
    async fn send(&self, mail: &outbox::PendingMail) -> anyhow::Result<()> {
        let to: Mailbox = mail.recipient.parse().context("bad recipient address")?;
        let text = SinglePart::builder().header(ContentType::TEXT_PLAIN).body(mail.body_text.clone());
        let builder = Message::builder().from(self.from.clone()).to(to).subject(mail.subject.clone());
        let message = match &mail.ics {
            Some(ics) => builder.multipart(
                MultiPart::mixed().singlepart(text).singlepart(
                    Attachment::new("ippo.ics".to_string())
                        .body(ics.clone(), ContentType::parse("text/calendar; charset=utf-8; method=PUBLISH")?),
                ),
            )?,
            None => builder.singlepart(text)?,
        };
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await?;
            }
            Transport::Files(files) => {
                files.send(message).await?;
            }
        }
        Ok(())
    }
}
