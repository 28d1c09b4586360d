//! A test SMSC on loopback, built on the same SMPP crate as the app (rusmpp): it binds
//! transceivers, takes `submit_sm` (joining concatenated parts and decoding UCS-2),
//! answers with message ids, sends delivery receipts, and can refuse numbers or report
//! them undeliverable.

use std::{collections::HashMap, str::FromStr, sync::Arc, time::Duration};

use futures::{SinkExt, StreamExt};
use rusmpp::{
    pdus::{BindTransceiverResp, DeliverSm, SubmitSm, SubmitSmResp},
    tokio_codec::CommandCodec,
    types::{COctetString, OctetString},
    values::{DataCoding, EsmClass, MessageType},
    Command, CommandStatus, Pdu,
};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::{Mutex, Notify},
    task::{JoinHandle, JoinSet},
};
use tokio_util::codec::Framed;

/// The login the tests configure (`SMS_URL=smpp://ippo:secret@…`).
pub const SYSTEM_ID: &str = "ippo";
pub const PASSWORD: &str = "secret";

/// One whole message as the phone would show it.
#[derive(Clone, Debug)]
pub struct ReceivedSms {
    /// The destination as sent (`819012345678`).
    pub to: String,
    pub text: String,
    /// How many `submit_sm` carried it.
    pub parts: usize,
    /// Every part was UCS-2.
    pub ucs2: bool,
}

#[derive(Clone)]
pub struct SmsInbox {
    messages: Arc<Mutex<Vec<ReceivedSms>>>,
    arrived: Arc<Notify>,
    /// Numbers refused at `submit_sm` (ESME_RINVDSTADR).
    refuse: Arc<Vec<String>>,
    /// Numbers accepted, then reported undeliverable by a receipt.
    undeliverable: Arc<Vec<String>>,
    /// Replies from phones (number, text) for the SMSC to pass to every bound client.
    replies: tokio::sync::broadcast::Sender<(String, String)>,
}

impl Default for SmsInbox {
    fn default() -> SmsInbox {
        SmsInbox {
            messages: Default::default(),
            arrived: Default::default(),
            refuse: Default::default(),
            undeliverable: Default::default(),
            replies: tokio::sync::broadcast::channel(16).0,
        }
    }
}

impl SmsInbox {
    /// A phone sends `text` back from `from` (`819012345678`): passed on as a
    /// `deliver_sm` in UCS-2 to the clients bound now.
    pub fn reply(&self, from: &str, text: &str) {
        self.replies.send((from.to_string(), text.to_string())).expect("a client is bound");
    }

    /// An inbox whose SMSC refuses the numbers `refuse` and reports `undeliverable` ones so.
    pub fn new(refuse: &[&str], undeliverable: &[&str]) -> SmsInbox {
        let own = |numbers: &[&str]| Arc::new(numbers.iter().map(|n| n.to_string()).collect());
        SmsInbox { refuse: own(refuse), undeliverable: own(undeliverable), ..Default::default() }
    }

    pub async fn all(&self) -> Vec<ReceivedSms> {
        self.messages.lock().await.clone()
    }

    /// Waits until at least `n` messages have arrived, or fails after `within`.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<ReceivedSms> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let notified = self.arrived.notified();
            {
                let messages = self.messages.lock().await;
                if messages.len() >= n {
                    return messages.clone();
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let got = self.messages.lock().await.clone();
                panic!("expected {n} SMS within {within:?}, got {}: {got:?}", got.len());
            }
        }
    }
}

/// The SMSC: stops (closing every link) when dropped.
pub struct Smsc {
    pub port: u16,
    pub inbox: SmsInbox,
    task: JoinHandle<()>,
}

impl Drop for Smsc {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Smsc {
    pub async fn start(inbox: SmsInbox) -> Smsc {
        Smsc::start_on(0, inbox).await
    }

    /// On a given port (an SMSC that comes back where it was).
    pub async fn start_on(port: u16, inbox: SmsInbox) -> Smsc {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("bind the SMSC");
        let port = listener.local_addr().unwrap().port();
        let shared = inbox.clone();
        let task = tokio::spawn(async move {
            // The links live in the set: aborting the SMSC drops them all.
            let mut links = JoinSet::new();
            let ids = Arc::new(std::sync::atomic::AtomicU64::new(1));
            while let Ok((stream, _)) = listener.accept().await {
                links.spawn(serve(stream, shared.clone(), ids.clone()));
            }
        });
        Smsc { port, inbox, task }
    }

