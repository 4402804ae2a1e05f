package http

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ParsePublicURL checks the server's public address (ucx serve
// --public-url) and returns it without a trailing slash; "" stays "". The
// address is printed on every document as its QR code, so a typo would be
// carried on paper to buyers abroad: anything but an absolute http or
// https URL with a host, and without query, fragment or credentials, is
// refused at start rather than printed.
func ParsePublicURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "", fmt.Errorf("%q is not a URL: write it as https://host[/path]", s)
	case u.Scheme != "https" && u.Scheme != "http":
		return "", fmt.Errorf("%q: the public address starts with https:// (or http://)", s)
	case u.Host == "" || u.Hostname() == "":
		return "", fmt.Errorf("%q has no host: write it as https://host[/path]", s)
	case u.User != nil:
		return "", fmt.Errorf("%q carries credentials, which would be printed on every document", s)
	case u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(s, "?#"):
		return "", fmt.Errorf("%q has a query or fragment: give only https://host[/path]", s)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// publicBase is the base URL of the links and QR codes the server prints:
// PublicURL when set, else the scheme and host the request came in on
// (then local says so, and the print view warns that the code only works
// where that address does).
func (s *Server) publicBase(r *http.Request) (base string, local bool) {
	if s.PublicURL != "" {
		return strings.TrimSuffix(s.PublicURL, "/"), false
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host, true
}
