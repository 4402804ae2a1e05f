package ucx

import (
	"errors"
	"fmt"
)

// Error codes are stable strings: clients and scripts match on them, and the
// HTTP layer maps each to exactly one status in a single table. Add a code
// only when callers need to tell it apart from the existing ones.
const (
	EINVALID      = "invalid"        // the input is malformed; Field names it
	EUNAUTHORIZED = "unauthorized"   // no or bad credentials
	EFORBIDDEN    = "forbidden"      // authenticated, but the role or organisation may not do this
	ENOTFOUND     = "not_found"      // no such record, or not visible to the caller
	ECONFLICT     = "conflict"       // a concurrent change won, or the record already exists
	ERULE         = "rule_violation" // well-formed, but the regulation or the workflow forbids it
	ETOOLARGE     = "too_large"      // a body, upload or batch over its documented limit
	ERATELIMIT    = "rate_limited"   // too many requests; retry later
	EUNAVAILABLE  = "unavailable"    // a dependency (the store) cannot be reached
	EINTERNAL     = "internal"       // a bug or an unexpected failure; details are logged, never shown

	// EUNREGISTERED: a manufacturer not bound to a live entry of the
	// manufacturer register under its exact name may not confirm (R2).
	// Callers tell it apart from EFORBIDDEN because the fix is not theirs:
	// the platform operator binds the organisation to its entry.
	EUNREGISTERED = "unregistered_manufacturer"
)

// Error is the one error type that crosses package boundaries. Code and
// Message are safe to show to users; Err (the cause) and Op (where it
// happened) are for logs only, so internal details never reach a client.
type Error struct {
	Code    string // one of the E* constants
	Field   string // the offending input field, when there is one
	Message string // what went wrong and how to fix it, for people
	Op      string // the operation that failed, e.g. "sqlstore.CreateApplication"
	Err     error  // the underlying cause, never shown to users

	// Format and Args are what Message was made from (Errorf,
	// FieldErrorf): the English format is the key of the error catalogues
	// (i18n.ErrorText), so a page or the CLI can say the same thing in its
	// reader's language with the same arguments.
	Format string
	Args   []any
}

// Error implements the error interface with everything, for logs.
func (e *Error) Error() string {
	s := e.Code
	if e.Op != "" {
		s = e.Op + ": " + s
	}
	if e.Field != "" {
		s += " (" + e.Field + ")"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap exposes the cause to errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an application error with a user-facing message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// FieldErrorf returns an EINVALID-style error that names the offending field,
// so forms and API clients can put the message beside the right input.
func FieldErrorf(code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// Internal wraps an unexpected failure. Its message is never shown to users.
func Internal(op string, err error) *Error {
	return &Error{Code: EINTERNAL, Op: op, Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err. Errors that are not
// application errors, and internal ones, read "Internal error." so that no
// SQL, path or stack detail leaks to a client.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		if e.Message != "" {
			return e.Message
		}
		return e.Code
	}
	return "Internal error."
}

// ErrorFormat returns the format and arguments err's message was made
// from, for a translation (i18n.ErrorText); "" for an internal error, an
// error that is not an application error, or one made without a format.
func ErrorFormat(err error) (format string, args []any) {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Format, e.Args
	}
	return "", nil
}

// ErrorField returns the offending field named by err, if any.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