    /// `SMS_URL` for the app.
    pub fn url(&self) -> String {
        format!("smpp://{SYSTEM_ID}:{PASSWORD}@127.0.0.1:{}?source=0935822102", self.port)
    }
}

async fn serve(stream: TcpStream, inbox: SmsInbox, ids: Arc<std::sync::atomic::AtomicU64>) {
    let mut link = Framed::new(stream, CommandCodec::new());
    // Parts of concatenated messages waiting for the rest: (to, reference) → parts by number.
    let mut pending: HashMap<(String, u16), Vec<Option<Vec<u16>>>> = HashMap::new();
    let mut sequence = 1_000_000u32;
    let mut replies = inbox.replies.subscribe();
    loop {
        let command = tokio::select! {
            frame = link.next() => match frame {
                Some(Ok(command)) => command,
                _ => return,
            },
            Ok((from, text)) = replies.recv() => {
                sequence += 1;
                let _ = link.send(reply(sequence, &from, &text)).await;
                continue;
            }
        };
        let seq = command.sequence_number();
        let reply: Command = match command.pdu() {
            Some(Pdu::BindTransceiver(bind)) => {
                let ok = bind.system_id.to_string() == SYSTEM_ID && bind.password.to_string() == PASSWORD;
                let status = if ok { CommandStatus::EsmeRok } else { CommandStatus::EsmeRinvpaswd };
                let resp =
                    BindTransceiverResp::builder().system_id(COctetString::from_str("test-smsc").unwrap()).build();
                Command::new(status, seq, resp)
            }
            Some(Pdu::EnquireLink) => Command::new(CommandStatus::EsmeRok, seq, Pdu::EnquireLinkResp),
            Some(Pdu::Unbind) => {
                let _ = link.send(Command::new(CommandStatus::EsmeRok, seq, Pdu::UnbindResp)).await;
                return;
            }
            Some(Pdu::SubmitSm(submit)) => {
                let to = submit.destination_addr.to_string();
                if inbox.refuse.contains(&to) {
                    let resp = SubmitSmResp::builder().message_id(COctetString::from_str("x").unwrap()).build();
                    Command::new(CommandStatus::EsmeRinvdstadr, seq, resp)
                } else {
                    let id = format!("m{}", ids.fetch_add(1, std::sync::atomic::Ordering::SeqCst));
                    let resp = SubmitSmResp::builder().message_id(COctetString::from_str(&id).unwrap()).build();
                    let _ = link.send(Command::new(CommandStatus::EsmeRok, seq, resp)).await;
                    if let Some(done) = take_part(&mut pending, submit) {
                        inbox.messages.lock().await.push(done);
                        inbox.arrived.notify_waiters();
                    }
                    let state = if inbox.undeliverable.contains(&to) { "UNDELIV" } else { "DELIVRD" };
                    sequence += 1;
                    let _ = link.send(receipt(sequence, &id, state)).await;
                    continue;
                }
            }
            _ => continue,
        };
        if link.send(reply).await.is_err() {
            return;
        }
    }
}

/// Keeps one part; returns the whole message once its last part is in.
fn take_part(pending: &mut HashMap<(String, u16), Vec<Option<Vec<u16>>>>, submit: &SubmitSm) -> Option<ReceivedSms> {
    let to = submit.destination_addr.to_string();
    let ucs2 = submit.data_coding == DataCoding::Ucs2;
    let bytes: &[u8] = submit.short_message().as_ref();
    let udhi = submit.esm_class.gsm_features != Default::default();
    let units = |b: &[u8]| b.chunks(2).map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])).collect::<Vec<_>>();
    let text = |parts: &[Vec<u16>]| char::decode_utf16(parts.concat()).map(|c| c.unwrap_or('\u{FFFD}')).collect();
    if !udhi {
        return Some(ReceivedSms { to, text: text(&[units(bytes)]), parts: 1, ucs2 });
    }
    // The user data header: its length, then the concatenation element (8- or 16-bit reference).
    let header_len = bytes[0] as usize;
    let (reference, total, number) = match bytes[1] {
        0x00 => (bytes[3] as u16, bytes[4] as usize, bytes[5] as usize),
        0x08 => (u16::from_be_bytes([bytes[3], bytes[4]]), bytes[5] as usize, bytes[6] as usize),
        other => panic!("unexpected UDH element {other:#x}"),
    };
    let slots = pending.entry((to.clone(), reference)).or_insert_with(|| vec![None; total]);
    slots[number - 1] = Some(units(&bytes[1 + header_len..]));
    if slots.iter().all(Option::is_some) {
        let parts: Vec<Vec<u16>> = pending.remove(&(to.clone(), reference)).unwrap().into_iter().flatten().collect();
        Some(ReceivedSms { to, text: text(&parts), parts: total, ucs2 })
    } else {
        None
    }
}

/// A text from a phone, in UCS-2 as Japanese phones send it.
fn reply(sequence: u32, from: &str, text: &str) -> Command {
    let bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let deliver = DeliverSm::builder()
        .source_addr(COctetString::from_str(from).unwrap())
        .destination_addr(COctetString::from_str("0935822102").unwrap())
        .data_coding(DataCoding::Ucs2)
        .short_message(OctetString::from_vec(bytes).unwrap())
        .build();
    Command::new(CommandStatus::EsmeRok, sequence, deliver)
}

/// A delivery receipt in the text of SMPP 3.4 Appendix B.
fn receipt(sequence: u32, id: &str, state: &str) -> Command {
    let text =
        format!("id:{id} sub:001 dlvrd:001 submit date:2612011000 done date:2612011001 stat:{state} err:000 text:");
    let deliver = DeliverSm::builder()
        .source_addr(COctetString::from_str("819012345678").unwrap())
        .destination_addr(COctetString::from_str("0935822102").unwrap())
        .esm_class(EsmClass::new(
            Default::default(),
            MessageType::ShortMessageContainsMCDeliveryReceipt,
            Default::default(),
            Default::default(),
        ))
        .short_message(OctetString::from_str(&text).unwrap())
        .build();
    Command::new(CommandStatus::EsmeRok, sequence, deliver)
}
