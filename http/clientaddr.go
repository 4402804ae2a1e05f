package http

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// ParseTrustedProxies reads a list of proxy addresses, each a CIDR prefix
// (10.0.0.0/8, fd00::/8) or a single address (192.0.2.7), separated by
// commas or spaces, as `ucx serve --trusted-proxy` and UCX_TRUSTED_PROXIES
// give them. An empty list trusts no proxy.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q is not an address or CIDR prefix (e.g. 10.0.0.0/8 or 192.0.2.7)", f)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is not an address or CIDR prefix (e.g. 10.0.0.0/8 or 192.0.2.7)", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// ClientAddr is the address a request came from, as the rate limits and
// the audit trail record it. It is the TCP peer, unless the peer is one of
// the trusted proxies: then X-Forwarded-For is read from the right (the
// hop the proxy itself appended) and the first address that is not a
// trusted proxy is the client. Anything to the left of that hop was
// written by the client and is not believed; a header from an untrusted
// peer is ignored altogether, so a client cannot choose its own address.
// A hop that is not an address stops the walk at the last trusted one.
func ClientAddr(r *http.Request, trusted []netip.Prefix) string {
	peer := r.RemoteAddr
	if host, _, err := net.SplitHostPort(peer); err == nil {
		peer = host
	}
	if len(trusted) == 0 {
		return peer
	}
	addr, err := netip.ParseAddr(peer)
	if err != nil || !isTrusted(addr, trusted) {
		return peer
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	client := addr
	for i := len(hops) - 1; i >= 0; i-- {
		hop, ok := parseHop(hops[i])
		if !ok {
			break
		}
		client = hop
		if !isTrusted(hop, trusted) {
			break
		}
	}
	return client.String()
}

// parseHop reads one X-Forwarded-For element: an address, possibly with a
// port ("192.0.2.1:4711", "[2001:db8::1]:4711") as some proxies write.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientAddr is ClientAddr with the server's trusted proxies.
func (s *Server) clientAddr(r *http.Request) string {
	return ClientAddr(r, s.TrustedProxies)
}

// loginAllowed takes a login attempt for username from the request's
// address: at most LoginsPerMinute a minute per (address, username), and
// none while the address has failed LoginFailuresPerAddressFactor times
// that over all usernames. It answers how long to wait when refused.
func (s *Server) loginAllowed(r *http.Request, username string) (bool, time.Duration) {
	addr := s.clientAddr(r)
	if blocked, wait := s.failing.blocked(addr); blocked {
		return false, wait
	}
	return s.logins.allow(addr + "\x00" + strings.ToLower(strings.TrimSpace(username)))
}

// loginFailed counts a failed login against the request's address.
func (s *Server) loginFailed(r *http.Request) {
	s.failing.allow(s.clientAddr(r))
}
