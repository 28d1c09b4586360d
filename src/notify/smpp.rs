//! One SMPP 3.4 session with the city's SMS aggregator (the SMSC), through the rusmpp
//! codec: bound as a transceiver (so delivery receipts come back on the same link), kept
//! alive with `enquire_link`, reconnected with backoff when it drops. Messages go one at
//! a time, each part's `submit_sm` answered before the next: the outbox worker sends in
//! order anyway, and a refusal is then the refusal of that message.

use std::{str::FromStr, time::Duration};

use anyhow::{bail, Context};
use futures::{SinkExt, StreamExt};
use rusmpp::{
    pdus::{BindTransceiver, DeliverSm, DeliverSmResp, SubmitSm},
    tlvs::{TlvTag, TlvValue},
    tokio_codec::CommandCodec,
    types::COctetString,
    values::{DataCoding, InterfaceVersion, MessageState, MessageType, Npi, Ton},
    Command, CommandId, CommandStatus, Pdu,
};
use tokio::{
    net::TcpStream,
    sync::{mpsc, oneshot},
    time::Instant,
};
use tokio_util::codec::Framed;

use super::SendFailure;

/// How long the SMSC may take to answer a bind or a `submit_sm`.
const ANSWER_WITHIN: Duration = Duration::from_secs(10);
/// How often an idle link is checked with `enquire_link` (SMPP 3.4, 2.8: both sides may).
const KEEPALIVE: Duration = Duration::from_secs(30);
/// The longest wait between two attempts to reconnect.
const MAX_RECONNECT: Duration = Duration::from_secs(60);

/// Where the SMSC is and how to log in: `smpp://system_id:password@host:port?source=…`
/// (`SMS_URL`; port 2775 when left out; `source` is the sender number or name shown on
/// the phone, left to the SMSC when absent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmppAddress {
    pub host: String,
    pub port: u16,
    pub system_id: String,
    pub password: String,
    pub source: Option<String>,
}

impl SmppAddress {
    /// Errors say what in the URL is wrong (never echoing the password).
    pub fn parse(input: &str) -> anyhow::Result<SmppAddress> {
        let url = url::Url::parse(input).context("SMS_URL is not a URL (smpp://system_id:password@host:port)")?;
        if url.scheme() != "smpp" {
            bail!("SMS_URL must start with smpp:// (it starts with {}://)", url.scheme());
        }
        let host = url.host_str().filter(|h| !h.is_empty()).context("SMS_URL names no host")?;
        let decode = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        let system_id = decode(url.username());
        if system_id.is_empty() || system_id.len() > 15 {
            bail!("SMS_URL needs a system_id of 1 to 15 characters before the @");
        }
        let password = url.password().map(decode).unwrap_or_default();
        if password.len() > 8 {
            bail!("the SMPP 3.4 password in SMS_URL is at most 8 characters");
        }
        let source =
            url.query_pairs().find(|(k, _)| k == "source").map(|(_, v)| v.into_owned()).filter(|s| !s.is_empty());
        if source.as_ref().is_some_and(|s| s.len() > 20) {
            bail!("the source in SMS_URL is at most 20 characters");
        }
        Ok(SmppAddress {
            host: host.trim_matches(['[', ']']).to_string(),
            port: url.port().unwrap_or(2775),
            system_id,
            password,
            source,
        })
    }
}

/// What an SMSC's delivery receipt said of a message it had accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// The id the SMSC gave the message in its `submit_sm_resp`.
    pub message_id: String,
    /// The final state as SMPP names it (`DELIVRD`, `UNDELIV`, `EXPIRED`, `REJECTD`, …).
    pub state: String,
}

impl Receipt {
    /// A final state in which the message did not reach the phone.
    pub fn undelivered(&self) -> bool {
        matches!(self.state.as_str(), "UNDELIV" | "EXPIRED" | "REJECTD" | "DELETED")
    }
}

/// What the SMSC passes on unasked: a delivery receipt, or a text someone sent back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Incoming {
    Receipt(Receipt),
    /// A reply from a phone: its number as the SMSC gives it (`819012345678`) and its text.
    Reply {
        from: String,
        text: String,
    },
}

struct Submit {
    parts: Vec<SubmitSm>,
    reply: oneshot::Sender<Result<String, SendFailure>>,
}

/// A handle on the session task: cheap to clone, every clone sends through one link.
#[derive(Clone, Debug)]
pub struct SmppClient {
    requests: mpsc::Sender<Submit>,
}

impl SmppClient {
    /// Starts the session task; receipts and replies the SMSC sends are passed to `incoming`.
    pub fn start(address: SmppAddress, incoming: mpsc::UnboundedSender<Incoming>) -> SmppClient {
        let (requests, inbox) = mpsc::channel(16);
        tokio::spawn(run(address, inbox, incoming));
        SmppClient { requests }
    }

