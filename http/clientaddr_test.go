package http_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	ucxhttp "github.com/ucxdev/ucx/http"
	"github.com/ucxdev/ucx/http/webtest"
)

// TestClientAddr_BelievesForwardedForOnlyFromTrustedProxies reads the
// client's address from X-Forwarded-For only when the TCP peer is a
// trusted proxy, taking the rightmost hop that is not itself trusted: a
// header written by a client (spoofed, or prepended to a proxy's) never
// chooses the address the limits and the audit see.
func TestClientAddr_BelievesForwardedForOnlyFromTrustedProxies(t *testing.T) {
	trusted, err := ucxhttp.ParseTrustedProxies("10.0.0.0/8, 192.0.2.7 fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		trusted bool // use the trusted list (else none)
		peer    string
		xff     []string
		want    string
	}{
		{"no proxies configured: the peer, header ignored", false, "203.0.113.9:5000", []string{"198.51.100.1"}, "203.0.113.9"},
		{"spoofed header from an untrusted peer is ignored", true, "203.0.113.9:5000", []string{"198.51.100.1"}, "203.0.113.9"},
		{"trusted proxy without a header: the proxy", true, "10.1.2.3:5000", nil, "10.1.2.3"},
		{"trusted proxy: the hop it appended", true, "10.1.2.3:5000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"client-written hops left of the proxy's are not believed", true, "10.1.2.3:5000", []string{"1.1.1.1, 198.51.100.1"}, "198.51.100.1"},
		{"chain of trusted proxies: rightmost untrusted hop", true, "10.1.2.3:5000", []string{"1.1.1.1, 198.51.100.1, 10.9.9.9, 192.0.2.7"}, "198.51.100.1"},
		{"several header lines are one list", true, "10.1.2.3:5000", []string{"1.1.1.1", "198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		{"all hops trusted: the leftmost", true, "10.1.2.3:5000", []string{"10.4.4.4, 10.5.5.5"}, "10.4.4.4"},
		{"garbage hop stops at the last trusted one", true, "10.1.2.3:5000", []string{"198.51.100.1, not-an-ip, 10.5.5.5"}, "10.5.5.5"},
		{"hop with a port", true, "10.1.2.3:5000", []string{"198.51.100.1:4711"}, "198.51.100.1"},
		{"IPv6 peer and hop", true, "[fd00::1]:5000", []string{"2001:db8::5"}, "2001:db8::5"},
		{"IPv4-mapped peer is trusted as IPv4", true, "[::ffff:10.1.2.3]:5000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"peer without a port", true, "203.0.113.9", []string{"198.51.100.1"}, "203.0.113.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.peer
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			list := trusted
			if !tt.trusted {
				list = nil
			}
			if got := ucxhttp.ClientAddr(r, list); got != tt.want {
				t.Errorf("ClientAddr = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestParseTrustedProxies_RefusesWhatIsNotAnAddress names the bad entry.
func TestParseTrustedProxies_RefusesWhatIsNotAnAddress(t *testing.T) {
	for _, in := range []string{"10.0.0.0/33", "proxy.example", "10.0.0.0/8,,nope"} {
		if _, err := ucxhttp.ParseTrustedProxies(in); err == nil || !strings.Contains(err.Error(), "trusted proxy") {
			t.Errorf("ParseTrustedProxies(%q) = %v, want an error naming the entry", in, err)
		}
	}
	if got, err := ucxhttp.ParseTrustedProxies(""); err != nil || len(got) != 0 {
		t.Errorf("empty list: %v %v", got, err)
	}
}

// TestLimits_BehindATrustedProxyEachClientHasItsOwnBucket: with the proxy
// trusted, clients behind it are limited one by one (one exhausting its
// bucket does not block another), and a client cannot escape its bucket by
// writing its own X-Forwarded-For when it reaches the server directly.
func TestLimits_BehindATrustedProxyEachClientHasItsOwnBucket(t *testing.T) {
	s := ucxhttp.NewServer()
	s.Logger = webtest.DiscardLogger()
	trusted, _ := ucxhttp.ParseTrustedProxies("10.0.0.1")
	s.TrustedProxies = trusted
	h := s.LimitedHandler(ucxhttp.Limits{AddressRate: 1, AddressBurst: 2})
	get := func(peer, xff string) int {
		r := httptest.NewRequest("GET", "/api/v1/openapi.json", nil)
		r.RemoteAddr = peer
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Code
	}
	for i := 0; i < 2; i++ {
		if c := get("10.0.0.1:1", "198.51.100.1"); c != http.StatusOK {
			t.Fatalf("request %d of client A via the proxy: %d", i+1, c)
		}
	}
	if c := get("10.0.0.1:1", "198.51.100.1"); c != http.StatusTooManyRequests {
		t.Fatalf("client A past its burst: %d, want 429", c)
	}
	if c := get("10.0.0.1:1", "198.51.100.2"); c != http.StatusOK {
		t.Fatalf("client B via the same proxy: %d, want 200 (its own bucket)", c)
	}
	for i := 0; i < 2; i++ {
		get("203.0.113.9:1", "")
	}
	if c := get("203.0.113.9:1", "198.51.100.77"); c != http.StatusTooManyRequests {
		t.Fatalf("direct client spoofing X-Forwarded-For: %d, want 429 (its own address is limited)", c)
	}
}
