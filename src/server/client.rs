//! The client's address: the TCP peer, or — behind a trusted reverse proxy
//! (`IPPO_TRUSTED_PROXIES`) — the address the proxies say they got the request from.
//! Rate limits and the audit log count by it.

use std::net::IpAddr;

use axum::{extract::FromRequestParts, http::request::Parts};
use ipnet::IpNet;

/// The client of a request, as `routes::with_request_context` found it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// The client behind `peer`: `X-Forwarded-For` read from the right, skipping the
/// proxies we trust, when (and only when) `peer` is one of them.
pub fn client_ip(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<IpAddr> =
        forwarded_for.unwrap_or_default().split(',').filter_map(|hop| hop.trim().parse().ok()).collect();
    hops.iter().rev().find(|ip| !is_trusted(ip)).or(hops.first()).copied().unwrap_or(peer)
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<ClientIp>().copied().unwrap_or(ClientIp(IpAddr::from([0, 0, 0, 0]))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_counts_only_from_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap(), "127.0.0.1/32".parse().unwrap()];
        // A proxy we trust: the rightmost address that is not one of ours.
        assert_eq!(client_ip(ip("10.1.2.3"), Some("203.0.113.9, 10.0.0.7"), &trusted), ip("203.0.113.9"));
        // A spoofed first hop is not believed: the proxy appended the real one.
        assert_eq!(client_ip(ip("10.1.2.3"), Some("1.1.1.1, 198.51.100.4"), &trusted), ip("198.51.100.4"));
        // Anyone else's header is ignored.
        assert_eq!(client_ip(ip("198.51.100.4"), Some("1.1.1.1"), &trusted), ip("198.51.100.4"));
        assert_eq!(client_ip(ip("10.1.2.3"), None, &trusted), ip("10.1.2.3"));
        assert_eq!(client_ip(ip("10.1.2.3"), Some("garbage"), &trusted), ip("10.1.2.3"));
        assert_eq!(client_ip(ip("127.0.0.1"), Some("203.0.113.9"), &[]), ip("127.0.0.1"));
    }
}