    /// Sends the parts of one message; returns the SMSC's id of the first part. The SMSC
    /// unreachable or busy is a transient failure; a refusal of the message itself (an
    /// invalid number) is permanent.
    pub async fn submit(&self, parts: Vec<SubmitSm>) -> Result<String, SendFailure> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send(Submit { parts, reply })
            .await
            .map_err(|_| SendFailure::transient("the SMPP session has stopped"))?;
        answer.await.unwrap_or_else(|_| Err(SendFailure::transient("the SMPP session dropped the message")))
    }
}

type Link = Framed<TcpStream, CommandCodec>;

/// The session task: connect and bind, serve until the link drops, wait, again.
async fn run(address: SmppAddress, mut inbox: mpsc::Receiver<Submit>, incoming: mpsc::UnboundedSender<Incoming>) {
    let mut wait = Duration::from_secs(1);
    loop {
        match connect(&address).await {
            Ok(link) => {
                wait = Duration::from_secs(1);
                tracing::info!(host = %address.host, port = address.port, "bound to the SMSC");
                let mut session = Session { link, sequence: 1, incoming: incoming.clone() };
                match session.serve(&mut inbox).await {
                    Ended::Closed => return,
                    Ended::Lost(why) => tracing::warn!(%why, "the SMSC link dropped; reconnecting"),
                }
            }
            Err(err) => tracing::warn!(error = %format!("{err:#}"), retry_in = ?wait, "cannot reach the SMSC"),
        }
        // While the link is down, messages fail at once (the outbox retries them with its
        // own backoff) and the next connection is tried when the wait is over.
        let retry = tokio::time::sleep(wait);
        tokio::pin!(retry);
        loop {
            tokio::select! {
                _ = &mut retry => break,
                request = inbox.recv() => match request {
                    Some(submit) => {
                        let _ = submit.reply.send(Err(SendFailure::transient("the SMSC is not reachable")));
                    }
                    None => return,
                },
            }
        }
        wait = (wait * 2).min(MAX_RECONNECT);
    }
}

async fn connect(address: &SmppAddress) -> anyhow::Result<Link> {
    let stream = tokio::time::timeout(ANSWER_WITHIN, TcpStream::connect((address.host.as_str(), address.port)))
        .await
        .context("connecting timed out")??;
    let mut link = Framed::new(stream, CommandCodec::new());
    let bind = BindTransceiver::builder()
        .system_id(COctetString::from_str(&address.system_id)?)
        .password(COctetString::from_str(&address.password)?)
        .system_type(COctetString::empty())
        .interface_version(InterfaceVersion::Smpp3_4)
        .addr_ton(Ton::Unknown)
        .addr_npi(Npi::Unknown)
        .address_range(COctetString::empty())
        .build();
    link.send(Command::new(CommandStatus::EsmeRok, 1, bind)).await?;
    let answer = tokio::time::timeout(ANSWER_WITHIN, link.next()).await.context("the SMSC did not answer the bind")?;
    match answer {
        Some(Ok(command)) if matches!(command.pdu(), Some(Pdu::BindTransceiverResp(_))) => {
            if command.status() != CommandStatus::EsmeRok {
                bail!(
                    "the SMSC refused the bind: {:?} (check the system_id and password in SMS_URL)",
                    command.status()
                );
            }
            Ok(link)
        }
        Some(Ok(command)) => bail!("the SMSC answered the bind with {:?}", command.id()),
        Some(Err(err)) => bail!("the SMSC's answer could not be read: {err}"),
        None => bail!("the SMSC closed the connection"),
    }
}

enum Ended {
    /// Every handle was dropped: the process is ending.
    Closed,
    Lost(String),
}

struct Session {
    link: Link,
    sequence: u32,
    incoming: mpsc::UnboundedSender<Incoming>,
}

impl Session {
    fn next_sequence(&mut self) -> u32 {
        // Sequence numbers run 1..=0x7FFFFFFF (SMPP 3.4, 3.2).
        self.sequence = if self.sequence >= 0x7FFF_FFFF { 1 } else { self.sequence + 1 };
        self.sequence
    }

