// The SMSC of bench/sms.sh: node-smpp's server on loopback, answering every submit_sm
// at once, counting the parts, and printing the count as JSON when it is stopped.
const smpp = require('smpp');

const port = Number(process.argv[2] || 2775);
let parts = 0;
const server = smpp.createServer({}, (session) => {
  session.on('bind_transceiver', (pdu) => session.send(pdu.response()));
  session.on('enquire_link', (pdu) => session.send(pdu.response()));
  session.on('submit_sm', (pdu) => {
    parts += 1;
    session.send(pdu.response({ message_id: `b${parts}` }));
  });
  session.on('unbind', (pdu) => {
    session.send(pdu.response());
    session.close();
  });
  session.on('error', () => {});
});
server.listen(port, '127.0.0.1', () => console.error(`smsc listening on ${port}`));
process.on('SIGTERM', () => {
  console.log(JSON.stringify({ parts }));
  process.exit(0);
});
