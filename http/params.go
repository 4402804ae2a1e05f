package http

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

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
			return 0, ucx.FieldErrorf(ucx.EINVALID, "If-Match", "If-Match must be the ETag of the last read, such as \"3\", not %s", wire.Clip(header))
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