    async fn serve(&mut self, inbox: &mut mpsc::Receiver<Submit>) -> Ended {
        let mut keepalive = tokio::time::interval_at(Instant::now() + KEEPALIVE, KEEPALIVE);
        let mut unanswered_enquiry = false;
        loop {
            tokio::select! {
                request = inbox.recv() => {
                    let Some(submit) = request else {
                        let unbind = Command::new(CommandStatus::EsmeRok, self.next_sequence(), Pdu::Unbind);
                        let _ = self.link.send(unbind).await;
                        return Ended::Closed;
                    };
                    let (result, lost) = match self.submit(submit.parts).await {
                        Ok(id) => (Ok(id), None),
                        Err(Failed::Refused(failure)) => (Err(failure), None),
                        Err(Failed::Link(why)) => (Err(SendFailure::transient(&why)), Some(why)),
                    };
                    let _ = submit.reply.send(result);
                    if let Some(why) = lost {
                        return Ended::Lost(why);
                    }
                }
                frame = self.link.next() => match frame {
                    Some(Ok(command)) => {
                        if matches!(command.pdu(), Some(Pdu::EnquireLinkResp)) {
                            unanswered_enquiry = false;
                        } else if let Err(why) = self.answer(command).await {
                            return Ended::Lost(why);
                        }
                    }
                    Some(Err(err)) => return Ended::Lost(format!("unreadable PDU: {err}")),
                    None => return Ended::Lost("the SMSC closed the connection".into()),
                },
                _ = keepalive.tick() => {
                    if unanswered_enquiry {
                        return Ended::Lost("no answer to enquire_link".into());
                    }
                    let enquiry = Command::new(CommandStatus::EsmeRok, self.next_sequence(), Pdu::EnquireLink);
                    if let Err(err) = self.link.send(enquiry).await {
                        return Ended::Lost(err.to_string());
                    }
                    unanswered_enquiry = true;
                }
            }
        }
    }

    /// Sends every part and waits for each answer; the first part's id names the message.
    async fn submit(&mut self, parts: Vec<SubmitSm>) -> Result<String, Failed> {
        let mut first_id = None;
        for part in parts {
            let sequence = self.next_sequence();
            self.link
                .send(Command::new(CommandStatus::EsmeRok, sequence, part))
                .await
                .map_err(|err| Failed::Link(err.to_string()))?;
            let deadline = Instant::now() + ANSWER_WITHIN;
            let id = loop {
                let frame = tokio::time::timeout_at(deadline, self.link.next())
                    .await
                    .map_err(|_| Failed::Link("the SMSC did not answer a submit_sm".into()))?;
                let command = match frame {
                    Some(Ok(command)) => command,
                    Some(Err(err)) => return Err(Failed::Link(format!("unreadable PDU: {err}"))),
                    None => return Err(Failed::Link("the SMSC closed the connection".into())),
                };
                // An answer with an error status may come without a body (SMPP 3.4, 4.4.2).
                let answers = matches!(command.id(), CommandId::SubmitSmResp | CommandId::GenericNack);
                if !answers || command.sequence_number() != sequence {
                    self.answer(command).await.map_err(Failed::Link)?;
                    continue;
                }
                if command.status() != CommandStatus::EsmeRok {
                    return Err(Failed::Refused(refusal(command.status())));
                }
                // Accepted; an SMSC that gives no id sends no receipt to match either.
                match command.pdu() {
                    Some(Pdu::SubmitSmResp(resp)) => break resp.message_id().to_string(),
                    _ => break String::new(),
                }
            };
            first_id.get_or_insert(id);
        }
        Ok(first_id.unwrap_or_default())
    }

