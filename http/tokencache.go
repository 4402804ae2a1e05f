package http

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/ucxdev/ucx"
)

// DefaultTokenCacheTTL is how long a resolved bearer token is trusted
// without asking the store again. Resolving costs a store read on every
// request — about a tenth of the server's CPU when filing — while a token
// revoked through this server is forgotten at once; on other servers
// sharing the store, a revocation takes effect within this time.
const DefaultTokenCacheTTL = 5 * time.Second

// maxCachedTokens bounds the cache's memory: past it the cache starts
// afresh, which costs one store read per active token.
const maxCachedTokens = 10000

// tokenCache remembers principals by the SHA-256 of their token, so that no
// secret is kept as a map key.
type tokenCache struct {
	mu      sync.RWMutex
	ttl     time.Duration
	now     func() time.Time
	entries map[[32]byte]cachedPrincipal
}

type cachedPrincipal struct {
	p       ucx.Principal
	expires time.Time
}

func newTokenCache(ttl time.Duration, now func() time.Time) *tokenCache {
	return &tokenCache{ttl: ttl, now: now, entries: map[[32]byte]cachedPrincipal{}}
}

// get returns a copy of the cached principal of token, if still fresh.
func (c *tokenCache) get(token string) (*ucx.Principal, bool) {
	if c.ttl <= 0 {
		return nil, false
	}
	key := sha256.Sum256([]byte(token))
	c.mu.RLock()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	if !ok || !c.now().Before(e.expires) {
		return nil, false
	}
	p := e.p
	return &p, true
}

// put remembers a principal resolved from the store.
func (c *tokenCache) put(token string, p *ucx.Principal) {
	if c.ttl <= 0 || p == nil {
		return
	}
	key := sha256.Sum256([]byte(token))
	c.mu.Lock()
	if len(c.entries) >= maxCachedTokens {
		c.entries = map[[32]byte]cachedPrincipal{}
	}
	c.entries[key] = cachedPrincipal{p: *p, expires: c.now().Add(c.ttl)}
	c.mu.Unlock()
}

// clear forgets every token. A revocation calls it: revocations are rare,
// and the revoked token's owner is not known here.
func (c *tokenCache) clear() {
	c.mu.Lock()
	c.entries = map[[32]byte]cachedPrincipal{}
	c.mu.Unlock()
}
