package http

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ucxdev/ucx"
)

// Paging limits for every list endpoint: a page of 50 by default and at
// most 500 (the store's own ceiling), so no request can ask for everything
// at once. A larger limit is lowered to it, and the answer's limit says so.
const (
	defaultLimit = 50
	maxLimit     = 500
)

// pathID reads the {name} wildcard as a positive record id. Anything else
// (letters, zero, a negative number, an overflow) is EINVALID naming the
// wildcard, never a lookup that cannot succeed.
func pathID(r *http.Request, name string) (int64, error) {
	s := r.PathValue(name)
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, ucx.FieldErrorf(ucx.EINVALID, name, "%s must be a positive integer record id, not %q", name, clip(s))
	}
	return id, nil
}

// paging reads offset and limit from the query.
func paging(q url.Values) (offset, limit int, err error) {
	offset, err = queryInt(q, "offset", 0, 0, 1<<31-1)
	if err != nil {
		return 0, 0, err
	}
	limit, err = queryInt(q, "limit", defaultLimit, 1, 1<<31-1)
	return offset, min(limit, maxLimit), err
}

// queryInt reads an integer query parameter within [lo, hi], or def when
// absent.
func queryInt(q url.Values, name string, def, lo, hi int) (int, error) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, ucx.FieldErrorf(ucx.EINVALID, name, "%s must be an integer from %d to %d, not %q", name, lo, hi, clip(s))
	}
	return n, nil
}

// queryString reads a text query parameter of at most 200 bytes, one line
// of UTF-8 text (ucx.CheckText).
func queryString(q url.Values, name string) (string, error) {
	s := strings.TrimSpace(q.Get(name))
	if len(s) > 200 {
		return "", ucx.FieldErrorf(ucx.EINVALID, name, "%s is longer than 200 bytes", name)
	}
	if err := ucx.CheckText(name, s, ucx.OneLine); err != nil {
		return "", err
	}
	return s, nil
}

// requestVersion returns the version a workflow action is made against:
// the If-Match header (the ETag of the last GET, e.g. "3") or the body's
// version. Without one the change would silently overwrite whatever
// happened since the caller looked, so it is refused (EINVALID naming
// version). Both given and different is refused too.
func requestVersion(r *http.Request, body *int) (int, error) {
	header := r.Header.Get("If-Match")
	var fromHeader int
	if header != "" {
		v, ok := parseETag(header)
		if !ok {
			return 0, ucx.FieldErrorf(ucx.EINVALID, "If-Match", "If-Match must be the ETag of the last read, such as \"3\", not %s", clip(header))
		}
		fromHeader = v
	}
	switch {
	case header == "" && body == nil:
		return 0, ucx.FieldErrorf(ucx.EINVALID, "version", "give the version you last read, in If-Match (the ETag) or as {\"version\": N}, so a change made since is not overwritten")
	case header != "" && body != nil && *body != fromHeader:
		return 0, ucx.FieldErrorf(ucx.EINVALID, "version", "If-Match says version %d but the body says %d", fromHeader, *body)
	case header != "":
		return fromHeader, nil
	}
	if *body < 1 {
		return 0, ucx.FieldErrorf(ucx.EINVALID, "version", "version must be a positive integer")
	}
	return *body, nil
}

// parseETag reads "3", W/"3" or a bare 3.
func parseETag(s string) (int, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "W/")
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 1 {
		return 0, false
	}
	return v, true
}

// etag formats a version as the ETag header value.
func etag(version int) string { return `"` + strconv.Itoa(version) + `"` }

// clip shortens what a client sent before it is quoted back.
func clip(s string) string {
	if len(s) <= 40 {
		return s
	}
	i := 40
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}