    /// Answers what the SMSC sends on its own: receipts and replies, keep-alives, unbind.
    async fn answer(&mut self, command: Command) -> Result<(), String> {
        let sequence = command.sequence_number();
        let reply = match command.pdu() {
            Some(Pdu::DeliverSm(deliver)) => {
                let event = match receipt_of(deliver) {
                    Some(receipt) => Incoming::Receipt(receipt),
                    None => Incoming::Reply { from: deliver.source_addr.to_string(), text: text_of(deliver) },
                };
                let _ = self.incoming.send(event);
                Some(Pdu::DeliverSmResp(DeliverSmResp::default()))
            }
            Some(Pdu::EnquireLink) => Some(Pdu::EnquireLinkResp),
            Some(Pdu::Unbind) => {
                let _ = self.link.send(Command::new(CommandStatus::EsmeRok, sequence, Pdu::UnbindResp)).await;
                return Err("the SMSC unbound".into());
            }
            _ => None,
        };
        if let Some(pdu) = reply {
            self.link.send(Command::new(CommandStatus::EsmeRok, sequence, pdu)).await.map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

enum Failed {
    /// The SMSC answered and refused this message.
    Refused(SendFailure),
    /// The link broke: the message may be tried again on a new one.
    Link(String),
}

/// A refusal in a `submit_sm_resp`: congestion and the SMSC's own trouble pass (tried
/// again later); anything else is about the message (a number that cannot get SMS).
fn refusal(status: CommandStatus) -> SendFailure {
    let reason = format!("the SMSC refused the message: {status:?}");
    match status {
        CommandStatus::EsmeRthrottled
        | CommandStatus::EsmeRmsgqful
        | CommandStatus::EsmeRsyserr
        | CommandStatus::EsmeRsubmitfail
        | CommandStatus::EsmeRxTAppn
        | CommandStatus::EsmeRinvbndsts => SendFailure::transient(reason),
        _ => SendFailure::permanent(reason),
    }
}

/// The receipt a `deliver_sm` carries, if it is one: its TLVs when the SMSC sets them,
/// else the text of SMPP 3.4 Appendix B (`id:… sub:… dlvrd:… … stat:DELIVRD err:…`).
fn receipt_of(deliver: &DeliverSm) -> Option<Receipt> {
    if deliver.esm_class.message_type != MessageType::ShortMessageContainsMCDeliveryReceipt {
        return None;
    }
    let mut message_id = None;
    let mut state = None;
    for tlv in deliver.tlvs() {
        match (tlv.tag(), tlv.value()) {
            (TlvTag::ReceiptedMessageId, Some(TlvValue::ReceiptedMessageId(id))) => message_id = Some(id.to_string()),
            (TlvTag::MessageState, Some(TlvValue::MessageState(s))) => state = Some(state_name(*s).to_string()),
            _ => {}
        }
    }
    let text = String::from_utf8_lossy(deliver.short_message().as_ref()).into_owned();
    let field = |name: &str| {
        text.split_whitespace().find_map(|w| w.strip_prefix(name).and_then(|v| v.strip_prefix(':'))).map(str::to_string)
    };
    Some(Receipt { message_id: message_id.or_else(|| field("id"))?, state: state.or_else(|| field("stat"))? })
}

/// The text of a reply: UCS-2 as Japanese phones send it, else the bytes as they are
/// (the GSM default alphabet agrees with ASCII for what a reply like STOP holds).
fn text_of(deliver: &DeliverSm) -> String {
    let bytes: &[u8] = deliver.short_message().as_ref();
    if deliver.data_coding == DataCoding::Ucs2 {
        let units = bytes.chunks_exact(2).map(|pair| u16::from_be_bytes([pair[0], pair[1]]));
        char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)).collect()
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

fn state_name(state: MessageState) -> &'static str {
    match state {
        MessageState::Delivered => "DELIVRD",
        MessageState::Expired => "EXPIRED",
        MessageState::Deleted => "DELETED",
        MessageState::Undeliverable => "UNDELIV",
        MessageState::Accepted => "ACCEPTD",
        MessageState::Rejected => "REJECTD",
        MessageState::Enroute => "ENROUTE",
        _ => "UNKNOWN",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_is_read_from_the_url() {
        let a = SmppAddress::parse("smpp://ippo:p%40ss@sms.example.jp:2776?source=0935822102").unwrap();
        assert_eq!(
            a,
            SmppAddress {
                host: "sms.example.jp".into(),
                port: 2776,
                system_id: "ippo".into(),
                password: "p@ss".into(),
                source: Some("0935822102".into()),
            }
        );
        assert_eq!(SmppAddress::parse("smpp://ippo:x@127.0.0.1").unwrap().port, 2775);
        for bad in ["http://ippo:x@h", "smpp://h:2775", "smpp://ippo:toolongpassword@h", "not a url"] {
            let err = SmppAddress::parse(bad).unwrap_err().to_string();
            assert!(err.contains("SMS_URL") || err.contains("SMPP"), "{bad}: {err}");
            assert!(!err.contains("toolongpassword"), "{err}");
        }
    }

    #[test]
    fn receipts_are_read_from_the_appendix_b_text() {
        let deliver = DeliverSm::builder()
            .esm_class(rusmpp::values::EsmClass::new(
                Default::default(),
                MessageType::ShortMessageContainsMCDeliveryReceipt,
                Default::default(),
                Default::default(),
            ))
            .short_message(
                rusmpp::types::OctetString::from_str(
                    "id:m17 sub:001 dlvrd:000 submit date:2612011000 done date:2612011001 stat:UNDELIV err:001 text:",
                )
                .unwrap(),
            )
            .build();
        let receipt = receipt_of(&deliver).unwrap();
        assert_eq!(receipt, Receipt { message_id: "m17".into(), state: "UNDELIV".into() });
        assert!(receipt.undelivered());
        assert!(receipt_of(&DeliverSm::builder().build()).is_none());
    }

    #[test]
    fn replies_are_read_in_ucs2() {
        let text: Vec<u8> = "停止".encode_utf16().flat_map(u16::to_be_bytes).collect();
        let deliver = DeliverSm::builder()
            .data_coding(DataCoding::Ucs2)
            .short_message(rusmpp::types::OctetString::from_vec(text).unwrap())
            .build();
        assert_eq!(text_of(&deliver), "停止");
    }

    #[test]
    fn congestion_is_tried_again_and_a_bad_number_is_not() {
        assert!(!refusal(CommandStatus::EsmeRthrottled).permanent);
        assert!(refusal(CommandStatus::EsmeRinvdstadr).permanent);
    }
}
