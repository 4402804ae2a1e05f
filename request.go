package ucx

import (
	"context"
	"errors"
	"fmt"
	"time"
)

type clientAddrKey struct{}

// WithClientAddr returns ctx carrying the address of the client a request
// came from (the HTTP server's ClientAddr, which believes X-Forwarded-For
// only from trusted proxies), so that services can record it in the audit
// trail, e.g. the address of the failed sign-ins that locked an account.
func WithClientAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientAddrKey{}, addr)
}

// ClientAddrFrom returns the client address WithClientAddr stored, or "".
func ClientAddrFrom(ctx context.Context) string {
	s, _ := ctx.Value(clientAddrKey{}).(string)
	return s
}

// RetryError is the cause of an ERATELIMIT error that knows when the
// caller may try again (a locked account, say). The API sends it as the
// Retry-After header.
type RetryError struct {
	After time.Duration
}

// Error implements error.
func (e *RetryError) Error() string { return fmt.Sprintf("retry after %s", e.After) }

// RetryAfter returns how long err says to wait before trying again, or 0
// when it does not say.
func RetryAfter(err error) time.Duration {
	var r *RetryError
	if errors.As(err, &r) {
		return r.After
	}
	return 0
}
