//! The SMS channel: SMPP 3.4 to the city's aggregator (`SMS_URL`, see `smpp`), or text
//! files in `<IPPO_DATA_DIR>/sms-outbox/` when none is configured, as mail falls back to
//! `.eml` files. Texts go as UCS-2 (Japanese needs it): 70 characters fit one message,
//! a longer text is sent as a concatenated one of 67-character parts (3GPP TS 23.040).

use std::{path::PathBuf, str::FromStr};

use anyhow::Context;
use rusmpp::{
    extra::concatenation::SubmitSmMultipartExt,
    pdus::SubmitSm,
    types::COctetString,
    values::{Npi, RegisteredDelivery, Ton},
};
use tokio::sync::mpsc;

use super::{
    outbox::{self, PendingMessage},
    smpp::{Incoming, SmppAddress, SmppClient},
    Delivered, SendFailure,
};
use crate::server::{config::Config, db::Db};

#[derive(Clone, Debug)]
enum Transport {
    Smpp { client: SmppClient, source: Option<String> },
    Files(PathBuf),
}

/// Sends rendered outbox messages as SMS.
#[derive(Clone, Debug)]
pub struct SmsTransport {
    transport: Transport,
}

impl SmsTransport {
    /// From `SMS_URL` (or the SMS outbox folder). With an SMSC, its delivery receipts are
    /// recorded on the outbox rows of `db` as they come, and replies kept for the feature
    /// that reads them (`sms_replies`).
    pub fn from_config(config: &Config, db: &Db) -> anyhow::Result<SmsTransport> {
        let transport = match &config.sms_url {
            Some(url) => {
                let address = SmppAddress::parse(url)?;
                let (events, incoming) = mpsc::unbounded_channel();
                tokio::spawn(record_incoming(db.clone(), incoming));
                let source = address.source.clone();
                Transport::Smpp { client: SmppClient::start(address, events), source }
            }
            None => {
                let dir = config.sms_outbox_dir();
                std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
                Transport::Files(dir)
            }
        };
        Ok(SmsTransport { transport })
    }

    /// Sends one message to the mobile number in its recipient; returns the SMSC's
    /// message id (or the file's name, when SMS go to files).
    pub async fn send(&self, message: &PendingMessage) -> Result<Delivered, SendFailure> {
        let international = international(&message.recipient)
            .ok_or_else(|| SendFailure::permanent(format!("{} is not a Japanese mobile number", message.recipient)))?;
        match &self.transport {
            Transport::Smpp { client, source } => {
                let parts = parts(source.as_deref(), &international, &message.body, message.id as u16)?;
                let id = client.submit(parts).await?;
                Ok(if id.is_empty() { Delivered::Handed } else { Delivered::Remote(id) })
            }
            Transport::Files(dir) => {
                let segments = parts(None, &international, &message.body, 0)?.len();
                let name = format!("sms-{}-{}.txt", message.id, message.created_at.timestamp());
                let text = format!("To: {}\nSegments: {segments}\n\n{}\n", message.recipient, message.body);
                tokio::fs::write(dir.join(&name), text).await.map_err(SendFailure::transient)?;
                Ok(Delivered::File(name))
            }
        }
    }
}

/// `09012345678` as the SMSC wants it: `819012345678` (E.164 without the plus).
fn international(mobile: &str) -> Option<String> {
    let digits: String = mobile.chars().filter(char::is_ascii_digit).collect();
    crate::domain::is_mobile(&digits).then(|| format!("81{}", &digits[1..]))
}

/// The `submit_sm` parts of a text in UCS-2, each asking for a delivery receipt;
/// `reference` ties the parts of one concatenated message together.
fn parts(source: Option<&str>, to: &str, text: &str, reference: u16) -> Result<Vec<SubmitSm>, SendFailure> {
    let address = |s: &str| COctetString::from_str(s).map_err(SendFailure::permanent);
    let mut base = SubmitSm::builder()
        .dest_addr_ton(Ton::International)
        .dest_addr_npi(Npi::Isdn)
        .destination_addr(address(to)?)
        .registered_delivery(RegisteredDelivery::request_all());
    if let Some(source) = source {
        let alphanumeric = !source.chars().all(|c| c.is_ascii_digit());
        base = base
            .source_addr_ton(if alphanumeric { Ton::Alphanumeric } else { Ton::National })
            .source_addr_npi(if alphanumeric { Npi::Unknown } else { Npi::Isdn })
            .source_addr(address(source)?);
    }
    base.build()
        .multipart(text)
        .ucs2()
        .reference_u16(reference)
        .build()
        .map_err(|err| SendFailure::permanent(format!("the text cannot be sent as SMS: {err:?}")))
}

/// Records receipts as they come (one the SMSC could not deliver fails its message, so
/// the person lands on the staff's call list like a refused mail) and keeps replies.
async fn record_incoming(db: Db, mut incoming: mpsc::UnboundedReceiver<Incoming>) {
    while let Some(event) = incoming.recv().await {
        let recorded = match &event {
            Incoming::Receipt(receipt) => {
                outbox::record_receipt(&db, &receipt.message_id, &receipt.state, receipt.undelivered()).await
            }
            Incoming::Reply { from, text } => outbox::record_reply(&db, from, text).await,
        };
        if let Err(err) = recorded {
            tracing::warn!(?err, "could not record what the SMSC sent");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_numbers_go_out_in_international_form() {
        assert_eq!(international("090-1234-5678").as_deref(), Some("819012345678"));
        assert_eq!(international("07012345678").as_deref(), Some("817012345678"));
        assert_eq!(international("093-582-2102"), None);
        assert_eq!(international("0120-123-456"), None);
    }

    #[test]
    fn seventy_characters_fit_one_message_and_more_are_concatenated() {
        let one = "あ".repeat(70);
        assert_eq!(parts(None, "819012345678", &one, 1).unwrap().len(), 1);
        let two = "あ".repeat(71);
        let sent = parts(Some("0935822102"), "819012345678", &two, 7).unwrap();
        assert_eq!(sent.len(), 2);
        assert!(sent.iter().all(|p| p.data_coding == rusmpp::values::DataCoding::Ucs2));
        // Each part starts with the concatenation header (UDH) after the UDHI flag.
        assert!(sent.iter().all(|p| p.esm_class.gsm_features != Default::default()));
        let third = "あ".repeat(67 * 2 + 1);
        assert_eq!(parts(None, "819012345678", &third, 1).unwrap().len(), 3);
    }
}
