package ucx

import "context"

// SessionService resolves a web session to its principal. sqlstore
// implements it; the web UI creates the sessions (WebSessionService).
type SessionService interface {
	// PrincipalBySession returns the principal of a live session. Returns
	// EUNAUTHORIZED for an unknown or expired session.
	PrincipalBySession(ctx context.Context, secret string) (*Principal, error)
}

// WebSessionService starts and ends the web UI's sessions. When the
// server's session service also implements it (sqlstore does), the UI
// offers sign-in; otherwise its login page says sign-in is unavailable.
// It is kept apart from SessionService because the API only ever needs to
// resolve a session, never to make one.
type WebSessionService interface {
	SessionService
	// CreateSession starts a session for a user who has just
	// authenticated and returns its secret, for the cookie.
	CreateSession(ctx context.Context, userID int64) (string, error)
	// DeleteSession ends a session; an unknown one is not an error.
	DeleteSession(ctx context.Context, secret string) error
}
